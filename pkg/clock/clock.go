// Package clock gives stages one notion of time that is real on a real board
// and virtual on the simulated one, so that a 24-hour soak on the sim finishes
// in seconds while the same code paces itself correctly on a Pi.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock is what stage code uses instead of the time package.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first, and
	// returns ctx's error in the second case: a Ctrl-C during a 30 s
	// sampling interval acts at once. A virtual clock advances by d at once.
	Sleep(ctx context.Context, d time.Duration) error
	Since(t time.Time) time.Duration
	// Advance accounts for d of work that took no real time on this clock
	// (a simulated command's run time). It moves a virtual clock and does
	// nothing on the real one, where the work took its own real time.
	Advance(d time.Duration)
}

// Real returns the wall clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                  { return time.Now() }
func (realClock) Since(t time.Time) time.Duration { return time.Since(t) }
func (realClock) Advance(time.Duration)           {}

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	return sleepCtx(ctx, d)
}

// sleepCtx waits d of real time unless ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Virtual is a clock whose time moves only when Sleep or Advance is called.
// It is safe for concurrent use.
type Virtual struct {
	mu    sync.Mutex
	now   time.Time
	scale float64 // when > 0, Sleep also waits d/scale of real time (demos)
}

// NewVirtual returns a virtual clock that starts at start.
func NewVirtual(start time.Time) *Virtual { return &Virtual{now: start} }

// SetTimeScale makes Sleep also wait d/scale in real time, so a demo on the
// simulated board can be watched; 0 (the default) means no real waiting.
func (v *Virtual) SetTimeScale(scale float64) {
	v.mu.Lock()
	v.scale = scale
	v.mu.Unlock()
}

// Now returns the current virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Since returns the virtual time elapsed since t.
func (v *Virtual) Since(t time.Time) time.Duration { return v.Now().Sub(t) }

// Sleep advances the clock by d (negative durations are ignored). With a
// time scale it also waits d/scale of real time, cut short by ctx; the
// clock then advances only by the part that was waited.
func (v *Virtual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v.mu.Lock()
	scale := v.scale
	v.mu.Unlock()
	if scale > 0 && d > 0 {
		t0 := time.Now()
		if err := sleepCtx(ctx, time.Duration(float64(d)/scale)); err != nil {
			v.Advance(time.Duration(float64(time.Since(t0)) * scale))
			return err
		}
	}
	v.Advance(d)
	return nil
}

// Advance moves virtual time forward by d.
func (v *Virtual) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	v.mu.Lock()
	v.now = v.now.Add(d)
	v.mu.Unlock()
}
