// Package cli holds aihat's commands. Each command is an Options struct, a
// constructor that binds flags to it, and a run function that delegates the
// work to pkg/: a run to the session (pkg/session), which opens the board
// and owns the record; commands get it and their IO from the Factory, so
// tests run them against the simulated board or fixture trees.
package cli

import (
	"github.com/aihat/aihat/internal/iostreams"
	"github.com/aihat/aihat/pkg/session"
	"github.com/aihat/aihat/pkg/station"
)

// IOStreams is the one place that knows about the terminal (TTY, colour,
// width): see internal/iostreams.
type IOStreams = iostreams.IOStreams

// GlobalOptions are the flags every command shares: the session's
// options, which Session completes with what no flag sets (the station's
// serial source, the build, the host, which board flags were given).
type GlobalOptions = session.Options

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
		o := f.Global
		o.SerialSource, o.ToolVersion = f.Station.Get("serial_source"), f.Build.Version
		o.Host, o.Given = f.Host, f.given
		f.session = session.New(o, session.IO{Out: f.IO.Out, ErrOut: f.IO.ErrOut, Color: f.IO.Color(),
			ErrTTY: f.IO.ErrTTY, Width: f.IO.Width, ErrWidth: f.IO.ErrWidth})
	}
	return f.session
}

// Close releases the session's board.
func (f *Factory) Close() {
	if f.session != nil {
		f.session.Close()
	}
}
