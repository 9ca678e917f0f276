package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestLoadtestOnTheSim: three virtual hours at 10 s sampling run in
// about a second and print one record with the slopes judged.
func TestLoadtestOnTheSim(t *testing.T) {
	t0 := time.Now()
	code, out, errOut := runCLI(t, "loadtest", "--target", "sim", "--duration", "3h", "--interval", "10s", "--warmup", "30m", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("3 h sim load test: %s wall", time.Since(t0))
	var run struct {
		Outcome string
		Steps   []struct {
			Name         string
			Measurements []struct{ Name, Outcome string }
		}
	}
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if run.Outcome != "PASS" || len(run.Steps) != 1 || run.Steps[0].Name != "loadtest.run" {
		t.Fatalf("%+v", run)
	}
	seen := map[string]bool{}
	for _, m := range run.Steps[0].Measurements {
		seen[m.Name] = true
	}
	for _, want := range []string{"health_failures", "mem_available_slope", "slab_slope"} {
		if !seen[want] {
			t.Errorf("no %s in %s", want, out)
		}
	}
	if !strings.Contains(errOut, "loadtest.run:") {
		t.Errorf("no progress lines on stderr: %q", errOut)
	}
}

func TestLoadtestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--runtime", "tflite"},
		{"--runtime", "ollama", "--model", "gemma3"},
		{"--duration", "-1h"},
	} {
		code, _, errOut := runCLI(t, append([]string{"loadtest", "--target", "sim"}, args...)...)
		if code != 64 {
			t.Errorf("%v: exit %d %q", args, code, errOut)
		}
	}
}

// The load test's other runtimes: ONNX Runtime in process on any target
// (here a real model of the ONNX test data), hailortcli only where its
// runs do not move a virtual clock, the sim's model only on the sim.
func TestLoadtestRuntimes(t *testing.T) {
	if os.Getenv("ONNXRUNTIME_LIB") == "" {
		t.Skip("ONNXRUNTIME_LIB unset (make test sets it)")
	}
	code, out, errOut := runCLI(t, "loadtest", "--target", "sim", "--runtime", "onnxruntime",
		"--model", repoPath("testdata", "onnx-backend", "test_cast_FLOAT_to_FLOAT16", "model.onnx"),
		"--duration", "1h", "--interval", "30s", "--warmup", "10m", "-v", "-o", "json")
	if code != 0 || !strings.Contains(out, `"unit": "inference"`) || !strings.Contains(errOut, "ONNX Runtime session on") {
		t.Fatalf("onnxruntime: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--target", "sim", "--runtime", "hailortcli"}, 64, "needs --hef"},
		{[]string{"--target", "sim", "--runtime", "hailortcli", "--hef", "yolov8m.hef"}, 2, "use --runtime model there"},
		{[]string{"--target", "fixture", "--root", repoPath("testdata", "rootfs", "healthy-6.12"), "--runtime", "model"}, 2, "simulated board's load model"},
		{[]string{"--target", "sim", "--runtime", "tensorrt"}, 64, "choose model, onnxruntime, hailortcli, ollama"},
	} {
		code, out, errOut := runCLI(t, append([]string{"loadtest", "--duration", "1h"}, c.args...)...)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%v: exit %d, want %d and %q\n%s%s", c.args, code, c.code, c.want, out, errOut)
		}
	}
}
