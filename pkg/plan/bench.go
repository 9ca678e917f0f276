package plan

import (
	"fmt"
	"time"
)

// BenchPlan holds the model benchmark's settings.
type BenchPlan struct {
	// Synth is the synthetic model size (50M, 100M, 200M) the bench runs
	// when Model is empty; Quant its quantization (fp32, int8, int4).
	Synth string `yaml:"synth,omitempty"`
	Quant string `yaml:"quant,omitempty"`
	// Model is an ONNX file to run instead of a synthetic model.
	Model string `yaml:"model,omitempty"`
	// Runtime is ort (ONNX Runtime) or hailortcli (a compiled HEF on the
	// NPU through HailoRT's CLI); HEF is the model hailortcli runs.
	Runtime string `yaml:"runtime,omitempty"`
	HEF     string `yaml:"hef,omitempty"`
	// Endpoint is the Ollama-compatible server of runtime ollama
	// (hailo-ollama: http://127.0.0.1:8000); Model then names its model.
	Endpoint string `yaml:"endpoint,omitempty"`
	// Providers are ONNX Runtime execution providers tried in order, the
	// NPU's first. CPUFallback moved to the limit bench.cpu_fallback; kept
	// only to name the new key when an old plan sets it.
	Providers   []string `yaml:"providers,omitempty"`
	CPUFallback string   `yaml:"cpu_fallback,omitempty"`
	// Threads is ORT's intra-op thread count (0: all cores).
	Threads int `yaml:"threads,omitempty"`
	// Warmup and Iterations count runs (generations for a generative
	// model); Duration, when set, runs for that long instead.
	Warmup     int    `yaml:"warmup,omitempty"`
	Iterations int    `yaml:"iterations,omitempty"`
	Duration   string `yaml:"duration,omitempty"`
	// PromptTokens and NewTokens shape a generative run.
	PromptTokens int `yaml:"prompt_tokens,omitempty"`
	NewTokens    int `yaml:"new_tokens,omitempty"`
}

// DurationValue parses Duration (0 when empty).
func (b BenchPlan) DurationValue() (time.Duration, error) {
	if b.Duration == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(b.Duration)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bench.duration %q: want a duration such as 10s", b.Duration)
	}
	return d, nil
}
