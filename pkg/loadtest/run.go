package loadtest

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/aihat/aihat/pkg/accel"
	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/telemetry"
	"github.com/aihat/aihat/pkg/workload"
)

// RunOptions shape one load test; zero fields come from the plan.
type RunOptions struct {
	plan.LoadtestDurations
	// Runtime is one of Runtimes; Model is ollama's model name or
	// onnxruntime's ONNX file (the plan's bench model when empty); HEF is
	// hailortcli's compiled model.
	Runtime, Endpoint, Model, HEF string
	// PID is the process whose RSS and open fds are watched for leaks:
	// the inference server's; 0 looks for one in the board's /proc, then
	// watches aihat's own when that /proc is this machine's (discover.go).
	PID int
	// Live, when set, sees the run as it goes: the Prometheus exporter,
	// the progress display. Its methods run on the sampler's goroutine
	// (Request on the workload's) and must not block.
	Live Live
	// TTY redraws one progress line with live counters and an ETA on
	// env.Progress (a terminal) instead of writing periodic lines.
	TTY bool
	// Board names the board for the journal, so a resume builds the same.
	Board Board
	// Resume, when set, takes up the run its journal holds (the caller
	// opened that journal for appending and recorded the outage in it).
	Resume *Resume
}

// Resume is a killed run to take up again.
type Resume struct {
	Journal *Journal
	Outage  Outage // the gap being closed now
}

// Live receives a load test's sweeps, requests and health checks as they
// happen.
type Live interface {
	Sweep(sw telemetry.Sweep)
	Request(q workload.Request)
	Health(h Health)
}

// Health is one health check's result: what the journal keeps (a
// "health" record) and what Live sees.
type Health struct {
	T time.Time `json:"t"`
	// Checks and Failures count the run's checks so far, this one included.
	Checks   int      `json:"checks"`
	Failures int      `json:"failures"`
	Bad      []string `json:"bad,omitempty"` // what failed, empty when healthy
	// Work is the workload's work so far, in its unit.
	Work float64 `json:"work"`
	// SelfRSS is aihat's own resident memory (this machine's
	// /proc/self/status, whichever board it tests): a day-long run must
	// not grow.
	SelfRSS float64 `json:"aihat_rss_bytes,omitempty"`
	// Link is the accelerator's PCIe link now ("0001:01:00.0 8.0 GT/s
	// PCIe x1"); the first one seen is the run's baseline.
	Link string `json:"link,omitempty"`
}

// KindHealth is a health check's journal record.
const KindHealth = "health"

// FromPlan fills options from the plan's loadtest section.
func FromPlan(p plan.LoadtestPlan) (RunOptions, error) {
	d, err := p.Durations()
	if err != nil {
		return RunOptions{}, err
	}
	return RunOptions{LoadtestDurations: d, Runtime: p.Runtime, Endpoint: p.Endpoint, Model: p.Model}, nil
}

// RunStage is loadtest.run as o says. The table's entry is RunStage with
// the plan's loadtest section (FromPlan), read when the stage starts; a
// command passes the plan's options (or a resumed run's own) with its
// flags over them.
func RunStage(o RunOptions) stage.Func {
	return func(ctx context.Context, env *stage.Env, step *report.Step) error {
		return runLoadtest(ctx, env, step, o)
	}
}

// planOptions are the plan's loadtest section as options: the table's
// entry.
func planOptions(p *plan.Plan) (RunOptions, error) { return FromPlan(p.Loadtest) }

// run is the state one load test keeps while it runs: the watched series
// at full resolution (a day at 1 Hz is 86 400 points, 1.4 MB each: the
// slopes need them, the envelope does not keep them) and the requests.
type run struct {
	env      *stage.Env
	step     *report.Step
	o        RunOptions
	w        workload.Workload
	start    time.Time
	nextHC   time.Time
	prog     *progress
	watch    map[string]*Windower // watched series, hours since the start → value
	health   []report.Event
	failures int
	checks   int
	outages  []Outage
	workBase float64    // work done before a resume
	linkBase string     // the accelerator's PCIe link at the first health check
	faults   faultState // outage, failed work, brown-outs (outage.go)

	mu       sync.Mutex
	requests []workload.Request
}

