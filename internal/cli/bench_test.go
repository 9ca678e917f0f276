package cli

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/bench"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/onnx"
)

func TestBenchRunsASyntheticModelOnTheSim(t *testing.T) {
	model := synthTiny(t, "int4")
	code, out, errOut := runCLI(t, "bench", "--target", "sim", "--model", model, "--iterations", "2", "--prompt", "4", "--new-tokens", "3", "--threads", "1", "--provider", "cpu")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"bench.int4", "decode_tokens_per_s", "tokens/s", "temp_max", "°C", "provider"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "bench.int4: 2 runs") {
		t.Errorf("no progress lines on stderr: %q", errOut)
	}
	// The plan's provider list tries the NPU first: landing on the CPU is a
	// marginal pass, and a failure with --cpu-fallback fail.
	code, out, _ = runCLI(t, "bench", "--target", "sim", "--model", model, "--iterations", "1", "--prompt", "2", "--new-tokens", "2", "--threads", "1")
	if code != 0 || !strings.Contains(out, "PASS (marginal)") {
		t.Fatalf("fallback: exit %d\n%s", code, out)
	}
	code, _, _ = runCLI(t, "bench", "--target", "sim", "--model", model, "--iterations", "1", "--prompt", "2", "--new-tokens", "2", "--threads", "1", "--cpu-fallback", "fail")
	if code != 1 {
		t.Fatalf("fallback fail: exit %d", code)
	}
}

func TestBenchHailortcliRuntime(t *testing.T) {
	code, out, errOut := runCLI(t, "bench", "--target", "sim", "--runtime", "hailortcli", "--hef", "yolov8s.hef", "--duration", "2s")
	if code != 0 || !strings.Contains(out, "bench.yolov8s") || !strings.Contains(out, "npu_temp_max") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestBenchOllamaRuntime: --runtime ollama against a server replaying
// the documented /api/generate stream; a refused endpoint is an ERROR
// naming it.
func TestBenchOllamaRuntime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"response":"Hi","done":false}`+"\n"+
			`{"response":"","done":true,"total_duration":174560334,"prompt_eval_count":11,"prompt_eval_duration":13074791,"eval_count":18,"eval_duration":52479709}`+"\n")
	}))
	defer srv.Close()
	code, out, errOut := runCLI(t, "bench", "--target", "sim", "--runtime", "ollama", "--endpoint", srv.URL, "--model", "gemma3:1b", "--iterations", "2")
	if code != 0 || !strings.Contains(out, "bench.gemma3-1b") || !strings.Contains(out, "decode_tokens_per_s") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	url := srv.URL
	srv.Close()
	code, out, errOut = runCLI(t, "bench", "--target", "sim", "-v", "--runtime", "ollama", "--endpoint", url, "--model", "gemma3", "--iterations", "1")
	if code != 2 || !strings.Contains(out+errOut, "refused") {
		t.Errorf("refused: exit %d %q %q", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "bench", "--target", "sim", "--runtime", "ollama", "--model", "gemma3")
	if code != 64 || !strings.Contains(errOut, "--endpoint") {
		t.Errorf("no endpoint: exit %d %q", code, errOut)
	}
}

func TestBenchErrorsAreOneLineExit2(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.onnx")
	os.WriteFile(corrupt, []byte("\x0a\xff\xff\xff\xff\x0fnot protobuf"), 0o644)
	m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
		Name:    "strings",
		Nodes:   []onnx.Node{{OpType: "SequenceLength", Inputs: []string{"s"}, Outputs: []string{"o"}}},
		Inputs:  []onnx.ValueInfo{{Name: "s", ElemType: onnx.Float, Kind: onnx.KindSequence, TypeRaw: onnx.SequenceType(onnx.Float)}},
		Outputs: []onnx.ValueInfo{{Name: "o", ElemType: onnx.Int64, Dims: []onnx.Dim{}}},
	}}
	data, _ := m.Marshal()
	strModel := filepath.Join(dir, "strings.onnx")
	os.WriteFile(strModel, data, 0o644)
	tiny := synthTiny(t, "int4")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing library", []string{"--model", tiny, "--ort-lib", filepath.Join(dir, "libonnxruntime.so.1")}, "make ort"},
		{"corrupt model", []string{"--model", corrupt}, "not a valid ONNX file"},
		{"unfillable input", []string{"--model", strModel}, "pass it with --inputs DIR"},
		{"unknown provider", []string{"--model", tiny, "--provider", "warp,cpu"}, `unknown execution provider "warp"`},
		{"missing model", []string{"--model", filepath.Join(dir, "nope.onnx")}, "nope.onnx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"bench", "--target", "sim"}, tc.args...)...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s%s", code, out, errOut)
			}
			assertOneLineError(t, errOut)
			if strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("stderr %q, want one line with %q", errOut, tc.want)
			}
		})
	}
}

func TestBenchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--model", "a.onnx", "--synth", "50M"},
		{"--model", "a.onnx", "--sweep", "50M,100M"},
		{"--sweep", "50M,1T"},
		{"--iterations", "3", "--duration", "1s"},
		{"--synth", "7B"},
		{"--dim", "batch"},
		{"--runtime", "tflite"},
		{"--expect", "dir"},
		{"--inputs", "dir"},
	} {
		code, _, errOut := runCLI(t, append([]string{"bench", "--target", "sim"}, args...)...)
		if code != 64 {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
}

// bench's flags become BenchOptions (with the set of flags given), checked
// before anything is opened; applied over the plan, only the flags given
// replace the plan's settings.
func TestBenchFlagsToOptions(t *testing.T) {
	run := func(args ...string) (*BenchOptions, int) {
		var got *BenchOptions
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
		cmd := newCmdBench(f, func(o *BenchOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		code, _ := exitCode(cmd.Execute())
		if f.session != nil {
			t.Fatalf("%v: board or plan opened before the run function", args)
		}
		return got, code
	}
	o, code := run("--synth", "100m", "--iterations", "3", "--provider", "cpu", "--cpu-fallback", "fail")
	if code != 0 || o.Synth != "100m" || o.Iterations != 3 || !o.Set["synth"] || o.Set["model"] || o.Set["quant"] {
		t.Fatalf("exit %d options %+v", code, o)
	}
	plan := bench.BenchOptions{Synth: "50M", Quant: "int4", Iterations: 2, Duration: time.Second, Infer: infer.Options{Providers: []string{"hailo", "cpu"}}}
	got, err := o.apply(plan, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got.Synth != "100m" || got.Quant != "int4" || got.Iterations != 3 || got.Duration != 0 || got.Infer.Providers[0] != "cpu" || got.CPUFallback != "fail" || got.Infer.Seed != 7 {
		t.Fatalf("applied %+v", got)
	}
	for _, bad := range [][]string{{"--model", "m.onnx", "--synth", "50M"}, {"--iterations", "2", "--duration", "1s"}, {"--threads", "-1"}} {
		if _, code := run(bad...); code != 64 {
			t.Errorf("%v: exit %d, want 64", bad, code)
		}
	}
}
