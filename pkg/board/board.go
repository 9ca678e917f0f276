// Package board is the seam between stage code and the hardware: every
// stage reads the Raspberry Pi through a Board, which is either the real
// host (linux) or the simulated Pi 5 + AI HAT+ 2 (sim). Stage code never
// knows which one it has.
package board

import (
	"context"
	"io/fs"

	"github.com/aihat/aihat/pkg/clock"
	"periph.io/x/conn/v3/i2c"
)

// Board is a Raspberry Pi as the stages see it.
type Board interface {
	// Name is the target's name: "linux" or "sim".
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