// watched are the series whose slopes are judged, by name in the sweep.
// fan_rpm_full is the tachometer scaled to full PWM (rpm·255/pwm): the
// fan's own health, apart from the kernel's fan curve stepping it up as
// the SoC warms (a wearing fan is stepped up more, so its raw rpm can rise).
var watched = []string{"mem_available", "slab", "fan_rpm_full"}

// runLoadtest loads the board for o.Duration, sampling every o.Interval,
// health checks every o.HealthEvery, then judges slopes.
func runLoadtest(ctx context.Context, env *stage.Env, step *report.Step, o RunOptions) error {
	if o.Interval <= 0 || o.Duration <= 0 || o.HealthEvery <= 0 || o.Window <= 0 {
		return fmt.Errorf("loadtest: duration, interval, health_every and window must be positive (%+v)", o.LoadtestDurations)
	}
	clk := env.Board.Clock()
	r, prev, err := startRun(env, step, o)
	if err != nil {
		return err
	}
	w, closeW, err := r.newWorkload(env, o)
	if err != nil {
		return err
	}
	defer closeW()
	srcs := r.sources(ctx, w)
	n, err := r.sweepsLeft(ctx)
	if err != nil {
		return err
	}
	step.Logf("load test: %s (%s) for %s, sampled every %s, health check every %s, slopes after a %s warm-up over %s medians",
		w.Name(), w.Unit(), o.Duration, o.Interval, o.HealthEvery, o.Warmup, o.Window)
	r.w = w
	r.prog = newProgress(env.Progress, o.TTY, r, clk.Now())
	defer r.prog.end()
	if err := w.Start(ctx); err != nil {
		return err
	}
	s := &telemetry.Sampler{Clock: clk, Interval: o.Interval, Sources: srcs, Sink: telemetry.JournalSink(env.Journal), Between: r.between, Resume: prev}
	defer s.Close()
	res, runErr := prev, error(nil)
	if n > 0 {
		res, runErr = s.Run(ctx, n)
	}
	stopErr := w.Stop()
	r.recordSeries(res)
	r.verdicts(res, w)
	if runErr != nil {
		return runErr
	}
	if stopErr != nil {
		return stopErr
	}
	return nil
}

// startRun begins the run now, or, resuming, goes on with the journaled
// one: prev is its sweeps so far (nil for a new run).
func startRun(env *stage.Env, step *report.Step, o RunOptions) (r *run, prev *telemetry.Result, err error) {
	r = &run{env: env, step: step, o: o, start: env.Board.Clock().Now(), watch: map[string]*Windower{}}
	r.nextHC = r.start
	if rs := o.Resume; rs != nil && rs.Journal.Param != nil {
		r.start, r.nextHC = rs.Journal.Param.Start, rs.Journal.Param.Start
		if prev, err = r.replay(rs.Journal.Path); err != nil {
			return nil, nil, err
		}
		r.outages = append(append(r.outages, rs.Journal.Outages...), rs.Outage)
		step.Started = rs.Journal.Param.Start
		step.Logf("resumed at %s after %d sweeps: %s without samples; %s", rs.Outage.To.Format(time.RFC3339),
			prev.Sweeps, rs.Outage.To.Sub(rs.Outage.From).Round(time.Second), rs.Outage.Cause)
	} else if env.Journal != nil {
		// Everything a resume needs to go on as this run would have.
		env.Journal.Append(KindParams, Params{Start: r.start, LoadtestDurations: o.LoadtestDurations,
			Runtime: o.Runtime, Endpoint: o.Endpoint, Model: o.Model, HEF: o.HEF, PID: o.PID, Board: o.Board})
	}
	return r, prev, nil
}

