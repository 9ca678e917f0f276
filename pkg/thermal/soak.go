package thermal

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/aihat/aihat/internal/termline"
	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/telemetry"
	"github.com/aihat/aihat/pkg/workload"
)

// Options override the plan's thermal section for one soak (the `aihat
// thermal soak` flags); zero values keep the plan's.
type Options struct {
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
func (o Options) Check() error {
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

// SoakStage is thermal.soak with the plan's settings.
func SoakStage(ctx context.Context, env *stage.Env, step *report.Step) error {
	return soak(ctx, env, step, Options{})
}

// Soak is thermal.soak with options over the plan's settings.
func Soak(o Options) stage.Func {
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

// run is one soak's state as the sweeps arrive.
type run struct {
	o        Options
	env      *stage.Env
	step     *report.Step
	w        workload.Workload
	gov      *Governor
	fan      FanFollower
	window   time.Duration
	rate     float64 // °C/min
	start    time.Time
	loadAt   time.Time
	loadEnd  time.Time
	coolEnd  time.Time
	interval time.Duration
	phase    phase
	steady   bool
	events   []report.Event

	idleTemps []float64
	// load phase, one entry per sweep
	lt, lsoc, lrate []float64
	lthr            []bool
	segStart        int // index where the last constant-cooling segment starts
	coolingKey      string
	armLoad         []float64
	powerSum        float64 // J over the load phase
	powerOK         bool
	workLoad        float64

	socPeak, npuPeak float64
	npuSeen          bool
	firstSoft        time.Duration
	first80          time.Duration
	throttledFor     time.Duration

	fanSeen           bool
	fanMismatch       int
	fanSamples        int
	stallRun, stalled int
	rpmAt             map[int]*[2]float64 // pwm → sum, n
	prevPWM           float64

	cutAt time.Time // the governor's first cut-back
	// the governor's last action, until its response is recorded
	actAt          time.Time
	actSoC, actFan float64
	peakCut        float64
	lastProg       time.Time
}

func soak(ctx context.Context, env *stage.Env, step *report.Step, o Options) error {
	tp := env.Plan.Thermal
	idle, loadDur, cool, interval, window, err := tp.Durations()
	if err != nil {
		return err
	}
	pick := func(over, def time.Duration) time.Duration {
		if over > 0 {
			return over
		}
		return def
	}
	idle, loadDur, cool, interval = pick(o.Idle, idle), pick(o.Duration, loadDur), pick(o.Cooldown, cool), pick(o.Interval, interval)
	loadName := tp.Load
	if o.Load != "" {
		loadName = o.Load
	}
	kind, err := workload.ParseKind(loadName)
	if err != nil {
		return fmt.Errorf("thermal.load: %v", err)
	}
	rate := tp.SteadyRate
	if rate <= 0 {
		rate = 0.1
	}
	curve := tp.Fan
	if len(curve.Trips) == 0 {
		return fmt.Errorf("thermal.fan.trips: the plan gives no fan curve to check the fan against")
	}

	if env.Board.Name() == "fixture" {
		// A replayed capture does not heat: its files never change, and
		// its clock is the real one, so a soak would wait 30 min for nothing.
		stage.Skipped(step, "soak", "a captured tree does not respond to load: run the soak on the board (--target linux) or the sim")
		return nil
	}
	w := o.Workload
	if w == nil {
		var why string
		if w, why = defaultWorkload(env.Board, kind, env.Plan.Bench.HEF); w == nil {
			return fmt.Errorf("%s", why)
		}
		if why != "" {
			step.Logf("%s", why)
		}
	}
	srcs, notes := sources(env.Board, w)
	if len(srcs) == 0 || srcs[0].Name() != "soc_temp" {
		return fmt.Errorf("%s: the soak needs the SoC temperature", notes[0])
	}
	for _, n := range notes {
		step.Logf("%s", n)
	}
	wsrc := &workSource{w: w}
	srcs = append(srcs, wsrc)
	r := &run{o: o, env: env, step: step, w: w, window: window, rate: rate, interval: interval,
		fan: FanFollower{Curve: curve}, rpmAt: map[int]*[2]float64{}, prevPWM: -1, firstSoft: -1, first80: -1}
	if pol := tp.Policy; pol.Governor && !o.NoGovernor && pol.ReduceAboveC > 0 {
		r.gov = &Governor{LimitC: pol.ReduceAboveC, HysteresisC: pol.HysteresisC, MinDuty: math.Max(pol.MinDuty, 0.05), Hold: int(math.Max(1, math.Round(float64(30*time.Second)/float64(interval))))}
	}
	clk := env.Board.Clock()
	r.start = clk.Now()
	r.lastProg = r.start
	r.loadAt = r.start.Add(idle)
	r.loadEnd = r.loadAt.Add(loadDur)
	r.coolEnd = r.loadEnd.Add(cool)
	step.Logf("soak: %s idle, load %s (%s) up to %s or steady (slope < %g °C/min over %s), cooldown %s, every %s",
		idle, kind, w.Name(), loadDur, rate, window, cool, interval)

	s := &telemetry.Sampler{Clock: clk, Interval: interval, Sources: srcs, Between: r.between, Sink: telemetry.JournalSink(env.Journal)}
	defer s.Close()
	defer w.Stop()
	res, runErr := s.Run(ctx, 0)
	if o.Live != nil {
		o.Live(Status{Phase: r.phase.String(), Elapsed: clk.Now().Sub(r.start), Planned: r.coolEnd.Sub(r.start), Done: true})
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
	// Plots of a run cut short too: they show what was measured.
	plotDir := o.PlotDir
	if plotDir == "" {
		plotDir = env.ReportDir // the run's report directory, station layout or flat
	}
	if plotDir != "" && res != nil && res.Sweeps > 1 {
		atts, err := WritePlots(plotDir, step.Name, res, r.throttleSpans(res), wsrc.unit())
		if err != nil {
			step.Logf("plots not written: %v", err)
		}
		step.Attachments = append(step.Attachments, atts...)
	}
	if runErr != nil {
		step.Logf("soak cut short at %s: %v", clk.Now().Sub(r.start).Round(time.Second), runErr)
		return runErr
	}
	return nil
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

func (r *run) event(t time.Time, kind, format string, args ...any) {
	r.events = append(r.events, report.Event{Time: t, Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// between is the soak's phase logic, fan checks and governor, after each
// sweep.
func (r *run) between(ctx context.Context, sw telemetry.Sweep) error {
	now := sw.T
	soc, haveSoc := sw.Values["soc_temp"]
	el := now.Sub(r.start)
	if haveSoc {
		r.socPeak = math.Max(r.socPeak, soc)
		if soc >= 80 && r.first80 < 0 && r.phase == phaseLoad {
			r.first80 = now.Sub(r.loadAt)
		}
	}
	if c, ok := sw.Values["npu_temp"]; ok {
		r.npuSeen = true
		r.npuPeak = math.Max(r.npuPeak, c)
	}
	r.checkFan(sw, soc, haveSoc)
	throttled := sw.Values["throttle.throttled_now"] == 1 || sw.Values["throttle.soft_temp_limit_now"] == 1
	if sw.Values["throttle.soft_temp_limit_now"] == 1 && r.firstSoft < 0 && r.phase == phaseLoad {
		r.firstSoft = now.Sub(r.loadAt)
	}

	switch r.phase {
	case phaseIdle:
		if haveSoc {
			r.idleTemps = append(r.idleTemps, soc)
		}
		if !now.Before(r.loadAt) {
			if err := r.w.Start(ctx); err != nil {
				return fmt.Errorf("start the load (%s): %w", r.w.Name(), err)
			}
			if r.o.Duty > 0 {
				r.w.SetDuty(r.o.Duty)
			}
			r.phase = phaseLoad
			r.loadAt = now
			r.event(now, "phase", "load started: %s at duty %.2f, SoC %.1f °C", r.w.Name(), r.w.Duty(), soc)
		}
	case phaseLoad:
		if e, ok := r.w.(interface{ Err() error }); ok && e.Err() != nil {
			// The load died: stop now rather than soak an idle board.
			return fmt.Errorf("the load stopped during the soak: %w", e.Err())
		}
		if throttled {
			r.throttledFor += r.interval
		}
		if arm, ok := sw.Values["arm_clock"]; ok {
			r.armLoad = append(r.armLoad, arm)
		}
		if w, ok := sw.Values["pmic.total_w"]; ok {
			r.powerSum += w * r.interval.Seconds()
			r.powerOK = true
		}
		if tp, ok := sw.Values["throughput"]; ok && haveSoc {
			r.lt = append(r.lt, now.Sub(r.loadAt).Seconds())
			r.lsoc = append(r.lsoc, soc)
			r.lrate = append(r.lrate, tp)
			r.lthr = append(r.lthr, throttled)
			r.workLoad += tp * r.interval.Seconds()
			key := fmt.Sprintf("fan %v duty %.3f", coolingLevel(sw), r.w.Duty())
			if key != r.coolingKey {
				r.coolingKey, r.segStart = key, len(r.lt)-1
			}
		}
		if r.gov != nil && haveSoc {
			if duty, changed := r.gov.Step(soc); changed {
				old := r.w.Duty()
				r.w.SetDuty(duty)
				verb := "restored"
				if duty < old {
					verb = "reduced"
					if r.cutAt.IsZero() {
						r.cutAt = now
					}
				}
				r.event(now, "governor", "duty %s %.2f → %.2f at SoC %.1f °C (limit %g °C); fan pwm %v rpm %v",
					verb, old, duty, soc, r.gov.LimitC, sw.Values["fan_pwm"], sw.Values["fan_rpm"])
				r.actAt, r.actSoC, r.actFan = now, soc, sw.Values["fan_rpm"]
			} else if !r.actAt.IsZero() && now.Sub(r.actAt) >= time.Duration(r.gov.Hold)*r.interval {
				// What the action did, once the die had the governor's
				// hold time to answer.
				r.event(now, "governor_response", "%s after the duty change: SoC %.1f → %.1f °C, fan %.0f → %.0f rpm",
					now.Sub(r.actAt).Round(time.Second), r.actSoC, soc, r.actFan, sw.Values["fan_rpm"])
				r.actAt = time.Time{}
			}
		}
		if !r.cutAt.IsZero() && now.After(r.cutAt) && haveSoc {
			r.peakCut = math.Max(r.peakCut, soc)
		}
		if r.isSteady(now) {
			r.steady = true
			r.event(now, "phase", "steady state after %s: SoC %.1f °C", now.Sub(r.loadAt).Round(time.Second), soc)
		}
		if r.steady || !now.Before(r.loadEnd) {
			r.w.Stop()
			if !r.steady {
				r.event(now, "phase", "load ended at the duration (%s) before steady state", now.Sub(r.loadAt).Round(time.Second))
			}
			r.coolEnd = now.Add(r.coolEnd.Sub(r.loadEnd))
			r.phase = phaseCooldown
		}
	case phaseCooldown:
	}
	r.progress(now, el, soc, sw)
	if r.phase == phaseCooldown && !now.Before(r.coolEnd) {
		return errDone
	}
	return nil
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
	n := int(r.window / r.interval)
	if n < 8 || len(r.lt) < n || now.Sub(r.loadAt) < r.window {
		return false
	}
	t, y := r.lt[len(r.lt)-n:], r.lsoc[len(r.lsoc)-n:]
	return math.Abs(slope(t, y))*60 < r.rate
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

func (r *run) checkFan(sw telemetry.Sweep, soc float64, haveSoc bool) {
	pwm, okP := sw.Values["fan_pwm"]
	rpm, okR := sw.Values["fan_rpm"]
	if !okP || !okR {
		return
	}
	r.fanSeen = true
	if pwm > 0 && rpm == 0 {
		r.stallRun++
		if r.stallRun == stallSweeps+1 {
			r.stalled++
			r.event(sw.T, "fan_stall", "fan driven at PWM %.0f reads 0 rpm for %d samples (SoC %.1f °C)", pwm, r.stallRun, soc)
		}
	} else {
		r.stallRun = 0
	}
	if pwm == r.prevPWM {
		// RPM once the PWM has held for a sample (spin-up excluded).
		a := r.rpmAt[int(pwm)]
		if a == nil {
			a = &[2]float64{}
			r.rpmAt[int(pwm)] = a
		}
		a[0] += rpm
		a[1]++
	} else if r.prevPWM >= 0 {
		r.event(sw.T, "fan", "PWM %.0f → %.0f at SoC %.1f °C", r.prevPWM, pwm, soc)
	}
	r.prevPWM = pwm
	if haveSoc {
		want := r.fan.Expect(soc)
		r.fanSamples++
		if int(pwm) != want {
			r.fanMismatch++
		}
	}
}

func (r *run) progress(now time.Time, el time.Duration, soc float64, sw telemetry.Sweep) {
	if r.o.Live != nil {
		r.o.Live(Status{Phase: r.phase.String(), Elapsed: el, Planned: r.coolEnd.Sub(r.start), SoCC: soc, ARMHz: sw.Values["arm_clock"],
			FanRPM: sw.Values["fan_rpm"], FanPWM: sw.Values["fan_pwm"], Throughput: sw.Values["throughput"], Unit: r.w.Unit() + "/s", Duty: r.w.Duty()})
		return
	}
	if now.Sub(r.lastProg) < time.Minute && r.phase != phaseCooldown {
		return
	}
	r.lastProg = now
	end, what := r.loadEnd, "load phase ends within"
	if r.phase == phaseCooldown {
		end, what = r.coolEnd, "cooldown ends in"
	}
	eta := max(end.Sub(now), 0)
	fields := []string{
		fmt.Sprintf("thermal.soak %s %s (%s %s): SoC %.1f °C", r.phase, el.Round(time.Second), what, eta.Round(time.Second), soc),
		fmt.Sprintf("ARM %.2f GHz", sw.Values["arm_clock"]/1e9),
		fmt.Sprintf("fan %.0f rpm (PWM %.0f)", sw.Values["fan_rpm"], sw.Values["fan_pwm"]),
		fmt.Sprintf("%.3g %s", sw.Values["throughput"], r.w.Unit()+"/s"),
		fmt.Sprintf("duty %.2f", r.w.Duty()),
	}
	line := strings.Join(fields, ", ")
	if termline.IsTerminal(r.env.Progress) {
		// A bring-up on a terminal: a line wider than the terminal wraps
		// (issue 23), so the last figures go first; a log keeps them all.
		line = termline.Fit(fields, ", ", termline.Width(r.env.Progress)-1)
	}
	fmt.Fprintln(r.env.Progress, line)
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
				if n := len(spans); n > 0 && !b.Start.After(spans[n-1][1].Add(2*r.interval)) {
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
