package power

import (
	"context"
	"math"
	"testing"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
)

func guideBudget(supply plan.PowerSupply) plan.PowerBudget {
	m := 0.20
	return plan.PowerBudget{
		Margin: &m,
		BusV:   5,
		Components: []plan.PowerComponent{
			{Name: "pi5", IdleW: 3, SteadyW: 8, PeakW: 10},
			{Name: "hat", IdleW: 1, SteadyW: 12, PeakW: 30},
		},
		Supply: supply,
	}
}

// TestBudgetWorkedExample is the bring-up guide's example, exactly:
// Pi 10 W + HAT 30 W = 40 W, +20 % = 48 W, 9.6 A at 5 V.
func TestBudgetWorkedExample(t *testing.T) {
	b, err := ComputeBudget(guideBudget(plan.PowerSupply{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.WorstW != 40 || b.BudgetW != 48 || b.BusA != 9.6 {
		t.Fatalf("worst %v W, budget %v W, %v A; want 40, 48, 9.6", b.WorstW, b.BudgetW, b.BusA)
	}
	if b.IdleW != 4 || b.SteadyW != 20 {
		t.Fatalf("idle %v, steady %v", b.IdleW, b.SteadyW)
	}
}

func TestBudgetAgainstSupplies(t *testing.T) {
	for _, tc := range []struct {
		name     string
		supply   plan.PowerSupply
		supplyW  float64
		inputA   float64
		overflow bool
	}{
		{"official 27 W USB-C", plan.PowerSupply{Name: "Pi 5 27W", Volts: 5.1, MaxA: 5}, 25.5, 48 / 5.1, true},
		{"12 V 5 A via 90 % DC/DC", plan.PowerSupply{Volts: 12, MaxA: 5, Efficiency: 0.9}, 54, 48 / 0.9 / 12, false},
		{"20 V 3 A via 90 % DC/DC", plan.PowerSupply{Volts: 20, MaxA: 3, Efficiency: 0.9}, 54, 48 / 0.9 / 20, false},
		{"20 V 3 A capped at 45 W", plan.PowerSupply{Volts: 20, MaxA: 3, MaxW: 45, Efficiency: 0.9}, 40.5, 48 / 0.9 / 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ComputeBudget(guideBudget(tc.supply), nil)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(b.SupplyW-tc.supplyW) > 1e-9 || math.Abs(b.SupplyInputA-tc.inputA) > 1e-9 {
				t.Fatalf("supply %v W, input %v A; want %v, %v", b.SupplyW, b.SupplyInputA, tc.supplyW, tc.inputA)
			}
			if (b.HeadroomW < 0) != tc.overflow {
				t.Fatalf("headroom %v W", b.HeadroomW)
			}
		})
	}
}

// TestBudgetStageOverBudgetFails: the stage fails headroom_w with the
// POWER_BUDGET code against the official supply.
func TestBudgetStageOverBudgetFails(t *testing.T) {
	for _, tc := range []struct {
		supply plan.PowerSupply
		want   report.Outcome
	}{
		{plan.PowerSupply{Name: "Pi 5 27W", Volts: 5.1, MaxA: 5}, report.Fail},
		{plan.PowerSupply{Volts: 12, MaxA: 5, Efficiency: 0.9}, report.Pass},
	} {
		env := simEnv(t)
		env.Plan.Power.Budget = guideBudget(tc.supply)
		step := runStage(t, env, "power.budget", BudgetSpec().Run)
		m := find(t, step, "headroom_w")
		if m.Outcome != tc.want {
			t.Fatalf("%+v: headroom %v %s, want %s", tc.supply, m.Value, m.Outcome, tc.want)
		}
		if tc.want == report.Fail && (m.Code != "POWER_BUDGET" || m.Message == "") {
			t.Fatalf("code %q message %q", m.Code, m.Message)
		}
		if v := find(t, step, "budget_w").Value; v != 48.0 {
			t.Fatalf("budget_w %v", v)
		}
		if v := find(t, step, "bus_current_a").Value; v != 9.6 {
			t.Fatalf("bus_current_a %v", v)
		}
	}
}

func TestBudgetMeasuredFigures(t *testing.T) {
	bp := guideBudget(plan.PowerSupply{})
	bp.Components[1].Measured = "HAT_5V"
	b, err := ComputeBudget(bp, map[string][2]float64{"HAT_5V": {9.5, 15.75}})
	if err != nil {
		t.Fatal(err)
	}
	if b.WorstW != 25.75 || b.Components[1].Source != "measured" || b.Components[0].Source != "plan" {
		t.Fatalf("%+v", b)
	}
	// Measured figures come from a run's power.rails step.
	r := &report.Run{Steps: []*report.Step{{Name: "power.rails", Measurements: []report.Measurement{
		{Name: "pmic.total_w.mean", Value: 6.4}, {Name: "pmic.total_w.max", Value: 6.5},
		{Name: "HAT_5V.w_mean", Value: 9.5}, {Name: "HAT_5V.w_max", Value: 15.75},
	}}}}
	m, err := MeasuredFromRun(r)
	if err != nil || m["pmic"] != [2]float64{6.4, 6.5} || m["HAT_5V"] != [2]float64{9.5, 15.75} {
		t.Fatalf("%v %v", m, err)
	}
	if _, err := MeasuredFromRun(&report.Run{}); err == nil {
		t.Fatal("empty run: no error")
	}
}

func TestBudgetErrors(t *testing.T) {
	neg := -1.0
	for _, bp := range []plan.PowerBudget{
		{},
		{Components: []plan.PowerComponent{{Name: "x", PeakW: -1}}},
		{Margin: &neg, Components: []plan.PowerComponent{{Name: "x", PeakW: 1}}},
		{Components: []plan.PowerComponent{{Name: "x", PeakW: 1}}, Supply: plan.PowerSupply{Volts: 12, MaxA: 1, Efficiency: 1.5}},
	} {
		if _, err := ComputeBudget(bp, nil); err == nil {
			t.Errorf("%+v: no error", bp)
		}
	}
}

// helpers shared by the stage tests

func simEnv(t *testing.T, faults ...string) *stage.Env {
	t.Helper()
	b, err := sim.New(sim.Options{Seed: 7, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	return stage.NewEnv(b, p)
}

func runStage(t *testing.T, env *stage.Env, name string, fn stage.Func) *report.Step {
	t.Helper()
	step := report.NewStep(name, env.Board.Clock().Now())
	if err := fn(context.Background(), env, step); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return step
}

func find(t *testing.T, step *report.Step, name string) report.Measurement {
	t.Helper()
	for _, m := range step.Measurements {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("%s has no measurement %q", step.Name, name)
	return report.Measurement{}
}
