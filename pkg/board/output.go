package board

import "context"

// OutputRunner is a Board that can hand back what a command wrote on
// stderr when it succeeded. Vendor CLIs print warnings there (hailortcli:
// "Measurement power is not supported", "[HailoRT] [warning] …") that a
// stage keeps in its log. Optional, the way periph's i2c.Pins is.
type OutputRunner interface {
	RunOutput(ctx context.Context, name string, args ...string) (stdout, stderr []byte, err error)
}

// RunOutput runs a board command and returns stdout and, when the board
// can tell them apart, stderr.
func RunOutput(ctx context.Context, b Board, name string, args ...string) (stdout, stderr []byte, err error) {
	if r, ok := b.(OutputRunner); ok {
		return r.RunOutput(ctx, name, args...)
	}
	out, err := b.Run(ctx, name, args...)
	return out, nil, err
}