// sources are the load test's telemetry: the board's defaults, the fault
// counters, the watched process when this machine can see it, the
// workload and the health checks.
func (r *run) sources(ctx context.Context, w workload.Workload) []telemetry.Source {
	env, step := r.env, r.step
	srcs, notes := telemetry.DefaultSources(env.Board)
	for _, n := range notes {
		step.Logf("telemetry: %s", n)
	}
	srcs = append(srcs, faultSources(env.Board.FS(), w)...)
	pid, label := watchedProcess(env.Board.FS(), r.o.PID, step.Logf)
	proc := &telemetry.Process{FS: env.Board.FS(), PID: pid, Label: label}
	if _, _, err := proc.Sample(ctx, env.Board.Clock().Now()); err == nil {
		srcs = append(srcs, proc)
		watched := label + ".rss"
		step.Logf("watching process %d (%s): %s and open fds", pid, label, watched)
	} else {
		step.Logf("no process RSS or fds watched: %v (the board's /proc is not this machine's, or --server-pid is wrong)", err)
	}
	return append(srcs, &workSource{w: w, base: r.workBase}, healthSource{r})
}

// sweepsLeft is the number of sweeps up to the planned end: a resumed
// run ends when the first would have, its outage counted against its
// coverage.
func (r *run) sweepsLeft(ctx context.Context) (int, error) {
	clk, o := r.env.Board.Clock(), r.o
	if o.Resume != nil {
		// Back on the first run's grid (start + k·interval): the sweeps
		// of both parts line up, and so do the health checks.
		if off := clk.Now().Sub(r.start) % o.Interval; off > 0 {
			if err := clk.Sleep(ctx, o.Interval-off); err != nil {
				return 0, err
			}
		}
	}
	n := 0
	if left := r.start.Add(o.Duration).Sub(clk.Now()); left >= 0 {
		n = int(left/o.Interval) + 1
	}
	return n, nil
}

// recordSeries keeps the sampled series, their events, the health checks
// and the outages in the step.
func (r *run) recordSeries(res *telemetry.Result) {
	step := r.step
	if res != nil {
		for _, name := range res.Order {
			step.Series = append(step.Series, telemetry.ToReport(res.Series[name], telemetry.RecordBuckets))
		}
		for _, e := range res.Events {
			step.Events = append(step.Events, report.Event{Time: e.T, Kind: e.Kind, Detail: e.Detail})
		}
	}
	step.Events = append(step.Events, r.health...)
	for _, g := range r.outages {
		step.Events = append(step.Events, report.Event{Time: g.From, Kind: "outage",
			Detail: fmt.Sprintf("%s without samples, to %s: %s", g.To.Sub(g.From).Round(time.Second), g.To.Format(time.RFC3339), g.Cause)})
	}
}

// request records one request of the workload.
func (r *run) request(q workload.Request) {
	// On the board's clock, as the sweeps are: on the sim it is virtual,
	// and the windows of p99 latency and error rate are cut on it.
	q.Time = r.env.Board.Clock().Now()
	r.mu.Lock()
	r.requests = append(r.requests, q)
	r.mu.Unlock()
	if r.env.Journal != nil {
		r.env.Journal.Append("request", q)
	}
	if r.o.Live != nil {
		r.o.Live.Request(q)
	}
}

// between runs after each live sweep: it folds the sweep into the run's
// state, then acts (health check, progress, live metrics).
func (r *run) between(ctx context.Context, sw telemetry.Sweep) error {
	r.observe(sw)
	if r.o.Live != nil {
		r.o.Live.Sweep(sw)
	}
	if !sw.T.Before(r.nextHC) {
		r.healthCheck(sw)
		r.nextHC = r.nextHC.Add(r.o.HealthEvery)
	}
	r.prog.sweep(sw)
	return nil
}

// observe folds one sweep into the run's state. It only reads the sweep
// and changes r, with no I/O: a resumed run replays its journal's sweeps
// through it and so reaches the state the killed process had.
func (r *run) observe(sw telemetry.Sweep) {
	h := sw.T.Sub(r.start).Hours()
	for name, v := range sw.Values {
		if r.isWatched(name) {
			r.watchAdd(name, h, v)
		}
	}
	if pwm, rpm := sw.Values["fan_pwm"], sw.Values["fan_rpm"]; pwm > 0 {
		r.watchAdd("fan_rpm_full", h, rpm*255/pwm)
	}
	r.faults.observe(sw)
}

