package power

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/ina2xx"
	"github.com/aihat/aihat/pkg/pipower"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/telemetry"
)

// Defaults when the plan leaves them out.
const (
	DefaultSamples = 150
	DefaultLoad    = "both"
	// MaxSamples bounds a window's sample count: statistics are streamed,
	// so memory does not grow with it, but a count no run can finish is a
	// typo, not a request. The plan checks power.samples against the same
	// number.
	MaxSamples = plan.MaxPowerSamples
)

// ParseLoad maps idle|cpu|npu|both to a board load.
func ParseLoad(s string) (board.Load, error) {
	switch strings.ToLower(s) {
	case "", "idle":
		return board.Load{}, nil
	case "cpu":
		return board.Load{CPU: 1}, nil
	case "npu":
		return board.Load{NPU: 1}, nil
	case "both":
		return board.Load{CPU: 1, NPU: 1}, nil
	}
	return board.Load{}, fmt.Errorf("load %q: want idle, cpu, npu or both", s)
}

// series holds one rail's statistics per quantity (N is 0 for a quantity
// the rail does not report).
type series struct {
	v, a, w pipower.Stats
}

type monitor struct {
	cfg    plan.PowerMonitor
	dev    ina2xx.Monitor
	errors int
	lastEr error
}

// RailsOptions override the plan's power section for one run of
// power.rails (the `aihat power rails` flags); zero values keep the plan's.
type RailsOptions struct {
	Samples  int
	Interval time.Duration
	Load     string
}

// Check says what is wrong with options given on a command line.
func (o RailsOptions) Check() error {
	if o.Samples < 0 || o.Samples > MaxSamples {
		return fmt.Errorf("--samples %d: want a count from 1 to %d", o.Samples, MaxSamples)
	}
	if o.Interval < 0 {
		return fmt.Errorf("--interval %s: want a positive duration", o.Interval)
	}
	if o.Load != "" {
		if _, err := ParseLoad(o.Load); err != nil {
			return fmt.Errorf("--load: %v", err)
		}
	}
	return nil
}

// RailsStage is power.rails: it sets the plan's load, samples the PMIC ADC
// and the plan's shunt monitors over a window on the board's clock, and
// evaluates min/mean/max per rail against the plan, with o over the plan's
// settings (RailsOptions{} is the plan's: the table's entry).
func RailsStage(o RailsOptions) stage.Func {
	return func(ctx context.Context, env *stage.Env, step *report.Step) error {
		return railsRun(ctx, env, step, o)
	}
}

// railsRun is power.rails: settings, monitors, load, one sampled window,
// then the measurements.
func railsRun(ctx context.Context, env *stage.Env, step *report.Step, o RailsOptions) error {
	pp := env.Plan.Power
	cfg, err := railsSettings(pp, o)
	if err != nil {
		return err
	}
	// Monitors first: a missing one is a failing measurement, not an
	// error, and the window still runs for the others.
	mons := openMonitors(env, step, pp.Monitors)

	env.Board.SetLoad(cfg.load)
	defer env.Board.SetLoad(board.Load{})
	step.Logf("load %s (CPU %.0f %%, NPU %.0f %%), %d samples every %s", cfg.loadName, cfg.load.CPU*100, cfg.load.NPU*100, cfg.samples, cfg.interval)

	src, err := openSources(ctx, env, step, pp, mons)
	if err != nil {
		return err
	}
	clk := env.Board.Clock()
	smp := &telemetry.Sampler{Clock: clk, Interval: cfg.interval, Sources: src.all, Sink: telemetry.JournalSink(env.Journal)}
	defer smp.Close()
	w, err := sampleWindow(ctx, step, smp, cfg.samples)
	if err != nil {
		return err
	}
	if err := src.readErrors(w, mons); err != nil {
		return err
	}
	rails, order, total := railSeries(w.res)
	recordWindow(step, w.res, mons)
	if !src.pmicOK && len(mons) == 0 && !src.hwmonSeen {
		return fmt.Errorf("no power source to sample: vcgencmd pmic_read_adc failed, the plan lists no working monitor and hwmon has no in/curr/power inputs")
	}
	for _, m := range mons {
		stage.Measure(env, step, stage.M{Name: m.cfg.Rail + ".read_errors", Value: float64(m.errors), Unit: "count", Code: "INA_READ",
			Remedy: fmt.Sprintf("%s: %d of %d reads failed (last: %v): check the bus wiring and pull-ups", m.dev, m.errors, w.taken, m.lastEr)})
	}
	for _, name := range order {
		measureRail(env, step, name, rails[name], pp.Rail(name))
	}
	measureMissingRails(env, step, pp, rails, src.pmicOK)
	measureTotal(env, step, total, src.pmicOK)
	recordMonitorFindings(env, mons, rails)
	return w.interrupted
}

