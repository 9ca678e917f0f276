package board

import (
	"context"
	"strings"
	"sync"

	"github.com/aihat/aihat/pkg/vcio"
)

// gencmd is the linux target's way to the VideoCore: the mailbox, opened
// once, or `vcgencmd` when the mailbox cannot be opened (a container
// without /dev/vcio, a user outside group video).
type gencmd struct {
	once sync.Once
	dev  *vcio.Device
	via  string
}

// Gencmd runs a VideoCore general command through the mailbox (one ioctl,
// no process), falling back to exec'ing vcgencmd when the mailbox cannot
// be opened; GencmdVia says which, once, for the step log.
func (l *Linux) Gencmd(ctx context.Context, command string) (string, error) {
	l.vc.once.Do(func() {
		dev, err := vcio.Open("")
		if err != nil {
			l.vc.via = "exec vcgencmd (" + err.Error() + ")"
			return
		}
		l.vc.dev = dev
		l.vc.via = "mailbox " + dev.Path
	})
	if l.vc.dev != nil {
		return l.vc.dev.Gencmd(ctx, command)
	}
	out, err := l.Run(ctx, "vcgencmd", strings.Fields(command)...)
	return strings.TrimRight(string(out), "\n"), err
}

// GencmdVia says how Gencmd reaches the VideoCore ("" before the first call).
func (l *Linux) GencmdVia() string { return l.vc.via }
