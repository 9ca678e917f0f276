package session

import (
	"context"
	"fmt"
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
)

// Loadtest is a load test as a command asks for it.
type Loadtest struct {
	// Flags lays the command's flags over base options: the plan's, or a
	// resumed run's own (where flags that change them are refused).
	Flags func(base loadtest.RunOptions) loadtest.RunOptions
	// Resume is the directory of a killed run to take up again ("" starts
	// a new run).
	Resume string
	// MetricsAddr and MetricsTextfile serve the run's live metrics
	// (loadtest_metrics.go).
	MetricsAddr, MetricsTextfile string
}

// RunLoadtest runs the load test lt asks for: a new run into a new record,
// or a killed run taken up in its own directory and journal.
func (s *Session) RunLoadtest(ctx context.Context, lt Loadtest) error {
	if lt.Resume != "" {
		return s.resumeLoadtest(ctx, lt)
	}
	env, err := s.ProgressEnv() // plain periodic progress lines
	if err != nil {
		return err
	}
	base, err := loadtest.FromPlan(env.Plan.Loadtest)
	if err != nil {
		return usageErrorf("plan: %v", err)
	}
	return s.runLoadtest(ctx, env, lt, lt.Flags(base))
}

// runLoadtest runs the load test, new or resumed, on this board with its
// live metrics when asked for.
func (s *Session) runLoadtest(ctx context.Context, env *stage.Env, lt Loadtest, run loadtest.RunOptions) error {
	run.Board = s.loadtestBoard()
	run.TTY = s.io.ErrTTY && !s.opts.Verbose
	stopMetrics, err := lt.startMetrics(s, env, &run)
	if err != nil {
		return err
	}
	defer stopMetrics()
	return s.Run(ctx, env, Step(loadtest.StepName, loadtest.RunStage(run)))
}

// RunDirOf finds the run directory a load test keeps its journal in:
// DIR itself (--report-dir-flat, the systemd unit's state directory) or
// the run DIR/latest points at (the station layout).
func RunDirOf(dir string) (string, error) {
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

// resumeLoadtest takes up the load test journalled in lt.Resume: the run's
// own parameters and board, its run id, a new "resume" record for the gap.
func (s *Session) resumeLoadtest(ctx context.Context, lt Loadtest) error {
	if s.opts.ReportDir != "" {
		return usageErrorf("--resume writes into the run's own directory: drop --report-dir")
	}
	dir, err := RunDirOf(lt.Resume)
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
		return s.finishedLoadtest(dir, j)
	}
	run, err := s.resumedOptions(lt, j, path)
	if err != nil {
		return err
	}
	env, err := s.ProgressEnv()
	if err != nil {
		return err
	}
	outage := loadtest.NewOutage(env.Board, j, env.Board.Clock().Now())
	fmt.Fprintf(s.io.ErrOut, "resuming run %s in %s after %d sweeps: %s without samples; %s\n", j.Head.ID, dir, j.Sweeps,
		outage.To.Sub(outage.From).Round(time.Second), outage.Cause)
	run.Resume = &loadtest.Resume{Journal: j, Outage: outage}
	s.resume = &resumeRun{dir: dir, head: j.Head, record: outage}
	return s.runLoadtest(ctx, env, lt, run)
}

// finishedLoadtest answers a resume of a run that had finished: nothing
// to do when its reports are written, else they are written from its
// journal (it was killed while writing them).
func (s *Session) finishedLoadtest(dir string, j *loadtest.Journal) error {
	if _, err := os.Stat(filepath.Join(dir, report.RunJSONFile)); err == nil {
		fmt.Fprintf(s.io.ErrOut, "the run in %s finished (%s) and its reports are written: nothing to resume\n", dir, j.Ended.Outcome)
		return nil
	}
	// Killed while writing its reports: write them from the journal.
	r, _, err := journal.Render(dir)
	if err != nil {
		return &ExitError{Code: report.ExitError, Err: err}
	}
	fmt.Fprintf(s.io.ErrOut, "the run in %s had finished; its reports are written from its journal\n", dir)
	format, err := report.ParseFormat(s.opts.Output)
	if err != nil {
		return usageErrorf("-o: %v", err)
	}
	return s.Emit(r, format) // no run directory set: Render wrote the set
}

