package power

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/pipower"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
)

// TestPowerStagesOnSimFaults: healthy passes every power step; each power
// fault fails its own measurement.
func TestPowerStagesOnSimFaults(t *testing.T) {
	for _, tc := range []struct {
		fault string
		fails []string // step.measurement that must fail
		pass  []string // and ones that must still pass
	}{
		{"", nil, []string{"power.rails.EXT5V.v_min", "power.rails.HAT_5V.v_max", "power.rails.HAT_5V.monitor_present", "power.flags.under_voltage_occurred", "power.budget.headroom_w"}},
		{"undervoltage", []string{"power.rails.EXT5V.v_min", "power.rails.EXT5V.v_mean", "power.flags.under_voltage_occurred", "power.flags.rpi_volt_alarm"}, []string{"power.rails.HAT_5V.v_max"}},
		{"brownout-burst", []string{"power.rails.EXT5V.v_min", "power.rails.HAT_5V.v_min"}, []string{"power.rails.EXT5V.v_mean", "power.rails.HAT_5V.v_mean"}},
		{"rail-out-of-range", []string{"power.rails.HAT_5V.v_max", "power.rails.HAT_5V.v_mean"}, []string{"power.rails.EXT5V.v_max", "power.rails.HAT_5V.v_min"}},
		{"ina-missing", []string{"power.rails.HAT_5V.monitor_present"}, []string{"power.rails.EXT5V.v_min", "power.flags.under_voltage_occurred"}},
	} {
		name := tc.fault
		if name == "" {
			name = "healthy"
		}
		t.Run(name, func(t *testing.T) {
			var faults []string
			if tc.fault != "" {
				faults = []string{tc.fault}
			}
			env := simEnv(t, faults...)
			got := map[string]report.Measurement{}
			for _, s := range []struct {
				name string
				fn   stage.Func
			}{{"power.rails", RailsSpec().Run}, {"power.flags", FlagsSpec().Run}, {"power.budget", BudgetSpec().Run}} {
				step := runStage(t, env, s.name, s.fn)
				for _, m := range step.Measurements {
					got[s.name+"."+m.Name] = m
				}
				if tc.fault == "" && step.Measurements != nil {
					for _, m := range step.Measurements {
						if m.Outcome != report.Pass {
							t.Errorf("healthy: %s.%s = %v %s", s.name, m.Name, m.Value, m.Outcome)
						}
					}
				}
			}
			for _, k := range tc.fails {
				m, ok := got[k]
				if !ok || m.Outcome != report.Fail || m.Code == "" || m.Message == "" {
					t.Errorf("%s: %+v, want FAIL with code and message", k, m)
				}
			}
			for _, k := range tc.pass {
				if m, ok := got[k]; !ok || m.Outcome != report.Pass {
					t.Errorf("%s: %+v, want PASS", k, m)
				}
			}
		})
	}
}

// TestBurstSagCaughtByMinNotByMean: with brownout-burst the input sags
// below 4.75 V only for 60 ms every 2 s. Every 1 s mean of the same
// samples stays above the limit; the stage's minimum catches it.
func TestBurstSagCaughtByMinNotByMean(t *testing.T) {
	env := simEnv(t, "brownout-burst")
	b := env.Board.(*sim.Board)
	b.SetLoad(board.Load{CPU: 1, NPU: 1})
	var ext []float64
	for i := 0; i < 200; i++ { // 4 s at 20 ms
		if i > 0 {
			b.Clock().Sleep(context.Background(), 20*time.Millisecond)
		}
		out, err := b.Run(context.Background(), "vcgencmd", "pmic_read_adc", "EXT5V_V")
		if err != nil {
			t.Fatal(err)
		}
		p, err := pipower.ParsePMIC(string(out))
		if err != nil {
			t.Fatal(err)
		}
		v, _ := p.Input()
		ext = append(ext, v)
	}
	b.SetLoad(board.Load{})
	if pipower.Summarize(ext).Min >= 4.75 {
		t.Fatalf("min %g V: the fault did not sag", pipower.Summarize(ext).Min)
	}
	for i, m := range pipower.WindowMeans(ext, 50) { // 1 s windows
		if m < 4.75 {
			t.Fatalf("1 s mean %d = %g V: a mean would catch it too; the test is not about bursts", i, m)
		}
	}
	step := runStage(t, env, "power.rails", RailsSpec().Run)
	if m := find(t, step, "EXT5V.v_min"); m.Outcome != report.Fail {
		t.Fatalf("EXT5V.v_min %v %s, want FAIL", m.Value, m.Outcome)
	}
	if m := find(t, step, "EXT5V.v_mean"); m.Outcome != report.Pass {
		t.Fatalf("EXT5V.v_mean %v %s, want PASS", m.Value, m.Outcome)
	}
}

