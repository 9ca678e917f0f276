package bench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aihat/aihat/internal/captures"
	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/onnx"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/synth"
)

func TestSamplerSumsPMICRailsAndThrottleBits(t *testing.T) {
	b, err := sim.New(sim.Options{Seed: 1, Faults: []string{"undervoltage"}})
	if err != nil {
		t.Fatal(err)
	}
	b.SetLoad(board.Load{CPU: 1, NPU: 1})
	s := NewSampler(b)
	s.Start()
	s.Sample(context.Background())
	if p := s.Power.Envelope.Stats(); p.N != 1 || p.Max <= 0 || len(s.Errors) != 0 {
		t.Fatalf("power samples %+v, errors %v", p, s.Errors)
	}
	if s.Throttled&0x1 == 0 {
		t.Fatalf("throttled bits 0x%x: want under-voltage now under load with a weak supply", s.Throttled)
	}
}

func TestLatencyPercentiles(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	s := Latency(lat)
	if s.Min != time.Millisecond || s.P50 != 50*time.Millisecond || s.P90 != 90*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Fatalf("%+v", s)
	}
	if math.Abs(s.PerSecond-100/5.05) > 1e-9 {
		t.Fatalf("per second %v", s.PerSecond)
	}
}

func TestLoopCountsIterationsAndStopsOnError(t *testing.T) {
	calls, between := 0, 0
	lat, err := Loop(context.Background(), 2, 5, 0, func() error { calls++; return nil }, func(int) { between++ })
	if err != nil || len(lat) != 5 || calls != 7 || between != 5 {
		t.Fatalf("lat %d calls %d between %d err %v", len(lat), calls, between, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Loop(ctx, 0, 5, 0, func() error { return nil }, nil); err == nil {
		t.Fatal("cancelled loop ran")
	}
}

type loadBoard struct {
	*sim.Board
	loads []board.Load
}

func (b *loadBoard) SetLoad(l board.Load) { b.loads = append(b.loads, l); b.Board.SetLoad(l) }

func runStage(t *testing.T, o BenchOptions) (*report.Step, *loadBoard) {
	t.Helper()
	sb, err := sim.New(sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	lb := &loadBoard{Board: sb}
	env := stage.NewEnv(lb, p)
	step := report.NewStep(o.StepName(), time.Now())
	err = BenchStage(o)(context.Background(), env, step)
	step.Finish(time.Now(), err)
	return step, lb
}

func value(t *testing.T, s *report.Step, name string) report.Measurement {
	t.Helper()
	for _, m := range s.Measurements {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("step %s has no %s: %+v", s.Name, name, s.Measurements)
	return report.Measurement{}
}

func tinyModel(t testing.TB, dir string) string {
	path := filepath.Join(dir, "tiny.onnx")
	c := synth.Config{Layers: 2, Hidden: 64, Heads: 4, Vocab: 97, Context: 64, Quant: synth.Int4, Seed: 1}
	if _, err := synth.Write(c, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGenerativeBenchOnTheSim(t *testing.T) {
	o := BenchOptions{Model: tinyModel(t, t.TempDir()), Infer: infer.Options{Providers: []string{"hailo", "cpu"}, Threads: 1}, Iterations: 2, PromptTokens: 4, NewTokens: 3}
	step, lb := runStage(t, o)
	if step.Outcome != report.Pass || !step.Marginal {
		t.Fatalf("outcome %s marginal %v (want a marginal PASS for the CPU fallback): %s", step.Outcome, step.Marginal, step.Error)
	}
	if m := value(t, step, "cpu_fallback"); m.Value != true || !m.Marginal || m.Code != "BENCH_CPU_FALLBACK" {
		t.Fatalf("cpu_fallback %+v", m)
	}
	for _, name := range []string{"ttft", "prefill_tokens_per_s", "decode_tokens_per_s", "temp_max", "power_max"} {
		if v, ok := value(t, step, name).Value.(float64); !ok || !(v > 0) {
			t.Errorf("%s = %v", name, value(t, step, name).Value)
		}
	}
	if value(t, step, "deterministic").Value != true || value(t, step, "throttled").Value != false {
		t.Fatal("deterministic/throttled wrong")
	}
	if len(lb.loads) != 2 || lb.loads[0].CPU != 1 || lb.loads[1] != (board.Load{}) {
		t.Fatalf("loads set %+v, want CPU busy then restored", lb.loads)
	}
}

func TestCPUFallbackFailsWhenThePlanSaysSo(t *testing.T) {
	o := BenchOptions{Model: tinyModel(t, t.TempDir()), CPUFallback: "fail", Infer: infer.Options{Providers: []string{"hailo", "cpu"}, Threads: 1}, Iterations: 1, PromptTokens: 2, NewTokens: 2}
	step, _ := runStage(t, o)
	if step.Outcome != report.Fail || value(t, step, "cpu_fallback").Outcome != report.Fail {
		t.Fatalf("outcome %s", step.Outcome)
	}
}

func TestPlainModelLatency(t *testing.T) {
	m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
		Name:    "relu",
		Nodes:   []onnx.Node{{OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}}},
		Inputs:  []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float, Dims: []onnx.Dim{{Param: "n"}, {Value: 8}}}},
		Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Dims: []onnx.Dim{{Param: "n"}, {Value: 8}}}},
	}}
	data, _ := m.Marshal()
	path := filepath.Join(t.TempDir(), "relu.onnx")
	os.WriteFile(path, data, 0o644)
	o := BenchOptions{Model: path, Infer: infer.Options{Dims: map[string]int64{"n": 2}, Threads: 1}, Iterations: 20}
	step, _ := runStage(t, o)
	if step.Outcome != report.Pass || step.Marginal {
		t.Fatalf("outcome %s marginal %v: %s", step.Outcome, step.Marginal, step.Error)
	}
	if value(t, step, "iterations").Value != 20.0 {
		t.Fatal("iterations")
	}
	lo, hi := value(t, step, "latency_min").Value.(float64), value(t, step, "latency_max").Value.(float64)
	if !(lo > 0 && lo <= hi) {
		t.Fatalf("latency min %v max %v", lo, hi)
	}
	o.Infer.Dims = nil
	step, _ = runStage(t, o)
	if step.Outcome != report.Error || !strings.Contains(step.Error, "--dim n=N") {
		t.Fatalf("missing dim: %s %q", step.Outcome, step.Error)
	}
}

