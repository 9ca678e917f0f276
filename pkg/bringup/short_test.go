package bringup

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aihat/aihat/pkg/synth"
)

// shortBenchModel is the bench model of a fixture bring-up under
// `go test -short`: a tiny int4 synthetic decoder (82 k parameters) in
// place of the station plan's 50M one. make test-arm64 runs the tests under
// qemu, where the 50M model decodes at under 1 token/s and fails the plan's
// speed limits; the tiny one runs the same stage, measurements and limits.
var shortBenchModel = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "aihat-bringup-short-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "synth-tiny-int4.onnx")
	c := synth.Config{Layers: 2, Hidden: 64, Heads: 4, FFN: 128, Vocab: 97, Context: 64, Quant: synth.Int4, Seed: 7}
	_, err = synth.Write(c, path)
	return path, err
})

// shortBench points the plan's bench at shortBenchModel in short mode.
func shortBench(t *testing.T, model *string) {
	t.Helper()
	if !testing.Short() {
		return
	}
	path, err := shortBenchModel()
	if err != nil {
		t.Fatal(err)
	}
	*model = path
}
