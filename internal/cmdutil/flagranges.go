package cmdutil

import (
	"time"

	"github.com/aihat/aihat/pkg/plan"
)

// The ends of the ranges below, as numbers.
const (
	maxCount = 1_000_000
	hour     = float64(time.Hour)
	year     = 8760 * hour
)

// FlagRanges is what every numeric and list flag of every command accepts
// when given, checked before a board is opened (exit 64 naming the flag
// and the range). A flag left unset keeps its default's meaning (often
// "the plan's"); Zero names what an explicit 0 means where it means
// something. internal/cli's TestEveryNumericFlagHasARange walks the command tree: a new
// numeric or list flag without a line here fails it.
var FlagRanges = []Range{
	// Every command: the simulated board.
	{Flag: "seed", Type: "int64", AnyInt: true},
	{Flag: "time-scale", Type: "float64", What: "a number of virtual seconds per real second", Min: 0, MinOpen: true, Max: 1e9, Zero: "as fast as possible"},
	{Flag: "fault", Type: "stringArray"},
	// bringup
	{Flag: "only", Type: "stringSlice"},
	// eeprom, i2c
	{Flag: "bus", Type: "int", What: "an I2C bus number", Min: 0, Max: 1023},
	{Flag: "bus", Type: "intSlice", What: "an I2C bus number", Min: 0, Max: 1023},
	{Flag: "wp-gpio", Type: "int", What: "a header GPIO", Min: 0, Max: 27},
	{Flag: "custom", Type: "stringSlice"},
	// driver systemd-unit
	{Flag: "arg", Type: "stringArray", EmptyItemOK: true},
	{Flag: "device", Type: "stringArray"},
	// power rails
	{Flag: "samples", Type: "int", What: "a count", Min: 1, Max: plan.MaxPowerSamples},
	// power rails, thermal soak, loadtest
	{Flag: "interval", Type: "duration", What: "a duration", Min: float64(time.Millisecond), Max: 24 * hour, Zero: "the plan's"},
	// bench, thermal soak, loadtest
	{Flag: "duration", Type: "duration", What: "a duration", Min: 0, MinOpen: true, Max: year, Zero: "the plan's"},
	// bench
	{Flag: "sweep", Type: "stringSlice"},
	{Flag: "provider", Type: "stringSlice"},
	{Flag: "dim", Type: "stringArray"},
	{Flag: "warmup", Type: "int", What: "a count", Min: 0, Max: maxCount},
	{Flag: "iterations", Type: "int", What: "a count", Min: 1, Max: maxCount},
	{Flag: "prompt", Type: "int", What: "a token count", Min: 1, Max: maxCount},
	{Flag: "new-tokens", Type: "int", What: "a token count", Min: 1, Max: maxCount},
	// bench, model compare
	{Flag: "threads", Type: "int", What: "a thread count", Min: 1, Max: 1024, Zero: "all cores"},
	// loadtest
	{Flag: "health-every", Type: "duration", What: "a duration", Min: 0, MinOpen: true, Max: year, Zero: "the plan's"},
	{Flag: "warmup", Type: "duration", What: "a duration", Min: 0, MinOpen: true, Max: year, Zero: "the plan's"},
	{Flag: "window", Type: "duration", What: "a duration", Min: 0, MinOpen: true, Max: year, Zero: "the plan's"},
	{Flag: "server-pid", Type: "int", What: "a process id", Min: 1, Max: 1 << 22},
	// thermal soak
	{Flag: "idle", Type: "duration", What: "a duration", Min: 0, MinOpen: true, Max: 24 * hour, Zero: "the plan's"},
	{Flag: "cooldown", Type: "duration", What: "a duration", Min: 0, MinOpen: true, Max: 24 * hour, Zero: "the plan's"},
	{Flag: "ambient", Type: "float64", What: "a temperature in °C", Min: -40, Max: 85},
	{Flag: "duty", Type: "float64", What: "a duty cycle", Min: 0, MinOpen: true, Max: 1},
	// model synth, model compare
	{Flag: "layers", Type: "int", What: "a count", Min: 1, Max: 1024},
	{Flag: "hidden", Type: "int", What: "a size", Min: 1, Max: 65536},
	{Flag: "heads", Type: "int", What: "a count", Min: 1, Max: 1024},
	{Flag: "ffn", Type: "int", What: "a size", Min: 1, Max: 1 << 20, Zero: "4×hidden"},
	{Flag: "vocab", Type: "int", What: "a size", Min: 1, Max: 1 << 22},
	{Flag: "context", Type: "int", What: "a token count", Min: 1, Max: 1 << 20},
	{Flag: "block-size", Type: "int", What: "a block size", Min: 32, Max: 128},
	{Flag: "tokens", Type: "int", What: "a token count", Min: 1, Max: maxCount},
	// report diff
	{Flag: "tolerance", Type: "float64", What: "a fraction", Min: 0, Max: 1, MaxOpen: true},
}
