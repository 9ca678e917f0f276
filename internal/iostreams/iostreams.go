// Package iostreams is the one place that knows about the terminal, as
// cli/cli's pkg/iostreams: a command's streams, whether stdout and stderr
// are terminals, whether output may be coloured and the width tables fit.
// Commands read these decisions from an IOStreams and never look at the
// terminal or the environment themselves; tests build one with buffers.
package iostreams

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
	"golang.org/x/sys/unix"
)

// IOStreams is a command's streams and what the terminal behind them allows.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY is true when Out is a terminal; colour needs it and no NO_COLOR.
	OutTTY bool
	// ErrTTY is true when ErrOut is a terminal: a live progress line
	// needs it (otherwise progress is plain lines).
	ErrTTY  bool
	NoColor bool
	// Width is the display width, in cells, tables and their notes fit;
	// 0 is no limit (one line per row). See outputWidth.
	Width int
	// ErrWidth is the same for ErrOut, where plain progress lines go:
	// stderr can be a terminal while stdout is piped (aihat bringup -o
	// json > run.json), and then its lines must still fit.
	ErrWidth int
}

// System returns the process's streams.
func System() *IOStreams {
	_, noColor := os.LookupEnv("NO_COLOR")
	outTTY, errTTY := isTerminal(os.Stdout), isTerminal(os.Stderr)
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY:   outTTY,
		ErrTTY:   errTTY,
		NoColor:  noColor,
		Width:    outputWidth(os.Getenv("COLUMNS"), func() int { return terminalWidth(os.Stdout, outTTY) }),
		ErrWidth: outputWidth(os.Getenv("COLUMNS"), func() int { return terminalWidth(os.Stderr, errTTY) }),
	}
}

// Color reports whether output may be coloured.
func (s *IOStreams) Color() bool { return s.OutTTY && !s.NoColor }

// isTerminal says whether f is a terminal (a Cygwin one included).
func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// outputWidth is the width tables fit: COLUMNS when it is a positive
// number (POSIX: the user's preferred width, over the terminal's), else
// the terminal's width (0 when stdout is not a terminal: piped output
// keeps one line per row for the scripts that read it).
func outputWidth(columns string, terminal func() int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(columns)); err == nil && n > 0 {
		return n
	}
	return terminal()
}

// terminalWidth is f's terminal's width in columns, 0 when f is not a
// terminal or does not say.
func terminalWidth(f *os.File, tty bool) int {
	if !tty {
		return 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return 0
	}
	return int(ws.Col)
}