// railsConfig is one power.rails run's window: the plan's power section
// with the command line's overrides and the defaults applied.
type railsConfig struct {
	samples  int
	interval time.Duration
	loadName string
	load     board.Load
}

func railsSettings(pp plan.PowerPlan, o RailsOptions) (railsConfig, error) {
	var c railsConfig
	c.samples = pp.Samples
	if o.Samples > 0 {
		c.samples = o.Samples
	}
	if c.samples <= 0 {
		c.samples = DefaultSamples
	}
	if c.samples > MaxSamples {
		return c, fmt.Errorf("power.samples %d: at most %d (a window of 115 days at 1 Hz)", c.samples, MaxSamples)
	}
	var err error
	c.interval, err = pp.IntervalDuration()
	if err != nil {
		return c, err
	}
	if o.Interval > 0 {
		c.interval = o.Interval
	}
	c.loadName = pp.Load
	if o.Load != "" {
		c.loadName = o.Load
	}
	if c.loadName == "" {
		c.loadName = DefaultLoad
	}
	c.load, err = ParseLoad(c.loadName)
	if err != nil {
		return c, fmt.Errorf("power.load: %v", err)
	}
	return c, nil
}

// openMonitors opens the plan's shunt monitors, measuring
// <rail>.monitor_present for each; it returns those that answered.
func openMonitors(env *stage.Env, step *report.Step, cfgs []plan.PowerMonitor) []*monitor {
	var mons []*monitor
	for _, mc := range cfgs {
		name := mc.Rail + ".monitor_present"
		bus, err := env.Board.I2C(mc.Bus)
		var dev ina2xx.Monitor
		if err == nil {
			dev, err = ina2xx.Open(bus, ina2xx.Config{Type: mc.Type, Addr: mc.Addr, ShuntOhm: mc.ShuntOhm, MaxA: mc.MaxA})
		}
		var remedy string
		if err != nil {
			remedy = fmt.Sprintf("%s monitor (%s, bus %d, 0x%02x) does not answer: %v; check that it is fitted, its address straps and dtparam=i2c_arm=on", mc.Rail, mc.Type, mc.Bus, mc.Addr, err)
		}
		stage.Measure(env, step, stage.M{Name: name, Value: err == nil, Code: "INA_MISSING", Remedy: remedy})
		if err != nil {
			step.Logf("%s", remedy)
			continue
		}
		step.Logf("%s: %s, shunt %g Ω, range %g A", mc.Rail, dev, mc.ShuntOhm, mc.MaxA)
		mons = append(mons, &monitor{cfg: mc, dev: dev})
	}
	return mons
}

// railSources are the window's sources: the PMIC ADC (when it answers at
// all), the hwmon power monitors and the plan's shunt monitors.
type railSources struct {
	pmic      *telemetry.PMIC
	pmicOK    bool
	hw        *telemetry.HwmonPower
	hwmonSeen bool
	all       []telemetry.Source
}

// openSources probes the PMIC ADC once and finds the hwmon power
// monitors; the telemetry sampler then reads them all on the board's
// clock (through the mailbox on a real Pi: no process per sample).
func openSources(ctx context.Context, env *stage.Env, step *report.Step, pp plan.PowerPlan, mons []*monitor) (*railSources, error) {
	src := &railSources{pmicOK: true}
	badSeen := map[string]bool{} // bad pmic_read_adc lines already logged
	src.pmic = &telemetry.PMIC{Board: env.Board, Bad: func(line string) {
		if !badSeen[line] {
			badSeen[line] = true
			step.Logf("%s: line skipped, the other rails are kept", line)
		}
	}}
	if _, _, err := src.pmic.Sample(ctx, env.Board.Clock().Now()); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		src.pmicOK = false
		step.Logf("PMIC ADC not read (%v): only monitors and hwmon are sampled", err)
	} else {
		src.all = append(src.all, src.pmic)
	}
	hw, err := telemetry.NewHwmonPower(env.Board.FS(), pp.HwmonChips...)
	if err != nil {
		return nil, err
	}
	src.hw = hw
	for _, ig := range hw.Ignored {
		step.Logf("hwmon %s: not a power monitor, its inputs are not rails (name it in power.hwmon_chips to count it)", ig)
	}
	src.hwmonSeen = hw.Len() > 0
	if src.hwmonSeen {
		src.all = append(src.all, hw)
	}
	for _, m := range mons {
		src.all = append(src.all, &telemetry.INA{Rail: m.cfg.Rail, Dev: m.dev})
	}
	return src, nil
}

