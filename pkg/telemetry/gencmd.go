package telemetry

import (
	"context"
	"strings"

	"github.com/aihat/aihat/pkg/board"
)

// Gencmder is a board that answers VideoCore general commands without a
// process: the real Pi through the mailbox, the sim from its model.
type Gencmder interface {
	Gencmd(ctx context.Context, command string) (string, error)
}

// Gencmd runs a VideoCore command on b: through its Gencmd when it has
// one, else as `vcgencmd` (a fixture's captured output, or the fallback on
// a host whose mailbox cannot be opened).
func Gencmd(ctx context.Context, b board.Board, command string) (string, error) {
	if g, ok := b.(Gencmder); ok {
		return g.Gencmd(ctx, command)
	}
	out, err := b.Run(ctx, "vcgencmd", strings.Fields(command)...)
	return string(out), err
}
