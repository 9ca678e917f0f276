// Package cli holds aihat's commands. Each command is an Options struct, a
// constructor that binds flags to it, and a run function that delegates the
// work to pkg/; commands get their board, plan and IO from the Factory, so
// tests run them against the simulated board or fixture trees.
package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/board/fixture"
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
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

// PlainProgress is where a run's plain progress lines go (stderr), each
// wrapped to Width so none is wider than the terminal.
func (s *IOStreams) PlainProgress() io.Writer { return report.Wrap(s.ErrOut, s.Width) }

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

// Factory hands commands their dependencies.
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

	board   board.Board
	plan    *plan.Plan
	runDir  string    // where this run's report set goes (claimRunDir)
	verbose io.Writer // -v's stamped stderr, once per invocation
	// simStart is the simulated board's boot time (zero: sim.EpochStart);
	// a resumed sim run boots after its journal's last record.
	simStart, simBooted time.Time
	// resume, when set, makes RunSteps take up a killed run in its own
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

// Board opens the target the flags name, once.
func (f *Factory) Board() (board.Board, error) {
	if f.board != nil {
		return f.board, nil
	}
	g := f.Global
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
		if target, err = f.chooseTarget(); err != nil {
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
		sb, err := sim.New(sim.Options{Seed: g.Seed, Faults: g.Faults, Start: f.simStart, Booted: f.simBooted})
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		if g.TimeScale > 0 {
			sb.VirtualClock().SetTimeScale(g.TimeScale)
		}
		b = sb
	}
	f.board = b
	return b, nil
}

// Targets are the values --target takes.
var Targets = []string{"auto", "linux", "fixture", "sim"}

