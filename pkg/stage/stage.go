// Package stage defines what every bring-up stage receives and returns, so
// that commands and the bringup sequence can run any stage the same way.
package stage

import (
	"context"
	"io"
	"strings"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
)

// Env is what a stage works with.
type Env struct {
	Board board.Board
	Plan  *plan.Plan
	// Facts are findings shared between the stages of one run, e.g.
	// "hat.vendor" set by eeprom.verify and cross-checked by overlay.check.
	Facts map[string]string
	// Progress receives human progress lines (stderr); never nil.
	Progress io.Writer
}

// NewEnv returns an Env with empty facts and progress discarded.
func NewEnv(b board.Board, p *plan.Plan) *Env {
	return &Env{Board: b, Plan: p, Facts: map[string]string{}, Progress: io.Discard}
}

// Func runs one stage into step. Limit violations are failing measurements
// in the step; a returned error means the stage could not do its work at
// all (an infrastructure problem) and makes the step ERROR.
type Func func(ctx context.Context, env *Env, step *report.Step) error

// Measure adds a measurement named name to step, with the plan's limits and
// unit for "<step>.<name>" when the plan has them and the given ones
// otherwise. A step that runs one stage on one of several subjects, named
// "<family>.<subject>" (bench.synth-50m-int4), falls back to the family's
// limits, "<family>.<name>", so a plan bounds every model's bench at once.
func Measure(env *Env, step *report.Step, m report.Measurement) *report.Measurement {
	if key := limitKey(env, step, m.Name); key != "" {
		m.Limits = env.Plan.Limit(key)
		if u := env.Plan.Unit(key); u != "" {
			m.Unit = u
		}
	}
	return step.Add(m)
}

// limitKey is the plan key that bounds measurement name in step, or "".
func limitKey(env *Env, step *report.Step, name string) string {
	keys := []string{step.Name + "." + name}
	if family, _, ok := strings.Cut(step.Name, "."); ok {
		keys = append(keys, family+"."+name)
	}
	for _, key := range keys {
		if env.Plan.Limit(key) != nil {
			return key
		}
	}
	return ""
}

// NotMeasured records a measurement the stage could not take. When the
// plan bounds it, it is an ERROR row with the reason, so a check the plan
// asks for is never silently absent from the record; otherwise the reason
// goes to the step's log.
func NotMeasured(env *Env, step *report.Step, name, unit, reason string) {
	key := limitKey(env, step, name)
	if key == "" {
		step.Logf("%s not measured: %s", name, reason)
		return
	}
	if u := env.Plan.Unit(key); u != "" {
		unit = u
	}
	step.Add(report.Measurement{Name: name, Value: nil, Unit: unit, Limits: env.Plan.Limit(key),
		Outcome: report.Error, Code: "NOT_MEASURED", Message: "not measured: " + reason})
}
