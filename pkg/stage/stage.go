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
	keys := []string{step.Name + "." + m.Name}
	if family, _, ok := strings.Cut(step.Name, "."); ok {
		keys = append(keys, family+"."+m.Name)
	}
	for _, key := range keys {
		if l := env.Plan.Limit(key); l != nil {
			m.Limits = l
			if u := env.Plan.Unit(key); u != "" {
				m.Unit = u
			}
			break
		}
	}
	return step.Add(m)
}
