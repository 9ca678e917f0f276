package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/loadtest"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/spf13/cobra"
)

// runDirOf finds the run directory a load test keeps its journal in:
// DIR itself (--report-dir-flat, the systemd unit's state directory) or
// the run DIR/latest points at (the station layout).
func runDirOf(dir string) (string, error) {
	for _, d := range []string{dir, filepath.Join(dir, "latest")} {
		if _, err := os.Stat(filepath.Join(d, journal.FileName)); err == nil {
			if real, err := filepath.EvalSymlinks(d); err == nil {
				return real, nil
			}
			return d, nil
		}
	}
	return "", usageErrorf("%s holds no load test journal (%s, nor latest/%s): give the --report-dir the run was started with", dir, journal.FileName, journal.FileName)
}

// resumeLoadtest takes up the load test journalled in dir: the run's own
// parameters and board, its run id, a new "resume" record for the gap.
func resumeLoadtest(cmd *cobra.Command, f *Factory, o *LoadtestOptions) error {
	if f.Global.ReportDir != "" {
		return usageErrorf("--resume writes into the run's own directory: drop --report-dir")
	}
	dir, err := runDirOf(o.Resume)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, journal.FileName)
	if held, _ := journal.Held(path); held {
		return &ExitError{Code: report.ExitError, Err: fmt.Errorf("the run in %s is still going (another aihat holds its journal): see aihat loadtest status %s", dir, dir)}
	}
	j, err := loadtest.ReadJournal(path)
	if err != nil {
		return &ExitError{Code: report.ExitError, Err: fmt.Errorf("cannot resume: %w", err)}
	}
	if j.Ended != nil {
		if _, err := os.Stat(filepath.Join(dir, report.RunJSONFile)); err == nil {
			fmt.Fprintf(f.IO.ErrOut, "the run in %s finished (%s) and its reports are written: nothing to resume\n", dir, j.Ended.Outcome)
			return nil
		}
		// Killed while writing its reports: write them from the journal.
		r, _, err := journal.Render(dir)
		if err != nil {
			return &ExitError{Code: report.ExitError, Err: err}
		}
		fmt.Fprintf(f.IO.ErrOut, "the run in %s had finished; its reports are written from its journal\n", dir)
		format, err := report.ParseFormat(f.Global.Output)
		if err != nil {
			return usageErrorf("-o: %v", err)
		}
		return f.Emit(r, format) // no run directory set: Render wrote the set
	}
	run := o.apply(loadtest.Options{})
	if p := j.Param; p != nil {
		run = p.Options()
		// The unit passes its settings again on every start: the same
		// values are fine, others would change the run half way.
		if given := o.apply(run); !sameParams(given, run) {
			return usageErrorf("--resume goes on with the run's own parameters (in its journal: %s); flags that change them are refused", describeParams(run))
		}
		if err := f.sameBoard(cmd, p.Board); err != nil {
			return err
		}
		if f.Global.Target == "sim" {
			// The simulated board lived in the killed process: it goes on
			// after the journal's last record, the real time since then
			// later, as the same boot (aihat was killed, the board stayed
			// up; the model itself restarts from its cold state).
			gap := time.Duration(0)
			if fi, err := os.Stat(path); err == nil {
				gap = max(time.Since(fi.ModTime()), 0)
			}
			f.simStart, f.simBooted = j.Last.Add(gap), p.Board.Booted
		}
	} else {
		// Killed before the load test started: start it, in this run.
		base, err := f.planLoadtest()
		if err != nil {
			return err
		}
		run = o.apply(base)
	}
	env, err := f.Env()
	if err != nil {
		return err
	}
	if !f.Global.Verbose {
		env.Progress = f.IO.PlainProgress()
	}
	outage := loadtest.NewOutage(env.Board, j, env.Board.Clock().Now())
	fmt.Fprintf(f.IO.ErrOut, "resuming run %s in %s after %d sweeps: %s without samples; %s\n", j.Head.ID, dir, j.Sweeps,
		outage.To.Sub(outage.From).Round(time.Second), outage.Cause)
	run.Resume = &loadtest.Resume{Journal: j, Outage: outage}
	run.Board = boardOf(f)
	run.TTY = f.IO.ErrTTY && !f.Global.Verbose
	stopMetrics, err := o.startMetrics(f, env, &run)
	if err != nil {
		return err
	}
	defer stopMetrics()
	f.resume = &resumeRun{dir: dir, head: j.Head, record: outage}
	steps := tableStep(loadtest.StepName)
	steps[0].Func = func(ctx context.Context, env *stage.Env, step *report.Step) error {
		return loadtest.Run(ctx, env, step, run)
	}
	return f.RunSteps(cmd.Context(), env, steps)
}