// TestHailortcliRuntimeOnTheSim: the sim is an AI HAT+ 2 with HailoRT
// 5.x: identify says HAILO10H, so `run` is not called (5.x refuses it on
// a Hailo-10H) and the temperature comes from the benchmark summary; the
// "not supported" lines hailortcli writes on stderr land in the log.
func TestHailortcliRuntimeOnTheSim(t *testing.T) {
	step, lb := runStage(t, BenchOptions{Runtime: "hailortcli", HEF: "yolov8s.hef", Duration: 2 * time.Second})
	if step.Outcome != report.Pass {
		t.Fatalf("%s: %s", step.Outcome, step.Error)
	}
	if step.Name != "bench.yolov8s" {
		t.Fatalf("step name %s", step.Name)
	}
	for _, name := range []string{"inferences_per_s", "npu_temp_max"} {
		if v, ok := value(t, step, name).Value.(float64); !ok || !(v > 0) {
			t.Errorf("%s = %v", name, v)
		}
	}
	if a := value(t, step, "npu_arch").Value; a != "HAILO10H" {
		t.Errorf("npu_arch %v", a)
	}
	for _, m := range step.Measurements {
		if m.Name == "npu_power_mean" || m.Name == "fps_hw_only" {
			t.Errorf("%s recorded from a 5.x summary that has none", m.Name)
		}
	}
	log := strings.Join(step.Log, "\n")
	for _, want := range []string{"(stderr): Measurement power is not supported", "NPU temperature from hailortcli benchmark summary"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if lb.loads[0].NPU != 1 {
		t.Fatalf("NPU load not raised: %+v", lb.loads)
	}
	step, _ = runStage(t, BenchOptions{Runtime: "hailortcli"})
	if step.Outcome != report.Error || !strings.Contains(step.Error, "--hef") {
		t.Fatalf("no HEF: %s %q", step.Outcome, step.Error)
	}
}

// hailo8Board answers hailortcli as a Hailo-8 AI HAT+ with HailoRT 4.x:
// identify and run --measure-temp in the formats of fw_control_command.cpp
// and infer_stats_printer.cpp (4.x), the benchmark with a real capture.
type hailo8Board struct {
	*sim.Board
	bench string
	calls []string
}

func (b *hailo8Board) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	if name != "hailortcli" {
		return b.Board.Run(ctx, name, args...)
	}
	b.calls = append(b.calls, args[0])
	switch args[0] {
	case "fw-control":
		return []byte("Executing on device: 0001:01:00.0\nIdentifying board\nControl Protocol Version: 2\nFirmware Version: 4.20.0 (release,app,extended context switch buffer)\nLogger Version: 0\nBoard Name: Hailo-8\nDevice Architecture: HAILO8\nSerial Number: <N/A>\nPart Number: <N/A>\nProduct Name: <N/A>\n"), nil
	case "benchmark":
		return []byte(b.bench), nil
	case "run":
		return []byte("  Device: 0001:01:00.0\n    Minimum chip temperature: 40.2C\n    Average chip temperature: 41.5C\n    Maximum chip temperature: 43.1C\n"), nil
	}
	return nil, fmt.Errorf("hailortcli %s: not in this fake", args[0])
}

