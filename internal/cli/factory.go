// Package cli holds aihat's commands. Each command is an Options struct, a
// constructor that binds flags to it, and a run function that delegates the
// work to pkg/; commands get their board, plan and IO from the Factory, so
// tests run them against the simulated board or fixture trees.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/mattn/go-isatty"
)

// IOStreams is the one place that knows about the terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY is true when Out is a terminal; colour needs it and no NO_COLOR.
	OutTTY  bool
	NoColor bool
}

// SystemIO returns the process's streams.
func SystemIO() *IOStreams {
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY:  isatty.IsTerminal(os.Stdout.Fd()) || isatty.IsCygwinTerminal(os.Stdout.Fd()),
		NoColor: noColor,
	}
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
	Strict    bool
	Verbose   bool
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

	board board.Board
	plan  *plan.Plan
}

// Board opens the target the flags name, once.
func (f *Factory) Board() (board.Board, error) {
	if f.board != nil {
		return f.board, nil
	}
	g := f.Global
	target := g.Target
	switch target {
	case "auto":
		root := g.Root
		if root == "" {
			root = "/"
		}
		if st, err := os.Stat(root); err != nil || !st.IsDir() {
			return nil, usageErrorf("--root %s: not an existing directory", root)
		}
		if board.IsPi5(board.RootFS(root)) {
			target = "linux"
		} else {
			target = "sim"
		}
		fmt.Fprintf(f.IO.ErrOut, "notice: --target auto chose %s (%s)\n", target, autoReason(target, root))
	case "linux", "sim":
	default:
		return nil, usageErrorf("--target %q: choose linux, sim or auto", target)
	}
	if target != "sim" && len(g.Faults) > 0 {
		return nil, usageErrorf("--fault needs the simulated board (--target sim)")
	}
	var (
		b   board.Board
		err error
	)
	if target == "linux" {
		b, err = board.NewLinux(g.Root)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
	} else {
		sb, err := sim.New(sim.Options{Seed: g.Seed, Faults: g.Faults})
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

func autoReason(target, root string) string {
	if target == "linux" {
		return filepath.Join(root, "proc/device-tree/model") + " names a Raspberry Pi 5"
	}
	return "no Raspberry Pi 5 device tree under " + root + "; using the simulated Pi 5 + AI HAT+ 2"
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
		env.Progress = f.IO.ErrOut
	}
	return env, nil
}

// RunSteps runs steps into one record, writes it as the flags say, and
// returns an *ExitError carrying the run's exit code when it did not pass.
func (f *Factory) RunSteps(ctx context.Context, env *stage.Env, steps []bringup.Step) error {
	format, err := report.ParseFormat(f.Global.Output)
	if err != nil {
		return usageErrorf("-o: %v", err)
	}
	if dir := f.Global.ReportDir; dir != "" {
		// Before the run, not after: a station must not test a board for
		// an hour and then find it cannot keep the record.
		if err := report.PrepareDir(dir); err != nil {
			return &ExitError{Code: report.ExitError, Err: err}
		}
	}
	r := bringup.Run(ctx, env, steps, bringup.Meta{
		ToolVersion: f.Build.Version,
		Serial:      f.Global.Serial,
		Station:     f.Global.Station,
		Operator:    f.Global.Operator,
	})
	return f.Emit(r, format)
}

// Emit writes a finished run to stdout and the report directory and maps
// its outcome to the exit code.
func (f *Factory) Emit(r *report.Run, format report.Format) error {
	if err := report.Write(f.IO.Out, r, format, report.TableOptions{Color: f.IO.Color()}); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if dir := f.Global.ReportDir; dir != "" {
		if err := report.WriteDir(dir, r); err != nil {
			return fmt.Errorf("write reports to %s: %w", dir, err)
		}
		fmt.Fprintf(f.IO.ErrOut, "reports written to %s (run.json, junit.xml, report.md)\n", dir)
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
