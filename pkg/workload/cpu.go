package workload

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aihat/aihat/pkg/clock"
)

// CPU is a real CPU load: one goroutine per core runs a fixed numeric
// kernel (a 64-point complex rotation, the same arithmetic on every
// architecture) in periods of Period, busy for Duty of each period and
// asleep for the rest. Every kernel call is one op.
type CPU struct {
	// Workers defaults to runtime.NumCPU().
	Workers int
	// Period is the duty-cycle period (default 100 ms): short enough that
	// the die sees the mean power, long enough that the scheduler's
	// granularity does not blur the duty.
	Period time.Duration
	// Clock times the periods (the real clock when nil): a test's clock
	// makes the busy time per period a count instead of a wall-time race.
	Clock clock.Clock

	duty   atomic.Uint64 // math.Float64bits
	ops    atomic.Uint64
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sink   atomic.Uint64 // keeps the kernel's result alive
}

func (c *CPU) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return runtime.NumCPU()
}

func (c *CPU) Name() string  { return fmt.Sprintf("cpu kernel on %d cores", c.workers()) }
func (c *CPU) Unit() string  { return "op" }
func (c *CPU) Done() float64 { return float64(c.ops.Load()) }
func (c *CPU) Duty() float64 { return math.Float64frombits(c.duty.Load()) }

// SetDuty sets the busy fraction of each period.
func (c *CPU) SetDuty(d float64) { c.duty.Store(math.Float64bits(clamp01(d))) }

// Start runs the workers.
func (c *CPU) Start(ctx context.Context) error {
	if c.cancel != nil {
		return fmt.Errorf("cpu workload already started")
	}
	if c.Period <= 0 {
		c.Period = 100 * time.Millisecond
	}
	c.SetDuty(1)
	ctx, c.cancel = context.WithCancel(ctx)
	for i := 0; i < c.workers(); i++ {
		c.wg.Add(1)
		go c.run(ctx)
	}
	return nil
}

// Stop ends the workers and waits for them.
func (c *CPU) Stop() error {
	if c.cancel != nil {
		c.cancel()
		c.wg.Wait()
		c.cancel = nil
	}
	return nil
}

func (c *CPU) clk() clock.Clock {
	if c.Clock != nil {
		return c.Clock
	}
	return clock.Real()
}

func (c *CPU) run(ctx context.Context) {
	defer c.wg.Done()
	clk := c.clk()
	var acc float64
	for ctx.Err() == nil {
		acc += c.period(ctx, clk)
	}
	c.sink.Add(math.Float64bits(acc) & 1)
}

// period is one duty cycle: the kernel, one op at a time, for Duty of
// Period, then asleep for what is left of Period (nothing when the work
// overran it). It returns the sum of the kernels' results.
func (c *CPU) period(ctx context.Context, clk clock.Clock) float64 {
	var acc float64
	start := clk.Now()
	busy := time.Duration(c.Duty() * float64(c.Period))
	for clk.Since(start) < busy && ctx.Err() == nil {
		acc += Kernel()
		c.ops.Add(1)
	}
	clk.Sleep(ctx, c.Period-clk.Since(start))
	return acc
}

// Kernel is one op: 64 rotations of a unit vector by a fixed angle, whose
// result (the vector's x after a full turn) is 1 up to rounding. Fixed
// work, no allocation, no memory traffic: it heats the cores, not the bus.
func Kernel() float64 {
	const n = 64
	s, c := math.Sincos(2 * math.Pi / n)
	x, y := 1.0, 0.0
	for i := 0; i < n; i++ {
		x, y = x*c-y*s, x*s+y*c
	}
	return x
}
