// Package clock gives stages one notion of time that is real on a real board
// and virtual on the simulated one, so that a 24-hour soak on the sim finishes
// in seconds while the same code paces itself correctly on a Pi.
package clock

import (
	"sync"
	"time"
)

// Clock is what stage code uses instead of the time package.
type Clock interface {
	Now() time.Time
	// Sleep blocks for d on a real clock; a virtual clock advances by d at once.
	Sleep(d time.Duration)
	Since(t time.Time) time.Duration
}

// Real returns the wall clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                  { return time.Now() }
func (realClock) Sleep(d time.Duration)           { time.Sleep(d) }
func (realClock) Since(t time.Time) time.Duration { return time.Since(t) }

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

// Sleep advances the clock by d (negative durations are ignored).
func (v *Virtual) Sleep(d time.Duration) {
	v.mu.Lock()
	scale := v.scale
	v.mu.Unlock()
	if scale > 0 && d > 0 {
		time.Sleep(time.Duration(float64(d) / scale))
	}
	v.Advance(d)
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