// window is what one sampled window gave.
type window struct {
	res         *telemetry.Result
	taken       int
	interrupted error // the context's error when Ctrl-C cut the window short
}

// sampleWindow runs the sampler for the window. Ctrl-C ends the window at
// once (the sampler's sleep honours it) and the samples taken so far are
// still evaluated, marked partial.
func sampleWindow(ctx context.Context, step *report.Step, smp *telemetry.Sampler, samples int) (window, error) {
	start := smp.Clock.Now()
	res, interrupted := smp.Run(ctx, samples)
	if interrupted != nil && ctx.Err() == nil {
		return window{}, interrupted // the journal could not be written
	}
	taken := res.Sweeps
	step.Logf("window %s of virtual/board time", smp.Clock.Since(start).Round(time.Millisecond))
	if interrupted != nil {
		if taken == 0 {
			return window{}, interrupted
		}
		step.Logf("interrupted after %d of %d samples: the statistics below are partial", taken, samples)
	}
	return window{res: res, taken: taken, interrupted: interrupted}, nil
}

// readErrors fails the step when the PMIC or hwmon could not be read
// during the window, and notes each monitor's failed reads (those are
// measured, not errors).
func (src *railSources) readErrors(w window, mons []*monitor) error {
	res := w.res
	if n := res.Errors[src.pmic.Name()]; src.pmicOK && n > 0 {
		return fmt.Errorf("vcgencmd pmic_read_adc failed on %d of %d samples (last: %s)", n, w.taken, res.LastErr[src.pmic.Name()])
	}
	if n := res.Errors[src.hw.Name()]; n > 0 {
		return fmt.Errorf("hwmon power monitors: %d of %d samples failed (last: %s)", n, w.taken, res.LastErr[src.hw.Name()])
	}
	for _, m := range mons {
		name := (&telemetry.INA{Rail: m.cfg.Rail}).Name()
		m.errors = res.Errors[name]
		if m.errors > 0 {
			m.lastEr = fmt.Errorf("%s", res.LastErr[name])
		}
	}
	return nil
}

// railSeries maps each power series back to its rail, in the order the
// rails appeared, and splits off the PMIC's total power.
func railSeries(res *telemetry.Result) (rails map[string]*series, order []string, total pipower.Stats) {
	rails = map[string]*series{}
	for _, name := range res.Order {
		st := envStats(res.Series[name])
		if name == "pmic.total_w" {
			total = st
			continue
		}
		rail, q, ok := telemetry.Rail(name)
		if !ok {
			continue
		}
		s := rails[rail]
		if s == nil {
			s = &series{}
			rails[rail] = s
			order = append(order, rail)
		}
		switch q {
		case "v":
			s.v = st
		case "a":
			s.a = st
		case "w":
			s.w = st
		}
	}
	return rails, order, total
}

// recordWindow keeps the window's chief series and its events in the
// record.
func recordWindow(step *report.Step, res *telemetry.Result, mons []*monitor) {
	step.Series = append(step.Series, recordSeries(res, "pmic.total_w", "pmic.EXT5V.v")...)
	for _, m := range mons {
		step.Series = append(step.Series, recordSeries(res, "ina."+m.cfg.Rail+".v", "ina."+m.cfg.Rail+".w")...)
	}
	step.Events = append(step.Events, recordEvents(res)...)
}

// measureMissingRails fails planned rails that never showed up: the plan
// expects them.
func measureMissingRails(env *stage.Env, step *report.Step, pp plan.PowerPlan, rails map[string]*series, pmicOK bool) {
	for _, r := range pp.Rails {
		if _, ok := rails[r.Name]; ok || !pmicOK || isMonitorRail(pp, r.Name) {
			continue // seen; or PMIC unavailable (logged); or its monitor_present fails
		}
		stage.Measure(env, step, stage.M{Name: r.Name + ".present", Value: false, Code: "RAIL_MISSING",
			Remedy: fmt.Sprintf("rail %s is in the plan but pmic_read_adc does not report it: check the plan's rail names", r.Name)})
	}
}

