package workload

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/sim"
)

func TestKernelIsAFullTurn(t *testing.T) {
	// 64 rotations by 2π/64 return the unit vector to x = 1; rounding over
	// 64 steps stays far inside 1e-12.
	if x := Kernel(); math.Abs(x-1) > 1e-12 {
		t.Fatalf("kernel %v, want 1", x)
	}
}

// A lower duty does less work: the counter is real, not a timer.
func TestCPUDutyCycleScalesTheWorkDone(t *testing.T) {
	measure := func(duty float64) float64 {
		c := &CPU{Workers: 1, Period: 20 * time.Millisecond}
		if err := c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		c.SetDuty(duty)
		time.Sleep(300 * time.Millisecond)
		c.Stop()
		return c.Done()
	}
	full, quarter := measure(1), measure(0.25)
	if full == 0 || quarter == 0 {
		t.Fatalf("no work counted: full %v quarter %v", full, quarter)
	}
	// A quarter duty is at most ~half of full even on a machine whose
	// other jobs steal time (the bound is loose on purpose: 2 shared cores).
	if quarter > 0.6*full {
		t.Fatalf("duty 0.25 did %v ops, duty 1 did %v: the duty does not throttle the work", quarter, full)
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
