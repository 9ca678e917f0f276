package session

import (
	"context"
	"errors"

	"github.com/aihat/aihat/pkg/bench"
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// Bench is a benchmark as a command asks for it.
type Bench struct {
	// Flags lays the command's flags over the plan's bench options.
	Flags func(base bench.BenchOptions) (bench.BenchOptions, error)
	// Sweep names synthetic sizes to run one after another, one step each.
	Sweep []string
}

// RunBench runs the benchmark b asks for into one record: a step per
// model, with a size-against-speed table on stderr for a sweep.
func (s *Session) RunBench(ctx context.Context, b Bench) error {
	env, err := s.ProgressEnv() // the benchmark's own progress, always
	if err != nil {
		return err
	}
	planned, err := bench.FromPlan(env.Plan.Bench)
	if err != nil {
		return usageErrorf("plan: %v", err)
	}
	base, err := b.Flags(planned)
	if err != nil {
		return err
	}
	runs, closeFirst, err := bench.Sweep(base, b.Sweep)
	if err != nil {
		var ue *bench.UsageError
		if errors.As(err, &ue) {
			return usageErrorf("%v", err)
		}
		return err // could not open the model or no such provider: ERROR
	}
	defer closeFirst()
	var steps []bringup.Step
	rows := make([]bench.SweepRow, len(runs))
	for i, opts := range runs {
		run := bench.BenchStage(opts)
		steps = append(steps, bringup.Step{Name: opts.StepName(), Func: func(ctx context.Context, env *stage.Env, step *report.Step) error {
			err := run(ctx, env, step)
			rows[i] = bench.Row(opts.ModelName(), step)
			return err
		}})
	}
	err = s.Run(ctx, env, steps)
	if len(b.Sweep) > 0 {
		// Size against speed, on stderr so stdout stays one report.
		bench.WriteSweep(s.io.ErrOut, rows)
	}
	return err
}
