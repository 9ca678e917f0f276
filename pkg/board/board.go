// Package board is the seam between stage code and the hardware: every
// stage reads the Raspberry Pi through a Board, which is the real host's
// kernel interfaces (linux, here), a captured tree replayed
// (pkg/board/fixture) or the simulated Pi 5 + AI HAT+ 2 (pkg/sim). Stage
// code never knows which one it has.
package board

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/aihat/aihat/pkg/clock"
	"periph.io/x/conn/v3/i2c"
)

// Board is a Raspberry Pi as the stages see it.
type Board interface {
	// Name is the target's name: "linux", "fixture" or "sim".
	Name() string
	// FS is the board's filesystem rooted at "/": paths are like
	// "sys/class/thermal/thermal_zone0/temp" (no leading slash).
	FS() fs.FS
	// I2C opens bus n (/dev/i2c-n). The caller closes it.
	I2C(n int) (i2c.BusCloser, error)
	// Line requests GPIO line offset on the chip with the given label; an
	// empty chip means the 40-pin header's chip (label "pinctrl-rp1").
	Line(chip string, offset int) (Line, error)
	// Run runs a board command (vcgencmd, hailortcli) and returns stdout.
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
	// Gencmd runs a VideoCore general command ("measure_clock arm") and
	// returns what vcgencmd would print, without a trailing newline. linux:
	// the mailbox (no process per reading), vcgencmd as the fallback; sim:
	// the model; fixture: the captured vcgencmd output.
	Gencmd(ctx context.Context, command string) (string, error)
	// Clock is real on hardware and virtual on the sim.
	Clock() clock.Clock
	// SetLoad tells the board what load a stage is putting on it. On the
	// sim load is a model input that heats the dies and draws current; on
	// real hardware the load is real and this does nothing.
	SetLoad(l Load)
	// Close releases what the board holds.
	Close() error
}

// Load is CPU and NPU utilisation, each 0..1.
type Load struct {
	CPU float64
	NPU float64
}

// Line is one GPIO line. Set drives it as an output; Get reads it.
type Line interface {
	Set(v int) error
	Get() (int, error)
	Close() error
}

// HeaderChipLabel is the label of the Pi 5's 40-pin header GPIO chip (RP1).
// Its number changed with kernel 6.6.47 (gpiochip4 → gpiochip0), so lines
// are found by label, never by chip number.
const HeaderChipLabel = "pinctrl-rp1"

// ErrPresenceOnly is what a board returns for a transfer to a chip it can
// tell is present but whose contents it cannot give: a replayed i2cdetect
// capture holds presence, not data. Any target may return it, wrapped with
// the bus, the address and where the contents could come from. A stage
// that meets it has nothing to judge the chip by: that is an ERROR (not
// measured here), never a FAIL of the chip.
var ErrPresenceOnly = errors.New("this board can tell the chip is present but cannot give its contents")

// NVMemPath is where the kernel's at24 driver presents the EEPROM at addr
// on I2C bus n (no leading slash, as Board.FS paths are).
func NVMemPath(n int, addr uint16) string {
	return fmt.Sprintf("sys/bus/i2c/devices/%d-%04x/eeprom", n, addr)
}

// BootID is the kernel's boot_id on b ("" when it has none): it changes
// with every boot, so a journal tells a reboot from a process restart.
func BootID(b Board) string {
	id, err := fs.ReadFile(b.FS(), "proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(id))
}
