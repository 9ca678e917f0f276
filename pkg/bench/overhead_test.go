package bench

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/onnx"
	"github.com/aihat/aihat/pkg/sim"
	ort "github.com/yalue/onnxruntime_go"
)

// mlpModel is a plain two-layer MLP (x [1,512] → 2048 → 512), about 2 M
// multiply-adds per inference.
func mlpModel(b testing.TB) string {
	r := rand.New(rand.NewPCG(1, 2))
	w := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = r.Float32() - 0.5
		}
		return v
	}
	m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
		Name: "mlp",
		Nodes: []onnx.Node{
			{OpType: "MatMul", Inputs: []string{"x", "w1"}, Outputs: []string{"h"}},
			{OpType: "Relu", Inputs: []string{"h"}, Outputs: []string{"a"}},
			{OpType: "MatMul", Inputs: []string{"a", "w2"}, Outputs: []string{"y"}},
		},
		Initializers: []onnx.Tensor{onnx.FloatTensor("w1", []int64{512, 2048}, w(512*2048)), onnx.FloatTensor("w2", []int64{2048, 512}, w(2048*512))},
		Inputs:       []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 1}, {Value: 512}}}},
		Outputs:      []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 1}, {Value: 512}}}},
	}}
	data, err := m.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "mlp.onnx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkHarnessOverhead compares bench's plain-model loop (timing, board
// sampling, progress) with a bare onnxruntime_go Run loop on the same
// session and inputs, interleaved in rounds so both see the same machine.
// Metrics: bare and harness wall time per inference, the per-inference
// time bench reports (mean latency), and the harness's overhead in %.
func BenchmarkHarnessOverhead(b *testing.B) {
	s, err := infer.Open(mlpModel(b), infer.Options{Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	in, err := s.FillInputs()
	if err != nil {
		b.Fatal(err)
	}
	defer infer.Destroy(in)
	sb, _ := sim.New(sim.Options{Seed: 1})
	smp := NewSampler(sb)
	smp.Start()
	prog := newProgress(io.Discard, "bench.mlp")
	raw := s.Raw()
	outs := make([]ort.Value, 1)
	const round = 100
	var bare, harness, reported time.Duration
	var ratios []float64 // harness/bare per round
	n := 0
	b.ResetTimer()
	runBare := func() time.Duration {
		t0 := time.Now()
		for j := 0; j < round; j++ {
			if err := raw.Run(in, outs); err != nil {
				b.Fatal(err)
			}
			outs[0].Destroy()
			outs[0] = nil
		}
		d := time.Since(t0)
		bare += d
		return d
	}
	runHarness := func() time.Duration {
		t0 := time.Now()
		lat, err := plainLoop(context.Background(), s, in, BenchOptions{Iterations: round}, smp, prog)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		harness += d
		reported += Latency(lat).Mean * round
		return d
	}
	for i := 0; i < b.N; i++ {
		// Alternate which goes first so warm caches favour neither.
		var db, dh time.Duration
		if i%2 == 0 {
			db = runBare()
			dh = runHarness()
		} else {
			dh = runHarness()
			db = runBare()
		}
		ratios = append(ratios, dh.Seconds()/db.Seconds())
		n += round
	}
	b.ReportMetric(float64(bare.Nanoseconds())/float64(n), "bare-ns/inference")
	b.ReportMetric(float64(harness.Nanoseconds())/float64(n), "bench-ns/inference")
	b.ReportMetric(float64(reported.Nanoseconds())/float64(n), "reported-ns/inference")
	// The median of per-round ratios: a burst of load from another process
	// lands in one round and moves the median little, where it would move
	// the ratio of sums by its whole length.
	sort.Float64s(ratios)
	b.ReportMetric(100*(ratios[len(ratios)/2]-1), "overhead-%")
	b.ReportMetric(100*(harness.Seconds()-bare.Seconds())/bare.Seconds(), "overhead-of-sums-%")
}

// BenchmarkHarnessPerIteration is the harness's own cost per iteration
// (timing, latency record, sampling check, progress) around a no-op model:
// compare it with the per-inference time above.
func BenchmarkHarnessPerIteration(b *testing.B) {
	sb, _ := sim.New(sim.Options{Seed: 1})
	smp := NewSampler(sb)
	smp.Start()
	prog := newProgress(io.Discard, "bench.noop")
	b.ResetTimer()
	_, err := Loop(context.Background(), 0, b.N, 0, func() error { return nil }, func(done int) {
		smp.Maybe(context.Background())
		prog.update(done, b.N, 0, "")
	})
	if err != nil {
		b.Fatal(err)
	}
}
