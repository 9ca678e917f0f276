package thermal

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/telemetry"
)

// record puts the soak's measurements, series and events into the step.
func (r *run) record(res *telemetry.Result) {
	r.recordTelemetry(res)
	if len(r.peaks.idleTemps) > 0 {
		r.measure(stage.M{Name: "idle_temp", Value: mean(r.peaks.idleTemps), Unit: "°C", Code: "THERMAL_IDLE_HOT",
			Remedy: "the SoC is hot before any load: check the enclosure's ventilation and the room, and that the cooler is seated and its fan connected"})
	} else {
		stage.NotMeasured(r.env, r.step, "idle_temp", "°C", "no idle baseline (--idle 0)")
	}
	if len(r.load.t) == 0 {
		for _, n := range []string{"steady_temp", "tau", "fit_residual", "throttled_time"} {
			stage.NotMeasured(r.env, r.step, n, "", "the load phase never ran")
		}
		r.recordFan()
		return
	}
	r.measure(stage.M{Name: "steady_reached", Value: r.sched.steady, Record: true})
	r.recordFit()
	r.recordPeaks()
	r.recordLoad()
	r.recordFan()
	r.recordGovernor()
}

func (r *run) measure(m stage.M) { stage.Measure(r.env, r.step, m) }

// recordTelemetry keeps the sampled series and the events, the soak's
// own among the sampler's, in time order.
func (r *run) recordTelemetry(res *telemetry.Result) {
	step := r.step
	if res != nil {
		for _, name := range res.Names() {
			s := res.Series[name]
			out := report.Series{Name: s.Name, Unit: s.Unit}
			for _, b := range s.Envelope.Buckets {
				out.Buckets = append(out.Buckets, report.SeriesBucket{T0: b.Start, T1: b.End, N: b.N, Min: b.Min, Mean: b.Mean, Max: b.Max})
			}
			step.Series = append(step.Series, out)
		}
		for _, e := range res.Events {
			step.Events = append(step.Events, report.Event{Time: e.T, Kind: e.Kind, Detail: e.Detail})
		}
	}
	step.Events = append(step.Events, r.events...)
	sort.SliceStable(step.Events, func(i, j int) bool { return step.Events[i].Time.Before(step.Events[j].Time) })
}

// recordFit fits a first-order response to the load phase's SoC
// temperature: its last constant-cooling segment, or the whole phase when
// that segment is short.
func (r *run) recordFit() {
	fitT, fitY := r.load.t[r.load.segStart:], r.load.soc[r.load.segStart:]
	if len(fitT) < 30 { // a short last segment: fit the whole load phase
		fitT, fitY = r.load.t, r.load.soc
	}
	t0 := fitT[0]
	rel := make([]float64, len(fitT))
	for i := range fitT {
		rel[i] = fitT[i] - t0
	}
	// τ from 5 s (a bare die) to 3 h (a heavy passive case).
	f, ok := FitFirstOrder(rel, fitY, 5, 3*3600)
	if !ok {
		stage.NotMeasured(r.env, r.step, "steady_temp", "°C", "no first-order response in the load phase's SoC temperature (too short, or flat)")
		stage.NotMeasured(r.env, r.step, "fit_residual", "°C", "no fit")
		return
	}
	if !r.sched.steady {
		r.step.Logf("load ended before steady state: steady_temp is the fit's prediction")
	}
	r.measure(stage.M{Name: "steady_temp", Value: f.TInf, Unit: "°C", Code: "THERMAL_STEADY_HOT",
		Remedy: "the SoC settles in or near firmware throttling under this load: improve cooling (Active Cooler seated, fan turning, airflow) or lower the load"})
	r.measure(stage.M{Name: "tau", Value: f.Tau, Unit: "s"})
	r.measure(stage.M{Name: "fit_residual", Value: f.RMS, Unit: "°C", Code: "THERMAL_FIT",
		Remedy: "the heating curve is not one exponential: the cooling or the load kept changing (see the plot and the fan events)"})
	r.step.Logf("first-order fit over %d samples from %.0f s into the load: T∞ %.2f °C, τ %.1f s, RMS %.3f °C", f.N, t0, f.TInf, f.Tau, f.RMS)
}

// recordPeaks reports the temperature peaks and first crossings.
func (r *run) recordPeaks() {
	pk := r.peaks
	r.measure(stage.M{Name: "soc_temp_peak", Value: pk.socPeak, Unit: "°C", Code: "THERMAL_SOC_PEAK",
		Remedy: "the SoC passed the firmware's hard throttle point: check the cooler and the fan"})
	if pk.npuSeen {
		r.measure(stage.M{Name: "npu_temp_peak", Value: pk.npuPeak, Unit: "°C", Code: "THERMAL_NPU_HOT",
			Remedy: "the NPU runs far hotter than the load explains: reseat the AI HAT+ 2's heatsink and check its thermal pad touches the die"})
	} else {
		stage.NotMeasured(r.env, r.step, "npu_temp_peak", "°C", "this target gives no NPU temperature")
	}
	if o := r.cfg.o; o.HasAmbient {
		r.measure(stage.M{Name: "rise_over_ambient", Value: pk.socPeak - o.AmbientC, Unit: "°C", Code: "THERMAL_RISE",
			Remedy: "the SoC rises too far above the room: the cooling path is poor"})
	}
	r.measure(stage.M{Name: "time_to_soft_throttle", Value: durOrNot(pk.firstSoft), Unit: unitOf(pk.firstSoft)})
	r.measure(stage.M{Name: "time_to_80c", Value: durOrNot(pk.first80), Unit: unitOf(pk.first80)})
}

