package hailortcli

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// seedCorpus adds every real capture of a command as a seed.
func seedCorpus(f *testing.F, command string) {
	m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "captures", command, "*.txt"))
	for _, p := range m {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
}

// hailortcli output reaches Parse from a child process and from posted
// captures: whatever it holds, Parse returns without panicking and never
// invents a negative or non-finite rate.
func FuzzParseBenchmark(f *testing.F) {
	seedCorpus(f, "hailortcli_benchmark")
	f.Add("FPS (hw_only) = 1e309\n")
	f.Fuzz(func(t *testing.T, out string) {
		r := Parse(out)
		for _, v := range []float64{r.FPSHWOnly, r.FPSStreaming} {
			if v < 0 || math.IsNaN(v) {
				t.Fatalf("rate %v from %q", v, out)
			}
		}
	})
}

func FuzzParseIdentify(f *testing.F) {
	seedCorpus(f, "hailortcli_fw-control_identify")
	f.Add("Device Architecture: HAILO10H\nFirmware Version: 5.1.0 (release,app)\n")
	f.Fuzz(func(t *testing.T, out string) {
		ParseIdentify(out)
	})
}
