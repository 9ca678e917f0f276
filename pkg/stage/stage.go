// Package stage defines what every bring-up stage receives and returns, so
// that commands and the bringup sequence can run any stage the same way.
package stage

import (
	"context"
	"io"

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
// otherwise.
func Measure(env *Env, step *report.Step, m report.Measurement) *report.Measurement {
	key := step.Name + "." + m.Name
	if l := env.Plan.Limit(key); l != nil {
		m.Limits = l
		if u := env.Plan.Unit(key); u != "" {
			m.Unit = u
		}
	}
	return step.Add(m)
}