// watchAdd adds a watched series' point to its window medians.
func (r *run) watchAdd(name string, h, v float64) {
	w := r.watch[name]
	if w == nil {
		w = &Windower{From: r.o.Warmup.Hours(), W: r.o.Window.Hours()}
		r.watch[name] = w
	}
	w.Add(h, v)
}

func (r *run) isWatched(name string) bool {
	for _, w := range watched {
		if name == w {
			return true
		}
	}
	n := len(name)
	return n > 4 && name[n-4:] == ".rss" || n > 4 && name[n-4:] == ".fds"
}

// healthCheck is the quick stages on the latest sweep: power.flags' live
// under-voltage (throttle bit 0, the rpi_volt alarm) and driver.check's
// device node. A failure is recorded with its time; the run goes on.
func (r *run) healthCheck(sw telemetry.Sweep) {
	r.checks++
	var bad []string
	if v, ok := sw.Values[liveUV]; ok && v != 0 {
		bad = append(bad, "under-voltage now (get_throttled bit 0)")
	}
	if v, ok := sw.Values["undervoltage_alarm"]; ok && v != 0 {
		bad = append(bad, "rpi_volt in0_lcrit_alarm set")
	}
	if n := accel.StatNode(r.env.Board.FS(), "hailo0"); !n.Exists {
		bad = append(bad, "/dev/hailo0 missing")
	}
	link, linkBad := r.checkLink()
	bad = append(bad, linkBad...)
	if len(sw.Failed) > 0 {
		r.step.Logf("health check at %s: sources without a sample: %v", sw.T.Sub(r.start).Round(time.Second), sw.Failed)
	}
	if len(bad) > 0 {
		r.failures++
		r.health = append(r.health, report.Event{Time: sw.T, Kind: "health_failed", Detail: fmt.Sprint(bad)})
	}
	h := Health{T: sw.T, Checks: r.checks, Failures: r.failures, Bad: bad, Work: r.workBase + r.w.Done(), SelfRSS: selfRSS(), Link: link}
	if r.env.Journal != nil {
		r.env.Journal.Append(KindHealth, h)
	}
	if r.o.Live != nil {
		r.o.Live.Health(h)
	}
}

// verdicts measures the run's counts and every watched slope after the
// warm-up; the plan's limits judge them.
func (r *run) verdicts(res *telemetry.Result, w workload.Workload) {
	env, step := r.env, r.step
	sweeps := 0
	if res != nil {
		sweeps = res.Sweeps
	}
	stage.Measure(env, step, stage.M{Name: "sweeps", Value: float64(sweeps), Unit: "count"})
	stage.Measure(env, step, stage.M{Name: "health_checks", Value: float64(r.checks), Unit: "count"})
	stage.Measure(env, step, stage.M{Name: "health_failures", Value: float64(r.failures), Unit: "count", Code: "LOADTEST_HEALTH",
		Remedy: "a health check failed during the run (see the health_failed events): under-voltage wants a 5 V 5 A supply; a missing /dev/hailo0 is a driver reset (dmesg | grep hailo)"})
	stage.Measure(env, step, stage.M{Name: "work", Value: r.workBase + w.Done(), Unit: w.Unit()})
	r.outageVerdicts(sweeps)
	r.faults.verdicts(env, step, r.start)
	warm := r.o.Warmup.Hours()
	win := r.o.Window.Hours()
	names := make([]string, 0, len(r.watch))
	for n := range r.watch {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		wx, wy := r.watch[name].Medians()
		unit := map[string]string{"mem_available": "B/h", "slab": "B/h", "fan_rpm_full": "rpm/h"}[name]
		if unit == "" {
			unit = map[bool]string{true: "B/h", false: "count/h"}[name[len(name)-4:] == ".rss"]
		}
		r.slope(name, unit, wx, wy)
	}
	r.requestVerdicts(warm, win)
}

