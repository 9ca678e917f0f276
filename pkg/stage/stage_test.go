package stage

import (
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
)

func TestMeasureAppliesTheStepsLimitsThenItsFamilys(t *testing.T) {
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := 1.0, 5.0
	p.Limits = map[string]plan.LimitSpec{
		"bench.ttft":                {High: &hi, Unit: "s"},
		"bench.synth-50m-int4.ttft": {High: &lo, Unit: "s"},
		"power.rails.EXT5V.v_min":   {Low: &lo, Unit: "V"},
	}
	env := NewEnv(nil, p)
	t0 := time.Unix(0, 0)

	own := Measure(env, report.NewStep("bench.synth-50m-int4", t0), report.Measurement{Name: "ttft", Value: 2.0})
	if own.Outcome != report.Fail || own.Unit != "s" {
		t.Errorf("step's own limit: %s %q, want FAIL against <= 1 s", own.Outcome, own.Unit)
	}
	family := Measure(env, report.NewStep("bench.synth-100m-int4", t0), report.Measurement{Name: "ttft", Value: 2.0})
	if family.Outcome != report.Pass || family.Limits == nil || *family.Limits.High != hi {
		t.Errorf("family limit: %s %+v, want PASS against bench.ttft <= 5 s", family.Outcome, family.Limits)
	}
	given := report.AtMost(0.5)
	none := Measure(env, report.NewStep("bench.other", t0), report.Measurement{Name: "unplanned", Value: 1.0, Limits: given})
	if none.Limits != given || none.Outcome != report.Fail {
		t.Errorf("unplanned measurement lost its own limits: %+v", none)
	}
	rail := Measure(env, report.NewStep("power.rails", t0), report.Measurement{Name: "EXT5V.v_min", Value: 0.5})
	if rail.Outcome != report.Fail || rail.Unit != "V" {
		t.Errorf("plain step: %s %q", rail.Outcome, rail.Unit)
	}
}