// chooseTarget is --target auto: linux on a Raspberry Pi 5; on an Arm host
// that is not one, an ERROR (a station must never be simulated silently);
// elsewhere (a workstation, CI) the simulator, with a notice. A captured
// tree is never chosen: it is named with --target fixture.
func (f *Factory) chooseTarget() (string, error) {
	h := f.Host
	if h.Arch == "" || h.FS == nil {
		h = SystemHost()
	}
	id := board.DetectModel(h.FS)
	if id.IsPi5() {
		fmt.Fprintf(f.IO.ErrOut, "notice: --target auto chose linux (%s names a %s)\n", id.Source, id.Model)
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
	fmt.Fprintf(f.IO.ErrOut, "notice: --target auto chose sim (this %s host is not a Raspberry Pi 5: %s); the results are the simulated Pi 5 + AI HAT+ 2's, not a board's\n", h.Arch, what)
	return "sim", nil
}

// Plan loads the effective plan once: the default with --plan over it.
func (f *Factory) Plan() (*plan.Plan, error) {
	if f.plan != nil {
		return f.plan, nil
	}
	p, err := plan.Load(f.Global.PlanFile, bringup.Known())
	if err != nil {
		return nil, usageErrorf("plan: %v", err)
	}
	f.plan = p
	return p, nil
}

// Env returns the stage environment for this invocation.
func (f *Factory) Env() (*stage.Env, error) {
	p, err := f.Plan()
	if err != nil {
		return nil, err
	}
	b, err := f.Board()
	if err != nil {
		return nil, err
	}
	env := stage.NewEnv(b, p)
	if f.Global.Verbose {
		env.Progress = f.verboseLog(b)
	}
	return env, nil
}

// verboseLog is -v's stderr: every line stamped with the board's clock, the
// one the record's start times and durations are on, so a line can be
// found in run.json. On linux that is the wall clock; on the sim it is
// virtual (a 24 h soak takes seconds of real time), which the first line
// says.
func (f *Factory) verboseLog(b board.Board) io.Writer {
	if f.verbose == nil {
		f.verbose = report.Stamp(f.IO.ErrOut, b.Clock().Now)
		if b.Name() == report.TargetSim {
			fmt.Fprintln(f.verbose, "-v: times are the simulated board's virtual clock, not the wall clock")
		}
	}
	return f.verbose
}

// observer is the run's progress on stderr: nil (the runner's quiet lines)
// unless -v asked for each step's start, log and end.
func (f *Factory) observer(env *stage.Env) report.Observer {
	if !f.Global.Verbose {
		return nil
	}
	return &report.Progress{W: f.verboseLog(env.Board), Verbose: true}
}

// RunSteps runs steps into one record, writes it as the flags say, and
// returns an *ExitError carrying the run's exit code when it did not pass.
func (f *Factory) RunSteps(ctx context.Context, env *stage.Env, steps []bringup.Step) error {
	format, err := report.ParseFormat(f.Global.Output)
	if err != nil {
		return usageErrorf("-o: %v", err)
	}
	meta := bringup.Meta{
		ToolVersion: f.Build.Version,
		Serial:      f.Global.Serial,
		Station:     f.Global.Station,
		Operator:    f.Global.Operator,
		Observer:    f.observer(env),
	}
	if rs := f.resume; rs != nil {
		f.runDir, meta.ID, meta.Started = rs.dir, rs.head.ID, rs.head.Started
		if meta.Serial == "" {
			meta.Serial = rs.head.Serial
		}
	} else if f.Global.ReportDir != "" {
		// Before the run, not after: a station must not test a board for
		// an hour and then find it cannot keep the record.
		if err := f.claimRunDir(env, &meta); err != nil {
			return err
		}
	}
	env.ReportDir = f.runDir
	var jobs *journal.Observer
	if dir := f.runDir; dir != "" {
		// The journal keeps each step as it ends, so a run killed half
		// way leaves what it measured (aihat report render DIR).
		head := &report.Run{Schema: report.Schema, ToolVersion: meta.ToolVersion, Target: env.Board.Name(),
			Serial: meta.Serial, Station: meta.Station, Operator: meta.Operator, Started: env.Board.Clock().Now()}
		clocks := journal.Clocks{Wall: env.Board.Clock().Now, Mono: monotonic(env.Board), BootID: board.BootID(env.Board)}
		var j *journal.Writer
		var err error
		if f.resume != nil {
			j, err = journal.Resume(dir, clocks, f.resume.record)
		} else {
			j, err = journal.Start(dir, clocks, head)
		}
		if err != nil {
			return &ExitError{Code: report.ExitError, Err: fmt.Errorf("journal in %s: %w", dir, err)}
		}
		next := meta.Observer
		if next == nil {
			next = &report.Progress{W: env.Progress}
		}
		jobs = &journal.Observer{J: j, Next: next}
		meta.Observer = jobs
		env.Journal = j // long stages journal their samples as they go
	}
	r := bringup.Run(ctx, env, steps, meta)
	if jobs != nil {
		if err := journal.Finish(jobs.J, r); err != nil && jobs.Err == nil {
			jobs.Err = err
		}
		if jobs.Err != nil {
			fmt.Fprintf(f.IO.ErrOut, "warning: the run's journal could not be kept: %v\n", jobs.Err)
		}
	}
	return f.Emit(r, format)
}

// Emit writes a finished run to stdout and the report directory and maps
// its outcome to the exit code.
func (f *Factory) Emit(r *report.Run, format report.Format) error {
	if err := report.Write(f.IO.Out, r, format, report.TableOptions{Color: f.IO.Color(), Width: f.IO.Width}); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if dir := f.runDir; dir != "" {
		if err := report.WriteDir(dir, r); err != nil {
			return fmt.Errorf("write reports to %s: %w", dir, err)
		}
		fmt.Fprintf(f.IO.PlainProgress(), "reports written to %s (%s)\n", dir, strings.Join(report.ReportFiles, ", "))
	}
	if code := report.ExitCode(r, f.Global.Strict); code != report.ExitPass {
		return &ExitError{Code: code}
	}
	return nil
}

// Close releases the board.
func (f *Factory) Close() {
	if f.board != nil {
		f.board.Close()
	}
}

// claimRunDir decides where the run's record goes and checks it can be
// kept there. Station layout (the default): DIR/<serial>/<run-id>/, a new
// directory per run, with DIR/latest pointing at it from the start (so a
// killed run's journal is found there). --report-dir-flat: DIR itself.
func (f *Factory) claimRunDir(env *stage.Env, meta *bringup.Meta) error {
	dir := f.Global.ReportDir
	runDir := dir
	if !f.Global.ReportDirFlat {
		serial := meta.Serial
		if serial == "" {
			serial = f.boardSerial(env)
			meta.Serial = serial
		}
		var err error
		if runDir, meta.ID, err = report.ClaimRunDir(dir, serial, env.Board.Clock().Now()); err != nil {
			return &ExitError{Code: report.ExitError, Err: err}
		}
	}
	if err := report.PrepareDir(runDir); err != nil {
		return &ExitError{Code: report.ExitError, Err: err}
	}
	if runDir != dir {
		if err := report.PointLatest(dir, runDir); err != nil {
			return &ExitError{Code: report.ExitError, Err: err}
		}
	}
	f.runDir = runDir
	return nil
}

// boardSerial reads the board's serial from the station's serial source
// (the device tree's serial-number by default) on the board's own files;
// "" when the board does not have it, with a note saying so.
func (f *Factory) boardSerial(env *stage.Env) string {
	src := station.DefaultSerialSource
	if s := f.Station.Get("serial_source"); s != "" && strings.HasPrefix(s, "/") {
		src = s
	}
	b, err := fs.ReadFile(env.Board.FS(), strings.TrimPrefix(src, "/"))
	serial := strings.TrimSpace(strings.TrimRight(string(b), "\x00"))
	if err != nil || serial == "" {
		fmt.Fprintf(f.IO.ErrOut, "note: no serial in %s (%v): records go under noserial/; give --serial\n", src, err)
		return ""
	}
	return serial
}

// recordOnly runs steps into a record kept in the report directory (when
// there is one) without printing it: for commands whose output is their
// own text, such as eeprom write, that change the board and so must leave
// a record.
func (f *Factory) recordOnly(ctx context.Context, env *stage.Env, steps []bringup.Step) error {
	meta := bringup.Meta{ToolVersion: f.Build.Version, Serial: f.Global.Serial, Station: f.Global.Station,
		Operator: f.Global.Operator, Observer: f.observer(env)}
	if f.Global.ReportDir != "" {
		if err := f.claimRunDir(env, &meta); err != nil {
			return err
		}
	}
	r := bringup.Run(ctx, env, steps, meta)
	if dir := f.runDir; dir != "" {
		if err := report.WriteDir(dir, r); err != nil {
			return fmt.Errorf("write reports to %s: %w", dir, err)
		}
		fmt.Fprintf(f.IO.ErrOut, "record written to %s (%s)\n", dir, strings.Join(report.ReportFiles, ", "))
	}
	return nil
}
