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

// CompareOptions are what `aihat model compare` gives model.compare.
type CompareOptions struct {
	// Pair holds the two models, opened.
	Pair *infer.Pair
	// A and B name the models (their paths), for the step's log.
	A, B string
	// IDs are the seeded tokens both models run over.
	IDs []int64
}

// CompareStage is model.compare: both models of o.Pair over the same
// seeded tokens, top-1 agreement and logit cosine similarity recorded
// (judged by the plan's limits model.compare.* when it has them).
func CompareStage(o CompareOptions) stage.Func {
	return func(_ context.Context, env *stage.Env, step *report.Step) error {
		res, err := o.Pair.Compare(o.IDs)
		if err != nil {
			return err
		}
		step.Logf("A %s, B %s, %d seeded tokens", o.A, o.B, len(o.IDs))
		stage.Measure(env, step, stage.M{Name: "tokens", Value: float64(len(o.IDs)), Unit: "count"})
		stage.Measure(env, step, stage.M{Name: "top1_agreement", Value: res.Top1, Unit: ""})
		stage.Measure(env, step, stage.M{Name: "logit_cosine_mean", Value: res.CosineMean, Unit: ""})
		stage.Measure(env, step, stage.M{Name: "logit_cosine_min", Value: res.CosineMin, Unit: ""})
		return nil
	}
}
