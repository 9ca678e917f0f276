package sim

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestHailortcliBenchmarkPrintsTheSummaryBlock(t *testing.T) {
	b, err := New(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t0 := b.VirtualClock().Now()
	out, err := b.Run(context.Background(), "hailortcli", "benchmark", "net.hef", "--time-to-run", "4")
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^=======\nSummary\n=======$`,
		`(?m)^FPS     \(hw_only\)                 = [0-9.]+$`,
		`(?m)^        \(streaming\)               = [0-9.]+$`,
		`(?m)^Latency \(hw\)                      = [0-9.]+ ms$`,
		`(?m)^Power in streaming mode \(average\) = [0-9.]+ W$`,
		`(?m)^                        \(max\)     = [0-9.]+ W$`,
	} {
		if !regexp.MustCompile(re).Match(out) {
			t.Errorf("benchmark output lacks %s:\n%s", re, out)
		}
	}
	if d := b.VirtualClock().Since(t0).Seconds(); d != 12 {
		t.Errorf("three 4 s phases advanced the clock %v s", d)
	}
	if b.model.npuLoad != 0 {
		t.Error("NPU load not restored after the benchmark")
	}
	out, err = b.Run(context.Background(), "hailortcli", "run", "net.hef", "--measure-temp")
	if err != nil || !regexp.MustCompile(`(?m)^Average chip temperature: [0-9.]+ C$`).Match(out) {
		t.Fatalf("run --measure-temp: %v\n%s", err, out)
	}
	if _, err := b.Run(context.Background(), "hailortcli", "benchmark"); err == nil {
		t.Error("benchmark without a HEF accepted")
	}
	b.State().PCIe = nil
	if _, err := b.Run(context.Background(), "hailortcli", "benchmark", "net.hef"); err == nil || !strings.Contains(err.Error(), "HAILO_OUT_OF_PHYSICAL_DEVICES") {
		t.Errorf("no device: %v", err)
	}
}
