package sim

import (
	"context"
	"strings"
)

// Gencmd answers a VideoCore general command from the model, as the real
// Pi's mailbox does: no process, the same text vcgencmd prints.
func (b *Board) Gencmd(ctx context.Context, command string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	out, err := b.vcgencmd(strings.Fields(command))
	return strings.TrimRight(string(out), "\n"), err
}
