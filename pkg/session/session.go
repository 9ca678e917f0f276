package session

import (
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/board/fixture"
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/rooted"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
)

// Options say what a run is on, what it is held to and where its record
// goes: the global flags, after the station's defaults.
type Options struct {
	Target    string // auto, linux, fixture or sim (Targets)
	Root      string // the captured tree --target fixture replays
	Faults    []string
	Seed      int64
	TimeScale float64
	PlanFile  string
	Serial    string
	Station   string
	Operator  string
	// Output is the record's format on stdout (report.ParseFormat).
	Output    string
	ReportDir string
	// ReportDirFlat writes the report set straight into ReportDir (fixed
	// paths for CI) instead of ReportDir/<serial>/<run-id>/.
	ReportDirFlat bool
	// SerialSource is the station's serial_source: the file the board's
	// serial is read from when Serial is empty ("" is the device tree's).
	SerialSource string
	Strict       bool
	Verbose      bool
	ToolVersion  string
	// Host is what --target auto looks at; empty means SystemHost().
	Host Host
	// Given names the board options the command line gave (target, seed,
	// fault): a resumed load test refuses those that name another board.
	Given map[string]bool
}

// IO is where a session writes: the record on Out, notices and progress
// on ErrOut.
type IO struct {
	Out, ErrOut io.Writer
	Color       bool // the record's table may be coloured
	ErrTTY      bool // ErrOut is a terminal: live progress lines
	Width       int  // display width of Out (0: no limit)
	ErrWidth    int  // display width of ErrOut (0: no limit)
}

// PlainProgress is where a run's plain progress lines go (stderr), each
// wrapped to ErrWidth so none is wider than the terminal.
func (o IO) PlainProgress() io.Writer { return report.Wrap(o.ErrOut, o.ErrWidth) }

// Session is one invocation's run: it opens the board and the plan once,
// and owns the report directory and the journal.
type Session struct {
	opts Options
	io   IO

	board   board.Board
	plan    *plan.Plan
	runDir  string      // where this run's report set goes (claimRunDir)
	runRoot *rooted.Dir // runDir, held open since the claim (nil on resume)
	verbose io.Writer   // -v's stamped stderr, once per invocation
	// simStart is the simulated board's boot time (zero: sim.EpochStart);
	// a resumed sim run boots after its journal's last record.
	simStart, simBooted time.Time
	// resume, when set, makes Run take up a killed run in its own
	// directory and journal instead of starting a new one.
	resume *resumeRun
}

// resumeRun is a killed run being taken up: its directory, its identity
// and the journal record that closes its gap.
type resumeRun struct {
	dir    string
	head   *report.Run
	record any // the journal's "resume" record
}

// New returns a session for o; nothing is opened until it is needed.
func New(o Options, io IO) *Session { return &Session{opts: o, io: io} }

// Host is the machine aihat runs on, as --target auto sees it. Main uses
// the real one; tests set it so that the choice does not depend on the
// machine running them.
type Host struct {
	Arch string // runtime.GOARCH: "arm64", "arm", "amd64"
	FS   fs.FS  // the host's "/", where a Raspberry Pi 5 names itself
}

// SystemHost is the machine this process runs on.
func SystemHost() Host { return Host{Arch: runtime.GOARCH, FS: board.RootFS("/")} }

// armHost reports whether arch is one a Raspberry Pi runs: there a board
// that does not name itself a Pi 5 may still be a station (a Pi 4, a Pi 5
// with a trimmed /proc), and quietly simulating would pass a board that
// was never tested.
func armHost(arch string) bool { return arch == "arm64" || arch == "arm" }

// Board opens the target the options name, once.
func (s *Session) Board() (board.Board, error) {
	if s.board != nil {
		return s.board, nil
	}
	g := s.opts
	// --root names a captured tree, which only the fixture target replays;
	// "/" is the live root every other target already has.
	rootGiven := g.Root != "" && g.Root != "/"
	target := g.Target
	switch target {
	case "auto":
		if rootGiven {
			return nil, usageErrorf("--root %s names a captured tree: replay it with --target fixture --root %s (--target auto only chooses between this host's kernel and the simulator)", g.Root, g.Root)
		}
		var err error
		if target, err = s.chooseTarget(); err != nil {
			return nil, err
		}
	case "linux":
		if rootGiven {
			return nil, usageErrorf("--target linux tests this host's own kernel at /, never a tree: replay %s with --target fixture --root %s", g.Root, g.Root)
		}
	case "sim":
		if rootGiven {
			return nil, usageErrorf("--root %s: the simulated board has no filesystem to re-root; replay a captured tree with --target fixture --root %s", g.Root, g.Root)
		}
	case "fixture":
	default:
		return nil, usageErrorf("--target %q: choose %s", target, strings.Join(Targets, ", "))
	}
	if target != "sim" && len(g.Faults) > 0 {
		return nil, usageErrorf("--fault needs the simulated board (--target sim)")
	}
	var b board.Board
	switch target {
	case "linux":
		b = board.NewLinux()
	case "fixture":
		fb, err := fixture.New(g.Root)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		b = fb
	default:
		sb, err := sim.New(sim.Options{Seed: g.Seed, Faults: g.Faults, Start: s.simStart, Booted: s.simBooted})
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		if g.TimeScale > 0 {
			sb.VirtualClock().SetTimeScale(g.TimeScale)
		}
		b = sb
	}
	s.board = b
	return b, nil
}