// slope judges a watched series from its window medians.
func (r *run) slope(name, unit string, wx, wy []float64) {
	s, err := TheilSen(wx, wy)
	if err != nil {
		stage.Skipped(r.step, name+"_slope", fmt.Sprintf("not judged: %v (the run after the warm-up is shorter than 3 windows of %s)", err, r.o.Window))
		return
	}
	r.step.Logf("%s: slope %.4g %s, 95 %% interval [%.4g, %.4g] over %d windows", name, s.Slope, unit, s.Low, s.High, s.N)
	stage.Measure(r.env, r.step, stage.M{Name: name + "_slope", Value: s.Slope, Unit: unit, Code: "LOADTEST_DRIFT",
		Remedy: fmt.Sprintf("%s drifts %.4g %s (95 %% interval [%.4g, %.4g]): a leak or a degrading part; see the series in the report", name, s.Slope, unit, s.Low, s.High)})
}

// requestVerdicts fits the p99 latency and the error rate per window.
func (r *run) requestVerdicts(warm, win float64) {
	r.mu.Lock()
	reqs := append([]workload.Request(nil), r.requests...)
	r.mu.Unlock()
	if len(reqs) == 0 {
		return
	}
	stage.Measure(r.env, r.step, stage.M{Name: "requests", Value: float64(len(reqs)), Unit: "count"})
	type agg struct {
		lat     []float64
		n, errs int
	}
	wins := map[int]*agg{}
	t0 := r.start
	for _, q := range reqs {
		h := q.Time.Sub(t0).Hours()
		if h < warm {
			continue
		}
		k := int(h / win)
		a := wins[k]
		if a == nil {
			a = &agg{}
			wins[k] = a
		}
		a.n++
		if q.Outcome == "ok" {
			a.lat = append(a.lat, q.LatencyS)
		} else {
			a.errs++
		}
	}
	keys := make([]int, 0, len(wins))
	for k := range wins {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var lx, ly, ex, ey []float64
	for _, k := range keys {
		a := wins[k]
		h := (float64(k) + 0.5) * win
		if len(a.lat) > 0 {
			sort.Float64s(a.lat)
			lx, ly = append(lx, h), append(ly, a.lat[int(math.Ceil(0.99*float64(len(a.lat))))-1])
		}
		ex, ey = append(ex, h), append(ey, float64(a.errs)/float64(a.n))
	}
	// Already one value per window: fit them as they are.
	for _, f := range []struct {
		name, unit string
		x, y       []float64
	}{{"latency_p99", "s/h", lx, ly}, {"error_rate", "1/h", ex, ey}} {
		s, err := TheilSen(f.x, f.y)
		if err != nil {
			stage.Skipped(r.step, f.name+"_slope", fmt.Sprintf("not judged: %v", err))
			continue
		}
		r.step.Logf("%s: slope %.4g %s, 95 %% interval [%.4g, %.4g] over %d windows", f.name, s.Slope, f.unit, s.Low, s.High, s.N)
		stage.Measure(r.env, r.step, stage.M{Name: f.name + "_slope", Value: s.Slope, Unit: f.unit, Code: "LOADTEST_DRIFT",
			Remedy: fmt.Sprintf("%s drifts %.4g %s: the server slows or fails more as the run goes on", f.name, s.Slope, f.unit)})
	}
}

// selfRSS is this process's VmRSS in bytes, read as the watched
// process is (telemetry.Process) from this machine's /proc; 0 where there
// is none.
func selfRSS() float64 {
	p := &telemetry.Process{FS: board.RootFS("/"), PID: os.Getpid(), Label: "aihat"}
	rs, _, err := p.Sample(context.Background(), time.Time{})
	if err != nil {
		return 0
	}
	for _, r := range rs {
		if r.Series == "aihat.rss" {
			return r.Value
		}
	}
	return 0
}
