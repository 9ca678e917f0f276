package thermal

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/telemetry"
	"github.com/aihat/aihat/pkg/workload"
)

// SoakOptions override the plan's thermal section for one soak (the `aihat
// thermal soak` flags); zero values keep the plan's.
type SoakOptions struct {
	Load     string
	Duration time.Duration
	Idle     time.Duration
	Cooldown time.Duration
	Interval time.Duration
	// AmbientC is the room temperature in °C when known (NaN or 0 with
	// HasAmbient false: not given).
	AmbientC   float64
	HasAmbient bool
	// Duty is the load's starting duty cycle (default 1).
	Duty float64
	// NoGovernor turns the policy's governor off for this run.
	NoGovernor bool
	// PlotDir, when set, receives the soak's plots (SVG and PNG), listed
	// as attachments with paths relative to it.
	PlotDir string
	// Workload replaces the load the target gets (tests).
	Workload workload.Workload
	// Live, when set, hears the soak's state after every sweep and once
	// more at the end (Done), for a live progress line on a terminal;
	// without it the soak writes one plain line per minute to the
	// stage's progress stream.
	Live func(Status)
}

// Status is the soak's state after a sweep.
type Status struct {
	Phase            string
	Elapsed, Planned time.Duration // since the start; idle + load + cooldown at most
	SoCC, ARMHz      float64
	FanRPM, FanPWM   float64
	Throughput       float64
	Unit             string
	Duty             float64
	Done             bool
}

// Check says what is wrong with options given on a command line.
func (o SoakOptions) Check() error {
	if o.Load != "" {
		if _, err := workload.ParseKind(o.Load); err != nil {
			return fmt.Errorf("--load: %v", err)
		}
	}
	for name, d := range map[string]time.Duration{"--duration": o.Duration, "--idle": o.Idle, "--cooldown": o.Cooldown, "--interval": o.Interval} {
		if d < 0 {
			return fmt.Errorf("%s %s: want a positive duration", name, d)
		}
	}
	if o.Duty < 0 || o.Duty > 1 {
		return fmt.Errorf("--duty %g: want 0 < duty <= 1", o.Duty)
	}
	if o.HasAmbient && (o.AmbientC < -40 || o.AmbientC > 85) {
		return fmt.Errorf("--ambient %g °C: want the room's temperature, -40 to 85 °C", o.AmbientC)
	}
	return nil
}

// SoakStage is thermal.soak with o over the plan's settings
// (SoakOptions{} is the plan's: the table's entry).
func SoakStage(o SoakOptions) stage.Func {
	return func(ctx context.Context, env *stage.Env, step *report.Step) error { return soak(ctx, env, step, o) }
}

// NPUThermometer is a board that can read the NPU die's temperature (the
// simulated board; on a Pi, libhailort's API, not yet wired).
type NPUThermometer interface {
	NPUTemperature() (float64, error)
}

var errDone = errors.New("soak done")

type phase int

const (
	phaseIdle phase = iota
	phaseLoad
	phaseCooldown
)

func (p phase) String() string { return [...]string{"idle", "load", "cooldown"}[p] }

// run is one soak as the sweeps arrive, in parts that each hold one
// concern: the settings fixed at the start, the phase schedule, and the
// measurements (load phase, peaks, fan, governor) that record turns into
// the step's results.
type run struct {
	cfg  soakSettings
	env  *stage.Env
	step *report.Step
	w    workload.Workload

	sched  schedule
	load   loadSeries
	peaks  peaks
	fan    fanCheck
	gov    *governorLog // nil when the policy's governor is off
	events eventLog

	lastProg time.Time // the last plain progress line
}

// soakSettings are the plan's thermal section with the options applied.
type soakSettings struct {
	o        SoakOptions
	window   time.Duration // the steady-state slope's window
	rate     float64       // °C/min: steady below this slope
	interval time.Duration
}

// schedule is the soak's phase and the board-clock times it moves at.
type schedule struct {
	phase   phase
	steady  bool
	start   time.Time
	loadAt  time.Time // planned, then when the load really started
	loadEnd time.Time
	coolEnd time.Time
}

