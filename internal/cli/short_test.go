package cli

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/aihat/aihat/pkg/synth"
)

// shortPlan is a plan override for bring-ups under `go test -short`: the
// bench runs a tiny int4 synthetic decoder (82 k parameters) in place of
// the default plan's 50M one. make test-arm64 runs the tests under qemu,
// where the 50M model decodes at under 1 token/s and fails the plan's
// speed limits; the tiny one runs the same stage, measurements and limits.
var shortPlan = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "aihat-cli-short-")
	if err != nil {
		return "", err
	}
	model := filepath.Join(dir, "synth-tiny-int4.onnx")
	c := synth.Config{Layers: 2, Hidden: 64, Heads: 4, FFN: 128, Vocab: 97, Context: 64, Quant: synth.Int4, Seed: 7}
	if _, err := synth.Write(c, model); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "short.yaml")
	return path, os.WriteFile(path, []byte("bench:\n  model: "+model+"\n"), 0o644)
})

// shortArgs adds --plan shortPlan to a bring-up in short mode, unless the
// test names its own plan.
func shortArgs(t *testing.T, args []string) []string {
	t.Helper()
	if !testing.Short() || len(args) == 0 || args[0] != "bringup" || slices.Contains(args, "--plan") {
		return args
	}
	path, err := shortPlan()
	if err != nil {
		t.Fatal(err)
	}
	return append(slices.Clip(args), "--plan", path)
}
