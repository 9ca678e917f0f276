package telemetry

import (
	"context"

	"github.com/aihat/aihat/pkg/board"
)

// Gencmd runs a VideoCore command on b (the board's Gencmd: the mailbox
// on a real Pi, never a process per reading).
func Gencmd(ctx context.Context, b board.Board, command string) (string, error) {
	return b.Gencmd(ctx, command)
}
