package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `aihat bench --inputs D --expect D` on three models of the ONNX backend
// test data (testdata/onnx-backend/SOURCE): each passes with its outputs
// matched; with one element of an expected output changed,
// the run fails (exit 1) on outputs_mismatched, naming the output.
func TestBenchChecksRealInputsAndExpectedOutputs(t *testing.T) {
	for _, name := range []string{"test_cast_FLOAT_to_FLOAT16", "test_gather_0", "test_sequence_insert_at_back"} {
		t.Run(name, func(t *testing.T) {
			dir := repoPath("testdata", "onnx-backend", name)
			set := filepath.Join(dir, "test_data_set_0")
			code, out, errOut := runCLI(t, "bench", "--target", "sim", "--model", filepath.Join(dir, "model.onnx"),
				"--inputs", set, "--expect", set, "--iterations", "3", "--threads", "1")
			if code != 0 || !strings.Contains(out, "outputs_matched") || !strings.Contains(out, "PASS") {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
		})
	}
	// Wrong answers: test_gather_0's expected output is its output with
	// one element changed (a faulty runtime's answer).
	src := repoPath("testdata", "onnx-backend", "test_gather_0")
	bad := t.TempDir()
	for _, f := range []string{"input_0.pb", "input_1.pb", "output_0.pb"} {
		b, err := os.ReadFile(filepath.Join(src, "test_data_set_0", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "output_0.pb" {
			b[len(b)-2] ^= 0x40 // a float's high byte, little-endian raw_data ends the message
		}
		os.WriteFile(filepath.Join(bad, f), b, 0o644)
	}
	code, out, errOut := runCLI(t, "bench", "--target", "sim", "--model", filepath.Join(src, "model.onnx"),
		"--inputs", bad, "--expect", bad, "--iterations", "2", "--threads", "1")
	if code != 1 || !strings.Contains(out+errOut, "FAIL bench.model.outputs_mismatched: output y: 1 of 72 elements differ") {
		t.Fatalf("wrong answer: exit %d\n%s%s", code, out, errOut)
	}
}
