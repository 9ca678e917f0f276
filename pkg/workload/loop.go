package workload

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aihat/aihat/pkg/clock"
)

// Loop is a load made of repeated pieces of work (an inference, a
// benchmark run, a generation) with a duty cycle: after a piece that took
// s it rests s·(1−d)/d, so the fraction of time busy is d whether a piece
// takes a millisecond or fifteen seconds. The ONNX Runtime and hailortcli
// loads are Loops; an HTTP generation API is one more Step.
type Loop struct {
	Label    string
	WorkUnit string
	// Step does one piece of work and returns the units it did.
	Step func(ctx context.Context) (float64, error)
	// Idle is how long a loop at duty 0 waits before looking again.
	Idle time.Duration
	// KeepGoing, when set, sees every piece (how long it took, the units
	// it did, its error) and makes a failed piece not stop the loop: a
	// day-long load test counts a driver reset's failures and goes on,
	// trying again after RetryAfter (1 s when 0).
	KeepGoing  func(took time.Duration, n float64, err error)
	RetryAfter time.Duration
	// Clock times the pieces and the rests (the real clock when nil): on
	// a test's virtual clock the duty cycle is exact and load-independent.
	Clock clock.Clock

	duty   atomic.Uint64
	done   atomic.Uint64 // math.Float64bits, written by the one worker
	mu     sync.Mutex
	err    error
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (l *Loop) Name() string  { return l.Label }
func (l *Loop) Unit() string  { return l.WorkUnit }
func (l *Loop) Duty() float64 { return math.Float64frombits(l.duty.Load()) }
func (l *Loop) Done() float64 { return math.Float64frombits(l.done.Load()) }

// SetDuty sets the busy fraction.
func (l *Loop) SetDuty(d float64) { l.duty.Store(math.Float64bits(clamp01(d))) }

// Err is the error that stopped the loop, if one did.
func (l *Loop) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Start runs the loop in the background at duty 1.
func (l *Loop) Start(ctx context.Context) error {
	if l.cancel != nil {
		return fmt.Errorf("%s already started", l.Label)
	}
	if l.Idle <= 0 {
		l.Idle = 100 * time.Millisecond
	}
	l.SetDuty(1)
	ctx, l.cancel = context.WithCancel(ctx)
	l.wg.Add(1)
	go l.run(ctx)
	return nil
}

// Stop ends the loop after the piece in progress and waits for it.
func (l *Loop) Stop() error {
	if l.cancel != nil {
		l.cancel()
		l.wg.Wait()
		l.cancel = nil
	}
	return l.Err()
}

func (l *Loop) clk() clock.Clock {
	if l.Clock != nil {
		return l.Clock
	}
	return clock.Real()
}

func (l *Loop) run(ctx context.Context) {
	defer l.wg.Done()
	clk := l.clk()
	for ctx.Err() == nil {
		d := l.Duty()
		if d <= 0 {
			if clk.Sleep(ctx, l.Idle) != nil {
				return
			}
			continue
		}
		t0 := clk.Now()
		n, err := l.Step(ctx)
		if l.KeepGoing != nil && ctx.Err() == nil {
			l.KeepGoing(clk.Since(t0), n, err)
			if err != nil {
				retry := l.RetryAfter
				if retry <= 0 {
					retry = time.Second
				}
				if clk.Sleep(ctx, retry) != nil {
					return
				}
				continue
			}
		}
		if err != nil {
			if ctx.Err() == nil {
				l.mu.Lock()
				l.err = fmt.Errorf("%s: %w", l.Label, err)
				l.mu.Unlock()
			}
			return
		}
		l.done.Store(math.Float64bits(l.Done() + n))
		if d < 1 {
			rest := time.Duration(float64(clk.Since(t0)) * (1 - d) / d)
			if clk.Sleep(ctx, rest) != nil {
				return
			}
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	return clock.Real().Sleep(ctx, d)
}
