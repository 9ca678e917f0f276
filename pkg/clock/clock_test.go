package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestVirtualSleepAdvancesAtOnce(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := NewVirtual(start)
	wall := time.Now()
	if err := v.Sleep(ctx, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := v.Since(start); got != 24*time.Hour {
		t.Fatalf("virtual elapsed = %v, want 24h", got)
	}
	// Only a hang fails this: a day's Sleep that took 10 s of real time
	// waited; one that did not takes microseconds.
	if time.Since(wall) > 10*time.Second {
		t.Fatalf("virtual Sleep waited in real time")
	}
	v.Sleep(ctx, -time.Second)
	if got := v.Since(start); got != 24*time.Hour {
		t.Fatalf("negative sleep moved the clock: %v", got)
	}
}

func TestRealClockMoves(t *testing.T) {
	c := Real()
	t0 := c.Now()
	if err := c.Sleep(context.Background(), 2*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if c.Since(t0) < 2*time.Millisecond {
		t.Fatalf("real clock did not move")
	}
	c.Advance(time.Hour) // no-op on real time
	if c.Since(t0) > time.Minute {
		t.Fatalf("Advance moved the real clock")
	}
}

// A Ctrl-C during a long sampling interval must act at once, not at the
// end of the interval (a 30 s --interval took 28 s to stop).
func TestSleepReturnsWhenContextIsCancelled(t *testing.T) {
	scaled := NewVirtual(time.Unix(0, 0))
	scaled.SetTimeScale(1) // real waiting, like --time-scale 1
	for name, c := range map[string]Clock{"real": Real(), "virtual scaled": scaled} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			wall := time.Now()
			err := c.Sleep(ctx, time.Hour)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Sleep after cancel = %v, want context.Canceled", err)
			}
			// The bound is the test's own: an hour's sleep that ends within
			// ten seconds of a 20 ms cancel has honoured the context.
			if d := time.Since(wall); d > 10*time.Second {
				t.Fatalf("Sleep took %v after cancel", d)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v := NewVirtual(time.Unix(0, 0))
	if err := v.Sleep(ctx, time.Minute); err == nil || v.Since(time.Unix(0, 0)) != 0 {
		t.Fatalf("unscaled virtual Sleep on a done context: err %v, moved %v", err, v.Since(time.Unix(0, 0)))
	}
}
