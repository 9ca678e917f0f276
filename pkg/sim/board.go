package sim

import (
	"context"
	_ "embed"
	"fmt"
	"io/fs"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/clock"
	"github.com/aihat/aihat/pkg/sim/at24"
	"github.com/aihat/aihat/pkg/sim/simi2c"
	"periph.io/x/conn/v3/i2c"
)

//go:embed assets/aihat2-hatplus.eep
var defaultEEPROM []byte

// DefaultEEPROM returns the image the simulated HAT's EEPROM holds: the
// AI HAT+ 2 identity made with the reference eepmake.
func DefaultEEPROM() []byte { return append([]byte(nil), defaultEEPROM...) }

// EpochStart is the virtual time a simulated board boots at by default.
var EpochStart = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

// Options configure a simulated board.
type Options struct {
	// Seed makes the board's noise and serial number reproducible.
	Seed int64
	// Faults are catalogue names to inject (see Catalogue).
	Faults []string
	// Start is the virtual time the board starts at (EpochStart when zero).
	Start time.Time
	// Booted is when the board booted, which its boot_id follows: Start
	// when zero. A resumed load test sets the first run's boot and a later
	// Start: aihat was killed, the board stayed up (the same boot_id).
	Booted time.Time
}

// Board is the simulated Raspberry Pi 5 + AI HAT+ 2. It is safe for
// concurrent use.
type Board struct {
	mu     sync.Mutex
	clk    *clock.Virtual
	state  *State
	model  *model
	faults []string
	buses  map[int]*simi2c.Bus
	eeprom *at24.Chip
	// lines holds the driven value of requested header GPIO lines; a line
	// not driven reads its pull (WP is pulled up).
	lines map[int]int
	// files is the rendered tree, built once: its static files hold the
	// state's values and its dynamic ones read the model when opened.
	// State() drops it, since a caller may then change the state.
	files map[string]entry
	dirs  map[string][]dirChild // each directory's children, built with files
	// bootHooks run once the board's devices exist; faults that change a
	// device (not just the state it is built from) register one.
	bootHooks []func(*Board)
	booted    time.Time
}

// Booted is when the board booted (its boot_id's boot).
func (b *Board) Booted() time.Time { return b.booted }

var _ board.Board = (*Board)(nil)

// New builds a healthy board, applies the named faults, and boots it.
func New(o Options) (*Board, error) {
	if o.Start.IsZero() {
		o.Start = EpochStart
	}
	rng := rand.New(rand.NewSource(o.Seed))
	serial := fmt.Sprintf("%016x", rng.Uint64())
	b := &Board{
		clk:   clock.NewVirtual(o.Start),
		state: healthyState(DefaultEEPROM(), serial),
		buses: map[int]*simi2c.Bus{0: simi2c.NewBus(0), 1: simi2c.NewBus(1)},
		lines: map[int]int{},
	}
	b.state.AmbientC += rng.Float64()*2 - 1
	if o.Booted.IsZero() || o.Booted.After(o.Start) {
		o.Booted = o.Start
	}
	b.booted = o.Booted
	b.state.BootID = bootID(o.Seed, o.Booted)
	cat := Catalogue()
	want := map[string]bool{}
	for _, name := range o.Faults {
		if _, ok := lookup(cat, name); !ok {
			return nil, fmt.Errorf("unknown fault %q (see 'aihat sim faults'; known: %s)", name, strings.Join(faultNames(cat), ", "))
		}
		want[name] = true
	}
	// Catalogue order, faults that damage what others wrote last: the
	// order of --fault flags never changes the board.
	for _, damages := range []bool{false, true} {
		for _, f := range cat {
			if want[f.Name] && f.Damages == damages {
				f.Apply(b)
				b.faults = append(b.faults, f.Name)
			}
		}
	}
	sort.Strings(b.faults)
	b.model = newModel(o.Seed, b.state, o.Start)
	// Wear and the long-run faults count from power-on: a board resumed
	// later in the same boot is as worn as it was.
	b.model.start = o.Booted
	b.eeprom = at24.New(b.clk, at24.Options{})
	b.eeprom.Load(b.state.EEPROMImage)
	b.eeprom.SetStuck(b.state.EEPROMStuck)
	b.eeprom.SetWP(true) // WP pulled up until a line drives it low
	b.attachDevices()
	for _, hook := range b.bootHooks {
		hook(b)
	}
	return b, nil
}

// OnBoot registers fn to run when the board has booted (its devices exist).
// Fault definitions use it to change devices rather than state.
func (b *Board) OnBoot(fn func(*Board)) { b.bootHooks = append(b.bootHooks, fn) }

// Name implements board.Board.
func (b *Board) Name() string { return "sim" }

// Faults returns the faults injected, sorted.
func (b *Board) Faults() []string { return append([]string(nil), b.faults...) }