// measureTotal reports the PMIC's total power, and keeps it for the
// power budget.
func measureTotal(env *stage.Env, step *report.Step, total pipower.Stats, pmicOK bool) {
	if total.N > 0 {
		st := total
		stage.Measure(env, step, stage.M{Name: "pmic.total_w.mean", Value: round(st.Mean, 4), Unit: "W"})
		stage.Measure(env, step, stage.M{Name: "pmic.total_w.max", Value: round(st.Max, 4), Unit: "W"})
		env.Findings.Power.PMIC = &stage.PowerFigures{MeanW: st.Mean, MaxW: st.Max}
	} else if pmicOK {
		why := "not measured: no PMIC rail had both a voltage and a current, so the total power is unknown (not 0 W)"
		step.Logf("pmic.total_w %s", why)
		stage.Skipped(step, "pmic.total_w.mean", why)
	}
}

// recordMonitorFindings keeps each monitor rail's power for the power
// budget.
func recordMonitorFindings(env *stage.Env, mons []*monitor, rails map[string]*series) {
	for _, m := range mons {
		if s := rails[m.cfg.Rail]; s != nil && s.w.N > 0 {
			st := s.w
			if env.Findings.Power.Rails == nil {
				env.Findings.Power.Rails = map[string]stage.PowerFigures{}
			}
			env.Findings.Power.Rails[m.cfg.Rail] = stage.PowerFigures{MeanW: st.Mean, MaxW: st.Max}
		}
	}
}

func isMonitorRail(pp plan.PowerPlan, name string) bool {
	for _, m := range pp.Monitors {
		if m.Rail == name {
			return true
		}
	}
	return false
}

// measureRail reports one rail: full statistics, judged by the plan's
// limits power.rails.<rail>.*, for a rail the plan lists; means only
// otherwise.
func measureRail(env *stage.Env, step *report.Step, name string, s *series, pr *plan.PowerRail) {
	if pr == nil {
		if s.v.N > 0 {
			stage.Measure(env, step, stage.M{Name: name + ".v_mean", Value: round(s.v.Mean, 5), Unit: "V"})
		}
		if s.a.N > 0 {
			stage.Measure(env, step, stage.M{Name: name + ".a_mean", Value: round(s.a.Mean, 5), Unit: "A"})
		}
		if s.v.N == 0 && s.a.N == 0 && s.w.N > 0 {
			stage.Measure(env, step, stage.M{Name: name + ".w_mean", Value: round(s.w.Mean, 5), Unit: "W"})
		}
		return
	}
	why := ""
	if pr.Why != "" {
		why = " (" + pr.Why + ")"
	}
	missingReadings(env, step, name, s)
	if s.v.N > 0 {
		st := s.v
		what := "the rail sits low under this load"
		if l := env.Plan.Limit(step.Name + "." + name + ".v_min"); l != nil && l.Low != nil && st.Mean >= *l.Low {
			what = "a low minimum with a normal mean is a short sag during load bursts that an averaging meter would hide"
		}
		stage.Measure(env, step, stage.M{Name: name + ".v_min", Value: round(st.Min, 5), Unit: "V", Code: "RAIL_UNDERVOLT",
			Remedy: fmt.Sprintf("%s fell to %.3f V over %d samples (mean %.3f V)%s: %s; use the official 27 W supply or a 12/20 V input with a DC/DC, and a short, thick cable", name, st.Min, st.N, st.Mean, why, what)})
		stage.Measure(env, step, stage.M{Name: name + ".v_mean", Value: round(st.Mean, 5), Unit: "V", Code: "RAIL_OUT_OF_RANGE",
			Remedy: fmt.Sprintf("%s averages %.3f V%s: the rail is off its nominal value, not just sagging; check the supply and the regulator", name, st.Mean, why)})
		stage.Measure(env, step, stage.M{Name: name + ".v_max", Value: round(st.Max, 5), Unit: "V", Code: "RAIL_OVERVOLT",
			Remedy: fmt.Sprintf("%s reached %.3f V%s: above its maximum; check the regulator and the monitor's calibration (shunt value in the plan)", name, st.Max, why)})
	}
	if s.a.N > 0 {
		st := s.a
		stage.Measure(env, step, stage.M{Name: name + ".a_max", Value: round(st.Max, 5), Unit: "A", Code: "RAIL_OVERCURRENT",
			Remedy: fmt.Sprintf("%s drew %.3f A peak (mean %.3f A)%s: more than the rail is rated for", name, st.Max, st.Mean, why)})
	}
	if s.w.N > 0 {
		st := s.w
		stage.Measure(env, step, stage.M{Name: name + ".w_mean", Value: round(st.Mean, 4), Unit: "W"})
		stage.Measure(env, step, stage.M{Name: name + ".w_max", Value: round(st.Max, 4), Unit: "W"})
	}
}

