package board

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunOutputReplaysStderr: under a fixture root, <canned>.stderr is the
// command's stderr, and Run still returns stdout alone.
func TestRunOutputReplaysStderr(t *testing.T) {
	root := t.TempDir()
	cmd := filepath.Join(root, ".aihat", "cmd")
	if err := os.MkdirAll(cmd, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(cmd, "hailortcli_benchmark_net.hef"), []byte("\n=======\nSummary\n=======\nnet: FPS: 1.00\n"), 0o644)
	os.WriteFile(filepath.Join(cmd, "hailortcli_benchmark_net.hef.stderr"), []byte("Measurement power is not supported\n"), 0o644)
	b, err := NewLinux(root)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, err := RunOutput(context.Background(), b, "hailortcli", "benchmark", "net.hef")
	if err != nil || !strings.Contains(string(out), "net: FPS: 1.00") || string(errOut) != "Measurement power is not supported\n" {
		t.Fatalf("%q %q %v", out, errOut, err)
	}
	if out, err := b.Run(context.Background(), "hailortcli", "benchmark", "net.hef"); err != nil || strings.Contains(string(out), "not supported") {
		t.Fatalf("Run: %q %v", out, err)
	}
	if _, _, err := RunOutput(context.Background(), b, "hailortcli", "run", "net.hef"); err == nil || !strings.Contains(err.Error(), "no canned output") {
		t.Fatalf("missing canned output: %v", err)
	}
}