// Targets are the values --target takes.
var Targets = []string{"auto", "linux", "fixture", "sim"}

// chooseTarget is --target auto: linux on a Raspberry Pi 5; on an Arm host
// that is not one, an ERROR (a station must never be simulated silently);
// elsewhere (a workstation, CI) the simulator, with a notice. A captured
// tree is never chosen: it is named with --target fixture.
func (s *Session) chooseTarget() (string, error) {
	h := s.opts.Host
	if h.Arch == "" || h.FS == nil {
		h = SystemHost()
	}
	id := board.DetectModel(h.FS)
	if id.IsPi5() {
		fmt.Fprintf(s.io.ErrOut, "notice: --target auto chose linux (%s names a %s)\n", id.Source, id.Model)
		return "linux", nil
	}
	what := "no device-tree model and no Model line in /proc/cpuinfo"
	if id.Model != "" {
		what = fmt.Sprintf("%s names a %s", id.Source, id.Model)
	}
	if armHost(h.Arch) {
		return "", &ExitError{Code: report.ExitError, Err: fmt.Errorf(
			"--target auto: this %s host is not a Raspberry Pi 5 (%s), so it will not test it and will not simulate it silently; pass --target sim to simulate a Pi 5 + AI HAT+ 2, or --target linux to test this board's kernel interfaces anyway",
			h.Arch, what)}
	}
	fmt.Fprintf(s.io.ErrOut, "notice: --target auto chose sim (this %s host is not a Raspberry Pi 5: %s); the results are the simulated Pi 5 + AI HAT+ 2's, not a board's\n", h.Arch, what)
	return "sim", nil
}

// Plan loads the effective plan once: the default with --plan over it.
func (s *Session) Plan() (*plan.Plan, error) {
	if s.plan != nil {
		return s.plan, nil
	}
	p, err := plan.Load(s.opts.PlanFile, bringup.Known())
	if err != nil {
		return nil, FileOrUsageErrorf(err, "plan: %v", err)
	}
	s.plan = p
	return p, nil
}

// Env returns the stage environment for this invocation; its progress
// lines are discarded unless -v asked for them.
func (s *Session) Env() (*stage.Env, error) {
	p, err := s.Plan()
	if err != nil {
		return nil, err
	}
	b, err := s.Board()
	if err != nil {
		return nil, err
	}
	env := stage.NewEnv(b, p)
	if s.opts.Verbose {
		env.Progress = s.verboseLog(b)
	}
	return env, nil
}

// ProgressEnv is Env for a run that always shows its progress: without -v,
// the plain progress lines (the "== step" lines, a long stage's periodic
// lines) go to stderr.
func (s *Session) ProgressEnv() (*stage.Env, error) {
	env, err := s.Env()
	if err != nil {
		return nil, err
	}
	if !s.opts.Verbose {
		env.Progress = s.io.PlainProgress()
	}
	return env, nil
}

// verboseLog is -v's stderr: every line stamped with the board's clock, the
// one the record's start times and durations are on, so a line can be
// found in run.json. On linux that is the wall clock; on the sim it is
// virtual (a 24 h soak takes seconds of real time), which the first line
// says.
func (s *Session) verboseLog(b board.Board) io.Writer {
	if s.verbose == nil {
		s.verbose = report.Stamp(s.io.ErrOut, b.Clock().Now)
		if b.Name() == report.TargetSim {
			fmt.Fprintln(s.verbose, "-v: times are the simulated board's virtual clock, not the wall clock")
		}
	}
	return s.verbose
}

// observer is the run's progress on stderr: nil (the runner's quiet lines)
// unless -v asked for each step's start, log and end.
func (s *Session) observer(env *stage.Env) report.Observer {
	if !s.opts.Verbose {
		return nil
	}
	return &report.Progress{W: s.verboseLog(env.Board), Verbose: true}
}

// Close releases the board.
func (s *Session) Close() {
	if s.board != nil {
		s.board.Close()
	}
	if s.runRoot != nil {
		s.runRoot.Close()
	}
}

// Faults are the faults the simulated board can inject, for --fault's
// completion and help.
func Faults() []sim.Fault { return sim.Catalogue() }

// SimStatus opens the simulated board (whatever the target option says)
// and returns its model state and its faults.
func (s *Session) SimStatus() (sim.Snapshot, []string, error) {
	s.opts.Target = "sim"
	b, err := s.Board()
	if err != nil {
		return sim.Snapshot{}, nil, err
	}
	sb := b.(*sim.Board)
	return sb.Snapshot(), sb.Faults(), nil
}