// missingReadings makes each limit the plan sets on a planned rail whose
// voltage or current never came (a pmic_read_adc line missing or garbled)
// an ERROR row naming the rail and the reading, never a limit silently
// left unjudged.
func missingReadings(env *stage.Env, step *report.Step, name string, s *series) {
	if s.v.N == 0 {
		why := fmt.Sprintf("the PMIC reported no voltage for rail %s (its pmic_read_adc volt line is missing or garbled), so its voltage limits cannot be judged", name)
		for _, q := range []string{".v_min", ".v_mean", ".v_max"} {
			stage.NotMeasured(env, step, name+q, "V", why)
		}
	}
	// Some PMIC rails have no current ADC at all (a real Pi 5's EXT5V_V,
	// BATT_V): a missing current is news only where the plan limits it.
	if s.a.N == 0 && env.Plan.Limit(step.Name+"."+name+".a_max") != nil {
		stage.NotMeasured(env, step, name+".a_max", "A", fmt.Sprintf("the PMIC reported no current for rail %s (its pmic_read_adc current line is missing or garbled), so its current limit cannot be judged", name))
	}
}

// flagsRun is power.flags, the table's entry (Spec().Run): get_throttled decoded into named flags and
// rpi_volt's under-voltage alarm; a flag fails when the plan's limit
// power.flags.<flag> ({equals: false}) says so.
func flagsRun(ctx context.Context, env *stage.Env, step *report.Step) error {
	out, err := env.Board.Run(ctx, "vcgencmd", "get_throttled")
	if err != nil {
		return fmt.Errorf("vcgencmd get_throttled: %v (needs the Raspberry Pi firmware tools)", err)
	}
	t, err := pipower.ParseThrottled(string(out))
	if err != nil {
		return err
	}
	stage.Measure(env, step, stage.M{Name: "throttled_raw", Value: fmt.Sprintf("0x%x", t.Raw)})
	for _, b := range pipower.ThrottleBits {
		flagMeasure(env, step, b.Name, t.Flag(b.Bit), b.What)
	}
	hw, err := pipower.ReadHwmon(env.Board.FS(), env.Plan.Power.HwmonChips...)
	if err != nil {
		return err
	}
	if hw.RPiVoltFound {
		flagMeasure(env, step, "rpi_volt_alarm", hw.RPiVoltAlarm, "rpi_volt in0_lcrit_alarm: the input fell below the under-voltage threshold since boot")
	} else {
		step.Logf("no rpi_volt hwmon device: under-voltage alarm not read")
	}
	return nil
}

// flagMeasure records one flag; the plan's limit power.flags.<name>
// ({equals: false}) decides whether a set flag fails.
func flagMeasure(env *stage.Env, step *report.Step, name string, set bool, what string) {
	remedy := "check the supply (official 27 W USB-C, or a 12/20 V input with DC/DC), the cable, and what else draws from the 5 V rail"
	if strings.Contains(name, "temp") || strings.Contains(name, "capped") || strings.HasPrefix(name, "throttled") {
		remedy = "check cooling (active cooler fitted and spinning) and the supply"
	}
	stage.Measure(env, step, stage.M{Name: name, Value: set, Code: strings.ToUpper(name), Remedy: what + ": " + remedy})
}

// BudgetOptions are what `aihat power budget` gives power.budget over the
// plan's figures.
type BudgetOptions struct {
	// Measured are measured figures (steady W, peak W by source name:
	// "pmic" or a monitor rail), used where the plan's components name a
	// source (--from-run); nil keeps the plan's figures.
	Measured map[string][2]float64
}

// BudgetStage is power.budget: the plan's components (or o's measured
// figures where they name a source) plus the margin, against the plan's
// supply. BudgetOptions{} is the plan's figures: the table's entry.
func BudgetStage(o BudgetOptions) stage.Func {
	return func(ctx context.Context, env *stage.Env, step *report.Step) error {
		return budgetStep(env, step, o.Measured)
	}
}

