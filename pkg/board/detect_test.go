package board

import (
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/aihat/aihat/internal/captures"
)

func TestDetectModelReadsTheDeviceTreeThenCPUInfo(t *testing.T) {
	pi5cpuinfo := "Hardware\t: BCM2835\nRevision\t: d04170\nModel\t\t: Raspberry Pi 5 Model B Rev 1.0\n"
	tests := []struct {
		name   string
		fs     fstest.MapFS
		model  string
		source string
		pi5    bool
	}{
		{"proc device tree", fstest.MapFS{"proc/device-tree/model": {Data: []byte("Raspberry Pi 5 Model B Rev 1.0\x00")}},
			"Raspberry Pi 5 Model B Rev 1.0", "/proc/device-tree/model", true},
		{"sysfs device tree", fstest.MapFS{"sys/firmware/devicetree/base/model": {Data: []byte("Raspberry Pi 5 Model B Rev 1.1\x00")}},
			"Raspberry Pi 5 Model B Rev 1.1", "/sys/firmware/devicetree/base/model", true},
		{"cpuinfo only (a container without the device tree)", fstest.MapFS{"proc/cpuinfo": {Data: []byte(pi5cpuinfo)}},
			"Raspberry Pi 5 Model B Rev 1.0", "/proc/cpuinfo", true},
		{"the device tree wins over cpuinfo", fstest.MapFS{
			"proc/device-tree/model": {Data: []byte("Raspberry Pi 4 Model B Rev 1.4\x00")},
			"proc/cpuinfo":           {Data: []byte(pi5cpuinfo)}},
			"Raspberry Pi 4 Model B Rev 1.4", "/proc/device-tree/model", false},
		{"an x86 cpuinfo names no model", fstest.MapFS{"proc/cpuinfo": {Data: []byte("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R)\n")}},
			"", "", false},
		{"nothing", fstest.MapFS{}, "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := DetectModel(tc.fs)
			if id.Model != tc.model || id.Source != tc.source || id.IsPi5() != tc.pi5 {
				t.Fatalf("DetectModel = %+v (IsPi5 %v), want %q from %q (IsPi5 %v)", id, id.IsPi5(), tc.model, tc.source, tc.pi5)
			}
		})
	}
}

// TestCPUInfoCorpus: /proc/cpuinfo as people posted it from their boards.
func TestCPUInfoCorpus(t *testing.T) {
	cs, err := captures.Load("proc_cpuinfo")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 {
		t.Fatal("no captures")
	}
	for _, c := range cs {
		t.Run(c.Name, func(t *testing.T) {
			model := CPUInfoModel([]byte(c.Text))
			if model != c.Expect["model"] {
				t.Errorf("model %q, the capture states %q", model, c.Expect["model"])
			}
			want, err := strconv.ParseBool(c.Expect["pi5"])
			if err != nil {
				t.Fatalf("expect pi5=%q: %v", c.Expect["pi5"], err)
			}
			id := DetectModel(fstest.MapFS{"proc/cpuinfo": {Data: []byte(c.Text)}})
			if id.IsPi5() != want {
				t.Errorf("IsPi5 = %v, want %v", id.IsPi5(), want)
			}
		})
	}
}

func TestNVMemPath(t *testing.T) {
	if got := NVMemPath(0, 0x50); got != "sys/bus/i2c/devices/0-0050/eeprom" {
		t.Errorf("NVMemPath(0, 0x50) = %q", got)
	}
	if got := NVMemPath(9, 0x57); got != "sys/bus/i2c/devices/9-0057/eeprom" {
		t.Errorf("NVMemPath(9, 0x57) = %q", got)
	}
}
