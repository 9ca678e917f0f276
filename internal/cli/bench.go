package cli

import (
	"context"
	"errors"
	"time"

	"github.com/aihat/aihat/pkg/bench"
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/spf13/cobra"
)

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
	PromptTokens int
	NewTokens    int
	CPUFallback  string
}

func newCmdBench(f *Factory) *cobra.Command {
	o := &BenchOptions{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark a model: latency or tokens/s with power and temperature (step bench.<model>)",
		Long: `Run an ONNX model through ONNX Runtime, or a compiled HEF through hailortcli, and
record latency (plain models: min/p50/p90/p99/max, inferences/s) or generation speed
(models with a KV cache: time to first token, prefill and decode tokens/s, peak RSS),
with the board's temperature, power and throttle flags sampled while it runs.

Without --model it runs the plan's synthetic model (default 50M parameters, int4),
generated once into the user cache directory. Providers are tried in order; landing
on one after the first (the CPU after the NPU's) is recorded, marginal by default.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBench(cmd, f, o) },
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
	fl.StringArrayVar(&o.Dims, "dim", nil, "fix a dynamic input dimension: name=value (repeatable)")
	fl.StringVar(&o.OrtLib, "ort-lib", "", "path of libonnxruntime.so.1 (default: $ONNXRUNTIME_LIB, then .cache/onnxruntime, then system paths)")
	fl.StringVar(&o.OptLevel, "opt-level", "all", "graph optimisation level: disable, basic, extended or all")
	fl.StringVar(&o.Runtime, "runtime", "", "ort (ONNX Runtime) or hailortcli (a compiled HEF on the NPU)")
	fl.StringVar(&o.HEF, "hef", "", "compiled model for --runtime hailortcli")
	fl.IntVar(&o.PromptTokens, "prompt", 0, "prompt length of a generative run, tokens")
	fl.IntVar(&o.NewTokens, "new-tokens", 0, "tokens generated per run")
	fl.StringVar(&o.CPUFallback, "cpu-fallback", "", "what landing on a later provider is: marginal, fail or pass")
	return cmd
}

func runBench(cmd *cobra.Command, f *Factory, o *BenchOptions) error {
	fl := cmd.Flags()
	if fl.Changed("model") && (fl.Changed("synth") || fl.Changed("sweep")) {
		return usageErrorf("--model and --synth/--sweep exclude each other")
	}
	if fl.Changed("iterations") && fl.Changed("duration") {
		return usageErrorf("--iterations and --duration exclude each other")
	}
	if o.Iterations < 0 || o.Duration < 0 || o.Threads < 0 {
		return usageErrorf("--iterations, --duration and --threads must not be negative")
	}
	env, err := f.Env()
	if err != nil {
		return err
	}
	env.Progress = f.IO.ErrOut
	base, err := bench.FromPlan(env.Plan.Bench)
	if err != nil {
		return usageErrorf("plan: %v", err)
	}
	set := func(name string, apply func()) {
		if fl.Changed(name) {
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
	set("prompt", func() { base.PromptTokens = o.PromptTokens })
	set("new-tokens", func() { base.NewTokens = o.NewTokens })
	set("cpu-fallback", func() { base.CPUFallback = o.CPUFallback })
	base.Infer.LibPath = o.OrtLib
	base.Infer.OptLevel = o.OptLevel
	base.Infer.Seed = f.Global.Seed
	if base.Infer.Dims, err = infer.ParseDims(o.Dims); err != nil {
		return usageErrorf("%v", err)
	}
	runs, closeFirst, err := bench.Sweep(base, o.Sweep)
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
		run := bench.Stage(opts)
		steps = append(steps, bringup.Step{Name: opts.StepName(), Func: func(ctx context.Context, env *stage.Env, step *report.Step) error {
			err := run(ctx, env, step)
			rows[i] = bench.Row(opts.ModelName(), step)
			return err
		}})
	}
	err = f.RunSteps(cmd.Context(), env, steps)
	if len(o.Sweep) > 0 {
		// Size against speed, on stderr so stdout stays one report.
		bench.WriteSweep(f.IO.ErrOut, rows)
	}
	return err
}
