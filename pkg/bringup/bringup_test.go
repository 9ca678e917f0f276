package bringup

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
)

func env(t *testing.T, faults ...string) *stage.Env {
	t.Helper()
	b, err := sim.New(sim.Options{Seed: 3, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	return stage.NewEnv(b, p)
}

func pass(name string) Step {
	return Step{Name: name, Func: func(ctx context.Context, env *stage.Env, s *report.Step) error {
		s.Add(report.Measurement{Name: "ok", Value: true, Limits: report.Equal(true)})
		return nil
	}}
}

func TestRunKeepsOrderAndWorstOutcome(t *testing.T) {
	e := env(t)
	failing := Step{Name: "b", Func: func(ctx context.Context, env *stage.Env, s *report.Step) error {
		s.Add(report.Measurement{Name: "v", Value: 6.0, Unit: "V", Limits: report.Between(4.75, 5.25)})
		return nil
	}}
	r := Run(context.Background(), e, []Step{pass("a"), failing, pass("c")}, Meta{ToolVersion: "t"})
	if len(r.Steps) != 3 || r.Steps[0].Name != "a" || r.Steps[1].Name != "b" || r.Steps[2].Name != "c" {
		t.Fatalf("steps = %v", r.Steps)
	}
	if r.Outcome != report.Fail || r.Target != "sim" || r.Schema != report.Schema || r.ID == "" {
		t.Fatalf("run = %+v", r)
	}
	if len(r.FailureCodes) != 1 || r.FailureCodes[0] != "b.v" {
		t.Fatalf("failure codes = %v", r.FailureCodes)
	}
}

func TestRunMarksAnInfrastructureErrorAndGoesOn(t *testing.T) {
	e := env(t)
	broken := Step{Name: "x", Func: func(ctx context.Context, env *stage.Env, s *report.Step) error {
		return errors.New("open /dev/i2c-0: permission denied")
	}}
	r := Run(context.Background(), e, []Step{broken, pass("y")}, Meta{})
	if r.Steps[0].Outcome != report.Error || r.Steps[0].Error == "" || r.Steps[1].Outcome != report.Pass {
		t.Fatalf("steps = %+v %+v", r.Steps[0], r.Steps[1])
	}
	if r.Outcome != report.Error {
		t.Fatalf("run outcome %s, want ERROR", r.Outcome)
	}
}

func TestRunRecoversFromAPanickingStage(t *testing.T) {
	e := env(t)
	bad := Step{Name: "p", Func: func(ctx context.Context, env *stage.Env, s *report.Step) error {
		var m map[string]int
		m["x"]++
		return nil
	}}
	r := Run(context.Background(), e, []Step{bad, pass("q")}, Meta{})
	if r.Steps[0].Outcome != report.Error || r.Steps[1].Outcome != report.Pass {
		t.Fatalf("panic not contained: %+v", r.Steps)
	}
}

func TestCancelAbortsTheCurrentStepAndKeepsEarlierOnes(t *testing.T) {
	e := env(t)
	ctx, cancel := context.WithCancel(context.Background())
	interrupted := Step{Name: "long", Func: func(ctx context.Context, env *stage.Env, s *report.Step) error {
		s.Add(report.Measurement{Name: "partial", Value: 1.0})
		cancel() // Ctrl-C arrives mid-stage
		return ctx.Err()
	}}
	r := Run(ctx, e, []Step{pass("first"), interrupted, pass("never")}, Meta{})
	if len(r.Steps) != 3 || r.Steps[2].Name != "never" || r.Steps[2].Outcome != report.NotRun {
		t.Fatalf("steps %+v, want the third listed as NOT_RUN", r.Steps)
	}
	if r.Steps[0].Outcome != report.Pass || r.Steps[1].Outcome != report.Aborted || len(r.Steps[1].Measurements) != 1 {
		t.Fatalf("steps = %+v", r.Steps)
	}
	if r.Outcome != report.Aborted || report.ExitCode(r, false) != report.ExitAborted {
		t.Fatalf("run %s", r.Outcome)
	}
}

// A stage the build lacks is an error naming it and the valid names,
// never a skip: a station must not believe a check ran.
func TestResolveRefusesAStageTheTableLacks(t *testing.T) {
	_, err := Resolve([]string{"board.identify", "not.yet", "i2c.scan"})
	var ue *UnknownStageError
	if !errors.As(err, &ue) || len(ue.Names) != 1 || ue.Names[0] != "not.yet" {
		t.Fatalf("err = %v, want an UnknownStageError naming not.yet", err)
	}
	if !strings.Contains(err.Error(), "power.rails") {
		t.Errorf("error %q does not list the valid names", err)
	}
	steps, err := Resolve([]string{"board.identify", "i2c.scan"})
	if err != nil || len(steps) != 2 || steps[1].Name != "i2c.scan" {
		t.Fatalf("steps = %v, err %v", steps, err)
	}
}

func TestHealthySimPassesTheFoundationStages(t *testing.T) {
	e := env(t)
	steps, err := Resolve([]string{"board.identify", "i2c.scan"})
	if err != nil {
		t.Fatal(err)
	}
	r := Run(context.Background(), e, steps, Meta{})
	if r.Outcome != report.Pass {
		t.Fatalf("outcome %s: %+v", r.Outcome, r.Steps)
	}
	if r.Serial == "" || e.Findings.Board.Model == "" || e.Findings.Board.Kernel == "" || e.Findings.Board.Firmware == "" {
		t.Fatalf("identify facts missing: serial %q facts %+v", r.Serial, e.Findings.Board)
	}
}

// The default plan and every plan kept in testdata load against the
// table: each stage exists, each limit key names a measurement.
func TestEveryShippedPlanMatchesTheTable(t *testing.T) {
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Check(Known()); err != nil {
		t.Fatalf("default plan: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "*", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no testdata plans found")
	}
	for _, f := range files {
		if _, err := plan.Load(f, Known()); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// A command-only step (model.compare) is no plan stage, but the plan may
// bound it.
func TestCommandOnlyStepsAcceptLimitsButAreNoStages(t *testing.T) {
	k := Known()
	if !k.AcceptsLimit("model.compare.top1_agreement") || k.AcceptsLimit("model.compare.top2") {
		t.Fatal("model.compare limit keys not checked")
	}
	if _, err := Resolve([]string{"model.compare"}); err == nil {
		t.Fatal("model.compare resolved as a plan stage")
	}
}

// Every fault of the sim's catalogue, alone, through the default plan:
// the run ends PASS or FAIL, never ERROR (a fault the board can really
// have must be judged, not crash a stage). The bench runs the tiny model
// of short mode: the faults are what is tested here, and the bench's own
// tests run the plan's 50M model.
func TestEveryFaultPassesOrFailsTheDefaultPlanNeverErrors(t *testing.T) {
	model, err := shortBenchModel()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sim.Catalogue() {
		t.Run(f.Name, func(t *testing.T) {
			e := env(t, f.Name)
			e.Plan.Bench.Model = model
			steps, err := Resolve(e.Plan.Stages)
			if err != nil {
				t.Fatal(err)
			}
			r := Run(context.Background(), e, steps, Meta{})
			if r.Outcome != report.Pass && r.Outcome != report.Fail {
				for _, s := range r.Steps {
					if s.Outcome != report.Pass && s.Outcome != report.Fail && s.Outcome != report.Skip {
						t.Errorf("step %s: %s %s", s.Name, s.Outcome, s.Error)
					}
				}
				t.Fatalf("fault %s: run %s, want PASS or FAIL", f.Name, r.Outcome)
			}
		})
	}
}
