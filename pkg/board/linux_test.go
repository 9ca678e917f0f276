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

func TestLineFindsTheHeaderChipByLabel(t *testing.T) {
	root := t.TempDir()
	l, _ := NewLinux(root)
	if _, err := l.Line("", 4); err == nil || !strings.Contains(err.Error(), "pinctrl-rp1") {
		t.Fatalf("no chip: err = %v, want the label named", err)
	}
	os.MkdirAll(filepath.Join(root, "sys/bus/gpio/devices/gpiochip0"), 0o755)
	os.WriteFile(filepath.Join(root, "sys/bus/gpio/devices/gpiochip0/label"), []byte("pinctrl-rp1\n"), 0o644)
	os.MkdirAll(filepath.Join(root, "sys/bus/gpio/devices/gpiochip10"), 0o755)
	os.WriteFile(filepath.Join(root, "sys/bus/gpio/devices/gpiochip10/label"), []byte("gpio-brcmstb@107d508500\n"), 0o644)
	name, err := l.findChip(HeaderChipLabel)
	if err != nil || name != "gpiochip0" {
		t.Fatalf("findChip = %q, %v; want gpiochip0", name, err)
	}
}
