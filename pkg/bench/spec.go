package bench

import "github.com/aihat/aihat/pkg/stage"

// Spec is bench as a stage value for the stage table. Its steps are named
// bench.<model>, so a limit keyed bench.<measurement> bounds every model
// and bench.<model>.<measurement> one.
func Spec() stage.Stage {
	return stage.Stage{
		Name:    "bench",
		Summary: "inference on ONNX Runtime (or a HEF through hailortcli): provider used, latency or TTFT and tokens/s, RSS, temperature, power, throttling",
		Section: "bench",
		Measures: []string{"provider", "cpu_fallback", "model_size", "params",
			"latency_min", "latency_p50", "latency_p90", "latency_p99", "latency_max", "inferences_per_s", "iterations",
			"deterministic", "prompt_tokens", "new_tokens", "ttft", "prefill_tokens_per_s", "decode_tokens_per_s", "peak_rss",
			"temp_mean", "temp_max", "power_mean", "power_max", "samples", "throttled",
			"runtime", "npu_arch", "fps_hw_only", "latency_hw", "npu_power_mean", "npu_power_max", "npu_temp_max",
			"outputs_compared", "outputs_matched", "outputs_mismatched", "max_abs_error", "max_rel_error",
			"request_errors", "tokens_per_s_incl_prefill"},
		Subjects: true,
		Run:      stage.Planned(planOptions, BenchStage),
	}
}
