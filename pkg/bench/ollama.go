package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/workload"
)

// ollamaStepModel is an Ollama model name fit for a step name: the tag's
// ":" and a version's "." would split the step name's segments
// (qwen2:1.5b → qwen2-1-5b).
func ollamaStepModel(name string) string {
	return strings.NewReplacer(":", "-", ".", "-", "/", "-").Replace(name)
}

// runOllama measures an LLM behind an Ollama-compatible server (hailo-ollama
// on the AI HAT+ 2, or ollama serve on the CPU): time to first token from
// the stream, and tokens/s from the server's own counts.
func runOllama(ctx context.Context, env *stage.Env, step *report.Step, o BenchOptions) error {
	if o.Endpoint == "" || o.Model == "" {
		return fmt.Errorf("--runtime ollama needs --endpoint URL (hailo-ollama: http://127.0.0.1:8000) and --model NAME (a model the server has pulled)")
	}
	cl := &workload.Ollama{Endpoint: o.Endpoint, Model: o.Model, NumPredict: o.NewTokens,
		Prompt: "Explain in one paragraph what a neural processing unit does."}
	// The server runs the model: the NPU on hailo-ollama.
	env.Board.SetLoad(board.Load{NPU: 1, CPU: 0.2})
	defer env.Board.SetLoad(board.Load{})
	smp := NewSampler(env.Board)
	smp.Start()
	smp.Sample(ctx)
	stage.Measure(env, step, stage.M{Name: "runtime", Value: "ollama"})
	fmt.Fprintf(env.Progress, "%s: %s at %s\n", step.Name, o.Model, o.Endpoint)

	for i := 0; i < o.Warmup; i++ {
		if _, err := cl.Generate(ctx); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	rs := ollamaRequests(ctx, step, cl, o, smp)
	nerr := 0
	for c, k := range rs.errs {
		nerr += k
		step.Logf("%d requests failed: %s", k, c)
	}
	if len(rs.gens) == 0 {
		if rs.lastErr != nil {
			return rs.lastErr
		}
		return fmt.Errorf("no generation completed")
	}
	stage.Measure(env, step, stage.M{Name: "iterations", Value: float64(len(rs.gens)), Unit: "count"})
	stage.Measure(env, step, stage.M{Name: "request_errors", Value: float64(nerr), Unit: "count", Code: "BENCH_REQUEST_ERRORS",
		Remedy: fmt.Sprintf("requests to %s failed (last: %v): check the server's log", o.Endpoint, rs.lastErr)})
	measureGenerations(env, step, rs.gens)
	smp.Sample(context.WithoutCancel(ctx))
	boardMeasurements(env, step, smp)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// ollamaResults are the timed requests' generations and failures.
type ollamaResults struct {
	gens    []workload.Generation
	errs    map[workload.ErrClass]int
	lastErr error
}

// ollamaRequests sends the timed requests: o.Iterations of them, or as
// many as o.Duration allows; it stops early when the server refuses or
// answers with an error status, as the next request would meet the same.
func ollamaRequests(ctx context.Context, step *report.Step, cl *workload.Ollama, o BenchOptions, smp *Sampler) ollamaResults {
	rs := ollamaResults{errs: map[workload.ErrClass]int{}}
	start := time.Now()
	for n := 0; ; n++ {
		if o.Duration > 0 && time.Since(start) >= o.Duration || o.Duration <= 0 && n >= o.Iterations || ctx.Err() != nil {
			break
		}
		g, err := cl.Generate(ctx)
		smp.Maybe(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			rs.errs[workload.Class(err)]++
			rs.lastErr = err
			step.Logf("request %d: %v", n+1, err)
			if workload.Class(err) == workload.ErrRefused || workload.Class(err) == workload.ErrStatus {
				break
			}
			continue
		}
		rs.gens = append(rs.gens, g)
	}
	return rs
}

// measureGenerations reports time to first token, latency, and tokens/s
// from the server's own counts, as far as the server sends them.
func measureGenerations(env *stage.Env, step *report.Step, gens []workload.Generation) {
	var ttft, lat []time.Duration
	var evalTok, promptTok int
	var evalDur, totalDur, promptDur time.Duration
	allEvalDur, allPromptDur := true, true
	for _, g := range gens {
		ttft = append(ttft, g.TTFT)
		lat = append(lat, g.Latency)
		evalTok += g.EvalCount
		promptTok += g.PromptEvalCount
		evalDur += g.EvalDuration
		totalDur += g.TotalDuration
		promptDur += g.PromptEvalDuration
		allEvalDur = allEvalDur && g.EvalDuration > 0
		allPromptDur = allPromptDur && g.PromptEvalDuration > 0 && g.PromptEvalCount > 0
	}
	stage.Measure(env, step, stage.M{Name: "ttft", Value: Latency(ttft).P50.Seconds(), Unit: "s"})
	l := Latency(lat)
	stage.Measure(env, step, stage.M{Name: "latency_p50", Value: l.P50.Seconds(), Unit: "s"})
	stage.Measure(env, step, stage.M{Name: "latency_p99", Value: l.P99.Seconds(), Unit: "s"})
	stage.Measure(env, step, stage.M{Name: "new_tokens", Value: float64(evalTok) / float64(len(gens)), Unit: "tokens"})
	switch {
	case allEvalDur && evalTok > 0:
		stage.Measure(env, step, stage.M{Name: "decode_tokens_per_s", Value: float64(evalTok) / evalDur.Seconds(), Unit: "tokens/s"})
	case totalDur > 0 && evalTok > 0:
		// hailo-ollama sends eval_count and total_duration only: the
		// figure over the total counts prefill (and any model load) too.
		step.Logf("the server sends no eval_duration: tokens/s is eval_count/total_duration and includes prefill and model load")
		stage.Measure(env, step, stage.M{Name: "tokens_per_s_incl_prefill", Value: float64(evalTok) / totalDur.Seconds(), Unit: "tokens/s"})
	default:
		step.Logf("the server sends neither eval_duration nor total_duration with eval_count: tokens/s not recorded")
	}
	if allPromptDur {
		stage.Measure(env, step, stage.M{Name: "prefill_tokens_per_s", Value: float64(promptTok) / promptDur.Seconds(), Unit: "tokens/s"})
	}
}