// loadSeries are the load phase's measurements.
type loadSeries struct {
	// one entry per sweep with a throughput and a SoC reading
	t, soc, rate []float64
	throttled    []bool
	segStart     int    // index where the last constant-cooling segment starts
	coolingKey   string // the cooling of that segment
	arm          []float64
	powerSum     float64 // J over the load phase
	powerOK      bool
	work         float64 // the workload's units done over the load phase
	throttledFor time.Duration
}

// peaks are the soak's temperature extremes and first crossings (-1: not
// reached).
type peaks struct {
	idleTemps        []float64
	socPeak, npuPeak float64
	npuSeen          bool
	firstSoft        time.Duration
	first80          time.Duration
}

// governorLog follows the policy's governor: its cut-backs and how the
// die answered each action.
type governorLog struct {
	g     *Governor
	cutAt time.Time // the first cut-back
	// the last action, until its response is recorded
	actAt          time.Time
	actSoC, actFan float64
	peakCut        float64 // the SoC's peak after the first cut-back
}

// eventLog is the soak's own events (phases, fan, governor).
type eventLog []report.Event

func (l *eventLog) add(t time.Time, kind, format string, args ...any) {
	*l = append(*l, report.Event{Time: t, Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// soakPlan is the plan's thermal section with the options applied.
type soakPlan struct {
	soakSettings
	idle, loadDur, cool time.Duration
	kind                workload.Kind
	curve               plan.FanCurve
}

func planSoak(tp plan.ThermalPlan, o SoakOptions) (soakPlan, error) {
	sp := soakPlan{soakSettings: soakSettings{o: o}}
	idle, loadDur, cool, interval, window, err := tp.Durations()
	if err != nil {
		return sp, err
	}
	pick := func(over, def time.Duration) time.Duration {
		if over > 0 {
			return over
		}
		return def
	}
	sp.idle, sp.loadDur, sp.cool, sp.interval = pick(o.Idle, idle), pick(o.Duration, loadDur), pick(o.Cooldown, cool), pick(o.Interval, interval)
	sp.window = window
	loadName := tp.Load
	if o.Load != "" {
		loadName = o.Load
	}
	if sp.kind, err = workload.ParseKind(loadName); err != nil {
		return sp, fmt.Errorf("thermal.load: %v", err)
	}
	sp.rate = tp.SteadyRate
	if sp.rate <= 0 {
		sp.rate = 0.1
	}
	sp.curve = tp.Fan
	if len(sp.curve.Trips) == 0 {
		return sp, fmt.Errorf("thermal.fan.trips: the plan gives no fan curve to check the fan against")
	}
	return sp, nil
}

func soak(ctx context.Context, env *stage.Env, step *report.Step, o SoakOptions) error {
	sp, err := planSoak(env.Plan.Thermal, o)
	if err != nil {
		return err
	}
	if env.Board.Name() == "fixture" {
		// A replayed capture does not heat: its files never change, and
		// its clock is the real one, so a soak would wait 30 min for nothing.
		stage.Skipped(step, "soak", "a captured tree does not respond to load: run the soak on the board (--target linux) or the sim")
		return nil
	}
	w, err := soakWorkload(env, step, o, sp.kind)
	if err != nil {
		return err
	}
	srcs, err := soakSources(env.Board, step, w)
	if err != nil {
		return err
	}
	wsrc := &workSource{w: w}
	srcs = append(srcs, wsrc)
	r := newRun(env, step, w, sp)
	clk := env.Board.Clock()
	step.Logf("soak: %s idle, load %s (%s) up to %s or steady (slope < %g °C/min over %s), cooldown %s, every %s",
		sp.idle, sp.kind, w.Name(), sp.loadDur, sp.rate, sp.window, sp.cool, sp.interval)

	s := &telemetry.Sampler{Clock: clk, Interval: sp.interval, Sources: srcs, Between: r.between, Sink: telemetry.JournalSink(env.Journal)}
	defer s.Close()
	defer w.Stop()
	res, runErr := s.Run(ctx, 0)
	if o.Live != nil {
		o.Live(Status{Phase: r.sched.phase.String(), Elapsed: clk.Now().Sub(r.sched.start), Planned: r.sched.coolEnd.Sub(r.sched.start), Done: true})
	}
	if errors.Is(runErr, errDone) {
		runErr = nil
	}
	if err := w.Stop(); err != nil && runErr == nil {
		// The load died under the soak: what was measured is kept, and
		// the step says the load could not be held.
		runErr = fmt.Errorf("the load stopped during the soak: %w", err)
	}
	r.record(res)
	r.plot(res, wsrc.unit())
	if runErr != nil {
		step.Logf("soak cut short at %s: %v", clk.Now().Sub(r.sched.start).Round(time.Second), runErr)
		return runErr
	}
	return nil
}

// soakWorkload is the options' load, or the target's default for the
// plan's kind.
func soakWorkload(env *stage.Env, step *report.Step, o SoakOptions, kind workload.Kind) (workload.Workload, error) {
	if o.Workload != nil {
		return o.Workload, nil
	}
	w, why := defaultWorkload(env.Board, kind, env.Plan.Bench.HEF)
	if w == nil {
		return nil, fmt.Errorf("%s", why)
	}
	if why != "" {
		step.Logf("%s", why)
	}
	return w, nil
}

// soakSources are the soak's telemetry sources, which must start with
// the SoC temperature; what is not sampled is logged.
func soakSources(b board.Board, step *report.Step, w workload.Workload) ([]telemetry.Source, error) {
	srcs, notes := sources(b, w)
	if len(srcs) == 0 || srcs[0].Name() != "soc_temp" {
		return nil, fmt.Errorf("%s: the soak needs the SoC temperature", notes[0])
	}
	for _, n := range notes {
		step.Logf("%s", n)
	}
	return srcs, nil
}

// newRun schedules the soak from now on the board's clock.
func newRun(env *stage.Env, step *report.Step, w workload.Workload, sp soakPlan) *run {
	r := &run{cfg: sp.soakSettings, env: env, step: step, w: w,
		fan:   fanCheck{follower: FanFollower{Curve: sp.curve}, rpmAt: map[int]*[2]float64{}, prevPWM: -1},
		peaks: peaks{firstSoft: -1, first80: -1}}
	if pol := env.Plan.Thermal.Policy; pol.Governor && !sp.o.NoGovernor && pol.ReduceAboveC > 0 {
		r.gov = &governorLog{g: &Governor{LimitC: pol.ReduceAboveC, HysteresisC: pol.HysteresisC, MinDuty: math.Max(pol.MinDuty, 0.05), Hold: int(math.Max(1, math.Round(float64(30*time.Second)/float64(sp.interval))))}}
	}
	start := env.Board.Clock().Now()
	r.sched = schedule{start: start, loadAt: start.Add(sp.idle)}
	r.sched.loadEnd = r.sched.loadAt.Add(sp.loadDur)
	r.sched.coolEnd = r.sched.loadEnd.Add(sp.cool)
	r.lastProg = start
	return r
}

// plot writes the soak's plots, of a run cut short too: they show what
// was measured.
func (r *run) plot(res *telemetry.Result, unit string) {
	plotDir := r.cfg.o.PlotDir
	if plotDir == "" {
		plotDir = r.env.ReportDir // the run's report directory, station layout or flat
	}
	if plotDir == "" || res == nil || res.Sweeps <= 1 {
		return
	}
	var atts []report.Attachment
	var err error
	if root := r.env.ReportRoot; root != nil && r.cfg.o.PlotDir == "" {
		atts, err = WritePlotsIn(root, r.step.Name, res, r.throttleSpans(res), unit)
	} else {
		atts, err = WritePlots(plotDir, r.step.Name, res, r.throttleSpans(res), unit)
	}
	if err != nil {
		r.step.Logf("plots not written: %v", err)
	}
	r.step.Attachments = append(r.step.Attachments, atts...)
}

// sources are the soak's telemetry: SoC temperature first, then the ARM
// clock, throttle flags, PMIC power, the fan and the NPU temperature.
func sources(b board.Board, w workload.Workload) (srcs []telemetry.Source, notes []string) {
	fsys := b.FS()
	soc, err := telemetry.NewSoCTemp(fsys)
	if err != nil {
		return nil, []string{err.Error()}
	}
	srcs = append(srcs, soc, &telemetry.ARMClock{Board: b}, &telemetry.Throttle{Board: b}, &telemetry.PMIC{Board: b})
	if f, err := telemetry.NewFan(fsys); err == nil {
		srcs = append(srcs, f)
	} else {
		notes = append(notes, err.Error())
	}
	if t, ok := b.(NPUThermometer); ok {
		srcs = append(srcs, npuSource{t})
	} else if t, ok := w.(NPUThermometer); ok {
		// The load's own reading (hailortcli's benchmark summary): it
		// lags by up to one benchmark run.
		srcs = append(srcs, npuSource{t})
	} else {
		notes = append(notes, "NPU temperature not sampled: this target and load have no reading for it (give the plan a bench.hef for the hailortcli load)")
	}
	return srcs, notes
}

// defaultWorkload is the load for a target: the board's model on the sim;
// on a board, the CPU kernel, and for the NPU the plan's HEF through
// hailortcli. why says what could not be loaded (an error when w is nil).
func defaultWorkload(b board.Board, k workload.Kind, hef string) (w workload.Workload, why string) {
	if b.Name() == report.TargetSim {
		return &workload.Sim{Board: b, Kind: k}, ""
	}
	var npu workload.Workload
	if k.NPU && hef != "" {
		npu = workload.NewHailortcli(b, hef, 10)
	}
	switch {
	case k.CPU && npu != nil:
		return workload.Both{CPU: &workload.CPU{}, NPU: npu}, ""
	case npu != nil:
		return npu, ""
	case k.CPU && k.NPU:
		return &workload.CPU{}, "load both: no NPU load without a compiled model (set bench.hef in the plan for the hailortcli load); the CPU kernel runs alone"
	case k.CPU:
		return &workload.CPU{}, ""
	}
	return nil, fmt.Sprintf("--load npu on %s: the NPU load runs a compiled model through hailortcli: set bench.hef in the plan (or use --load cpu)", b.Name())
}

type npuSource struct{ t NPUThermometer }

func (n npuSource) Name() string { return "npu_temp" }
func (n npuSource) Close()       {}
func (n npuSource) Sample(context.Context, time.Time) ([]telemetry.Reading, []telemetry.Event, error) {
	c, err := n.t.NPUTemperature()
	if err != nil {
		return nil, nil, err
	}
	return []telemetry.Reading{{Series: "npu_temp", Unit: "°C", Value: c}}, nil, nil
}

// workSource turns the workload's counter into a throughput series and its
// duty cycle into another.
type workSource struct {
	w    workload.Workload
	last float64
	t    time.Time
}

func (s *workSource) unit() string { return s.w.Unit() + "/s" }
func (s *workSource) Name() string { return "workload" }
func (s *workSource) Close()       {}
func (s *workSource) Sample(_ context.Context, now time.Time) ([]telemetry.Reading, []telemetry.Event, error) {
	done := s.w.Done()
	rs := []telemetry.Reading{{Series: "duty", Unit: "", Value: s.w.Duty()}}
	if !s.t.IsZero() && now.After(s.t) {
		rs = append(rs, telemetry.Reading{Series: "throughput", Unit: s.unit(), Value: (done - s.last) / now.Sub(s.t).Seconds()})
	}
	s.last, s.t = done, now
	return rs, nil, nil
}

// between is the soak's phase logic, fan checks and governor, after each
// sweep.
func (r *run) between(ctx context.Context, sw telemetry.Sweep) error {
	now := sw.T
	soc, haveSoc := sw.Values["soc_temp"]
	el := now.Sub(r.sched.start)
	throttled := r.observe(sw, soc, haveSoc)
	switch r.sched.phase {
	case phaseIdle:
		if err := r.idleSweep(ctx, now, soc, haveSoc); err != nil {
			return err
		}
	case phaseLoad:
		if err := r.loadSweep(sw, soc, haveSoc, throttled); err != nil {
			return err
		}
	case phaseCooldown:
	}
	r.progress(now, el, soc, sw)
	if r.sched.phase == phaseCooldown && !now.Before(r.sched.coolEnd) {
		return errDone
	}
	return nil
}

// observe notes what every sweep is checked for, whatever the phase:
// peaks, first crossings and the fan. It says whether the board is
// throttled now.
func (r *run) observe(sw telemetry.Sweep, soc float64, haveSoc bool) (throttled bool) {
	now, pk := sw.T, &r.peaks
	inLoad := r.sched.phase == phaseLoad
	if haveSoc {
		pk.socPeak = math.Max(pk.socPeak, soc)
		if soc >= 80 && pk.first80 < 0 && inLoad {
			pk.first80 = now.Sub(r.sched.loadAt)
		}
	}
	if c, ok := sw.Values["npu_temp"]; ok {
		pk.npuSeen = true
		pk.npuPeak = math.Max(pk.npuPeak, c)
	}
	r.fan.check(sw, soc, haveSoc, &r.events)
	soft := sw.Values["throttle.soft_temp_limit_now"] == 1
	if soft && pk.firstSoft < 0 && inLoad {
		pk.firstSoft = now.Sub(r.sched.loadAt)
	}
	return sw.Values["throttle.throttled_now"] == 1 || soft
}

// idleSweep keeps the idle baseline and starts the load when the idle
// time is up.
func (r *run) idleSweep(ctx context.Context, now time.Time, soc float64, haveSoc bool) error {
	if haveSoc {
		r.peaks.idleTemps = append(r.peaks.idleTemps, soc)
	}
	if now.Before(r.sched.loadAt) {
		return nil
	}
	if err := r.w.Start(ctx); err != nil {
		return fmt.Errorf("start the load (%s): %w", r.w.Name(), err)
	}
	if r.cfg.o.Duty > 0 {
		r.w.SetDuty(r.cfg.o.Duty)
	}
	r.sched.phase = phaseLoad
	r.sched.loadAt = now
	r.events.add(now, "phase", "load started: %s at duty %.2f, SoC %.1f °C", r.w.Name(), r.w.Duty(), soc)
	return nil
}

// loadSweep records one sweep under load, lets the governor act, and
// ends the load at steady state or at the planned duration.
func (r *run) loadSweep(sw telemetry.Sweep, soc float64, haveSoc, throttled bool) error {
	if e, ok := r.w.(interface{ Err() error }); ok && e.Err() != nil {
		// The load died: stop now rather than soak an idle board.
		return fmt.Errorf("the load stopped during the soak: %w", e.Err())
	}
	now := sw.T
	r.load.add(sw, now.Sub(r.sched.loadAt), soc, haveSoc, throttled, r.cfg.interval, r.w.Duty)
	if r.gov != nil && haveSoc {
		r.gov.step(sw, soc, r.w, r.cfg.interval, &r.events)
	}
	if r.isSteady(now) {
		r.sched.steady = true
		r.events.add(now, "phase", "steady state after %s: SoC %.1f °C", now.Sub(r.sched.loadAt).Round(time.Second), soc)
	}
	if r.sched.steady || !now.Before(r.sched.loadEnd) {
		r.w.Stop()
		if !r.sched.steady {
			r.events.add(now, "phase", "load ended at the duration (%s) before steady state", now.Sub(r.sched.loadAt).Round(time.Second))
		}
		r.sched.coolEnd = now.Add(r.sched.coolEnd.Sub(r.sched.loadEnd))
		r.sched.phase = phaseCooldown
	}
	return nil
}

// add records one sweep of the load phase, sinceLoad into it; duty reads
// the load's duty cycle.
func (l *loadSeries) add(sw telemetry.Sweep, sinceLoad time.Duration, soc float64, haveSoc, throttled bool, interval time.Duration, duty func() float64) {
	if throttled {
		l.throttledFor += interval
	}
	if arm, ok := sw.Values["arm_clock"]; ok {
		l.arm = append(l.arm, arm)
	}
	if w, ok := sw.Values["pmic.total_w"]; ok {
		l.powerSum += w * interval.Seconds()
		l.powerOK = true
	}
	tp, ok := sw.Values["throughput"]
	if !ok || !haveSoc {
		return
	}
	l.t = append(l.t, sinceLoad.Seconds())
	l.soc = append(l.soc, soc)
	l.rate = append(l.rate, tp)
	l.throttled = append(l.throttled, throttled)
	l.work += tp * interval.Seconds()
	key := fmt.Sprintf("fan %v duty %.3f", coolingLevel(sw), duty())
	if key != l.coolingKey {
		l.coolingKey, l.segStart = key, len(l.t)-1
	}
}

// step lets the governor set the load's duty from the SoC temperature,
// logging each change and, once the die had the governor's hold time to
// answer, what the change did.
func (g *governorLog) step(sw telemetry.Sweep, soc float64, w workload.Workload, interval time.Duration, events *eventLog) {
	now := sw.T
	if duty, changed := g.g.Step(soc); changed {
		old := w.Duty()
		w.SetDuty(duty)
		verb := "restored"
		if duty < old {
			verb = "reduced"
			if g.cutAt.IsZero() {
				g.cutAt = now
			}
		}
		events.add(now, "governor", "duty %s %.2f → %.2f at SoC %.1f °C (limit %g °C); fan pwm %v rpm %v",
			verb, old, duty, soc, g.g.LimitC, sw.Values["fan_pwm"], sw.Values["fan_rpm"])
		g.actAt, g.actSoC, g.actFan = now, soc, sw.Values["fan_rpm"]
	} else if !g.actAt.IsZero() && now.Sub(g.actAt) >= time.Duration(g.g.Hold)*interval {
		events.add(now, "governor_response", "%s after the duty change: SoC %.1f → %.1f °C, fan %.0f → %.0f rpm",
			now.Sub(g.actAt).Round(time.Second), g.actSoC, soc, g.actFan, sw.Values["fan_rpm"])
		g.actAt = time.Time{}
	}
	if !g.cutAt.IsZero() && now.After(g.cutAt) {
		g.peakCut = math.Max(g.peakCut, soc)
	}
}

// coolingLevel is what cools the SoC now: the fan's PWM when it turns,
// 0 when it does not (a stalled fan's PWM cools nothing).
func coolingLevel(sw telemetry.Sweep) float64 {
	if sw.Values["fan_rpm"] > 0 {
		return sw.Values["fan_pwm"]
	}
	return 0
}

// isSteady: the least-squares slope of the SoC temperature over the last
// window is under the plan's rate.
func (r *run) isSteady(now time.Time) bool {
	n := int(r.cfg.window / r.cfg.interval)
	if n < 8 || len(r.load.t) < n || now.Sub(r.sched.loadAt) < r.cfg.window {
		return false
	}
	t, y := r.load.t[len(r.load.t)-n:], r.load.soc[len(r.load.soc)-n:]
	return math.Abs(slope(t, y))*60 < r.cfg.rate
}

func slope(t, y []float64) float64 {
	var mt, my float64
	for i := range t {
		mt += t[i]
		my += y[i]
	}
	mt /= float64(len(t))
	my /= float64(len(t))
	var num, den float64
	for i := range t {
		num += (t[i] - mt) * (y[i] - my)
		den += (t[i] - mt) * (t[i] - mt)
	}
	if den == 0 {
		return 0
	}
	return num / den
}

// stallSweeps is how many sweeps in a row a driven fan may read 0 rpm
// before it counts as stalled: the tachometer needs a revolution or two
// after a start.
const stallSweeps = 5

// fanCheck follows the fan: stalls, its RPM per PWM step, and whether
// its PWM follows the plan's curve.
type fanCheck struct {
	follower          FanFollower
	seen              bool
	mismatch, samples int                 // sweeps off the curve, of those checked
	stallRun, stalled int                 // 0 rpm sweeps in a row; stalls counted
	rpmAt             map[int]*[2]float64 // pwm → sum, n
	prevPWM           float64
}

func (f *fanCheck) check(sw telemetry.Sweep, soc float64, haveSoc bool, events *eventLog) {
	pwm, okP := sw.Values["fan_pwm"]
	rpm, okR := sw.Values["fan_rpm"]
	if !okP || !okR {
		return
	}
	f.seen = true
	if pwm > 0 && rpm == 0 {
		f.stallRun++
		if f.stallRun == stallSweeps+1 {
			f.stalled++
			events.add(sw.T, "fan_stall", "fan driven at PWM %.0f reads 0 rpm for %d samples (SoC %.1f °C)", pwm, f.stallRun, soc)
		}
	} else {
		f.stallRun = 0
	}
	if pwm == f.prevPWM {
		// RPM once the PWM has held for a sample (spin-up excluded).
		a := f.rpmAt[int(pwm)]
		if a == nil {
			a = &[2]float64{}
			f.rpmAt[int(pwm)] = a
		}
		a[0] += rpm
		a[1]++
	} else if f.prevPWM >= 0 {
		events.add(sw.T, "fan", "PWM %.0f → %.0f at SoC %.1f °C", f.prevPWM, pwm, soc)
	}
	f.prevPWM = pwm
	if haveSoc {
		want := f.follower.Expect(soc)
		f.samples++
		if int(pwm) != want {
			f.mismatch++
		}
	}
}

func (r *run) progress(now time.Time, el time.Duration, soc float64, sw telemetry.Sweep) {
	if r.cfg.o.Live != nil {
		r.cfg.o.Live(Status{Phase: r.sched.phase.String(), Elapsed: el, Planned: r.sched.coolEnd.Sub(r.sched.start), SoCC: soc, ARMHz: sw.Values["arm_clock"],
			FanRPM: sw.Values["fan_rpm"], FanPWM: sw.Values["fan_pwm"], Throughput: sw.Values["throughput"], Unit: r.w.Unit() + "/s", Duty: r.w.Duty()})
		return
	}
	if now.Sub(r.lastProg) < time.Minute && r.sched.phase != phaseCooldown {
		return
	}
	r.lastProg = now
	end, what := r.sched.loadEnd, "load phase ends within"
	if r.sched.phase == phaseCooldown {
		end, what = r.sched.coolEnd, "cooldown ends in"
	}
	eta := max(end.Sub(now), 0)
	fmt.Fprintf(r.env.Progress, "thermal.soak %s %s (%s %s): SoC %.1f °C, ARM %.2f GHz, fan %.0f rpm (PWM %.0f), %.3g %s, duty %.2f\n",
		r.sched.phase, el.Round(time.Second), what, eta.Round(time.Second), soc, sw.Values["arm_clock"]/1e9, sw.Values["fan_rpm"], sw.Values["fan_pwm"],
		sw.Values["throughput"], r.w.Unit()+"/s", r.w.Duty())
}

// throttleSpans are the stretches the board was throttled, for the plots.
func (r *run) throttleSpans(res *telemetry.Result) [][2]time.Time {
	var spans [][2]time.Time
	for _, name := range []string{"throttle.throttled_now", "throttle.soft_temp_limit_now"} {
		ser := res.Series[name]
		if ser == nil {
			continue
		}
		for _, b := range ser.Envelope.Buckets {
			if b.Max > 0 {
				if n := len(spans); n > 0 && !b.Start.After(spans[n-1][1].Add(2*r.cfg.interval)) {
					if b.End.After(spans[n-1][1]) {
						spans[n-1][1] = b.End
					}
					continue
				}
				spans = append(spans, [2]time.Time{b.Start, b.End})
			}
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0].Before(spans[j][0]) })
	return spans
}
