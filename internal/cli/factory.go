// Package cli holds aihat's commands. Each command is an Options struct, a
// constructor that binds flags to it, and a run function that delegates the
// work to pkg/: a run to the session (pkg/session), which opens the board
// and owns the record; commands get it and their IO from the Factory, so
// tests run them against the simulated board or fixture trees.
package cli

import (
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/aihat/aihat/pkg/session"
	"github.com/aihat/aihat/pkg/station"
	"github.com/mattn/go-isatty"
	"golang.org/x/sys/unix"
)

// IOStreams is the one place that knows about the terminal.
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
}

// SystemIO returns the process's streams.
func SystemIO() *IOStreams {
	_, noColor := os.LookupEnv("NO_COLOR")
	outTTY := isatty.IsTerminal(os.Stdout.Fd()) || isatty.IsCygwinTerminal(os.Stdout.Fd())
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY:  outTTY,
		ErrTTY:  isatty.IsTerminal(os.Stderr.Fd()) || isatty.IsCygwinTerminal(os.Stderr.Fd()),
		NoColor: noColor,
		Width:   outputWidth(os.Getenv("COLUMNS"), func() int { return terminalWidth(os.Stdout, outTTY) }),
	}
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

// Color reports whether output may be coloured.
func (s *IOStreams) Color() bool { return s.OutTTY && !s.NoColor }

// GlobalOptions are the flags every command shares.
type GlobalOptions struct {
	Target    string
	Root      string
	Faults    []string
	Seed      int64
	TimeScale float64
	PlanFile  string
	Serial    string
	Station   string
	Operator  string
	Output    string
	ReportDir string
	// ReportDirFlat writes the report set straight into ReportDir (fixed
	// paths for CI) instead of ReportDir/<serial>/<run-id>/.
	ReportDirFlat bool
	Strict        bool
	Verbose       bool
}

// BuildInfo is what `aihat version` prints.
type BuildInfo struct {
	Version string
	Commit  string
}

// Factory hands commands their dependencies: the IO streams, the flags and
// the run session they open.
type Factory struct {
	IO     *IOStreams
	Global GlobalOptions
	Build  BuildInfo
	// Host is what --target auto looks at; empty means SystemHost().
	Host Host
	// Getenv reads the environment (AIHAT_*, XDG_CONFIG_HOME); nil is
	// os.Getenv. Tests set it.
	Getenv func(string) string
	// Station is the effective station settings and their sources.
	Station station.Settings
	// given names the board flags the command line set (target, seed,
	// fault), for a resumed load test.
	given map[string]bool

	session *session.Session
}

// Host is the machine aihat runs on, as --target auto sees it.
type Host = session.Host

// SystemHost is the machine this process runs on.
func SystemHost() Host { return session.SystemHost() }

// Targets are the values --target takes.
var Targets = session.Targets

// Session is this invocation's run session, made from the flags once.
func (f *Factory) Session() *session.Session {
	if f.session == nil {
		g := f.Global
		f.session = session.New(session.Options{
			Target: g.Target, Root: g.Root, Faults: g.Faults, Seed: g.Seed, TimeScale: g.TimeScale,
			PlanFile: g.PlanFile, Serial: g.Serial, Station: g.Station, Operator: g.Operator,
			Output: g.Output, ReportDir: g.ReportDir, ReportDirFlat: g.ReportDirFlat,
			SerialSource: f.Station.Get("serial_source"), Strict: g.Strict, Verbose: g.Verbose,
			ToolVersion: f.Build.Version, Host: f.Host, Given: f.given,
		}, session.IO{Out: f.IO.Out, ErrOut: f.IO.ErrOut, Color: f.IO.Color(), ErrTTY: f.IO.ErrTTY, Width: f.IO.Width})
	}
	return f.session
}

// Close releases the session's board.
func (f *Factory) Close() {
	if f.session != nil {
		f.session.Close()
	}
}
