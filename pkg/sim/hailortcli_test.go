package sim

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestHailortcliIsHailoRT5OnAHailo10H: the simulated AI HAT+ 2 answers as
// HailoRT 5.x does (run2_command.cpp run2_benchmark, run_command.cpp):
// identify says HAILO10H, the benchmark prints "<net>: FPS:" and the
// device's temperature line, says on stderr that power and current are not
// supported, runs once for --time-to-run, and `run` is refused.
func TestHailortcliIsHailoRT5OnAHailo10H(t *testing.T) {
	b, err := New(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, _, err := b.RunOutput(ctx, "hailortcli", "fw-control", "identify")
	if err != nil || !regexp.MustCompile(`(?m)^Device Architecture: HAILO10H$`).Match(id) || strings.Contains(string(id), "<N/A>") {
		t.Fatalf("identify: %v\n%s", err, id)
	}
	t0 := b.VirtualClock().Now()
	out, errOut, err := b.RunOutput(ctx, "hailortcli", "benchmark", "net.hef", "--time-to-run", "4")
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`^\n=======\nSummary\n=======\n`,
		`(?m)^net: FPS: [0-9]+\.[0-9]{2}$`,
		`(?m)^0001:01:00\.0:$`,
		`(?m)^  temperature: mean=[0-9]+\.[0-9]{2} min=[0-9]+\.[0-9]{2} max=[0-9]+\.[0-9]{2}$`,
	} {
		if !regexp.MustCompile(re).Match(out) {
			t.Errorf("benchmark output lacks %s:\n%s", re, out)
		}
	}
	if strings.Contains(string(out), "power") || string(errOut) != "Measurement power is not supported\nMeasurement current is not supported\n" {
		t.Errorf("power: stdout\n%s\nstderr\n%s", out, errOut)
	}
	if d := b.VirtualClock().Since(t0).Seconds(); d != 4 {
		t.Errorf("a 4 s run2 benchmark advanced the clock %v s", d)
	}
	if b.model.npuLoad != 0 {
		t.Error("NPU load not restored after the benchmark")
	}
	if _, err := b.Run(ctx, "hailortcli", "run", "net.hef", "--measure-temp"); err == nil || !strings.Contains(err.Error(), `Use "run2" instead`) {
		t.Fatalf("run on a Hailo-10H: %v", err)
	}
	if _, err := b.Run(ctx, "hailortcli", "benchmark"); err == nil {
		t.Error("benchmark without a HEF accepted")
	}
	b.State().PCIe = nil
	if _, err := b.Run(ctx, "hailortcli", "benchmark", "net.hef"); err == nil || !strings.Contains(err.Error(), "HAILO_OUT_OF_PHYSICAL_DEVICES") {
		t.Errorf("no device: %v", err)
	}
}