// TestRailsStageLoadWindowAndRestore: the stage applies the plan's load,
// spends samples × interval on the board's clock and restores idle.
func TestRailsStageLoadWindowAndRestore(t *testing.T) {
	env := simEnv(t)
	b := env.Board.(*sim.Board)
	env.Plan.Power.Samples = 11
	env.Plan.Power.Interval = "100ms"
	env.Plan.Power.Load = "npu"
	start := b.Clock().Now()
	step := runStage(t, env, "power.rails", RailsSpec().Run)
	if d := b.Clock().Since(start); d != time.Second {
		t.Fatalf("window %s, want 1s (10 intervals of 100 ms)", d)
	}
	if s := b.Snapshot(); s.CPULoad != 0 || s.NPULoad != 0 {
		t.Fatalf("load not restored: %+v", s)
	}
	// Under NPU load the HAT draws well above its ~1.6 W idle.
	if w := find(t, step, "HAT_5V.w_mean").Value.(float64); w < 8 {
		t.Fatalf("HAT_5V.w_mean %g W under npu load", w)
	}
	idle := simEnv(t)
	idle.Plan.Power.Samples, idle.Plan.Power.Load = 5, "idle"
	is := runStage(t, idle, "power.rails", RailsSpec().Run)
	if w := find(t, is, "HAT_5V.w_mean").Value.(float64); w > 2.5 {
		t.Fatalf("HAT_5V.w_mean %g W at idle", w)
	}
	if pw := idle.Findings.Power; pw.Rails["HAT_5V"].MeanW <= 0 || pw.PMIC == nil || pw.PMIC.MaxW <= 0 {
		t.Fatalf("findings %+v", pw)
	}
	bad := simEnv(t)
	bad.Plan.Power.Load = "gpu"
	if err := RailsSpec().Run(context.Background(), bad, report.NewStep("power.rails", time.Time{})); err == nil {
		t.Fatal("bad load: no error")
	}
}

