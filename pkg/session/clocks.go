package session

import (
	"time"

	"github.com/aihat/aihat/pkg/board"
	"golang.org/x/sys/unix"
)

// monotonic is the journal's monotonic clock: the kernel's CLOCK_MONOTONIC
// on a live board (it never jumps when an RTC-less Pi sets its wall clock
// after a power loss), the board clock's time since its start elsewhere.
func monotonic(b board.Board) func() time.Duration {
	if b.Name() == "linux" {
		return func() time.Duration {
			var ts unix.Timespec
			if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) != nil {
				return 0
			}
			return time.Duration(ts.Nano())
		}
	}
	clk := b.Clock()
	t0 := clk.Now()
	return func() time.Duration { return clk.Since(t0) }
}
