package board

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const replayCapture = `     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f
00:                         -- -- -- -- -- -- -- --
10: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
20: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
30: -- -- -- -- -- -- -- UU -- -- -- -- -- -- -- --
40: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
50: 50 -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
60: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- --
70: -- -- -- -- -- -- -- --
`

// replayRoot is a fixture root whose bus 0 is the capture above.
func replayRoot(t *testing.T) *Linux {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, ".aihat", "i2c")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "i2c-0.i2cdetect"), []byte(replayCapture), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := NewLinux(root)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestReplayBusAnswersScanProbes(t *testing.T) {
	l := replayRoot(t)
	bus, err := l.I2C(0)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	qw, ok := bus.(interface{ QuickWrite(uint16) error })
	if !ok {
		t.Fatal("the replay bus has no QuickWrite")
	}
	if err := qw.QuickWrite(0x50); err != nil {
		t.Errorf("quick write to 0x50 (captured present): %v", err)
	}
	if err := bus.Tx(0x50, nil, nil); err != nil {
		t.Errorf("zero-length transfer to 0x50: %v", err)
	}
	var b [1]byte
	if err := bus.Tx(0x50, nil, b[:]); err != nil {
		t.Errorf("1-byte read from 0x50: %v", err)
	}
	if err := qw.QuickWrite(0x51); err == nil || !strings.Contains(err.Error(), "NAK") {
		t.Errorf("quick write to 0x51 (captured --) = %v, want a NAK", err)
	}
	if err := bus.Tx(0x51, nil, b[:]); err == nil {
		t.Error("1-byte read from 0x51 (captured --) succeeded")
	}
	if err := qw.QuickWrite(0x37); !errors.Is(err, ErrBusy) {
		t.Errorf("quick write to 0x37 (captured UU) = %v, want ErrBusy", err)
	}
}

func TestReplayBusRefusesDataTransfers(t *testing.T) {
	l := replayRoot(t)
	bus, err := l.I2C(0)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	tests := []struct {
		name string
		w, r []byte
	}{
		{"EEPROM random read (2-byte address, then data)", []byte{0x00, 0x00}, make([]byte, 32)},
		{"register write", []byte{0x00, 0x41, 0x27}, nil},
		{"register pointer then 1 byte", []byte{0xfe}, make([]byte, 1)},
		{"2-byte current-address read", nil, make([]byte, 2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.r {
				tc.r[i] = 0x5a
			}
			err := bus.Tx(0x50, tc.w, tc.r)
			if !errors.Is(err, ErrReplayPresenceOnly) {
				t.Fatalf("Tx = %v, want ErrReplayPresenceOnly", err)
			}
			for _, want := range []string{"i2c-0 addr 0x50", ".aihat/i2c/i2c-0.i2cdetect", "/sys/bus/i2c/devices/0-0050/eeprom", "--root"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			for i, v := range tc.r {
				if v != 0x5a {
					t.Fatalf("read buffer byte %d = 0x%02x: a refused transfer filled in data", i, v)
				}
			}
		})
	}
	// A chip the capture does not show answers nothing, data or not.
	if err := bus.Tx(0x51, []byte{0, 0}, make([]byte, 4)); err == nil || errors.Is(err, ErrReplayPresenceOnly) || !strings.Contains(err.Error(), "NAK") {
		t.Errorf("data transfer to an absent chip = %v, want a NAK", err)
	}
	if err := bus.Tx(0x37, []byte{0}, make([]byte, 2)); !errors.Is(err, ErrBusy) {
		t.Errorf("data transfer to a UU address = %v, want ErrBusy", err)
	}
}

func TestReplayBusMissingCaptureNamesIt(t *testing.T) {
	l := replayRoot(t)
	_, err := l.I2C(1)
	if err == nil || !strings.Contains(err.Error(), ".aihat/i2c/i2c-1.i2cdetect") || !strings.Contains(err.Error(), "i2cdetect -y 1") {
		t.Fatalf("I2C(1) = %v, want the missing capture and how to make it", err)
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