// recordLoad reports what the load phase cost: throttling, the Arm
// clock, throughput and energy.
func (r *run) recordLoad() {
	l, step, unit := &r.load, r.step, r.w.Unit()
	r.measure(stage.M{Name: "throttled_time", Value: l.throttledFor.Seconds(), Unit: "s", Code: "THERMAL_THROTTLED",
		Remedy: "the firmware throttled the Arm under sustained load: throughput is lost; check the cooler, the fan and the enclosure's airflow"})
	if len(l.arm) > 0 {
		lo := math.Inf(1)
		for _, v := range l.arm {
			lo = math.Min(lo, v)
		}
		r.measure(stage.M{Name: "arm_clock_min", Value: lo, Unit: "Hz"})
		r.measure(stage.M{Name: "arm_clock_mean", Value: mean(l.arm), Unit: "Hz"})
	}
	var thr, free []float64
	for i, v := range l.rate {
		if l.throttled[i] {
			thr = append(thr, v)
		} else {
			free = append(free, v)
		}
	}
	if len(thr) > 0 && len(free) > 0 && mean(free) > 0 {
		r.measure(stage.M{Name: "throughput_ratio", Value: mean(thr) / mean(free), Unit: ""})
	} else {
		step.Logf("throughput_ratio not measured: %d throttled and %d unthrottled samples under load", len(thr), len(free))
	}
	r.measure(stage.M{Name: "throughput_mean", Value: mean(l.rate), Unit: unit + "/s"})
	if l.powerOK && l.work > 0 {
		r.measure(stage.M{Name: "energy_per_work", Value: l.powerSum / l.work, Unit: "J/" + unit})
		step.Logf("energy_per_work is J per %s (PMIC rails' total over the load phase)", unit)
	}
}

// recordGovernor says whether cutting the duty held the SoC under the
// policy's limit.
func (r *run) recordGovernor() {
	g := r.gov
	if g == nil {
		return
	}
	held := g.cutAt.IsZero() || g.peakCut <= g.g.LimitC+g.g.HysteresisC
	if !g.cutAt.IsZero() {
		r.step.Logf("governor: first cut-back at %s, SoC peak after it %.1f °C (limit %g °C + %g °C hysteresis)",
			g.cutAt.Sub(r.sched.loadAt).Round(time.Second), g.peakCut, g.g.LimitC, g.g.HysteresisC)
	}
	r.measure(stage.M{Name: "policy.held_below_limit", Value: held, Code: "THERMAL_POLICY",
		Remedy: fmt.Sprintf("cutting the load's duty cycle did not hold the SoC under %g °C: the cooling cannot carry even the reduced load", g.g.LimitC+g.g.HysteresisC)})
}

func (r *run) recordFan() {
	env, step, f := r.env, r.step, &r.fan
	if !f.seen {
		stage.NotMeasured(env, step, "fan.stall", "", "no pwmfan hwmon: no Active Cooler, or its overlay is not loaded")
		return
	}
	stage.Measure(env, step, stage.M{Name: "fan.stall", Value: f.stalled > 0, Code: "FAN_STALL",
		Remedy: "the fan is driven (pwm1 > 0) but fan1_input reads 0 rpm: check the fan's 4-pin JST plug on the FAN header, and that nothing blocks the blades"})
	pwms := make([]int, 0, len(f.rpmAt))
	for p := range f.rpmAt {
		pwms = append(pwms, p)
	}
	sort.Ints(pwms)
	for _, p := range pwms {
		if p == 0 {
			continue
		}
		a := f.rpmAt[p]
		stage.Measure(env, step, stage.M{Name: fmt.Sprintf("fan.rpm.%d", p), Value: a[0] / a[1], Unit: "rpm", Code: "FAN_SLOW",
			Remedy: fmt.Sprintf("the fan turns too slowly at PWM %d: check its plug and blades", p)})
	}
	// The kernel polls the trips about once a second, so a sample taken
	// just after a crossing may lag: allow 2 % of samples to disagree.
	follows := f.samples > 0 && float64(f.mismatch) <= 0.02*float64(f.samples)
	step.Logf("fan: %d of %d samples off the plan's curve", f.mismatch, f.samples)
	stage.Measure(env, step, stage.M{Name: "fan.follows_curve", Value: follows, Code: "FAN_CURVE",
		Remedy: "the fan's PWM does not follow the plan's curve (thermal.fan): the fan_temp dtparams in config.txt differ from the plan; see 'aihat thermal fan-config'"})
}

func durOrNot(d time.Duration) any {
	if d < 0 {
		return "not reached"
	}
	return d.Seconds()
}

func unitOf(d time.Duration) string {
	if d < 0 {
		return ""
	}
	return "s"
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
