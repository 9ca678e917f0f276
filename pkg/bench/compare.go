package bench

import (
	"context"

	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// CompareSpec describes model.compare, a step only `aihat model compare`
// runs (it needs two models), so the plan may bound its measurements.
func CompareSpec() stage.Stage {
	return stage.Stage{
		Name:     "model.compare",
		Summary:  "two generative models on the same seeded tokens: top-1 agreement and logit cosine similarity",
		Section:  "limits",
		Measures: []string{"tokens", "top1_agreement", "logit_cosine_mean", "logit_cosine_min"},
	}
}

// CompareStage is model.compare: both models of p over the same seeded
// tokens, top-1 agreement and logit cosine similarity recorded (judged
// by the plan's limits model.compare.* when it has them).
func CompareStage(p *infer.Pair, nameA, nameB string, ids []int64) stage.Func {
	return func(_ context.Context, env *stage.Env, step *report.Step) error {
		res, err := p.Compare(ids)
		if err != nil {
			return err
		}
		step.Logf("A %s, B %s, %d seeded tokens", nameA, nameB, len(ids))
		stage.Measure(env, step, stage.M{Name: "tokens", Value: float64(len(ids)), Unit: "count"})
		stage.Measure(env, step, stage.M{Name: "top1_agreement", Value: res.Top1, Unit: ""})
		stage.Measure(env, step, stage.M{Name: "logit_cosine_mean", Value: res.CosineMean, Unit: ""})
		stage.Measure(env, step, stage.M{Name: "logit_cosine_min", Value: res.CosineMin, Unit: ""})
		return nil
	}
}
