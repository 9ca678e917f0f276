package board

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestNewLinuxRejectsAMissingRoot(t *testing.T) {
	_, err := NewLinux(filepath.Join(t.TempDir(), "absent"))
	if err == nil || !strings.Contains(err.Error(), "--root") {
		t.Fatalf("err = %v, want a hint about --root", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := NewLinux(f); err == nil {
		t.Fatal("a file accepted as root")
	}
}

func TestIsPi5(t *testing.T) {
	tests := []struct {
		fs   fstest.MapFS
		want bool
	}{
		{fstest.MapFS{"proc/device-tree/model": {Data: []byte("Raspberry Pi 5 Model B Rev 1.0\x00")}}, true},
		{fstest.MapFS{"sys/firmware/devicetree/base/model": {Data: []byte("Raspberry Pi 5 Model B Rev 1.1\x00")}}, true},
		{fstest.MapFS{"proc/device-tree/model": {Data: []byte("Raspberry Pi 4 Model B Rev 1.4\x00")}}, false},
		{fstest.MapFS{}, false},
	}
	for i, tc := range tests {
		if got := IsPi5(tc.fs); got != tc.want {
			t.Errorf("case %d: IsPi5 = %v, want %v", i, got, tc.want)
		}
	}
}

func TestParseI2CDetect(t *testing.T) {
	text := `     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f
00:                         -- -- -- -- -- -- -- --
10: -- -- -- -- -- -- -- -- -- -- 1a -- -- -- -- --
30: -- -- -- -- -- -- -- UU -- -- -- -- -- -- -- --
50: 50 -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
70: -- -- -- -- -- -- -- --
`
	got, err := ParseI2CDetect(text)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint16]string{0x1a: "ack", 0x37: "busy", 0x50: "ack"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for a, s := range want {
		if got[a] != s {
			t.Errorf("0x%02x = %q, want %q", a, got[a], s)
		}
	}
	for _, bad := range []string{"", "hello\n", "50: 51 --\n", "80: --\n"} {
		if _, err := ParseI2CDetect(bad); err == nil {
			t.Errorf("ParseI2CDetect(%q) accepted", bad)
		}
	}
}

func TestRunUsesCannedOutputUnderAFixtureRoot(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, ".aihat/cmd"), 0o755)
	os.WriteFile(filepath.Join(root, ".aihat/cmd/vcgencmd_get_throttled"), []byte("throttled=0x50000\n"), 0o644)
	l, err := NewLinux(root)
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.Run(context.Background(), "vcgencmd", "get_throttled")
	if err != nil || string(out) != "throttled=0x50000\n" {
		t.Fatalf("Run = %q, %v", out, err)
	}
	if _, err := l.Run(context.Background(), "vcgencmd", "measure_temp"); err == nil || !strings.Contains(err.Error(), "vcgencmd_measure_temp") {
		t.Fatalf("missing canned output: err = %v, want the file it looked for", err)
	}
}

// Chips as a Pi 5 on kernel 6.6.47+ lists them (gpiodetect): the header
// chip is gpiochip0 there, gpiochip4 on earlier kernels.
func pi5Chips() []gpioChip {
	return []gpioChip{
		{Name: "gpiochip0", Label: "gpio-brcmstb@107d508500"},
		{Name: "gpiochip1", Label: "gpio-brcmstb@107d517c00"},
		{Name: "gpiochip4", Label: "pinctrl-rp1"},
	}
}

func TestFindChipAsksEachChipForItsLabel(t *testing.T) {
	name, err := findChip(HeaderChipLabel, pi5Chips)
	if err != nil || name != "gpiochip4" {
		t.Fatalf("findChip = %q, %v; want gpiochip4", name, err)
	}
	name, err = findChip("gpiochip1", pi5Chips)
	if err != nil || name != "gpiochip1" {
		t.Fatalf("findChip(gpiochip1) = %q, %v; a chip node name is taken as it is", name, err)
	}
}

func TestFindChipNamesWhatItSawWhenTheLabelIsMissing(t *testing.T) {
	list := func() []gpioChip {
		return []gpioChip{{Name: "gpiochip0", Label: "gpio-sim.0-node0"}, {Name: "gpiochip1", Err: os.ErrPermission}}
	}
	_, err := findChip(HeaderChipLabel, list)
	for _, want := range []string{`"pinctrl-rp1"`, `/dev/gpiochip0 "gpio-sim.0-node0"`, "/dev/gpiochip1 (permission denied)", "group gpio"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to contain %s", err, want)
		}
	}
	_, err = findChip(HeaderChipLabel, func() []gpioChip { return nil })
	if err == nil || !strings.Contains(err.Error(), "no /dev/gpiochip*") {
		t.Errorf("no chips: err = %v, want it to say there are none", err)
	}
}

func TestLineOnTheLiveHostListsItsRealChips(t *testing.T) {
	// The real listing: on this host (no GPIO chips in CI containers) the
	// error says what was found; on a Pi the header chip is found.
	l, _ := NewLinux("/")
	ln, err := l.Line("", 4)
	if err == nil {
		ln.Close()
		return
	}
	if !strings.Contains(err.Error(), "pinctrl-rp1") {
		t.Fatalf("err = %v, want the label named", err)
	}
}

func TestLineUnderAFixtureRootRefusesWithTheRemedy(t *testing.T) {
	root := t.TempDir()
	// A label file like the ones older fixtures invented must not be read.
	os.MkdirAll(filepath.Join(root, "sys/bus/gpio/devices/gpiochip0"), 0o755)
	os.WriteFile(filepath.Join(root, "sys/bus/gpio/devices/gpiochip0/label"), []byte("pinctrl-rp1\n"), 0o644)
	l, _ := NewLinux(root)
	_, err := l.Line("", 4)
	if err == nil || !strings.Contains(err.Error(), "--root") || !strings.Contains(err.Error(), "--target sim") {
		t.Fatalf("err = %v, want a refusal naming --root and the remedy", err)
	}
}
