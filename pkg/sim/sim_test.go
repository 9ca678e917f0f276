package sim

import (
	"context"
	"io/fs"
	"math"
	"path"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aihat/aihat/pkg/board"
)

func newBoard(t *testing.T, faults ...string) *Board {
	t.Helper()
	b, err := New(Options{Seed: 7, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func read(t *testing.T, b *Board, p string) string {
	t.Helper()
	d, err := fs.ReadFile(b.FS(), p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return string(d)
}

func run(t *testing.T, b *Board, name string, args ...string) string {
	t.Helper()
	out, err := b.Run(context.Background(), name, args...)
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}

func TestFSIsAValidFS(t *testing.T) {
	b := newBoard(t)
	if err := fstest.TestFS(b.FS(), "proc/device-tree/model", "sys/class/thermal/thermal_zone0/temp",
		"boot/firmware/config.txt", "sys/bus/pci/devices/0001:01:00.0/vendor", "dev/hailo0"); err != nil {
		t.Fatal(err)
	}
}

// The formats a Pi 5 kernel and firmware use, file by file.
func TestFSFormatsMatchThePi5Kernel(t *testing.T) {
	b := newBoard(t)
	tests := []struct {
		path string
		re   string
	}{
		{"proc/device-tree/model", `^Raspberry Pi 5 Model B Rev 1\.0\x00$`},
		{"proc/device-tree/compatible", `^raspberrypi,5-model-b\x00brcm,bcm2712\x00$`},
		{"proc/device-tree/serial-number", `^[0-9a-f]{16}\x00$`},
		{"proc/device-tree/hat/vendor", `^Raspberry Pi Ltd\x00$`},
		{"proc/device-tree/hat/product", `^AI HAT\+ 2\x00$`},
		{"proc/device-tree/hat/product_id", `^0x0010\x00$`},
		{"proc/device-tree/hat/product_ver", `^0x0002\x00$`},
		{"proc/device-tree/hat/uuid", `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\x00$`},
		{"sys/class/thermal/thermal_zone0/type", `^cpu-thermal\n$`},
		{"sys/class/thermal/thermal_zone0/temp", `^[1-9][0-9]{4}\n$`}, // millidegrees
		{"sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", `^(1500000|2400000)\n$`},
		{"sys/devices/system/cpu/cpu3/cpufreq/cpuinfo_max_freq", `^2400000\n$`},
		{"sys/devices/system/cpu/cpu2/cpufreq/scaling_max_freq", `^2400000\n$`},
		{"sys/class/hwmon/hwmon0/name", `^cpu_thermal\n$`},
		{"sys/class/hwmon/hwmon2/name", `^rpi_volt\n$`},
		{"sys/class/hwmon/hwmon2/in0_lcrit_alarm", `^[01]\n$`},
		{"sys/class/hwmon/hwmon3/name", `^pwmfan\n$`},
		{"sys/class/hwmon/hwmon3/fan1_input", `^[0-9]+\n$`},
		{"sys/class/hwmon/hwmon3/pwm1", `^(0|75|125|175|250)\n$`},
		{"sys/bus/pci/devices/0001:01:00.0/vendor", `^0x1e60\n$`},
		{"sys/bus/pci/devices/0001:01:00.0/device", `^0x45c4\n$`},
		{"sys/bus/pci/devices/0001:01:00.0/current_link_speed", `^8\.0 GT/s PCIe\n$`},
		{"sys/bus/pci/devices/0001:01:00.0/current_link_width", `^1\n$`},
		{"sys/bus/pci/devices/0001:01:00.0/max_link_speed", `^8\.0 GT/s PCIe\n$`},
		{"proc/modules", `(?m)^hailo1x_pci [0-9]+ 0 - Live 0x[0-9a-f]+$`},
		{"proc/sys/kernel/osrelease", `^6\.12\.[0-9]+\+rpt-rpi-2712\n$`},
		// stock Raspberry Pi OS: no line for the HAT, which the firmware sets up
		{"boot/firmware/config.txt", `(?s)^# For more options and information see\n.*\n\[cm5\]\ndtoverlay=dwc2,dr_mode=host\n\n\[all\]\n$`},
	}
	for _, tc := range tests {
		got := read(t, b, tc.path)
		if !regexp.MustCompile(tc.re).MatchString(got) {
			t.Errorf("%s = %q, want match %s", tc.path, got, tc.re)
		}
	}
	mc := read(t, b, "proc/device-tree/chosen/power/max_current")
	if mc != "\x00\x00\x13\x88" {
		t.Errorf("max_current = % x, want big-endian 5000", mc)
	}
}

func TestDevNodesAreCharDevicesWithOwnerAndMode(t *testing.T) {
	b := newBoard(t)
	for path, want := range map[string]struct {
		perm fs.FileMode
		gid  uint32
	}{
		"dev/hailo0": {0o666, 0},
		"dev/i2c-0":  {0o660, GIDI2C},
		"dev/i2c-1":  {0o660, GIDI2C},
	} {
		fi, err := fs.Stat(b.FS(), path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode()&fs.ModeCharDevice == 0 || fi.Mode().Perm() != want.perm {
			t.Errorf("%s mode = %v, want char device %v", path, fi.Mode(), want.perm)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok || st.Gid != want.gid || st.Mode&syscall.S_IFMT != syscall.S_IFCHR {
			t.Errorf("%s Sys() = %+v, want Stat_t char device gid %d", path, fi.Sys(), want.gid)
		}
	}
}

func TestVcgencmdFormats(t *testing.T) {
	b := newBoard(t)
	tests := []struct {
		args []string
		re   string
	}{
		{[]string{"measure_temp"}, `^temp=[0-9]+\.[0-9]'C\n$`},
		{[]string{"measure_clock", "arm"}, `^frequency\(0\)=[0-9]{10}\n$`},
		{[]string{"get_throttled"}, `^throttled=0x[0-9a-f]+\n$`},
		{[]string{"pmic_read_adc"}, `(?m)^ +VDD_CORE_A current\(7\)=[0-9]+\.[0-9]{8}A$`},
		{[]string{"pmic_read_adc"}, `(?m)^ +VDD_CORE_V volt\(15\)=[0-9]+\.[0-9]{8}V$`},
		{[]string{"pmic_read_adc"}, `(?m)^ +EXT5V_V volt\(24\)=5\.[0-9]{8}V$`},
		{[]string{"pmic_read_adc", "EXT5V_V"}, `^ +EXT5V_V volt\(24\)=[0-9.]+V\n$`},
		{[]string{"version"}, `(?m)^version [0-9a-f]+ \(release\) \(embedded\)$`},
	}
	for _, tc := range tests {
		if got := run(t, b, "vcgencmd", tc.args...); !regexp.MustCompile(tc.re).MatchString(got) {
			t.Errorf("vcgencmd %v = %q, want match %s", tc.args, got, tc.re)
		}
	}
	out := run(t, b, "vcgencmd", "pmic_read_adc")
	if n := strings.Count(out, "\n"); n != 26 {
		t.Errorf("pmic_read_adc printed %d lines, want 26 (12 currents, 12 volts, EXT5V, BATT)", n)
	}
	if _, err := b.Run(context.Background(), "vcgencmd", "bogus"); err == nil {
		t.Error("unknown vcgencmd command did not fail")
	}
}

func TestSameSeedSameReadings(t *testing.T) {
	a, b := newBoard(t), newBoard(t)
	other, _ := New(Options{Seed: 8})
	for _, x := range []*Board{a, b, other} {
		x.SetLoad(board.Load{CPU: 0.7, NPU: 0.5})
		x.Clock().Sleep(context.Background(), 90*time.Second)
	}
	ra, rb := run(t, a, "vcgencmd", "pmic_read_adc"), run(t, b, "vcgencmd", "pmic_read_adc")
	if ra != rb {
		t.Fatal("same seed gave different pmic_read_adc output")
	}
	if run(t, other, "vcgencmd", "pmic_read_adc") == ra {
		t.Fatal("a different seed gave identical noise")
	}
	if read(t, a, "proc/device-tree/serial-number") == read(t, other, "proc/device-tree/serial-number") {
		t.Fatal("serial number does not depend on the seed")
	}
}

func milliC(t *testing.T, b *Board) float64 {
	v, err := strconv.Atoi(strings.TrimSpace(read(t, b, "sys/class/thermal/thermal_zone0/temp")))
	if err != nil {
		t.Fatal(err)
	}
	return float64(v) / 1000
}

func TestLoadHeatsTheSoCAndTheFanFollowsItsCurve(t *testing.T) {
	b := newBoard(t)
	idle := milliC(t, b)
	if idle < 35 || idle > 55 {
		t.Fatalf("idle SoC = %.1f °C, want 35..55", idle)
	}
	b.SetLoad(board.Load{CPU: 1, NPU: 1})
	b.Clock().Sleep(context.Background(), 10*time.Minute)
	hot := milliC(t, b)
	if hot < idle+10 {
		t.Fatalf("under full load SoC = %.1f °C, idle %.1f: load does not heat", hot, idle)
	}
	pwm := strings.TrimSpace(read(t, b, "sys/class/hwmon/hwmon3/pwm1"))
	// Steady state sits between trips 2 and 3 (60 and 67.5 °C) or above.
	if pwm == "0" || pwm == "75" {
		t.Fatalf("fan PWM = %s at %.1f °C, want the curve's higher states", pwm, hot)
	}
	if hot >= softTempC {
		t.Fatalf("healthy board reached %.1f °C: it must not throttle", hot)
	}
	// Back to idle: the fan steps down only below trip - 5 °C (hysteresis).
	b.SetLoad(board.Load{})
	b.Clock().Sleep(context.Background(), 15*time.Minute)
	if got := read(t, b, "sys/class/hwmon/hwmon3/pwm1"); got == pwm && milliC(t, b) < 50 {
		t.Fatalf("fan did not slow down after cooling to %.1f °C", milliC(t, b))
	}
}

func TestFanHysteresis(t *testing.T) {
	st := healthyState(nil, "0")
	m := newModel(1, st, EpochStart)
	m.socC = 60.5
	m.fanState = 0
	m.updateFan()
	if m.fanState != 2 {
		t.Fatalf("at 60.5 °C fan state = %d, want 2", m.fanState)
	}
	m.socC = 56 // below 60 but not below 60 - 5
	m.updateFan()
	if m.fanState != 2 {
		t.Fatalf("at 56 °C fan state = %d, want 2 (hysteresis)", m.fanState)
	}
	m.socC = 54.9
	m.updateFan()
	if m.fanState != 1 {
		t.Fatalf("at 54.9 °C fan state = %d, want 1", m.fanState)
	}
}

func TestFanStallThrottlesInMeasureClockNotInScalingCurFreq(t *testing.T) {
	b := newBoard(t, "fan-stall")
	b.SetLoad(board.Load{CPU: 1, NPU: 1})
	b.Clock().Sleep(context.Background(), 15*time.Minute)
	if c := milliC(t, b); c < softTempC {
		t.Fatalf("stalled fan: SoC %.1f °C, want >= %v", c, softTempC)
	}
	if rpm := strings.TrimSpace(read(t, b, "sys/class/hwmon/hwmon3/fan1_input")); rpm != "0" {
		t.Fatalf("stalled fan reads %s rpm", rpm)
	}
	var hz int64
	if _, err := fmtSscanf(run(t, b, "vcgencmd", "measure_clock", "arm"), "frequency(0)=%d", &hz); err != nil {
		t.Fatal(err)
	}
	if hz >= 2400000000 {
		t.Fatalf("measure_clock arm = %d: firmware throttling not shown", hz)
	}
	// scaling_cur_freq shows the governor's request, not the cap.
	if got := strings.TrimSpace(read(t, b, "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq")); got != "2400000" {
		t.Fatalf("scaling_cur_freq = %s, want 2400000 (it does not show firmware throttling on a Pi 5)", got)
	}
	var bits uint32
	if _, err := fmtSscanf(run(t, b, "vcgencmd", "get_throttled"), "throttled=0x%x", &bits); err != nil {
		t.Fatal(err)
	}
	for _, bit := range []uint{1, 2, 3, 17, 18, 19} {
		if bits&(1<<bit) == 0 {
			t.Errorf("get_throttled = 0x%x: bit %d not set", bits, bit)
		}
	}
	if bits&1 != 0 {
		t.Errorf("get_throttled = 0x%x: under-voltage set without a supply fault", bits)
	}
}

func TestUndervoltageFaultSagsUnderLoadAndSetsFlags(t *testing.T) {
	b := newBoard(t, "undervoltage")
	b.SetLoad(board.Load{CPU: 1, NPU: 1})
	b.Clock().Sleep(context.Background(), 30*time.Second)
	s := b.Snapshot()
	if s.InputVolts >= 4.75 {
		t.Fatalf("input = %.3f V under load, want < 4.75", s.InputVolts)
	}
	if s.Throttled&0x10001 != 0x10001 {
		t.Fatalf("get_throttled = 0x%x, want under-voltage now and since boot", s.Throttled)
	}
	if got := strings.TrimSpace(read(t, b, "sys/class/hwmon/hwmon2/in0_lcrit_alarm")); got != "1" {
		t.Fatalf("rpi_volt alarm = %s, want 1", got)
	}
	healthy := newBoard(t)
	healthy.SetLoad(board.Load{CPU: 1, NPU: 1})
	healthy.Clock().Sleep(context.Background(), 30*time.Second)
	if v := healthy.Snapshot().InputVolts; v < 4.9 {
		t.Fatalf("healthy supply at %.3f V under load", v)
	}
}

func TestWPLineGatesEEPROMWrites(t *testing.T) {
	b := newBoard(t)
	bus, _ := b.I2C(0)
	write := func() {
		if err := bus.Tx(0x50, []byte{0x0f, 0xe0, 0x5a}, nil); err != nil {
			t.Fatal(err)
		}
		b.Clock().Sleep(context.Background(), 10*time.Millisecond)
	}
	write()
	if b.EEPROM().Contents()[0xfe0] != 0xff {
		t.Fatal("write stored while WP was pulled up")
	}
	wp, err := b.Line("", b.State().EEPROMWPLine)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := wp.Get(); v != 1 {
		t.Fatalf("WP idle level = %d, want 1 (pulled up)", v)
	}
	if err := wp.Set(0); err != nil {
		t.Fatal(err)
	}
	write()
	if b.EEPROM().Contents()[0xfe0] != 0x5a {
		t.Fatal("write not stored with WP driven low")
	}
	wp.Close()
	if v, _ := wp.Get(); v != 1 {
		t.Fatalf("after release WP = %d, want the pull-up", v)
	}
}

func TestCatalogueHasTheFoundationFaultsWithUniqueNames(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Catalogue() {
		if seen[f.Name] {
			t.Errorf("fault %s listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Breaks == "" || f.Apply == nil {
			t.Errorf("fault %s has no description or no effect", f.Name)
		}
	}
	for _, want := range []string{"eeprom-blank", "eeprom-bad-crc", "pciex1-not-applied", "driver-missing", "pcie-gen2", "undervoltage", "fan-stall"} {
		if !seen[want] {
			t.Errorf("catalogue lacks %s", want)
		}
	}
	if _, err := New(Options{Faults: []string{"no-such-fault"}}); err == nil || !strings.Contains(err.Error(), "unknown fault") {
		t.Fatalf("unknown fault: err = %v", err)
	}
}

func TestFaultsChangeWhatTheBoardPresents(t *testing.T) {
	na := newBoard(t, "pciex1-not-applied")
	if !strings.HasSuffix(read(t, na, "boot/firmware/config.txt"), "[pi4]\ndtparam=pciex1\n[all]\n") {
		t.Error("pciex1-not-applied did not put dtparam=pciex1 under [pi4]")
	}
	if st := read(t, na, "proc/device-tree/axi/pcie@1000110000/status"); st != "disabled\x00" {
		t.Errorf("pciex1-not-applied pcie1 status = %q", st)
	}
	if _, err := fs.Stat(na.FS(), "sys/bus/pci/devices/0001:01:00.0"); err == nil {
		t.Error("pciex1-not-applied left the device on the bus")
	}
	d := newBoard(t, "driver-missing")
	if strings.Contains(read(t, d, "proc/modules"), "hailo1x_pci") {
		t.Error("driver-missing left the module loaded")
	}
	if _, err := fs.Stat(d.FS(), "dev/hailo0"); err == nil {
		t.Error("driver-missing left /dev/hailo0")
	}
	if got := read(t, newBoard(t, "pcie-gen2"), "sys/bus/pci/devices/0001:01:00.0/current_link_speed"); got != "5.0 GT/s PCIe\n" {
		t.Errorf("pcie-gen2 link speed = %q", got)
	}
	blank := newBoard(t, "eeprom-blank").EEPROM().Contents()
	for i, c := range blank {
		if c != 0xff {
			t.Fatalf("eeprom-blank byte %d = %x", i, c)
		}
	}
	if bad := newBoard(t, "eeprom-bad-crc").EEPROM().Contents(); bad[20] == DefaultEEPROM()[20] {
		t.Error("eeprom-bad-crc did not change the vendor atom")
	}
}

func TestHeaderChipIsFoundByLabelWithoutASysfsLabelFile(t *testing.T) {
	b := newBoard(t)
	// A real kernel has no sysfs label file for a GPIO chip (the label
	// comes from the chip-info ioctl), so the sim must not render one.
	fs.WalkDir(b.FS(), "sys", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(p, "gpio") && path.Base(p) == "label" {
			t.Errorf("the sim renders %s, a file real kernels do not have", p)
		}
		return nil
	})
	if _, err := b.Line(board.HeaderChipLabel, 4); err != nil {
		t.Fatalf("Line(%q) = %v", board.HeaderChipLabel, err)
	}
	if _, err := b.Line("gpio-brcmstb@107d508500", 4); err == nil || !strings.Contains(err.Error(), "pinctrl-rp1") {
		t.Fatalf("unknown chip: err = %v, want the header chip named", err)
	}
}

// A board taken up later in the same boot (a resumed load test) keeps its
// boot_id and its wear: the fan has worn as long as the board has been on.
func TestSameBootLaterKeepsBootIDAndWear(t *testing.T) {
	first, err := New(Options{Seed: 4, Faults: []string{"fan-degrade"}})
	if err != nil {
		t.Fatal(err)
	}
	later, err := New(Options{Seed: 4, Faults: []string{"fan-degrade"}, Start: EpochStart.Add(10 * time.Hour), Booted: EpochStart})
	if err != nil {
		t.Fatal(err)
	}
	reboot, err := New(Options{Seed: 4, Faults: []string{"fan-degrade"}, Start: EpochStart.Add(10 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	id := read(t, first, "proc/sys/kernel/random/boot_id")
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n$`).MatchString(id) {
		t.Fatalf("boot_id %q is not a version 4 UUID", id)
	}
	if got := read(t, later, "proc/sys/kernel/random/boot_id"); got != id {
		t.Errorf("same boot, boot_id %q, first %q", got, id)
	}
	if got := read(t, reboot, "proc/sys/kernel/random/boot_id"); got == id {
		t.Errorf("a new boot kept boot_id %q", got)
	}
	// 10 h at 2 %/h of wear: the fan turns 20 % slower than new.
	if w := later.model.fanWear(later.clk.Now()); math.Abs(w-0.8) > 1e-9 {
		t.Errorf("wear after 10 h of the same boot %v, want 0.8", w)
	}
}
