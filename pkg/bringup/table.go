package bringup

import (
	"slices"

	"github.com/aihat/aihat/pkg/bench"
	"github.com/aihat/aihat/pkg/driver"
	"github.com/aihat/aihat/pkg/eeprom"
	"github.com/aihat/aihat/pkg/i2c"
	"github.com/aihat/aihat/pkg/identify"
	"github.com/aihat/aihat/pkg/loadtest"
	"github.com/aihat/aihat/pkg/overlay"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/power"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/thermal"
)

// Table is the one table of stages, in the default plan's order. Plan
// validation, bringup, `aihat stages` and the per-stage commands all read
// it; adding a stage is its package plus one line here. It lives in this
// package, not in pkg/stage, because the stage packages import pkg/stage.
func Table() []stage.Stage {
	return []stage.Stage{
		identify.Spec(),
		eeprom.VerifySpec(),
		i2c.ScanSpec(),
		overlay.Spec(),
		driver.Spec(),
		power.RailsSpec(),
		power.FlagsSpec(),
		power.BudgetSpec(),
		bench.Spec(),
		thermal.SoakSpec(),
		loadtest.Spec(),
	}
}

// Lookup returns the stage named name from the table.
func Lookup(name string) (stage.Stage, bool) {
	i := slices.IndexFunc(Table(), func(s stage.Stage) bool { return s.Name == name })
	if i < 0 {
		return stage.Stage{}, false
	}
	return Table()[i], true
}

// Names are the table's stage names in order.
func Names() []string {
	var out []string
	for _, s := range Table() {
		out = append(out, s.Name)
	}
	return out
}

// Stages returns the stages' run functions by name.
func Stages() map[string]stage.Func {
	m := map[string]stage.Func{}
	for _, s := range Table() {
		m[s.Name] = s.Run
	}
	return m
}

// commandSteps are steps only a command runs (they need its arguments),
// never named in a plan's stages; a plan may still bound them.
func commandSteps() []stage.Stage {
	return []stage.Stage{bench.CompareSpec(), eeprom.WriteSpec()}
}

// Known is what a plan is checked against: the table's stage names and
// the limit keys their measurements (and the command-only steps') accept.
func Known() plan.Known {
	t := append(Table(), commandSteps()...)
	var keys []string
	for _, s := range t {
		keys = append(keys, s.LimitKeys()...)
	}
	return plan.Known{
		Stages:    Names(),
		LimitKeys: keys,
		AcceptsLimit: func(key string) bool {
			return slices.ContainsFunc(t, func(s stage.Stage) bool { return s.AcceptsLimit(key) })
		},
	}
}

// StageInfo is what `aihat stages` says of one stage: what it checks, the
// plan section it reads, the measurement names its limits are keyed by
// (<stage>.<measurement>) and whether the effective plan runs it. Its JSON
// is `aihat stages -o json`'s.
type StageInfo struct {
	Name     string   `json:"name"`
	Summary  string   `json:"summary"`
	Section  string   `json:"plan_section"`
	InPlan   bool     `json:"in_plan"`
	Measures []string `json:"measurements"`
}

// Describe is the table's stages for a plan whose stage order is order:
// those it runs first, in its order, then the rest in table order, marked
// not in the plan. A name the table lacks, or one named twice, is skipped.
func Describe(order []string) []StageInfo {
	var rows []StageInfo
	seen := map[string]bool{}
	add := func(name string, inPlan bool) {
		s, ok := Lookup(name)
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		rows = append(rows, StageInfo{Name: s.Name, Summary: s.Summary, Section: s.Section, InPlan: inPlan, Measures: s.Measures})
	}
	for _, n := range order {
		add(n, true)
	}
	for _, n := range Names() {
		add(n, false)
	}
	return rows
}