func sameParams(a, b loadtest.Options) bool {
	return a.LoadtestDurations == b.LoadtestDurations && a.Runtime == b.Runtime && a.Endpoint == b.Endpoint &&
		a.Model == b.Model && a.HEF == b.HEF && a.PID == b.PID
}

func describeParams(o loadtest.Options) string {
	s := fmt.Sprintf("--duration %s --interval %s --health-every %s --warmup %s --window %s", o.Duration, o.Interval, o.HealthEvery, o.Warmup, o.Window)
	if o.Runtime != "" {
		s += " --runtime " + o.Runtime
	}
	if o.Endpoint != "" {
		s += " --endpoint " + o.Endpoint
	}
	if o.Model != "" {
		s += " --model " + o.Model
	}
	if o.HEF != "" {
		s += " --hef " + o.HEF
	}
	if o.PID != 0 {
		s += fmt.Sprintf(" --server-pid %d", o.PID)
	}
	return s
}

// sameBoard sets the target, seed and faults from the run's journal, or
// refuses flags that name another board.
func (f *Factory) sameBoard(cmd *cobra.Command, b loadtest.Board) error {
	g := &f.Global
	flags := cmd.Flags()
	if flags.Changed("target") && g.Target != b.Target && b.Target != "" {
		return usageErrorf("--target %s: the run in the journal was on %s; resume it there", g.Target, b.Target)
	}
	if b.Target != "" {
		g.Target = b.Target
	}
	if b.Target != "sim" {
		return nil
	}
	if flags.Changed("seed") && g.Seed != b.Seed {
		return usageErrorf("--seed %d: the run in the journal was on sim seed %d", g.Seed, b.Seed)
	}
	want := append([]string(nil), b.Faults...)
	sort.Strings(want)
	got := append([]string(nil), g.Faults...)
	sort.Strings(got)
	if flags.Changed("fault") && strings.Join(got, ",") != strings.Join(want, ",") {
		return usageErrorf("--fault %s: the run in the journal was on a sim with faults [%s]", strings.Join(got, ","), strings.Join(want, ","))
	}
	g.Seed, g.Faults = b.Seed, want
	return nil
}

// boardOf is the board a run is on, for its journal.
func boardOf(f *Factory) loadtest.Board {
	b := loadtest.Board{Target: f.board.Name()}
	if sb, ok := f.board.(*sim.Board); ok {
		b.Seed, b.Faults, b.Booted = f.Global.Seed, sb.Faults(), sb.Booted()
	}
	return b
}

// planLoadtest is the plan's loadtest section as options.
func (f *Factory) planLoadtest() (loadtest.Options, error) {
	p, err := f.Plan()
	if err != nil {
		return loadtest.Options{}, err
	}
	o, err := loadtest.FromPlan(p.Loadtest)
	if err != nil {
		return o, usageErrorf("plan: %v", err)
	}
	return o, nil
}

