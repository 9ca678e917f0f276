package cli

import (
	"time"

	"github.com/aihat/aihat/pkg/bench"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/session"
	"github.com/spf13/cobra"
)

// benchFlagNames are the flags that override the plan's bench section.
var benchFlagNames = []string{"model", "synth", "quant", "sweep", "warmup", "iterations", "duration", "provider",
	"threads", "runtime", "hef", "endpoint", "prompt", "new-tokens", "cpu-fallback", "inputs", "expect"}

// BenchOptions are `aihat bench`'s flags.
type BenchOptions struct {
	Model        string
	Synth        string
	Quant        string
	Sweep        []string
	Warmup       int
	Iterations   int
	Duration     time.Duration
	Providers    []string
	Threads      int
	Dims         []string
	OrtLib       string
	OptLevel     string
	Runtime      string
	HEF          string
	Endpoint     string
	PromptTokens int
	NewTokens    int
	CPUFallback  string
	Inputs       string
	Expect       string
	// Set names the flags given on the command line: only those override
	// the plan's bench section.
	Set map[string]bool
}

// newCmdBench builds `aihat bench`. runF, when not nil, receives the
// options instead of running (tests of flags → options use it).
func newCmdBench(f *Factory, runF func(*BenchOptions) error) *cobra.Command {
	o := &BenchOptions{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark a model: latency or tokens/s with power and temperature (step bench.<model>)",
		Long: `Run an ONNX model through ONNX Runtime, a compiled HEF through hailortcli, or an LLM
behind an Ollama-compatible server (--runtime ollama: hailo-ollama on the AI HAT+ 2), and
record latency (plain models: min/p50/p90/p99/max, inferences/s) or generation speed
(models with a KV cache: time to first token, prefill and decode tokens/s, peak RSS),
with the board's temperature, power and throttle flags sampled while it runs.

Without --model it runs the plan's synthetic model (default 50M parameters, int4),
generated once into the user cache directory. Providers are tried in order; landing
on one after the first (the CPU after the NPU's) is recorded, marginal by default.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Set = map[string]bool{}
			for _, name := range benchFlagNames {
				o.Set[name] = cmd.Flags().Changed(name)
			}
			if err := o.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return f.Session().RunBench(cmd.Context(), session.Bench{Sweep: o.Sweep,
				Flags: func(base bench.BenchOptions) (bench.BenchOptions, error) { return o.apply(base, f.Global.Seed) }})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.Model, "model", "", "ONNX model file to run (default: the plan's synthetic model)")
	fl.StringVar(&o.Synth, "synth", "", "synthetic model size: 50M, 100M or 200M")
	fl.StringVar(&o.Quant, "quant", "", "synthetic model quantization: fp32, int8 or int4")
	fl.StringSliceVar(&o.Sweep, "sweep", nil, "synthetic sizes to run one after another, e.g. 50M,100M,200M (one step each)")
	fl.IntVar(&o.Warmup, "warmup", -1, "untimed runs first (default from the plan)")
	fl.IntVar(&o.Iterations, "iterations", 0, "timed runs (generations for a generative model)")
	fl.DurationVar(&o.Duration, "duration", 0, "run for this long instead of --iterations, e.g. 30s")
	fl.StringSliceVar(&o.Providers, "provider", nil, "execution providers to try in order, e.g. hailo,cpu (default from the plan)")
	fl.IntVar(&o.Threads, "threads", 0, "ONNX Runtime intra-op threads (default: all cores)")
	fl.StringArrayVar(&o.Dims, "dim", nil, "fix a dynamic input dimension: name=N, or input:index=N for an unnamed one (default 1) (repeatable)")
	fl.StringVar(&o.OrtLib, "ort-lib", "", "path of libonnxruntime.so.1 (default: $ONNXRUNTIME_LIB, then .cache/onnxruntime, then system paths)")
	fl.StringVar(&o.OptLevel, "opt-level", "all", "graph optimisation level: disable, basic, extended or all")
	fl.StringVar(&o.Runtime, "runtime", "", "ort (ONNX Runtime), hailortcli (a compiled HEF on the NPU) or ollama (an Ollama-compatible server: --endpoint, --model NAME)")
	fl.StringVar(&o.HEF, "hef", "", "compiled model for --runtime hailortcli")
	fl.StringVar(&o.Endpoint, "endpoint", "", "server of --runtime ollama, e.g. http://127.0.0.1:8000 (hailo-ollama) or http://127.0.0.1:11434 (ollama serve)")
	fl.IntVar(&o.PromptTokens, "prompt", 0, "prompt length of a generative run, tokens")
	fl.IntVar(&o.NewTokens, "new-tokens", 0, "tokens generated per run")
	fl.StringVar(&o.CPUFallback, "cpu-fallback", "", "what landing on a later provider is: marginal, fail or pass")
	fl.StringVar(&o.Inputs, "inputs", "", "directory of real inputs: input_N.pb (ONNX test data TensorProto) or .npy, matched by name or order")
	fl.StringVar(&o.Expect, "expect", "", "directory of expected outputs (output_N.pb): every output is compared (rtol 1e-3, atol 1e-7 for floats, exact otherwise)")
	return cmd
}

// check refuses flags that exclude each other or cannot be counts.
func (o *BenchOptions) check() error {
	if o.Iterations < 0 || o.Duration < 0 || o.Threads < 0 {
		return usageErrorf("--iterations, --duration and --threads must not be negative")
	}
	if o.Set["model"] && (o.Set["synth"] || o.Set["sweep"]) {
		return usageErrorf("--model and --synth/--sweep exclude each other")
	}
	if o.Set["iterations"] && o.Set["duration"] {
		return usageErrorf("--iterations and --duration exclude each other")
	}
	return nil
}

// apply lays the flags given over the plan's bench options.
func (o *BenchOptions) apply(base bench.BenchOptions, seed int64) (bench.BenchOptions, error) {
	set := func(name string, apply func()) {
		if o.Set[name] {
			apply()
		}
	}
	set("model", func() { base.Model = o.Model; base.Synth = "" })
	set("synth", func() { base.Synth = o.Synth; base.Model = "" })
	set("quant", func() { base.Quant = o.Quant })
	set("warmup", func() { base.Warmup = o.Warmup })
	set("iterations", func() { base.Iterations = o.Iterations; base.Duration = 0 })
	set("duration", func() { base.Duration = o.Duration; base.Iterations = 0 })
	set("provider", func() { base.Infer.Providers = o.Providers })
	set("threads", func() { base.Infer.Threads = o.Threads })
	set("runtime", func() { base.Runtime = o.Runtime })
	set("hef", func() { base.HEF = o.HEF })
	set("endpoint", func() { base.Endpoint = o.Endpoint })
	set("prompt", func() { base.PromptTokens = o.PromptTokens })
	set("new-tokens", func() { base.NewTokens = o.NewTokens })
	set("cpu-fallback", func() { base.CPUFallback = o.CPUFallback })
	set("inputs", func() { base.Inputs = o.Inputs })
	set("expect", func() { base.Expect = o.Expect })
	if base.Expect != "" && base.Inputs == "" {
		return base, usageErrorf("--expect needs --inputs: expected outputs belong to the inputs that produced them")
	}
	if (base.Inputs != "" || base.Expect != "") && (len(o.Sweep) > 0 || base.Model == "") {
		return base, usageErrorf("--inputs and --expect need --model: they belong to one model")
	}
	base.Infer.LibPath = o.OrtLib
	base.Infer.OptLevel = o.OptLevel
	base.Infer.Seed = seed
	var err error
	if base.Infer.Dims, err = infer.ParseDims(o.Dims); err != nil {
		return base, usageErrorf("%v", err)
	}
	return base, nil
}
