package loadtest

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/telemetry"
	"github.com/aihat/aihat/pkg/workload"
)

// cutAt cancels the run after its n-th sweep: what a kill leaves in the
// journal (everything up to that sweep, no end).
type cutAt struct {
	n, seen int
	cancel  context.CancelFunc
}

func (c *cutAt) Sweep(telemetry.Sweep) {
	if c.seen++; c.seen == c.n {
		c.cancel()
	}
}
func (c *cutAt) Request(workload.Request) {}
func (c *cutAt) Health(Health)            {}

// journalRun runs a sim load test into a journal at dir; live, when set,
// sees the run. It returns the step and the board.
func journalRun(t *testing.T, ctx context.Context, dir string, start time.Time, o RunOptions) (*report.Step, *sim.Board) {
	t.Helper()
	b, env := simEnv(t, sim.Options{Seed: 3, Start: start})
	clk := b.Clock()
	j, err := journal.Create(filepath.Join(dir, journal.FileName), journal.Clocks{Wall: clk.Now, BootID: board.BootID(b)})
	if err != nil {
		t.Fatal(err)
	}
	if o.Resume != nil {
		j.Append(journal.KindResume, o.Resume.Outage)
	} else {
		j.Append(journal.KindRun, &report.Run{Schema: report.Schema, Target: b.Name(), Started: clk.Now()})
	}
	env.Journal = j
	step := report.NewStep(StepName, clk.Now())
	err = RunStage(o)(ctx, env, step)
	step.Finish(clk.Now(), err)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return step, b
}

