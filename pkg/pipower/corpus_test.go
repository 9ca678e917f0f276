package pipower

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aihat/aihat/internal/captures"
)

// TestThrottledCorpus runs every real get_throttled capture through
// ParseThrottled and checks the flags its .SOURCE states.
func TestThrottledCorpus(t *testing.T) {
	cs, err := captures.Load("get_throttled")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Run(c.Name, func(t *testing.T) {
			th, err := ParseThrottled(c.Text)
			if err != nil {
				t.Fatal(err)
			}
			flags := th.Flags()
			for k, want := range c.Expect {
				got := ""
				if k == "raw" {
					got = "0x" + strconv.FormatUint(uint64(th.Raw), 16)
				} else if v, ok := flags[k]; ok {
					got = strconv.FormatBool(v)
				} else {
					t.Fatalf("unknown expect key %q", k)
				}
				if got != want {
					t.Errorf("%s = %s, the capture states %s", k, got, want)
				}
			}
		})
	}
}

// pi5Hwmon is a Pi 5's hwmon class as the kernel lays it out (names from
// PI5-FACTS: cpu_thermal, rp1_adc, pwmfan, rpi_volt) plus an INA226 on
// the HAT's 5 V input.
func pi5Hwmon() fstest.MapFS {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s + "\n")} }
	return fstest.MapFS{
		"sys/class/hwmon/hwmon0/name":            f("cpu_thermal"),
		"sys/class/hwmon/hwmon0/temp1_input":     f("52150"),
		"sys/class/hwmon/hwmon1/name":            f("rp1_adc"),
		"sys/class/hwmon/hwmon1/in1_input":       f("1480"),
		"sys/class/hwmon/hwmon1/in2_input":       f("1473"),
		"sys/class/hwmon/hwmon2/name":            f("rpi_volt"),
		"sys/class/hwmon/hwmon2/in0_lcrit_alarm": f("0"),
		"sys/class/hwmon/hwmon3/name":            f("pwmfan"),
		"sys/class/hwmon/hwmon3/fan1_input":      f("2986"),
		"sys/class/hwmon/hwmon4/name":            f("ina226"),
		"sys/class/hwmon/hwmon4/in1_input":       f("5084"),
		"sys/class/hwmon/hwmon4/curr1_input":     f("1210"),
		"sys/class/hwmon/hwmon4/power1_input":    f("6150000"),
	}
}

// TestHwmonCountsOnlyPowerMonitors: the RP1 ADC's pins are not rails; the
// INA226's inputs are; rpi_volt is read for its alarm.
func TestHwmonCountsOnlyPowerMonitors(t *testing.T) {
	h, err := ReadHwmon(pi5Hwmon())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range h.Channels {
		got = append(got, c.Device+"/"+c.File)
	}
	if strings.Join(got, " ") != "ina226/curr1_input ina226/in1_input ina226/power1_input" {
		t.Fatalf("channels %v", got)
	}
	if h.Channels[1].Value != 5.084 || h.Channels[0].Value != 1.21 || h.Channels[2].Value != 6.15 {
		t.Fatalf("values %+v", h.Channels)
	}
	if !h.RPiVoltFound || h.RPiVoltAlarm {
		t.Fatalf("rpi_volt %v %v", h.RPiVoltFound, h.RPiVoltAlarm)
	}
	if len(h.Ignored) != 3 || !strings.HasPrefix(h.Ignored[1], "rp1_adc ") {
		t.Fatalf("ignored %v", h.Ignored)
	}
	// Named in the plan, the RP1 ADC's inputs count.
	h, err = ReadHwmon(pi5Hwmon(), "rp1_adc")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Channels) != 5 || h.Channels[0].Device != "rp1_adc" || h.Channels[0].Value != 1.48 {
		t.Fatalf("with rp1_adc named: %+v", h.Channels)
	}
}

func TestIsPowerMonitor(t *testing.T) {
	for name, want := range map[string]bool{
		"ina219": true, "ina226": true, "ina260": true, "ina3221": true, "ina238": true,
		"ina": false, "inax": false, "rp1_adc": false, "rpi_volt": false, "cpu_thermal": false, "pwmfan": false,
	} {
		if IsPowerMonitor(name) != want {
			t.Errorf("IsPowerMonitor(%q) != %v", name, want)
		}
	}
}
