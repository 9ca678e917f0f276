// Package bench is the model benchmark stage (bench.<model>): it runs an
// ONNX model through ONNX Runtime (or a compiled HEF through hailortcli)
// and records latency or tokens/s together with the board's temperature,
// power and throttle flags while it ran.
package bench

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/models"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/synth"
	"github.com/aihat/aihat/pkg/termline"
	ort "github.com/yalue/onnxruntime_go"
)

// BenchOptions say what to run and how.
type BenchOptions struct {
	// Model is an ONNX file; when empty Synth ("50M") and Quant ("int4")
	// name a synthetic model, generated once into CacheDir.
	Model    string
	Synth    string
	Quant    string
	CacheDir string
	// Runtime is "ort" (default), "hailortcli" or "ollama"; HEF is
	// hailortcli's model; Endpoint is the Ollama-compatible server, whose
	// model Model then names (not a file).
	Runtime  string
	HEF      string
	Endpoint string
	Infer    infer.Options
	// CPUFallback, when set, overrides the plan's limit bench.cpu_fallback
	// (FallbackLimit): "marginal", "fail" or "pass".
	CPUFallback string
	Warmup      int
	Iterations  int
	Duration    time.Duration
	// Inputs is a directory of real inputs (--inputs: input_N.pb as the
	// ONNX test data lays them out, or .npy files) fed instead of seeded
	// data; Expect is a directory of expected outputs (--expect:
	// output_N.pb) every output is compared with. Dynamic dimensions come
	// from Infer.Dims (--dim).
	Inputs string
	Expect string
	// PromptTokens and NewTokens shape generative runs.
	PromptTokens int
	NewTokens    int
	// Session, when set, is an already opened model (the CLI opens it
	// first so load errors are one line); BenchStage takes it over and closes it
	// when done, so a sweep holds one model at a time.
	Session *infer.Session
}

// FromPlan fills options from the plan's bench section.
func FromPlan(p plan.BenchPlan) (BenchOptions, error) {
	d, err := p.DurationValue()
	if err != nil {
		return BenchOptions{}, err
	}
	return BenchOptions{
		Model: p.Model, Synth: p.Synth, Quant: p.Quant, Runtime: p.Runtime, HEF: p.HEF, Endpoint: p.Endpoint,
		Infer:  infer.Options{Providers: p.Providers, Threads: p.Threads},
		Warmup: p.Warmup, Iterations: p.Iterations, Duration: d,
		PromptTokens: p.PromptTokens, NewTokens: p.NewTokens,
	}, nil
}

func (o BenchOptions) withDefaults() BenchOptions {
	if o.Runtime == "" {
		o.Runtime = "ort"
	}
	if o.Synth == "" && o.Model == "" {
		o.Synth = models.DefaultSynth
	}
	if o.Quant == "" {
		o.Quant = synth.Int4
	}
	if o.Warmup < 0 {
		o.Warmup = 0
	}
	if o.Iterations <= 0 && o.Duration <= 0 {
		o.Iterations = 10
	}
	if o.PromptTokens <= 0 {
		o.PromptTokens = 16
	}
	if o.NewTokens <= 0 {
		o.NewTokens = 16
	}
	return o
}

// ModelName names the model in the step name: the synthetic model's
// "synth-50M-int4" or the file's base name without .onnx/.hef.
func (o BenchOptions) ModelName() string {
	o = o.withDefaults()
	switch {
	case o.Runtime == "hailortcli":
		return strings.TrimSuffix(filepath.Base(o.HEF), ".hef")
	case o.Runtime == "ollama":
		return ollamaStepModel(o.Model)
	case o.Model != "":
		return strings.TrimSuffix(filepath.Base(o.Model), ".onnx")
	}
	return "synth-" + strings.ToUpper(o.Synth) + "-" + o.Quant
}

// StepName is "bench.<model>".
func (o BenchOptions) StepName() string { return "bench." + o.ModelName() }

// model is the model o names, as pkg/models opens it.
func (o BenchOptions) model() models.Spec {
	return models.Spec{Model: o.Model, Synth: o.Synth, Quant: o.Quant, CacheDir: o.CacheDir, Inputs: o.Inputs, Infer: o.Infer}
}

