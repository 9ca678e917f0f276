// Package stage defines what every bring-up stage receives and returns,
// and the one path by which a stage records a measurement, so that
// commands and the bringup sequence can run any stage the same way.
package stage

import (
	"context"
	"io"
	"strings"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/rooted"
)

// Env is what a stage works with.
type Env struct {
	Board board.Board
	Plan  *plan.Plan
	// Findings are what earlier stages of the run found, typed, for the
	// stages after them.
	Findings Findings
	// Progress receives human progress lines (stderr); never nil.
	Progress io.Writer
	// Journal, when the run keeps one (--report-dir), takes a stage's
	// full-resolution samples as it goes (telemetry sweeps); nil otherwise.
	Journal Journal
	// ReportDir is where this run's report set goes ("" without
	// --report-dir): a stage writes its attachments (plots) there.
	ReportDir string
	// ReportRoot, when not nil, is ReportDir held open since the session
	// claimed it: a stage writes its attachments through it, so a link
	// planted in a shared report directory meanwhile cannot move them.
	ReportRoot *rooted.Dir
}

// Journal is where a long stage appends what it samples, so a run that is
// killed keeps it (pkg/journal's Writer).
type Journal interface {
	Append(kind string, data any) error
}

// NewEnv returns an Env with no findings and progress discarded.
func NewEnv(b board.Board, p *plan.Plan) *Env {
	return &Env{Board: b, Plan: p, Progress: io.Discard}
}

// Func runs one stage into step. Limit violations are failing measurements
// in the step; a returned error means the stage could not do its work at
// all (an infrastructure problem) and makes the step ERROR.
type Func func(ctx context.Context, env *Env, step *report.Step) error

// Planned is the stage run(o) with o taken from the run's plan when the
// stage starts: the table's entry (Spec().Run) for a stage whose options
// are a whole set read from its plan section (bench, loadtest.run), where
// a command passes run(o) with the plan's options and its flags over them.
func Planned[O any](from func(*plan.Plan) (O, error), run func(O) Func) Func {
	return func(ctx context.Context, env *Env, step *report.Step) error {
		o, err := from(env.Plan)
		if err != nil {
			return err
		}
		return run(o)(ctx, env, step)
	}
}

// M is a reading as a stage gives it: the value and its unit and, for when
// it fails, the stable failure code and the message with the remedy. It
// has no limits and no outcome: those come from the plan, in Measure.
type M struct {
	Name  string
	Value any
	Unit  string
	// Key is the plan limit key that bounds it when that is not
	// "<step>.<name>": overlay.check holds the hat node's fields to the
	// EEPROM identity the plan names (eeprom.verify.product).
	Key string
	// Code and Remedy are recorded only when the measurement fails (Code
	// also on a marginal pass).
	Code   string
	Remedy string
	// Marginal is the message for a marginal pass (why it is marginal).
	Marginal string
	// Record says the plan's own section asks for this reading to be
	// recorded and not judged (an optional I2C device, a bus that allows
	// devices it does not list): no limit is applied.
	Record bool
}

// Measure is the one path from a reading to a verdict: it bounds m with
// the plan's limits (and unit) for "<step>.<name>" and evaluates it once.
// A step that runs one stage on one of several subjects, named
// "<family>.<subject>" (bench.synth-50m-int4), falls back to the family's
// limits, "<family>.<name>", so a plan bounds every model's bench at once.
// A plan key may use "*" for a segment (power.rails.*.v_min). Without a
// planned limit the measurement is informational. The returned copy is
// for reading: the stored row cannot be edited after its verdict.
func Measure(env *Env, step *report.Step, m M) report.Measurement {
	r := report.Measurement{Name: m.Name, Value: m.Value, Unit: m.Unit}
	key := limitKey(env, step, m.Name)
	if m.Key != "" && env.Plan.Limit(m.Key) != nil {
		key = m.Key
	}
	if key != "" && !m.Record {
		r.Limits = env.Plan.Limit(key)
		if u := env.Plan.Unit(key); u != "" {
			r.Unit = u
		}
	}
	r.Evaluate()
	switch {
	case r.Outcome == report.Fail:
		r.Code = m.Code
		if m.Remedy != "" {
			r.Message = m.Remedy
		}
	case r.Marginal:
		// A marginal pass carries its code too, so a station can count
		// them; the message says why it is marginal.
		r.Code = m.Code
		if m.Marginal != "" {
			r.Message = m.Marginal
		}
	}
	return step.Add(r)
}

// Skipped records a measurement the stage did not take because what it
// needs is missing (and another measurement already says so).
func Skipped(step *report.Step, name, why string) report.Measurement {
	return step.Add(report.Measurement{Name: name, Outcome: report.Skip, Message: why})
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