// A run cut off after some sweeps and resumed from its journal ends as
// the uncut run does: every sweep journalled before the cut is kept, the
// health checks and the work count on, the gap is one outage, a reboot
// (the sim died with its process, as a board with a power cut).
func TestResumeGoesOnFromTheJournal(t *testing.T) {
	o := shortSim
	full, _ := journalRun(t, context.Background(), t.TempDir(), sim.EpochStart, o)

	for _, cut := range []int{7, 400, 1000} {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		o1 := o
		o1.Live = &cutAt{n: cut, cancel: cancel}
		first, _ := journalRun(t, ctx, dir, sim.EpochStart, o1)
		cancel()
		if first.Outcome != report.Error {
			t.Fatalf("cut at %d: the cut part ended %s", cut, first.Outcome)
		}
		path := filepath.Join(dir, journal.FileName)
		// A power cut can tear the line being written: it must be skipped.
		f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		f.WriteString(`0badc0de {"k":"sweep","w":"2026`)
		f.Close()
		j, err := ReadJournal(path)
		if err != nil || j.Param == nil || j.Sweeps != cut || !j.Stats.Torn {
			t.Fatalf("cut at %d: journal %+v, %v", cut, j, err)
		}
		// The board comes back 25 s after the last record (a reboot).
		again, err := sim.New(sim.Options{Seed: 3, Start: j.Last.Add(25 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		outage := NewOutage(again, j, again.Clock().Now())
		if !outage.Reboot || math.Abs(outage.Seconds()-25) > 1e-9 {
			t.Fatalf("outage %+v", outage)
		}
		o2 := j.Param.Options()
		o2.Resume = &Resume{Journal: j, Outage: outage}
		step, _ := journalRun(t, context.Background(), dir, outage.To, o2)

		if !step.Started.Equal(sim.EpochStart) {
			t.Errorf("cut at %d: resumed step starts %s, want the first start", cut, step.Started)
		}
		// Sweeps: every one before the cut, then the rest of the first
		// run's grid from the resume: the 25 s gap holds 2 of its 10 s
		// sweeps, and only those are missing.
		sweeps, want := value(t, step, "sweeps"), value(t, full, "sweeps")-2
		if sweeps != want {
			t.Errorf("cut at %d: %v sweeps, want %v", cut, sweeps, want)
		}
		if n := value(t, step, "outages"); n != 1 {
			t.Errorf("cut at %d: %v outages", cut, n)
		}
		if r := value(t, step, "reboots"); r != 1 {
			t.Errorf("cut at %d: %v reboots", cut, r)
		}
		if c := value(t, step, "health_checks"); c != value(t, full, "health_checks") {
			t.Errorf("cut at %d: %v health checks, the uncut run %v", cut, c, value(t, full, "health_checks"))
		}
		// Work counts on from the journal: short of the uncut run by the
		// gap and the cold restart's clock (the sim runs 120 inferences/s;
		// 2 % is 1.7 virtual minutes of 3 h).
		if w, wf := value(t, step, "work"), value(t, full, "work"); math.Abs(w-wf)/wf > 0.02 {
			t.Errorf("cut at %d: work %v, the uncut run %v", cut, w, wf)
		}
		for _, name := range []string{"mem_available_slope", "slab_slope", "fan_rpm_full_slope"} {
			if m, ok := measurement(step, name); !ok || m.Outcome != report.Pass {
				t.Errorf("cut at %d: %s %+v", cut, name, m)
			}
		}
		if m, _ := measurement(step, "reboots"); m.Outcome != report.Fail {
			t.Errorf("cut at %d: a reboot is not judged: %+v", cut, m)
		}
	}
}

// On a terminal the progress is one line redrawn with live counters and
// an ETA; elsewhere plain lines, one per health interval.
func TestProgressOnATerminalAndInALog(t *testing.T) {
	// Not a terminal: the line's width is $COLUMNS, wide enough for all.
	t.Setenv("COLUMNS", "300")
	for _, tty := range []bool{true, false} {
		b, env := simEnv(t, sim.Options{Seed: 1})
		var out strings.Builder
		env.Progress = &out
		o := shortSim
		o.Duration = time.Hour
		o.TTY = tty
		// The sim runs faster than the 200 ms redraw limit: pace it so
		// the terminal line is drawn more than once.
		if tty {
			b.VirtualClock().SetTimeScale(3600)
		}
		step := report.NewStep(StepName, time.Now())
		if err := RunStage(o)(context.Background(), env, step); err != nil {
			t.Fatal(err)
		}
		s := out.String()
		if tty {
			if !strings.Contains(s, "\rloadtest.run ") || !strings.Contains(s, "ETA ") || !strings.Contains(s, " | SoC ") || !strings.Contains(s, " inference") || strings.Count(s, "\r") < 2 || !strings.HasSuffix(s, "\n") {
				t.Errorf("terminal progress %q", s)
			}
		} else if n := strings.Count(s, "\n"); n != 7 || strings.Contains(s, "\r") {
			t.Errorf("log progress: %d lines, want one per 10 min health interval of the hour, ends included:\n%s", n, s)
		}
	}
}

// On an 80-column terminal each redraw fits in 79 columns, keeping the
// progress and the health checks and dropping the board's figures, and
// clears what the previous one left (issue 23: a 125-column line wrapped
// and each redraw left a trail).
func TestProgressFitsTheTerminal(t *testing.T) {
	t.Setenv("COLUMNS", "80")
	b, env := simEnv(t, sim.Options{Seed: 1})
	var out strings.Builder
	env.Progress = &out
	o := shortSim
	o.Duration = time.Hour
	o.TTY = true
	b.VirtualClock().SetTimeScale(3600)
	step := report.NewStep(StepName, time.Now())
	if err := RunStage(o)(context.Background(), env, step); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	draws := strings.Split(strings.TrimSuffix(s, "\n"), "\r")[1:]
	if len(draws) < 2 {
		t.Fatalf("terminal progress drawn %d times: %q", len(draws), s)
	}
	for _, d := range draws {
		line, ok := strings.CutSuffix(d, "\x1b[K")
		if !ok {
			t.Errorf("redraw %q does not clear to the end of the line", d)
		}
		if n := utf8.RuneCountInString(line); n > 79 || !strings.Contains(line, "ETA ") || !strings.Contains(line, "health ") {
			t.Errorf("redraw %q: %d columns, want <= 79 with the ETA and the health checks", line, n)
		}
	}
}

// retrainAt drops the simulated link to Gen 1 at the n-th sweep, as a
// marginal ribbon cable retraining would.
type retrainAt struct {
	cutAt
	b *sim.Board
}

func (r *retrainAt) Sweep(telemetry.Sweep) {
	if r.seen++; r.seen == r.n {
		r.b.State().PCIe.LinkSpeed = "2.5 GT/s PCIe"
	}
}

// The health check compares the PCIe link with the first check's: a link
// that retrained down mid-run is a health failure with its time.
func TestLinkRetrainedDownFailsHealth(t *testing.T) {
	b, env := simEnv(t, sim.Options{Seed: 1})
	o := shortSim
	o.Live = &retrainAt{cutAt: cutAt{n: 500}, b: b}
	step := report.NewStep(StepName, time.Now())
	step.Finish(time.Now(), RunStage(o)(context.Background(), env, step))
	m, _ := measurement(step, "health_failures")
	if step.Outcome != report.Fail || m.Outcome != report.Fail {
		t.Fatalf("outcome %s, health_failures %+v", step.Outcome, m)
	}
	var first *report.Event
	for i, e := range step.Events {
		if e.Kind == "health_failed" {
			first = &step.Events[i]
			break
		}
	}
	// The checks are a series too: no failure up to 1 h 30 min, then one
	// more at every check.
	var failures *report.Series
	for i := range step.Series {
		if step.Series[i].Name == "health.failures" {
			failures = &step.Series[i]
		}
	}
	if failures == nil || failures.Unit != "count" || failures.Buckets[0].Max != 0 || failures.Buckets[len(failures.Buckets)-1].Max < 5 {
		t.Fatalf("health.failures series %+v", failures)
	}
	// Sweep 500 is at 4990 s; the next check is at 5400 s (1 h 30 min).
	if first == nil || !strings.Contains(first.Detail, "PCIe link now 0001:01:00.0 2.5 GT/s PCIe x1, was 0001:01:00.0 8.0 GT/s PCIe x1") ||
		first.Time.Sub(sim.EpochStart) != 90*time.Minute {
		t.Fatalf("first failure %+v", first)
	}
}