// Open opens the model o names (synthesizing it first if needed) and, for
// a plain model, checks that its inputs can be filled: models.Open.
func Open(o BenchOptions) (*infer.Session, error) { return models.Open(o.model()) }

// FallbackLimit is the limit bench.cpu_fallback for a policy: a run
// that fell back to a later provider (the CPU) is a marginal pass, a
// failure, or a plain pass.
func FallbackLimit(policy string) (plan.LimitSpec, error) {
	zero := 0.0
	switch policy {
	case "marginal":
		return plan.LimitSpec{MarginalHigh: &zero}, nil
	case "fail":
		return plan.LimitSpec{Equals: false}, nil
	case "pass":
		return plan.LimitSpec{}, nil
	}
	return plan.LimitSpec{}, fmt.Errorf("cpu fallback %q: choose marginal, fail or pass", policy)
}

// BenchStage is the benchmark o says (a step named o.StepName(),
// bench.<model>). The table's entry is BenchStage with the plan's bench
// section (FromPlan), read when the stage starts; a command passes the
// plan's options with its flags over them.
func BenchStage(o BenchOptions) stage.Func {
	return func(ctx context.Context, env *stage.Env, step *report.Step) error {
		return runBench(ctx, env, step, o)
	}
}

// planOptions are the plan's bench section as options: the table's entry.
func planOptions(p *plan.Plan) (BenchOptions, error) { return FromPlan(p.Bench) }

// runBench benchmarks into step.
func runBench(ctx context.Context, env *stage.Env, step *report.Step, opts BenchOptions) error {
	env, err := withFallbackLimit(env, opts.CPUFallback)
	if err != nil {
		return err
	}
	opts = opts.withDefaults()
	switch opts.Runtime {
	case "hailortcli":
		return runHailortcli(ctx, env, step, opts)
	case "ollama":
		return runOllama(ctx, env, step, opts)
	case "ort":
		return runORT(ctx, env, step, opts)
	}
	return fmt.Errorf("runtime %q: choose ort, hailortcli or ollama", opts.Runtime)
}

// withFallbackLimit is env with --cpu-fallback over the plan's limit
// bench.cpu_fallback for this run only (the verdict is still made by the
// limit); env itself when the flag is not given.
func withFallbackLimit(env *stage.Env, cpuFallback string) (*stage.Env, error) {
	if cpuFallback == "" {
		return env, nil
	}
	l, err := FallbackLimit(cpuFallback)
	if err != nil {
		return nil, err
	}
	p := *env.Plan
	p.Limits = maps.Clone(p.Limits)
	p.Limits["bench.cpu_fallback"] = l
	e := *env
	e.Plan = &p
	return &e, nil
}

// runORT benchmarks a model through ONNX Runtime: token generation for a
// model with a KV cache, timed runs otherwise.
func runORT(ctx context.Context, env *stage.Env, step *report.Step, opts BenchOptions) error {
	if opts.Expect != "" && opts.Inputs == "" {
		return fmt.Errorf("--expect %s needs --inputs DIR: expected outputs belong to the inputs that produced them", opts.Expect)
	}
	s := opts.Session
	if s == nil {
		var err error
		if s, err = Open(opts); err != nil {
			return err
		}
	}
	defer s.Close()
	measureSession(env, step, s)

	smp := NewSampler(env.Board)
	// On the CPU provider the cores are busy; on the NPU's the NPU is.
	load := board.Load{CPU: 1}
	if s.Provider != "cpu" {
		load = board.Load{CPU: 0.2, NPU: 1}
	}
	env.Board.SetLoad(load)
	defer env.Board.SetLoad(board.Load{})
	smp.Start()
	smp.Sample(ctx)
	prog := newProgress(env.Progress, step.Name)
	var err error
	if c, ok := s.Generative(); ok && opts.Inputs == "" {
		err = runGenerative(ctx, env, step, s, c, opts, smp, prog)
	} else {
		err = runPlain(ctx, env, step, s, opts, smp, prog)
	}
	prog.done()
	if err != nil && ctx.Err() == nil {
		return err
	}
	// Interrupted or not, what the board showed while it ran is kept.
	smp.Sample(context.WithoutCancel(ctx))
	boardMeasurements(env, step, smp)
	return err
}