// RunOutput hides the sim's: this board has no stderr to give.
func (b *hailo8Board) RunOutput(ctx context.Context, name string, args ...string) ([]byte, []byte, error) {
	out, err := b.Run(ctx, name, args...)
	return out, nil, err
}

// TestHailortcliRuntimeOnHailo8: a 4.x device runs the real capture's
// benchmark summary exactly and takes the temperature from run
// --measure-temp's maximum.
func TestHailortcliRuntimeOnHailo8(t *testing.T) {
	cs, err := captures.Load("hailortcli_benchmark")
	if err != nil {
		t.Fatal(err)
	}
	var bench string
	for _, c := range cs {
		if c.Name == "hailo8-aihat-pi5-community19278.txt" {
			bench = c.Text
		}
	}
	sb, _ := sim.New(sim.Options{Seed: 1})
	p, _ := plan.Default()
	hb := &hailo8Board{Board: sb, bench: bench}
	env := stage.NewEnv(hb, p)
	step := report.NewStep("bench.yolov8s", time.Now())
	err = BenchStage(BenchOptions{Runtime: "hailortcli", HEF: "yolov8s.hef", Duration: time.Second})(context.Background(), env, step)
	step.Finish(time.Now(), err)
	if step.Outcome != report.Pass {
		t.Fatalf("%s: %s %v", step.Outcome, step.Error, step.Log)
	}
	if strings.Join(hb.calls, ",") != "fw-control,benchmark,run" {
		t.Fatalf("calls %v", hb.calls)
	}
	for name, want := range map[string]float64{"fps_hw_only": 398.43, "inferences_per_s": 318.27, "latency_hw": 6.71e-3, "npu_temp_max": 43.1} {
		if v := value(t, step, name).Value.(float64); math.Abs(v-want) > 1e-12 {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
}

func TestSamplerAdvancesTheSimClock(t *testing.T) {
	sb, _ := sim.New(sim.Options{Seed: 1})
	s := NewSampler(sb)
	s.Start()
	t0 := sb.Clock().Now()
	time.Sleep(20 * time.Millisecond)
	s.Sample(context.Background())
	if d := sb.Clock().Since(t0); d < 20*time.Millisecond {
		t.Fatalf("virtual clock moved %v", d)
	}
	if tc, pw := s.Temp.Envelope.Stats(), s.Power.Envelope.Stats(); tc.N != 1 || pw.N != 1 || tc.Min < 20 || pw.Max <= 0 {
		t.Fatalf("samples %+v %+v %v", tc, pw, s.Errors)
	}
}

func TestFromPlanAndNames(t *testing.T) {
	p, _ := plan.Default()
	o, err := FromPlan(p.Bench)
	if err != nil {
		t.Fatal(err)
	}
	if o.StepName() != "bench.synth-50M-int4" || o.Infer.Providers[0] != "hailo" || o.CPUFallback != "" {
		t.Fatalf("%+v %s", o, o.StepName())
	}
	if (BenchOptions{Model: "/x/resnet.onnx"}).StepName() != "bench.resnet" {
		t.Fatal("model step name")
	}
	if _, err := FromPlan(plan.BenchPlan{Duration: "soon"}); err == nil {
		t.Fatal("bad duration accepted")
	}
}

// The default plan's bench: the 50M int4 synthetic model, generated into
// the cache once, loads and generates with its KV cache on the CPU.
func TestTableEntryRunsThe50MInt4Model(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	sb, _ := sim.New(sim.Options{Seed: 1})
	p, _ := plan.Default()
	p.Bench.Iterations, p.Bench.NewTokens, p.Bench.PromptTokens = 1, 3, 4
	speed := []string{"ttft", "prefill_tokens_per_s", "decode_tokens_per_s"}
	if testing.Short() {
		// make test-arm64/test-avx2 run -short under qemu, 50–100× slower
		// than any board: the same 50M model, one generation of 1 + 2
		// tokens, and the plan's speed limits left out (the measurements
		// are still taken; the tiny-model tests check the limits).
		p.Bench.Warmup, p.Bench.NewTokens, p.Bench.PromptTokens = 0, 2, 1
		for _, m := range speed {
			delete(p.Limits, "bench."+m)
		}
	}
	env := stage.NewEnv(sb, p)
	step := report.NewStep("bench", time.Now())
	err := Spec().Run(context.Background(), env, step)
	step.Finish(time.Now(), err)
	if step.Outcome != report.Pass {
		var failed []string
		for _, m := range step.Measurements {
			if m.Outcome != report.Pass {
				failed = append(failed, fmt.Sprintf("%s=%v %s", m.Name, m.Value, m.Unit))
			}
		}
		t.Fatalf("%s: %s %v", step.Outcome, step.Error, failed)
	}
	for _, m := range speed {
		if v, ok := value(t, step, m).Value.(float64); !ok || !(v > 0) {
			t.Errorf("%s = %v", m, value(t, step, m).Value)
		}
	}
	if v := value(t, step, "params").Value.(float64); v != 50864640 {
		t.Fatalf("params %v", v)
	}
	if v := value(t, step, "model_size").Value.(float64); v < 35e6 || v > 42e6 {
		t.Fatalf("50M int4 model is %v B, want ≈ 38 MB", v)
	}
	o, _ := FromPlan(p.Bench)
	path, err := o.model().Path()
	if err != nil {
		t.Fatal(err)
	}
	st1, _ := os.Stat(path)
	path2, _ := o.model().Path()
	st2, _ := os.Stat(path2)
	if path != path2 || !st1.ModTime().Equal(st2.ModTime()) {
		t.Fatal("the cached model was generated again")
	}
}

func TestHotEnclosureFaultFailsOnThrottling(t *testing.T) {
	sb, err := sim.New(sim.Options{Seed: 1, Faults: []string{"hot-enclosure"}})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := plan.Default()
	env := stage.NewEnv(sb, p)
	o := BenchOptions{Model: tinyModel(t, t.TempDir()), Infer: infer.Options{Threads: 1}, Iterations: 1, PromptTokens: 2, NewTokens: 2}
	step := report.NewStep(o.StepName(), time.Now())
	err = BenchStage(o)(context.Background(), env, step)
	step.Finish(time.Now(), err)
	if m := value(t, step, "throttled"); step.Outcome != report.Fail || m.Outcome != report.Fail || m.Code != "BENCH_THROTTLED" {
		t.Fatalf("step %s, throttled %+v", step.Outcome, m)
	}
	if v := value(t, step, "temp_max").Value.(float64); v < 80 {
		t.Fatalf("temp_max %v °C in a 62 °C enclosure", v)
	}
}

// garbledTempBoard is the sim with a thermal zone that reads "abc".
type garbledTempBoard struct{ *sim.Board }

func (b garbledTempBoard) FS() fs.FS { return garbledFS{b.Board.FS()} }

type garbledFS struct{ fs.FS }

func (g garbledFS) Open(name string) (fs.File, error) {
	if name == "sys/class/thermal/thermal_zone0/temp" {
		return fstest.MapFS{name: {Data: []byte("abc\n")}}.Open(name)
	}
	return g.FS.Open(name)
}

// A temperature the plan bounds and that could not be read is an ERROR
// with the reason, not a PASS with the row silently missing.
func TestUnreadableTemperatureIsAnErrorNotAGap(t *testing.T) {
	sb, err := sim.New(sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := plan.Default()
	env := stage.NewEnv(garbledTempBoard{sb}, p)
	o := BenchOptions{Model: tinyModel(t, t.TempDir()), Infer: infer.Options{Providers: []string{"cpu"}, Threads: 1}, Iterations: 1, PromptTokens: 2, NewTokens: 2}
	step := report.NewStep(o.StepName(), time.Now())
	step.Finish(time.Now(), BenchStage(o)(context.Background(), env, step))
	m := value(t, step, "temp_max")
	if m.Outcome != report.Error || m.Value != nil || !strings.Contains(m.Message, "abc") {
		t.Fatalf("temp_max %+v, want an ERROR naming the unreadable value", m)
	}
	if step.Outcome != report.Error {
		t.Fatalf("step %s, want ERROR", step.Outcome)
	}
}

// Ctrl-C during a bench keeps what was measured: before, only provider
// and model survived.
func TestInterruptedBenchKeepsPartialStatistics(t *testing.T) {
	model := tinyModel(t, t.TempDir())
	for _, tc := range []struct {
		name string
		o    BenchOptions
		keep string
	}{
		{"generative", BenchOptions{Model: model, Infer: infer.Options{Providers: []string{"cpu"}, Threads: 1}, Duration: 20 * time.Second, PromptTokens: 2, NewTokens: 2}, "ttft"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb, _ := sim.New(sim.Options{Seed: 1})
			p, _ := plan.Default()
			ctx, cancel := context.WithCancel(context.Background())
			// Ctrl-C at the second board sample: the first is taken before
			// the timed runs, the second only after at least one of them.
			env := stage.NewEnv(&cancelAtSample{Board: sb, at: 2, cancel: cancel}, p)
			step := report.NewStep(tc.o.StepName(), time.Now())
			err := BenchStage(tc.o)(ctx, env, step)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want the interruption returned", err)
			}
			for _, name := range []string{tc.keep, "temp_max", "throttled"} {
				if m := value(t, step, name); m.Value == nil {
					t.Errorf("%s kept without a value", name)
				}
			}
			if !strings.Contains(strings.Join(step.Log, "\n"), "partial") {
				t.Errorf("log does not say the statistics are partial: %v", step.Log)
			}
		})
	}
}

// cancelAtSample cancels the run at the at-th get_throttled it answers.
type cancelAtSample struct {
	*sim.Board
	at, n  int
	cancel func()
}

func (c *cancelAtSample) Gencmd(ctx context.Context, command string) (string, error) {
	if command == "get_throttled" {
		if c.n++; c.n == c.at {
			c.cancel()
		}
	}
	return c.Board.Gencmd(ctx, command)
}
