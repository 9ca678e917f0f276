package bringup

import (
	"slices"
	"testing"
)

// Describe lists the plan's stages first, in its order, then the rest of
// the table in table order, marked not in the plan; names the table lacks
// and repeats are skipped.
func TestDescribeListsThePlanFirstThenTheRest(t *testing.T) {
	rows := Describe([]string{"power.flags", "npu.burnin", "board.identify", "power.flags"})
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	var rest []string
	for _, n := range Names() {
		if n != "power.flags" && n != "board.identify" {
			rest = append(rest, n)
		}
	}
	if want := append([]string{"power.flags", "board.identify"}, rest...); !slices.Equal(names, want) {
		t.Fatalf("Describe = %v, want %v", names, want)
	}
	for i, r := range rows {
		if r.InPlan != (i < 2) {
			t.Errorf("%s: in plan %v", r.Name, r.InPlan)
		}
		s, _ := Lookup(r.Name)
		if r.Summary != s.Summary || r.Section != s.Section || !slices.Equal(r.Measures, s.Measures) {
			t.Errorf("%s: %+v is not the table's %+v", r.Name, r, s)
		}
	}
}

// Every stage says what it checks, which plan section it reads and what
// its limits are keyed by.
func TestDescribeSaysWhatEveryStageChecks(t *testing.T) {
	for _, r := range Describe(nil) {
		if r.Summary == "" || r.Section == "" || len(r.Measures) == 0 || r.InPlan {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
}