// measureSession reports what was loaded: the provider (and whether it
// fell back to the CPU), the model's size and parameter count.
func measureSession(env *stage.Env, step *report.Step, s *infer.Session) {
	path := s.Path
	step.Logf("model %s, ONNX Runtime %s, %d threads", path, infer.Version(), s.Threads)
	for _, a := range s.Attempts {
		if a.Err != nil {
			step.Logf("provider %s: %v", a.Provider, a.Err)
		}
	}
	stage.Measure(env, step, stage.M{Name: "provider", Value: s.Provider})
	stage.Measure(env, step, stage.M{Name: "cpu_fallback", Value: s.Fallback, Code: "BENCH_CPU_FALLBACK",
		Remedy:   fmt.Sprintf("provider %s did not load (%s); ran on %s: install the NPU's execution provider", s.Requested, attemptErr(s), s.Provider),
		Marginal: fmt.Sprintf("provider %s did not load (%s); ran on %s", s.Requested, attemptErr(s), s.Provider)})
	if st, err := os.Stat(path); err == nil {
		stage.Measure(env, step, stage.M{Name: "model_size", Value: float64(st.Size()), Unit: "B"})
	}
	if p := s.Metadata[synth.MetaParams]; p != "" {
		var n float64
		fmt.Sscanf(p, "%g", &n)
		stage.Measure(env, step, stage.M{Name: "params", Value: n, Unit: "count"})
	}
}

// partial says whether a loop's error is an interruption with timed runs
// to keep: then the statistics are computed from what ran, marked partial
// in the step's log, and the interruption is returned after them.
func partial(ctx context.Context, step *report.Step, err error, runs, want int) bool {
	if err == nil || ctx.Err() == nil || runs == 0 {
		return false
	}
	step.Logf("interrupted after %d of %d timed runs: the statistics below are partial", runs, want)
	return true
}

func attemptErr(s *infer.Session) string {
	for _, a := range s.Attempts {
		if a.Err != nil {
			return a.Err.Error()
		}
	}
	return ""
}

// Loop runs fn warmup times untimed, then iterations times (or for d),
// calling between after each timed run, and returns each run's duration.
// It is the harness whose overhead BenchmarkHarnessOverhead measures.
func Loop(ctx context.Context, warmup, iterations int, d time.Duration, fn func() error, between func(done int)) ([]time.Duration, error) {
	for i := 0; i < warmup; i++ {
		if err := fn(); err != nil {
			return nil, err
		}
	}
	var lat []time.Duration
	if iterations > 0 {
		lat = make([]time.Duration, 0, iterations)
	}
	start := time.Now()
	for i := 0; ; i++ {
		if iterations > 0 && i >= iterations {
			break
		}
		if iterations <= 0 && time.Since(start) >= d {
			break
		}
		if err := ctx.Err(); err != nil {
			return lat, err
		}
		t0 := time.Now()
		if err := fn(); err != nil {
			return lat, err
		}
		lat = append(lat, time.Since(t0))
		if between != nil {
			between(i + 1)
		}
	}
	return lat, nil
}

func runPlain(ctx context.Context, env *stage.Env, step *report.Step, s *infer.Session, o BenchOptions, smp *Sampler, prog *progress) error {
	in, notices, err := s.FillInputsNotices()
	if err != nil {
		return err
	}
	defer infer.Destroy(in)
	for _, n := range notices {
		step.Logf("%s", n)
	}
	for _, t := range s.Optional {
		step.Logf("optional input %s left out (not in --inputs)", t.Name)
	}
	for _, t := range s.Unrequested {
		step.Logf("%s output %s not requested (seeded inputs may leave it empty; --inputs gives it)", t.Kind, t.Name)
	}
	if o.Inputs != "" {
		step.Logf("inputs from %s", o.Inputs)
	}
	if o.Expect != "" {
		// Checked before timing: a wrong answer is the headline.
		if err := checkOutputs(env, step, s, in, o); err != nil {
			return err
		}
	}
	lat, err := plainLoop(ctx, s, in, o, smp, prog)
	interrupted := partial(ctx, step, err, len(lat), o.Iterations)
	if err != nil && !interrupted {
		return err
	}
	st := Latency(lat)
	for _, m := range []struct {
		name string
		v    time.Duration
	}{{"latency_min", st.Min}, {"latency_p50", st.P50}, {"latency_p90", st.P90}, {"latency_p99", st.P99}, {"latency_max", st.Max}} {
		stage.Measure(env, step, stage.M{Name: m.name, Value: m.v.Seconds(), Unit: "s"})
	}
	stage.Measure(env, step, stage.M{Name: "inferences_per_s", Value: st.PerSecond, Unit: "inferences/s"})
	stage.Measure(env, step, stage.M{Name: "iterations", Value: float64(len(lat)), Unit: "count"})
	return err
}