func TestReadHwmon(t *testing.T) {
	fsys := fstest.MapFS{
		"sys/class/hwmon/hwmon0/name":            {Data: []byte("cpu_thermal\n")},
		"sys/class/hwmon/hwmon0/temp1_input":     {Data: []byte("45000\n")},
		"sys/class/hwmon/hwmon2/name":            {Data: []byte("rpi_volt\n")},
		"sys/class/hwmon/hwmon2/in0_lcrit_alarm": {Data: []byte("1\n")},
		"sys/class/hwmon/hwmon4/name":            {Data: []byte("ina226\n")},
		"sys/class/hwmon/hwmon4/in1_input":       {Data: []byte("5012\n")},
		"sys/class/hwmon/hwmon4/in1_label":       {Data: []byte("VBUS\n")},
		"sys/class/hwmon/hwmon4/curr1_input":     {Data: []byte("2500\n")},
		"sys/class/hwmon/hwmon4/power1_input":    {Data: []byte("12530000\n")},
	}
	h, err := pipower.ReadHwmon(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if !h.RPiVoltFound || !h.RPiVoltAlarm {
		t.Fatalf("rpi_volt %+v", h)
	}
	want := []pipower.HwmonChannel{
		{Device: "ina226", File: "curr1_input", Label: "curr1", Unit: "A", Value: 2.5},
		{Device: "ina226", File: "in1_input", Label: "VBUS", Unit: "V", Value: 5.012},
		{Device: "ina226", File: "power1_input", Label: "power1", Unit: "W", Value: 12.53},
	}
	if len(h.Channels) != len(want) {
		t.Fatalf("channels %+v", h.Channels)
	}
	for i, w := range want {
		c := h.Channels[i]
		if c.Device != w.Device || c.File != w.File || c.Label != w.Label || c.Unit != w.Unit || c.Value != w.Value {
			t.Errorf("channel %d: %+v, want %+v", i, c, w)
		}
	}
	// A found layout re-reads values only: a new reading shows up.
	fsys["sys/class/hwmon/hwmon4/in1_input"] = &fstest.MapFile{Data: []byte("4870\n")}
	if err := h.Read(fsys); err != nil || h.Channels[1].Value != 4.87 {
		t.Fatalf("Read: %v, in1 = %v V, want 4.87", err, h.Channels[1].Value)
	}
	fsys["sys/class/hwmon/hwmon4/in1_input"] = &fstest.MapFile{Data: []byte("five\n")}
	if _, err := pipower.ReadHwmon(fsys); err == nil {
		t.Fatal("bad value: no error")
	}
	if h, err := pipower.ReadHwmon(fstest.MapFS{}); err != nil || len(h.Channels) != 0 || h.RPiVoltFound {
		t.Fatalf("no hwmon: %+v %v", h, err)
	}
}

// Ctrl-C during a long sampling interval stops the window at once and
// keeps the samples taken (before: a 30 s --interval took 28 s to stop and
// kept only monitor_present).
func TestRailsInterruptedKeepsPartialStatistics(t *testing.T) {
	b, err := sim.New(sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b.VirtualClock().SetTimeScale(1) // real time, as on a Pi
	p, _ := plan.Default()
	p.Power.Samples, p.Power.Interval = 10, "30s"
	env := stage.NewEnv(b, p)
	ctx, cancel := context.WithCancel(context.Background())
	// The cancel comes after the first sample is journaled (a fixed delay
	// from the start could come before it on a loaded machine), during the
	// 30 s wait for the second.
	env.Journal = journalFunc(func(kind string, _ any) error {
		if kind == "sweep" {
			time.AfterFunc(20*time.Millisecond, cancel)
		}
		return nil
	})
	step := report.NewStep("power.rails", b.Clock().Now())
	wall := time.Now()
	err = RailsSpec().Run(ctx, env, step)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the interruption", err)
	}
	// Generous for a loaded machine; the defect was the whole interval.
	if d := time.Since(wall); d > 10*time.Second {
		t.Fatalf("took %v to stop", d)
	}
	found := false
	for _, m := range step.Measurements {
		found = found || m.Name == "EXT5V.v_min"
	}
	if !found {
		t.Fatalf("no rail statistics kept: %+v", step.Measurements)
	}
	if !strings.Contains(strings.Join(step.Log, "\n"), "interrupted after 1 of 10 samples") {
		t.Fatalf("log does not mark the statistics partial: %v", step.Log)
	}
}

// runCounter counts processes a stage starts on the board.
type runCounter struct {
	*sim.Board
	runs int
}

func (r *runCounter) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	r.runs++
	return r.Board.Run(ctx, name, args...)
}

// power.rails samples through the telemetry sampler: no process per
// sample (vcgencmd goes through the board's Gencmd, the mailbox on a Pi),
// the sweeps go to the run's journal, and the record carries the series.
func TestRailsSamplesWithoutAProcessAndJournalsEverySweep(t *testing.T) {
	sb, err := sim.New(sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b := &runCounter{Board: sb}
	p, _ := plan.Default()
	env := stage.NewEnv(b, p)
	var sweeps int
	env.Journal = journalFunc(func(kind string, _ any) error {
		if kind == "sweep" {
			sweeps++
		}
		return nil
	})
	step := report.NewStep("power.rails", b.Clock().Now())
	step.Finish(b.Clock().Now(), RailsSpec().Run(context.Background(), env, step))
	if step.Outcome == report.Error {
		t.Fatalf("step %s: %s", step.Outcome, step.Error)
	}
	if b.runs != 0 {
		t.Fatalf("%d processes started while sampling, want 0", b.runs)
	}
	if sweeps != DefaultSamples {
		t.Fatalf("%d sweeps journaled, want %d", sweeps, DefaultSamples)
	}
	names := map[string]bool{}
	for _, s := range step.Series {
		names[s.Name] = true
		if len(s.Buckets) == 0 || len(s.Buckets) > 120 {
			t.Errorf("series %s has %d buckets", s.Name, len(s.Buckets))
		}
	}
	if !names["pmic.total_w"] || !names["pmic.EXT5V.v"] {
		t.Fatalf("series %v", names)
	}
}

type journalFunc func(kind string, data any) error

func (f journalFunc) Append(kind string, data any) error { return f(kind, data) }