// resumedOptions are the run's own parameters from its journal (flags
// that would change them are refused) or, when it was killed before the
// load test started, the plan's with the flags; on the sim the board goes
// on as the same boot after the journal's last record.
func (s *Session) resumedOptions(lt Loadtest, j *loadtest.Journal, path string) (loadtest.RunOptions, error) {
	run := lt.Flags(loadtest.RunOptions{})
	if p := j.Param; p != nil {
		run = p.Options()
		// The unit passes its settings again on every start: the same
		// values are fine, others would change the run half way.
		if given := lt.Flags(run); !sameParams(given, run) {
			return run, usageErrorf("--resume goes on with the run's own parameters (in its journal: %s); flags that change them are refused", describeParams(run))
		}
		if err := s.sameBoard(p.Board); err != nil {
			return run, err
		}
		if s.opts.Target == "sim" {
			// The simulated board lived in the killed process: it goes on
			// after the journal's last record, the real time since then
			// later, as the same boot (aihat was killed, the board stayed
			// up; the model itself restarts from its cold state).
			gap := time.Duration(0)
			if fi, err := os.Stat(path); err == nil {
				gap = max(time.Since(fi.ModTime()), 0)
			}
			s.simStart, s.simBooted = j.Last.Add(gap), p.Board.Booted
		}
	} else {
		// Killed before the load test started: start it, in this run.
		base, err := s.planLoadtest()
		if err != nil {
			return run, err
		}
		run = lt.Flags(base)
	}
	return run, nil
}

func sameParams(a, b loadtest.RunOptions) bool {
	return a.LoadtestDurations == b.LoadtestDurations && a.Runtime == b.Runtime && a.Endpoint == b.Endpoint &&
		a.Model == b.Model && a.HEF == b.HEF && a.PID == b.PID
}

func describeParams(o loadtest.RunOptions) string {
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
// refuses options given on the command line that name another board.
func (s *Session) sameBoard(b loadtest.Board) error {
	g := &s.opts
	if g.Given["target"] && g.Target != b.Target && b.Target != "" {
		return usageErrorf("--target %s: the run in the journal was on %s; resume it there", g.Target, b.Target)
	}
	if b.Target != "" {
		g.Target = b.Target
	}
	if b.Target != "sim" {
		return nil
	}
	if g.Given["seed"] && g.Seed != b.Seed {
		return usageErrorf("--seed %d: the run in the journal was on sim seed %d", g.Seed, b.Seed)
	}
	want := append([]string(nil), b.Faults...)
	sort.Strings(want)
	got := append([]string(nil), g.Faults...)
	sort.Strings(got)
	if g.Given["fault"] && strings.Join(got, ",") != strings.Join(want, ",") {
		return usageErrorf("--fault %s: the run in the journal was on a sim with faults [%s]", strings.Join(got, ","), strings.Join(want, ","))
	}
	g.Seed, g.Faults = b.Seed, want
	return nil
}

// loadtestBoard is the board a run is on, for its journal.
func (s *Session) loadtestBoard() loadtest.Board {
	b := loadtest.Board{Target: s.board.Name()}
	if sb, ok := s.board.(*sim.Board); ok {
		b.Seed, b.Faults, b.Booted = s.opts.Seed, sb.Faults(), sb.Booted()
	}
	return b
}

// planLoadtest is the plan's loadtest section as options.
func (s *Session) planLoadtest() (loadtest.RunOptions, error) {
	p, err := s.Plan()
	if err != nil {
		return loadtest.RunOptions{}, err
	}
	o, err := loadtest.FromPlan(p.Loadtest)
	if err != nil {
		return o, usageErrorf("plan: %v", err)
	}
	return o, nil
}