// plainLoop is the timed loop of a plain model: one Run per iteration with
// outputs allocated by ORT and freed, the board sampled and progress drawn
// between runs.
func plainLoop(ctx context.Context, s *infer.Session, in []ort.Value, o BenchOptions, smp *Sampler, prog *progress) ([]time.Duration, error) {
	outs, owned := s.NewOutputs()
	defer infer.Destroy(outs)
	raw := s.Raw()
	fn := func() error {
		if err := raw.Run(in, outs); err != nil {
			return fmt.Errorf("model %s: inference failed: %v", s.Path, err)
		}
		// Outputs ORT allocated are freed each run; preallocated ones
		// are written in place and kept.
		for i, v := range outs {
			if !owned[i] && v != nil {
				v.Destroy()
				outs[i] = nil
			}
		}
		return nil
	}
	return Loop(ctx, o.Warmup, o.Iterations, o.Duration, fn, func(done int) {
		smp.Maybe(ctx)
		prog.update(done, o.Iterations, o.Duration, "")
	})
}

// Stats summarises latencies.
type Stats struct {
	Min, P50, P90, P99, Max, Mean time.Duration
	PerSecond                     float64
}

// Latency computes Stats (nearest-rank percentiles).
func Latency(lat []time.Duration) Stats {
	if len(lat) == 0 {
		return Stats{}
	}
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	pct := func(p float64) time.Duration {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	mean := sum / time.Duration(len(s))
	return Stats{Min: s[0], P50: pct(50), P90: pct(90), P99: pct(99), Max: s[len(s)-1], Mean: mean, PerSecond: float64(len(s)) / sum.Seconds()}
}

func runGenerative(ctx context.Context, env *stage.Env, step *report.Step, s *infer.Session, c *infer.Cache, o BenchOptions, smp *Sampler, prog *progress) error {
	prompt := infer.Prompt(o.Infer.Seed, o.PromptTokens, c.Vocab)
	step.Logf("generative model, %s KV-cache layout: %d cache inputs fed back from their present outputs", c.Style, len(c.Past))
	var runs []infer.GenResult
	fn := func() error {
		r, err := s.Generate(c, prompt, o.NewTokens, nil)
		if err != nil {
			return err
		}
		runs = append(runs, r)
		return nil
	}
	_, err := Loop(ctx, o.Warmup, o.Iterations, o.Duration, fn, func(done int) {
		smp.Maybe(ctx)
		r := runs[len(runs)-1]
		prog.update(done, o.Iterations, o.Duration, fmt.Sprintf("%.1f tokens/s", r.DecodeTPS()))
	})
	runs = runs[min(o.Warmup, len(runs)):]
	interrupted := partial(ctx, step, err, len(runs), o.Iterations)
	if err != nil && !interrupted {
		return err
	}
	if len(runs) == 0 {
		return fmt.Errorf("no timed generation completed")
	}
	var prefill, decode time.Duration
	var ttft []time.Duration
	decoded := 0
	for _, r := range runs {
		prefill += r.Prefill
		decode += r.Decode
		decoded += r.NewTokens - 1
		ttft = append(ttft, r.TTFT)
	}
	if len(runs) > 1 {
		same := true
		for _, r := range runs[1:] {
			same = same && slices.Equal(r.Tokens, runs[0].Tokens)
		}
		stage.Measure(env, step, stage.M{Name: "deterministic", Value: same, Code: "BENCH_NONDETERMINISTIC",
			Remedy: "greedy generation of the same prompt gave different tokens between runs: numerical fault or unstable provider"})
	}
	step.Logf("generated %d runs of %d prompt + %d new tokens; first run's tokens %v", len(runs), o.PromptTokens, o.NewTokens, runs[0].Tokens)
	stage.Measure(env, step, stage.M{Name: "prompt_tokens", Value: float64(o.PromptTokens), Unit: "count"})
	stage.Measure(env, step, stage.M{Name: "new_tokens", Value: float64(o.NewTokens), Unit: "count"})
	stage.Measure(env, step, stage.M{Name: "ttft", Value: Latency(ttft).P50.Seconds(), Unit: "s"})
	stage.Measure(env, step, stage.M{Name: "prefill_tokens_per_s", Value: float64(o.PromptTokens*len(runs)) / prefill.Seconds(), Unit: "tokens/s"})
	if decoded > 0 && decode > 0 {
		stage.Measure(env, step, stage.M{Name: "decode_tokens_per_s", Value: float64(decoded) / decode.Seconds(), Unit: "tokens/s"})
	}
	if rss := infer.PeakRSS(); rss > 0 {
		stage.Measure(env, step, stage.M{Name: "peak_rss", Value: float64(rss), Unit: "B"})
	}
	return err
}

func boardMeasurements(env *stage.Env, step *report.Step, smp *Sampler) {
	for _, e := range smp.Errors {
		step.Logf("board sampling: %s", e)
	}
	why := "no sample was read"
	if len(smp.Errors) > 0 {
		why = fmt.Sprintf("no sample was read (%s)", smp.Errors[len(smp.Errors)-1])
	}
	if t := smp.Temp.Envelope.Stats(); t.N > 0 {
		stage.Measure(env, step, stage.M{Name: "temp_mean", Value: t.Mean, Unit: "°C"})
		stage.Measure(env, step, stage.M{Name: "temp_max", Value: t.Max, Unit: "°C", Code: "BENCH_TEMP",
			Remedy: "the SoC ran hot under inference: check the active cooler and airflow"})
	} else {
		stage.NotMeasured(env, step, "temp_mean", "°C", "SoC temperature: "+why)
		stage.NotMeasured(env, step, "temp_max", "°C", "SoC temperature: "+why)
	}
	if w := smp.Power.Envelope.Stats(); w.N > 0 {
		stage.Measure(env, step, stage.M{Name: "power_mean", Value: w.Mean, Unit: "W"})
		stage.Measure(env, step, stage.M{Name: "power_max", Value: w.Max, Unit: "W", Code: "BENCH_POWER"})
	} else {
		stage.NotMeasured(env, step, "power_mean", "W", "PMIC power: "+why)
		stage.NotMeasured(env, step, "power_max", "W", "PMIC power: "+why)
	}
	stage.Measure(env, step, stage.M{Name: "samples", Value: float64(smp.Temp.Envelope.Stats().N), Unit: "count"})
	smp.record(step)
	stage.Measure(env, step, stage.M{Name: "throttled", Value: smp.Throttled != 0, Code: "BENCH_THROTTLED",
		Remedy: fmt.Sprintf("get_throttled showed 0x%x during the run (under-voltage, capping or throttling): check the supply and cooling", smp.Throttled)})
}

// progress prints a bar on a terminal and plain lines otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	label string
	last  time.Time
	start time.Time
	line  termline.Line
	// finished: the 100 % line is out (duration runs may overshoot).
	finished bool
}

func newProgress(w io.Writer, label string) *progress {
	if w == nil {
		w = io.Discard
	}
	return &progress{w: w, label: label, start: time.Now(), line: termline.Line{W: w}, tty: termline.IsTerminal(w)}
}

func (p *progress) update(done, total int, d time.Duration, extra string) {
	frac := 0.0
	switch {
	case total > 0:
		frac = float64(done) / float64(total)
	case d > 0:
		frac = math.Min(1, time.Since(p.start).Seconds()/d.Seconds())
	}
	if p.tty {
		const width = 30
		n := int(frac * width)
		// Fitted to the terminal, the label and the bar first: a line
		// wider than the terminal wraps and each redraw leaves a trail.
		p.line.Draw([]string{p.label, fmt.Sprintf("[%s%s] %3.0f%%", strings.Repeat("#", n), strings.Repeat(" ", width-n), frac*100),
			fmt.Sprintf("%d runs", done), extra}, " ")
		return
	}
	if frac >= 1 {
		if p.finished {
			return
		}
		p.finished = true
	} else if time.Since(p.last) < time.Second {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "%s: %d runs (%.0f%%) %s\n", p.label, done, frac*100, extra)
}

func (p *progress) done() {
	if p.tty {
		p.line.End()
	}
}
