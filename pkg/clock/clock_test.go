package clock

import (
	"testing"
	"time"
)

func TestVirtualSleepAdvancesAtOnce(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := NewVirtual(start)
	wall := time.Now()
	v.Sleep(24 * time.Hour)
	if got := v.Since(start); got != 24*time.Hour {
		t.Fatalf("virtual elapsed = %v, want 24h", got)
	}
	if time.Since(wall) > time.Second {
		t.Fatalf("virtual Sleep waited in real time")
	}
	v.Sleep(-time.Second)
	if got := v.Since(start); got != 24*time.Hour {
		t.Fatalf("negative sleep moved the clock: %v", got)
	}
}

func TestRealClockMoves(t *testing.T) {
	c := Real()
	t0 := c.Now()
	c.Sleep(2 * time.Millisecond)
	if c.Since(t0) < 2*time.Millisecond {
		t.Fatalf("real clock did not move")
	}
}