// newCmdLoadtestStatus builds `aihat loadtest status DIR`.
func newCmdLoadtestStatus(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "status DIR",
		Short: "Where a running, finished or killed load test stands, from its journal",
		Long: `Read the journal of the load test in DIR (the --report-dir it was started with: the run
itself, or the run DIR/latest points at) and print where it stands: running (an aihat
process holds the journal), finished, or stopped (killed, crashed or the power lost: resume
it with aihat loadtest --resume DIR); how far it got, its health checks, requests and
outages, and its last sweep. It only reads: it never disturbs a running test.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := runDirOf(args[0])
			if err != nil {
				return err
			}
			path := filepath.Join(dir, journal.FileName)
			j, err := loadtest.ReadJournal(path)
			if err != nil && (j == nil || j.Head == nil) {
				return &ExitError{Code: report.ExitError, Err: err}
			}
			held, _ := journal.Held(path)
			var modAge time.Duration
			if fi, err := os.Stat(path); err == nil {
				modAge = time.Since(fi.ModTime())
			}
			writeLoadtestStatus(f.IO.Out, dir, j, held, modAge)
			return nil
		},
	}
}

// writeLoadtestStatus prints a journal's status.
func writeLoadtestStatus(w io.Writer, dir string, j *loadtest.Journal, running bool, modAge time.Duration) {
	h := j.Head
	fmt.Fprintf(w, "run:        %s (%s, serial %s)\n", h.ID, h.Target, orDash(h.Serial))
	switch {
	case j.Ended != nil:
		fmt.Fprintf(w, "state:      finished %s at %s\n", j.Ended.Outcome, j.Ended.Ended.Format(time.RFC3339))
	case running:
		fmt.Fprintf(w, "state:      running (an aihat process holds the journal; last write %s ago)\n", modAge.Round(time.Second))
	default:
		fmt.Fprintf(w, "state:      stopped: the journal ends at %s with no end record (last write %s ago): killed, crashed or the power lost; resume with aihat loadtest --resume %s\n",
			j.Last.Format(time.RFC3339), modAge.Round(time.Second), dir)
	}
	p := j.Param
	if p == nil {
		fmt.Fprintf(w, "progress:   the load test had not started (no parameters record)\n")
		return
	}
	done := j.Last.Sub(p.Start)
	pct := 100 * done.Seconds() / p.Duration.Seconds()
	planned := int(p.Duration/p.Interval) + 1
	fmt.Fprintf(w, "started:    %s, planned %s at %s sampling (%d sweeps)\n", p.Start.Format(time.RFC3339), p.Duration, p.Interval, planned)
	fmt.Fprintf(w, "progress:   %s of %s (%.1f %%), %d sweeps journalled\n", done.Round(time.Second), p.Duration, min(pct, 100), j.Sweeps)
	if lh := j.LastHealth; lh != nil {
		fmt.Fprintf(w, "health:     %d checks, %d failed; work %.6g\n", lh.Checks, lh.Failures, lh.Work)
	}
	if j.Requests > 0 {
		fmt.Fprintf(w, "requests:   %d, %d failed\n", j.Requests, j.RequestErrors)
	}
	for _, o := range j.Outages {
		fmt.Fprintf(w, "outage:     %s to %s (%s): %s\n", o.From.Format(time.RFC3339), o.To.Format(time.RFC3339), o.To.Sub(o.From).Round(time.Second), o.Cause)
	}
	if sw := j.LastSweep; sw != nil {
		names := make([]string, 0, len(sw.Values))
		for n := range sw.Values {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(w, "last sweep: %s\n", sw.T.Format(time.RFC3339))
		for _, n := range names {
			fmt.Fprintf(w, "  %-28s %.6g %s\n", n, sw.Values[n], j.Units[n])
		}
	}
	if j.Stats.Bad > 0 || j.Stats.Torn {
		fmt.Fprintf(w, "journal:    %d lines, %d bad (skipped; last: %s), torn last line: %v\n", j.Stats.Lines, j.Stats.Bad, j.Stats.LastBad, j.Stats.Torn)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
