package workload

import (
	"context"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/clock"
	"github.com/aihat/aihat/pkg/sim"
)

func TestKernelIsAFullTurn(t *testing.T) {
	// 64 rotations by 2π/64 return the unit vector to x = 1; rounding over
	// 64 steps stays far inside 1e-12.
	if x := Kernel(); math.Abs(x-1) > 1e-12 {
		t.Fatalf("kernel %v, want 1", x)
	}
}

// tickClock is a virtual clock on which every reading moves time on by
// tick: the CPU load's busy loop reads it once per kernel, so on it each
// kernel takes one tick whatever else the machine is doing.
type tickClock struct {
	*clock.Virtual
	tick time.Duration
}

func (c tickClock) Now() time.Time {
	c.Advance(c.tick)
	return c.Virtual.Now()
}

func (c tickClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// A lower duty does less work per period, and every period lasts Period:
// the ops are real kernel calls, counted per counted period, on a clock
// the test drives (no wall time: issue 23).
func TestCPUDutyCycleScalesTheWorkDone(t *testing.T) {
	const period, tick, periods = 20 * time.Millisecond, 100 * time.Microsecond, 10
	for _, duty := range []float64{1, 0.25, 0} {
		clk := tickClock{clock.NewVirtual(time.Unix(0, 0)), tick}
		c := &CPU{Workers: 1, Period: period, Clock: clk}
		c.SetDuty(duty)
		for i := 0; i < periods; i++ {
			c.period(context.Background(), clk)
		}
		// One op a tick while busy, less one a period: the reads that open
		// and close the busy part are not kernels.
		want := duty * float64(periods*period/tick)
		if got := c.Done(); math.Abs(got-want) > periods {
			t.Errorf("duty %v: %v ops in %d periods, want %v ± %d", duty, got, periods, want, periods)
		}
		// Busy plus asleep is Period, give or take the two reads a period
		// that may fall after its end (at duty 1 nothing is left to sleep).
		elapsed := clk.Virtual.Now().Sub(time.Unix(0, 0))
		if d := elapsed - periods*period; d < 0 || d > 2*periods*tick {
			t.Errorf("duty %v: %d periods took %v, want %v", duty, periods, elapsed, periods*period)
		}
	}
}

// Start runs the workers on the CPU's clock (the real one when none is
// set) and Stop ends them in the middle of an hour-long busy part: no op
// is counted after Stop returns.
func TestCPUStartsCountsAndStops(t *testing.T) {
	for name, clk := range map[string]clock.Clock{"real": nil, "tick": tickClock{clock.NewVirtual(time.Unix(0, 0)), time.Microsecond}} {
		c := &CPU{Workers: 2, Period: time.Hour, Clock: clk}
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := c.Start(context.Background()); err == nil {
			t.Errorf("%s: a second Start did not fail", name)
		}
		waitFor(t, name+" cpu ops", func() bool { return c.Done() >= 100 })
		stopped := make(chan struct{})
		go func() { c.Stop(); close(stopped) }()
		waitFor(t, name+" Stop during the busy part", func() bool {
			select {
			case <-stopped:
				return true
			default:
				return false
			}
		})
		n := c.Done()
		runtime.Gosched()
		if c.Done() != n || c.Duty() != 1 {
			t.Errorf("%s: ops went from %v to %v after Stop; duty %v", name, n, c.Done(), c.Duty())
		}
	}
}

func TestSimLoadDrivesTheModelAndCountsWorkOnItsClock(t *testing.T) {
	b, err := sim.New(sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	w := &Sim{Board: b, Kind: Kind{CPU: true}}
	w.Start(context.Background())
	if s := b.Snapshot(); s.CPULoad != 1 {
		t.Fatalf("cpu load %v after Start", s.CPULoad)
	}
	b.Clock().Advance(10 * time.Second)
	full := w.Done()
	w.SetDuty(0.5)
	b.Clock().Advance(10 * time.Second)
	half := w.Done() - full
	if s := b.Snapshot(); s.CPULoad != 0.5 {
		t.Fatalf("cpu load %v after SetDuty(0.5)", s.CPULoad)
	}
	// 10 s at full clock: SimCPURate × 10 within the clock's 23808 Hz offset.
	if math.Abs(full-10*SimCPURate)/(10*SimCPURate) > 1e-3 || math.Abs(half-full/2)/full > 1e-3 {
		t.Fatalf("work %v then %v, want %v then half", full, half, 10*SimCPURate)
	}
	w.Stop()
	if s := b.Snapshot(); s.CPULoad != 0 {
		t.Fatal("Stop left the model loaded")
	}
}

// TestSimLoadFailsWhileTheNPUIsGone: with NeedsNode, an NPU load does no
// work while /dev/hailo0 is gone (the sim's driver-reset, here from 1:00
// to 3:00) and fails an attempt a second; the node is looked at when the
// work is counted, so each interval between counts is all up or all
// down. Without NeedsNode the model's load counts on as before.
func TestSimLoadFailsWhileTheNPUIsGone(t *testing.T) {
	for _, needs := range []bool{true, false} {
		b, err := sim.New(sim.Options{Seed: 1, Faults: []string{"driver-reset"}})
		if err != nil {
			t.Fatal(err)
		}
		lt := &b.State().Loadtest
		lt.NodeGoneAt, lt.NodeGoneFor = time.Minute, 2*time.Minute
		w := &Sim{Board: b, Kind: Kind{NPU: true}, NeedsNode: needs}
		w.Start(context.Background())
		var work, errs []float64
		for _, d := range []time.Duration{59 * time.Second, 60 * time.Second, 61 * time.Second} {
			b.Clock().Advance(d) // counts at 0:59 (up), 1:59 (gone), 3:00 (back)
			work, errs = append(work, w.Done()), append(errs, w.Errors())
		}
		w.Stop()
		want := [][2]float64{{59 * SimNPURate, 0}, {59 * SimNPURate, 60}, {120 * SimNPURate, 60}}
		if !needs {
			want = [][2]float64{{59 * SimNPURate, 0}, {119 * SimNPURate, 0}, {180 * SimNPURate, 0}}
		}
		for i := range want {
			// Work is rate × seconds in float64: 1e-9 relative is rounding.
			if math.Abs(work[i]-want[i][0]) > 1e-9*want[i][0] || errs[i] != want[i][1] {
				t.Errorf("NeedsNode %v, count %d: work %v errors %v, want %v", needs, i, work[i], errs[i], want[i])
			}
		}
	}
}