func budgetStep(env *stage.Env, step *report.Step, measured map[string][2]float64) error {
	b, err := ComputeBudget(env.Plan.Power.Budget, measured)
	if err != nil {
		return err
	}
	for _, c := range b.Components {
		step.Logf("%-10s idle %5.2f W  steady %5.2f W  peak %5.2f W  (%s)", c.Name, c.IdleW, c.SteadyW, c.PeakW, c.Source)
	}
	stage.Measure(env, step, stage.M{Name: "idle_w", Value: round(b.IdleW, 4), Unit: "W"})
	stage.Measure(env, step, stage.M{Name: "steady_w", Value: round(b.SteadyW, 4), Unit: "W"})
	stage.Measure(env, step, stage.M{Name: "worst_case_w", Value: round(b.WorstW, 4), Unit: "W"})
	stage.Measure(env, step, stage.M{Name: "margin", Value: round(b.Margin*100, 4), Unit: "%"})
	stage.Measure(env, step, stage.M{Name: "budget_w", Value: round(b.BudgetW, 4), Unit: "W"})
	stage.Measure(env, step, stage.M{Name: "bus_current_a", Value: round(b.BusA, 4), Unit: "A"})
	step.Logf("worst case %.4g W + %.4g %% = %.4g W, %.4g A at %.4g V", b.WorstW, b.Margin*100, b.BudgetW, b.BusA, b.BusV)
	s := b.Supply
	if b.SupplyW == 0 {
		step.Logf("the plan declares no supply (power.budget.supply volts and max_a): budget not checked")
		return nil
	}
	stage.Measure(env, step, stage.M{Name: "supply_w", Value: round(b.SupplyW, 4), Unit: "W"})
	stage.Measure(env, step, stage.M{Name: "supply_current_a", Value: round(b.SupplyInputA, 4), Unit: "A"})
	stage.Measure(env, step, stage.M{Name: "headroom_w", Value: round(b.HeadroomW, 4), Unit: "W", Code: "POWER_BUDGET",
		Remedy: fmt.Sprintf("the budget (%.4g W with %.4g %% margin, %.4g A from a %.4g V supply) exceeds %s (%.4g W): use a bigger supply, e.g. a 12 V or 20 V input with a DC/DC converter, or lower the HAT's peak load", b.BudgetW, b.Margin*100, b.SupplyInputA, s.Volts, supplyName(s), b.SupplyW)})
	return nil
}

func supplyName(s plan.PowerSupply) string {
	if s.Name != "" {
		return s.Name
	}
	return fmt.Sprintf("the %g V %g A supply", s.Volts, s.MaxA)
}

// MeasuredFromRun pulls measured steady/peak power per source out of a run
// record's power.rails step: "pmic" from pmic.total_w.mean/max and each
// monitor rail from <rail>.w_mean/w_max.
func MeasuredFromRun(r *report.Run) (map[string][2]float64, error) {
	out := map[string][2]float64{}
	for _, s := range r.Steps {
		if s.Name != "power.rails" {
			continue
		}
		vals := map[string]float64{}
		for _, m := range s.Measurements {
			if f, ok := m.Value.(float64); ok {
				vals[m.Name] = f
			}
		}
		if mean, ok := vals["pmic.total_w.mean"]; ok {
			out["pmic"] = [2]float64{mean, math.Max(mean, vals["pmic.total_w.max"])}
		}
		for name, mean := range vals {
			if rail, ok := strings.CutSuffix(name, ".w_mean"); ok {
				out[rail] = [2]float64{mean, math.Max(mean, vals[rail+".w_max"])}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the run has no power.rails measurements (run 'aihat power rails' or 'aihat bringup' with -o json or --report-dir first)")
	}
	return out, nil
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// envStats is a sampled series' whole-window statistics.
func envStats(s *telemetry.Series) pipower.Stats {
	b := s.Envelope.Stats()
	return pipower.Stats{N: b.N, Min: b.Min, Mean: b.Mean, Max: b.Max}
}

// recordSeries are the named series for the record (at most
// telemetry.RecordBuckets buckets each); names the run lacks are skipped.
func recordSeries(res *telemetry.Result, names ...string) []report.Series {
	var out []report.Series
	for _, n := range names {
		if s := res.Series[n]; s != nil {
			out = append(out, telemetry.ToReport(s, telemetry.RecordBuckets))
		}
	}
	return out
}

func recordEvents(res *telemetry.Result) []report.Event {
	var out []report.Event
	for _, e := range res.Events {
		out = append(out, report.Event{Time: e.T, Kind: e.Kind, Detail: e.Detail})
	}
	return out
}
