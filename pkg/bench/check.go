package bench

import (
	"fmt"
	"math"

	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	ort "github.com/yalue/onnxruntime_go"
)

// checkOutputs runs the model once on in and compares every output with
// the expected data in o.Expect, recording outputs_matched (must equal the
// number compared), the largest absolute and relative errors over float
// outputs, and one log line per output. A wrong answer FAILs the step, so
// a runtime or NPU that is fast but wrong does not look good.
func checkOutputs(env *stage.Env, step *report.Step, s *infer.Session, in []ort.Value, o BenchOptions) error {
	diffs, err := s.Check(in, o.Expect)
	if err != nil {
		return err
	}
	matched := 0
	var maxAbs, maxRel float64
	var first string
	for _, d := range diffs {
		if d.Matched {
			matched++
		} else if first == "" {
			first = d.Problem
		}
		maxAbs = math.Max(maxAbs, d.MaxAbs)
		maxRel = math.Max(maxRel, d.MaxRel)
		verdict := "matches"
		if !d.Matched {
			verdict = d.Problem
		}
		step.Logf("output %s: %d elements, max abs error %.3g, max rel error %.3g: %s", d.Name, d.Elements, d.MaxAbs, d.MaxRel, verdict)
	}
	stage.Measure(env, step, stage.M{Name: "outputs_compared", Value: float64(len(diffs)), Unit: "count"})
	stage.Measure(env, step, stage.M{Name: "outputs_matched", Value: float64(matched), Unit: "count"})
	// The verdict: outputs that differ from the expected values beyond the
	// per-element bound (plan limit bench.outputs_mismatched, 0).
	stage.Measure(env, step, stage.M{Name: "outputs_mismatched", Value: float64(len(diffs) - matched), Unit: "count", Code: "BENCH_WRONG_OUTPUT",
		Remedy: fmt.Sprintf("%s: the runtime or provider computes wrong numbers (compared with %s, rtol %g, atol %g as the ONNX backend tests)", first, o.Expect, infer.RTol, infer.ATol)})
	// Reported, not judged: outputs_mismatched applies the per-element
	// bound. The absolute error is in the outputs' own units (logits...).
	stage.Measure(env, step, stage.M{Name: "max_abs_error", Value: maxAbs, Unit: "output units"})
	stage.Measure(env, step, stage.M{Name: "max_rel_error", Value: maxRel, Unit: "ratio"})
	return nil
}
