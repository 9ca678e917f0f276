package cli

import (
	"encoding/json"
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
