package infer

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/aihat/aihat/pkg/onnx"
	"github.com/aihat/aihat/pkg/synth"
	ort "github.com/yalue/onnxruntime_go"
)

// ORT's MatMulNBits must read synth's packing as synth's own dequantizer
// does: B uint8 [N, k_blocks, block_size/2], element 2i in the low nibble,
// scales [N, k_blocks], default zero point 8. K = 80 leaves the last block
// padded.
func TestMatMulNBitsLayoutAgreesWithORT(t *testing.T) {
	const k, n, bs, rows = 80, 5, 32, 3
	r := rand.New(rand.NewPCG(5, 6))
	w := make([]float32, k*n)
	for i := range w {
		w[i] = r.Float32()*2 - 1
	}
	q, scales := synth.QuantInt4(w, k, n, bs)
	kb := int64((k + bs - 1) / bs)
	m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}, {Domain: "com.microsoft", Version: 1}}, Graph: onnx.Graph{
		Name: "nbits",
		Nodes: []onnx.Node{{OpType: "MatMulNBits", Domain: "com.microsoft", Inputs: []string{"a", "b", "s"}, Outputs: []string{"y"},
			Attrs: []onnx.Attr{onnx.AttrI("K", k), onnx.AttrI("N", n), onnx.AttrI("bits", 4), onnx.AttrI("block_size", bs)}}},
		Initializers: []onnx.Tensor{
			{Name: "b", DataType: onnx.Uint8, Dims: []int64{n, kb, bs / 2}, Raw: q},
			onnx.FloatTensor("s", []int64{n, kb}, scales),
		},
		Inputs:  []onnx.ValueInfo{{Name: "a", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: rows}, {Value: k}}}},
		Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: rows}, {Value: n}}}},
	}}
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nbits.onnx")
	os.WriteFile(path, data, 0o644)
	s := open(t, path, Options{Threads: 1})
	a := make([]float32, rows*k)
	for i := range a {
		a[i] = r.Float32()*2 - 1
	}
	in, err := ort.NewTensor(ort.Shape{rows, k}, a)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Destroy()
	out, err := s.Run([]ort.Value{in})
	if err != nil {
		t.Fatal(err)
	}
	defer Destroy(out)
	got := out[0].(*ort.Tensor[float32]).GetData()
	d := synth.DequantInt4(q, scales, k, n, bs)
	for i := 0; i < rows; i++ {
		for j := 0; j < n; j++ {
			var want float64
			for x := 0; x < k; x++ {
				want += float64(a[i*k+x]) * float64(d[x*n+j])
			}
			// MatMulNBits keeps a in fp32: 80 products of |a| < 1 and |w| < 1
			// round within γ_80·Σ|a·w| ≤ 80·2⁻²⁴·80 ≈ 3.8e-4 (Higham); a wrong
			// nibble or scale order is off by ≥ one step, ≈ 0.1.
			if math.Abs(float64(got[i*n+j])-want) > 1e-3 {
				t.Fatalf("y[%d,%d] = %v, reference %v: ORT reads the int4 packing differently", i, j, got[i*n+j], want)
			}
		}
	}
}
