package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/prereq"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/onnx"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/synth"
)

// Every model onnxruntime_go ships in its test_data (float16, strings,
// several inputs and outputs, multiple types, a 0-sized output, a
// scikit-learn random forest with a map-typed output, a non-ASCII file
// name) benches. Only the dynamic-axes model needs --dim: its dimension is
// named, and a named dimension is the user's to choose.
func TestOnnxruntimeGoTestModelsAllBench(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/yalue/onnxruntime_go").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	models, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "test_data", "*.onnx"))
	if len(models) < 10 {
		t.Fatalf("found %d onnxruntime_go test models, want the 10 of v1.27.0", len(models))
	}
	for _, m := range models {
		t.Run(filepath.Base(m), func(t *testing.T) {
			o := BenchOptions{Model: m, Iterations: 2, Warmup: 0, Infer: infer.Options{Threads: 1,
				Dims: map[string]int64{"input_vectors_dynamic_axes_1": 3}}}
			big := strings.Contains(m, "big_compute")
			if big && !benchBigModels {
				t.Skip("example_big_compute.onnx is benched by make conformance (bigmodels_test.go)")
			}
			if big {
				// About 6 s per inference on one core (25 s under -race):
				// one timed run.
				o.Iterations = 1
			}
			s, err := Open(o)
			if err != nil {
				if strings.Contains(err.Error(), "locale") {
					prereq.Missing(t, "the en_US.UTF-8 locale for ONNX Runtime's StringNormalizer ("+err.Error()+")", prereq.LocaleUTF8)
				}
				t.Fatal(err)
			}
			o.Session = s
			step, _ := runStage(t, o)
			var failed []string
			for _, m := range step.Measurements {
				// The default plan's floor of 0.1 inferences/s is a
				// performance limit: big_compute is meant to miss it on a
				// shared core under -race, and that is not a bench fault.
				if m.Outcome != report.Pass && !(big && m.Name == "inferences_per_s") {
					failed = append(failed, m.Name+": "+m.Message)
				}
			}
			if step.Error != "" || len(failed) > 0 {
				t.Fatalf("%s: %s %v", step.Outcome, step.Error, failed)
			}
			if value(t, step, "iterations").Value != float64(o.Iterations) {
				t.Fatal("iterations")
			}
		})
	}
}

// With --inputs and --expect a model that computes the right numbers
// passes with every output matched; expected outputs that differ (as a
// faulty NPU or runtime would produce) FAIL the step with
// BENCH_WRONG_OUTPUT, however fast it ran.
func TestExpectFailsOnWrongAnswers(t *testing.T) {
	dir := t.TempDir()
	m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
		Name:    "mul",
		Nodes:   []onnx.Node{{OpType: "Mul", Inputs: []string{"a", "b"}, Outputs: []string{"y"}}, {OpType: "Cast", Inputs: []string{"y"}, Outputs: []string{"h"}, Attrs: []onnx.Attr{onnx.AttrI("to", int64(onnx.Float16))}}},
		Inputs:  []onnx.ValueInfo{{Name: "a", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 3}}}, {Name: "b", ElemType: onnx.Float, Dims: []onnx.Dim{{}}}},
		Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 3}}}, {Name: "h", ElemType: onnx.Float16, Dims: []onnx.Dim{{Value: 3}}}},
	}}
	data, _ := m.Marshal()
	model := filepath.Join(dir, "mul.onnx")
	os.WriteFile(model, data, 0o644)
	write := func(name string, t onnx.Tensor) {
		os.WriteFile(filepath.Join(dir, name), onnx.MarshalTensor(&t), 0o644)
	}
	// Named inputs in reverse file order: bound by name.
	write("input_0.pb", onnx.FloatTensor("b", []int64{3}, []float32{2, 2, 2}))
	write("input_1.pb", onnx.FloatTensor("a", []int64{3}, []float32{1, -1.5, 3}))
	write("output_0.pb", onnx.FloatTensor("", []int64{3}, []float32{2, -3, 6}))
	half := onnx.Tensor{DataType: onnx.Float16, Dims: []int64{3}, Raw: []byte{0x00, 0x40, 0x00, 0xc2, 0x00, 0x46}} // 2, -3, 6
	write("output_1.pb", half)
	o := BenchOptions{Model: model, Inputs: dir, Expect: dir, Iterations: 3, Infer: infer.Options{Threads: 1}}
	step, _ := runStage(t, o)
	if step.Outcome != report.Pass || value(t, step, "outputs_matched").Value != 2.0 || value(t, step, "max_abs_error").Value != 0.0 {
		t.Fatalf("right answers: %s %s %+v", step.Outcome, step.Error, step.Measurements)
	}
	write("output_0.pb", onnx.FloatTensor("", []int64{3}, []float32{2, -3, 6.01}))
	step, _ = runStage(t, o)
	mm := value(t, step, "outputs_mismatched")
	if step.Outcome != report.Fail || mm.Value != 1.0 || mm.Code != "BENCH_WRONG_OUTPUT" || !strings.Contains(mm.Message, "output y") {
		t.Fatalf("wrong answer: %s %+v", step.Outcome, mm)
	}
	if e := value(t, step, "max_abs_error").Value.(float64); e < 0.0099 || e > 0.0101 {
		t.Fatalf("max_abs_error %v, want 0.01 (float32 rounding of 6.01)", e)
	}
	// A file that does not fit names the input, its type and shape.
	write("input_1.pb", onnx.Int64Tensor("a", []int64{3}, []int64{1, 2, 3}))
	_, err := Open(o)
	if err == nil || !strings.Contains(err.Error(), "input a") || !strings.Contains(err.Error(), "float[3]") {
		t.Fatalf("mismatched input: %v", err)
	}
}

// bench drives a Hugging Face-style export through its KV-cache loop:
// tokens/s are measured and the layout is named in the log.
func TestBenchDrivesAHuggingFaceExport(t *testing.T) {
	c := synth.Config{Layers: 2, Hidden: 64, Heads: 4, KVHeads: 2, Vocab: 97, Context: 64, Quant: synth.Int8, Seed: 1, Layout: synth.LayoutHF}
	path := filepath.Join(t.TempDir(), "hf.onnx")
	if _, err := synth.Write(c, path); err != nil {
		t.Fatal(err)
	}
	step, _ := runStage(t, BenchOptions{Model: path, Iterations: 2, PromptTokens: 8, NewTokens: 4, Infer: infer.Options{Threads: 1}})
	if step.Outcome != report.Pass {
		t.Fatalf("%s: %s", step.Outcome, step.Error)
	}
	if v := value(t, step, "decode_tokens_per_s").Value.(float64); !(v > 0) {
		t.Fatalf("decode tokens/s %v", v)
	}
	if !strings.Contains(strings.Join(step.Log, "\n"), "huggingface KV-cache layout") {
		t.Fatalf("log %v", step.Log)
	}
}