// State exposes the board's state to fault definitions and tests. The
// caller may change it, so the rendered file tree is rebuilt on the next
// open: change the state through State() each time, not through a pointer
// kept from before an open.
func (b *Board) State() *State {
	b.mu.Lock()
	b.files, b.dirs = nil, nil
	b.mu.Unlock()
	return b.state
}

// FS implements board.Board.
func (b *Board) FS() fs.FS { return fsys{b} }

// Clock implements board.Board: virtual time.
func (b *Board) Clock() clock.Clock { return b.clk }

// VirtualClock returns the clock with its controls (time scale).
func (b *Board) VirtualClock() *clock.Virtual { return b.clk }

// Bus returns simulated bus n with its traffic counters, or nil.
func (b *Board) Bus(n int) *simi2c.Bus { return b.buses[n] }

// EEPROM returns the HAT's simulated 24C32.
func (b *Board) EEPROM() *at24.Chip { return b.eeprom }

// I2C implements board.Board.
func (b *Board) I2C(n int) (i2c.BusCloser, error) {
	bus, ok := b.buses[n]
	if !ok {
		return nil, fmt.Errorf("open /dev/i2c-%d: no such bus on the simulated Pi 5 (buses 0 and 1)", n)
	}
	return bus, nil
}

// SetLoad implements board.Board: load is a model input.
func (b *Board) SetLoad(l board.Load) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sync()
	b.model.cpuLoad = clamp01(l.CPU)
	b.model.npuLoad = clamp01(l.NPU)
}

// Close implements board.Board.
func (b *Board) Close() error { return nil }

// sync brings the model up to the clock; callers hold b.mu.
func (b *Board) sync() { b.model.step(b.clk.Now()) }

func clamp01(v float64) float64 {
	switch {
	case v < 0:
		return 0
	case v > 1:
		return 1
	}
	return v
}

// Readings used by the renderers; callers hold b.mu and have synced.
func (b *Board) socTemp() float64 { return b.model.socC + 0.1*b.model.noise("soc", b.clk.Now()) }
func (b *Board) npuTemp() float64 { return b.model.npuC + 0.1*b.model.noise("npu", b.clk.Now()) }
func (b *Board) fanRPM() int      { return int(b.model.fanRPM(b.clk.Now())) }
func (b *Board) fanPWM() int      { return fanPWM[b.model.fanState] }
func (b *Board) uvAlarm() bool    { return b.model.everUV }
func (b *Board) armHz() float64   { return b.model.armHz }

// governorKHz is what the ondemand governor asks for: max under load, min
// at idle. It ignores the firmware's cap, as on a real Pi 5.
func (b *Board) governorKHz() int {
	if b.model.cpuLoad > 0.1 {
		return 2400000
	}
	return 1500000
}

// Snapshot is the model's state at the current virtual time, for tests and
// for `aihat sim status`.
type Snapshot struct {
	Time       time.Time
	CPULoad    float64
	NPULoad    float64
	SoCTempC   float64
	NPUTempC   float64
	ArmHz      float64
	FanPWM     int
	FanRPM     int
	InputVolts float64
	InputWatts float64
	Throttled  uint32
	HATVolts   float64
	HATAmps    float64
}

// Snapshot returns the model state now.
func (b *Board) Snapshot() Snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sync()
	now := b.clk.Now()
	hv, ha := b.model.hatRail(now)
	return Snapshot{
		Time: now, CPULoad: b.model.cpuLoad, NPULoad: b.model.npuLoad,
		SoCTempC: b.model.socC, NPUTempC: b.model.npuC, ArmHz: b.model.armHz,
		FanPWM: b.fanPWM(), FanRPM: b.fanRPM(), InputVolts: b.model.inputVolts(now),
		InputWatts: b.model.totalInputPower(now), Throttled: b.model.throttledBits(now),
		HATVolts: hv, HATAmps: ha,
	}
}

// HATRail returns the HAT's 5 V input (volts, amperes) at the current
// virtual time, for shunt monitors on the simulated bus.
func (b *Board) HATRail() (volts, amps float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sync()
	return b.model.hatRail(b.clk.Now())
}

// Run implements board.Board: the board's commands, rendered in the real
// tools' formats.
func (b *Board) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch name {
	case "vcgencmd":
		return b.vcgencmd(args)
	case "hailortcli":
		out, _, err := b.runHailortcli(args)
		return out, err
	}
	return nil, fmt.Errorf("%s: command not found on the simulated board", name)
}

// bootID is the kernel's boot_id for a board booted at start: a random
// UUID (version 4, as the kernel makes it), the same for the same seed and
// boot time, new for each boot of the same board.
func bootID(seed int64, start time.Time) string {
	r := rand.New(rand.NewSource(seed ^ start.UnixNano()))
	var u [16]byte
	for i := range u {
		u[i] = byte(r.Intn(256))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
