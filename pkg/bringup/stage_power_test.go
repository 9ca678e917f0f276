package bringup

import (
	"context"
	"slices"
	"testing"

	"github.com/aihat/aihat/pkg/report"
)

func powerSteps() []Step {
	st := Stages()
	var out []Step
	for _, n := range []string{"power.rails", "power.flags", "power.budget"} {
		out = append(out, Step{Name: n, Func: st[n]})
	}
	return out
}

// The three power stages are registered, pass on the healthy sim, and each
// power fault shows up in the run's failure codes.
func TestPowerStagesInBringup(t *testing.T) {
	for _, tc := range []struct {
		fault string
		codes []string
	}{
		{"", nil},
		{"undervoltage", []string{"RAIL_UNDERVOLT", "UNDER_VOLTAGE_OCCURRED", "RPI_VOLT_ALARM"}},
		{"brownout-burst", []string{"RAIL_UNDERVOLT"}},
		{"rail-out-of-range", []string{"RAIL_OVERVOLT"}},
		{"ina-missing", []string{"INA_MISSING"}},
	} {
		var faults []string
		if tc.fault != "" {
			faults = append(faults, tc.fault)
		}
		r := Run(context.Background(), env(t, faults...), powerSteps(), Meta{})
		if len(r.Steps) != 3 {
			t.Fatalf("%s: %d steps", tc.fault, len(r.Steps))
		}
		for _, s := range r.Steps {
			if s.Outcome == report.Error {
				t.Errorf("%s: %s errored: %s", tc.fault, s.Name, s.Error)
			}
		}
		if tc.fault == "" {
			if r.Outcome != report.Pass || r.Marginal {
				t.Errorf("healthy: %s (marginal %v), codes %v", r.Outcome, r.Marginal, r.FailureCodes)
			}
			continue
		}
		if r.Outcome != report.Fail {
			t.Errorf("%s: run %s", tc.fault, r.Outcome)
		}
		for _, c := range tc.codes {
			if !slices.Contains(r.FailureCodes, c) {
				t.Errorf("%s: failure codes %v lack %s", tc.fault, r.FailureCodes, c)
			}
		}
	}
}
