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

	own := Measure(env, report.NewStep("bench.synth-50m-int4", t0), M{Name: "ttft", Value: 2.0, Code: "SLOW", Remedy: "too slow"})
	if own.Outcome != report.Fail || own.Unit != "s" || own.Code != "SLOW" || own.Message != "too slow" {
		t.Errorf("step's own limit: %+v, want FAIL against <= 1 s with code and remedy", own)
	}
	family := Measure(env, report.NewStep("bench.synth-100m-int4", t0), M{Name: "ttft", Value: 2.0, Code: "SLOW", Remedy: "too slow"})
	if family.Outcome != report.Pass || family.Limits == nil || *family.Limits.High != hi || family.Code != "" || family.Message != "" {
		t.Errorf("family limit: %+v, want PASS against bench.ttft <= 5 s, no code or remedy", family)
	}
	none := Measure(env, report.NewStep("bench.other", t0), M{Name: "unplanned", Value: 1.0})
	if none.Limits != nil || none.Outcome != report.Pass {
		t.Errorf("unplanned measurement: %+v, want informational", none)
	}
	rail := Measure(env, report.NewStep("power.rails", t0), M{Name: "EXT5V.v_min", Value: 0.5})
	if rail.Outcome != report.Fail || rail.Unit != "V" {
		t.Errorf("plain step: %s %q", rail.Outcome, rail.Unit)
	}
}

// The stored row is the one verdict: Measure returns a copy, so editing
// it changes nothing in the step, and later appends cannot move it.
func TestMeasureReturnsACopyNotAPointerIntoTheStep(t *testing.T) {
	p, _ := plan.Default()
	p.Limits = map[string]plan.LimitSpec{"x.flag": {Equals: true}}
	env := NewEnv(nil, p)
	step := report.NewStep("x", time.Unix(0, 0))
	m := Measure(env, step, M{Name: "flag", Value: false, Remedy: "set it"})
	m.Outcome, m.Message = report.Pass, "edited"
	for i := 0; i < 100; i++ {
		Measure(env, step, M{Name: "n", Value: float64(i)})
	}
	if got := step.Measurements[0]; got.Outcome != report.Fail || got.Message != "set it" {
		t.Fatalf("stored row changed: %+v", got)
	}
}

// A plan key with a "*" segment bounds the readings it matches; Record
// keeps a reading unjudged; Key points a reading at another limit.
func TestMeasurePatternRecordAndKey(t *testing.T) {
	p, _ := plan.Default()
	lo := 4.75
	p.Limits = map[string]plan.LimitSpec{"power.rails.*.v_min": {Low: &lo, Unit: "V"}, "eeprom.verify.product": {Equals: "AI HAT+ 2"}}
	env := NewEnv(nil, p)
	step := report.NewStep("power.rails", time.Unix(0, 0))
	if m := Measure(env, step, M{Name: "HAT_5V.v_min", Value: 4.5}); m.Outcome != report.Fail || m.Unit != "V" {
		t.Errorf("pattern: %+v", m)
	}
	if m := Measure(env, step, M{Name: "HAT_5V.v_min", Value: 4.5, Record: true}); m.Outcome != report.Pass || m.Limits != nil {
		t.Errorf("record: %+v", m)
	}
	ov := report.NewStep("overlay.check", time.Unix(0, 0))
	if m := Measure(env, ov, M{Name: "hat.product", Key: "eeprom.verify.product", Value: "AI HAT+"}); m.Outcome != report.Fail {
		t.Errorf("key: %+v", m)
	}
}

// Every stage's LimitKeys accept themselves, and a typo is refused.
func TestStageAcceptsItsOwnLimitKeys(t *testing.T) {
	s := Stage{Name: "bench", Measures: []string{"ttft", "latency_p50"}, Subjects: true}
	for _, k := range []string{"bench.ttft", "bench.synth-50m-int4.ttft", "bench.*.ttft"} {
		if !s.AcceptsLimit(k) {
			t.Errorf("%s refused", k)
		}
	}
	for _, k := range []string{"bench.tft", "bench.a.b.ttft", "power.rails.ttft"} {
		if s.AcceptsLimit(k) {
			t.Errorf("%s accepted", k)
		}
	}
}
