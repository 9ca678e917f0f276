// Package bringup runs stages in order into one run record: the bring-up
// day checklist. It owns the table of stage names, so a plan (or a
// command) can name any stage.
package bringup

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// Meta describes a run: who ran it, where, on what.
type Meta struct {
	ToolVersion string
	Serial      string
	Station     string
	Operator    string
	// ID, when set, is the run's id (a station claimed a run directory
	// by it before the run); empty derives it from serial and start.
	ID string
	// Started, when set, is the run's start (a resumed run keeps its
	// first start); zero is now.
	Started time.Time
	// Observer hears each step start and end (-v); nil prints the quiet
	// "== step" lines on env.Progress.
	Observer report.Observer
}

// Step is a named stage to run.
type Step struct {
	Name string
	Func stage.Func
}

// UnknownStageError names stages that are not in the table (a typo in
// --only or a plan for another build); it lists the valid names.
type UnknownStageError struct {
	Names []string
	Valid []string
}

func (e *UnknownStageError) Error() string {
	return fmt.Sprintf("unknown stage(s) %s: this build has %s", strings.Join(e.Names, ", "), strings.Join(e.Valid, ", "))
}

// Resolve turns stage names into runnable steps from the table. A name
// the table lacks is an error, never a skip: a station must not believe a
// check ran that this build cannot do.
func Resolve(names []string) ([]Step, error) {
	known := Stages()
	var steps []Step
	var unknown []string
	for _, n := range names {
		f, ok := known[n]
		if !ok {
			unknown = append(unknown, n)
			continue
		}
		steps = append(steps, Step{Name: n, Func: f})
	}
	if len(unknown) > 0 {
		return nil, &UnknownStageError{Names: unknown, Valid: Names()}
	}
	if len(steps) == 0 {
		return nil, errors.New("no stage to run")
	}
	return steps, nil
}

// Run runs steps in order on env's board and returns the finished record.
// A cancelled ctx (Ctrl-C) marks the step in progress ABORTED and the rest
// are not started; everything measured so far is kept. A stage that
// panics becomes an ERROR step rather than taking the run down.
func Run(ctx context.Context, env *stage.Env, steps []Step, meta Meta) *report.Run {
	clk := env.Board.Clock()
	obs := meta.Observer
	if obs == nil {
		obs = &report.Progress{W: env.Progress}
	}
	r := &report.Run{
		Schema:      report.Schema,
		ToolVersion: meta.ToolVersion,
		Target:      env.Board.Name(),
		Serial:      meta.Serial,
		Station:     meta.Station,
		Operator:    meta.Operator,
		Started:     clk.Now(),
		Steps:       []*report.Step{},
	}
	if !meta.Started.IsZero() {
		r.Started = meta.Started
	}
	for i, s := range steps {
		if ctx.Err() != nil {
			// The record lists what was never tested, not just what was.
			for _, rest := range steps[i:] {
				r.Steps = append(r.Steps, report.NotRunStep(rest.Name, clk.Now(), "the run was interrupted before this step started"))
			}
			break
		}
		st := report.NewStep(s.Name, clk.Now())
		obs.StepStarted(st)
		err := runOne(ctx, env, s, st)
		if ctx.Err() != nil {
			st.Abort(clk.Now(), "interrupted: "+ctx.Err().Error())
		} else {
			st.Finish(clk.Now(), err)
		}
		r.Steps = append(r.Steps, st)
		obs.StepEnded(st)
	}
	if r.Serial == "" {
		r.Serial = env.Findings.Board.Serial
	}
	r.ID = meta.ID
	if r.ID == "" {
		r.ID = report.RunID(r.Serial, r.Started)
	}
	r.Finish(clk.Now())
	if ctx.Err() != nil {
		r.Outcome = report.Aborted
	}
	return r
}

func runOne(ctx context.Context, env *stage.Env, s Step, st *report.Step) (err error) {
	defer func() {
		if p := recover(); p != nil {
			st.Logf("internal error: %v\n%s", p, debug.Stack())
			err = fmt.Errorf("internal error in stage %s: %v (please report it with the run's JSON)", s.Name, p)
		}
	}()
	return s.Func(ctx, env, st)
}
