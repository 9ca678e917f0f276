package synth

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/aihat/aihat/pkg/onnx"
)

var small = Config{Layers: 2, Hidden: 64, Heads: 4, FFN: 256, Vocab: 500, Context: 32, Seed: 3}

func marshal(t *testing.T, c Config) []byte {
	t.Helper()
	m, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSameFlagsSameBytes(t *testing.T) {
	for _, q := range []string{FP32, Int8, Int4} {
		c := small
		c.Quant = q
		a, b := sha256.Sum256(marshal(t, c)), sha256.Sum256(marshal(t, c))
		if a != b {
			t.Fatalf("%s: two builds differ", q)
		}
		c.Seed++
		if sha256.Sum256(marshal(t, c)) == a {
			t.Fatalf("%s: another seed gives the same model", q)
		}
	}
}

// Params counts what the fp32 model stores: every float initializer that is
// a weight (not a scalar constant).
func TestParamsMatchesTheWeightsWritten(t *testing.T) {
	for _, norm := range []string{"rms", "layer"} {
		c := small
		c.Norm = norm
		m, err := Build(c)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, t := range m.Graph.Initializers {
			if t.DataType == onnx.Float && len(t.Dims) > 0 && t.Name[:2] != "c_" {
				n += t.Elements()
			}
		}
		if n != c.Params() {
			t.Fatalf("%s: initializers hold %d floats, Params() = %d", norm, n, c.Params())
		}
		if m.Metadata[MetaParams] != strconv.FormatInt(n, 10) || m.Metadata[MetaQuant] != FP32 {
			t.Fatalf("metadata %v", m.Metadata)
		}
	}
}

func TestPresetsAreTheirNominalSize(t *testing.T) {
	for name, want := range map[string]float64{"50M": 50e6, "100M": 100e6, "200M": 200e6} {
		c, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := float64(c.Params()); math.Abs(got-want)/want > 0.15 {
			t.Errorf("%s preset has %.0f parameters", name, got)
		}
	}
	if _, err := Preset("7B"); err == nil {
		t.Error("Preset(7B) accepted")
	}
}

func TestQuantizedModelsAreSmallerByTheExpectedFactor(t *testing.T) {
	c := Config{Layers: 2, Hidden: 256, Heads: 4, Vocab: 1000, Context: 16, Seed: 1}
	size := map[string]float64{}
	for _, q := range []string{FP32, Int8, Int4} {
		c.Quant = q
		size[q] = float64(len(marshal(t, c)))
	}
	// int8: 1 B per weight + scales ≈ 1/4; int4: 0.5 B + a 4 B scale per
	// 32 weights ≈ 0.625/4, with the int8 embedding on top.
	if r := size[FP32] / size[Int8]; r < 3.5 || r > 4.1 {
		t.Errorf("fp32/int8 = %.2f, want ≈ 4", r)
	}
	if r := size[FP32] / size[Int4]; r < 5 || r > 6.5 {
		t.Errorf("fp32/int4 = %.2f, want ≈ 5.5", r)
	}
}

func TestInt4PackingMatchesMatMulNBits(t *testing.T) {
	// k = 40 with block 32: two blocks, the second padded.
	k, n, bs := 40, 3, 32
	w := make([]float32, k*n)
	for i := range w {
		w[i] = float32(math.Sin(float64(i))) * 0.7
	}
	q, s := QuantInt4(w, k, n, bs)
	if len(q) != n*2*bs/2 || len(s) != n*2 {
		t.Fatalf("B %d B, scales %d; want %d and %d", len(q), len(s), n*2*bs/2, n*2)
	}
	// Element 2i in the low nibble: column 0, rows 0 and 1 share byte 0.
	r0 := int(math.Round(float64(w[0*n]/s[0]))) + 8
	r1 := int(math.Round(float64(w[1*n]/s[0]))) + 8
	if int(q[0]&0x0f) != r0 || int(q[0]>>4) != r1 {
		t.Fatalf("byte 0 = %#x, want low %d high %d", q[0], r0, r1)
	}
	// Padding rows are the zero point.
	if q[(0*2+1)*bs/2+(40-32)/2] != 0x88 {
		t.Fatalf("padding byte %#x, want 0x88", q[(0*2+1)*bs/2+4])
	}
	d := DequantInt4(q, s, k, n, bs)
	for i := range w {
		row, col := i/n, i%n
		if diff := math.Abs(float64(d[i] - w[i])); diff > float64(s[col*2+row/bs])/2+1e-6 {
			t.Fatalf("weight %d: %v dequantizes to %v", i, w[i], d[i])
		}
	}
}

func TestNormalizeRejectsBadShapes(t *testing.T) {
	bad := []Config{
		{Layers: 0, Hidden: 64, Heads: 4, Vocab: 10, Context: 8},
		{Layers: 1, Hidden: 65, Heads: 4, Vocab: 10, Context: 8},
		{Layers: 1, Hidden: 64, Heads: 4, Vocab: 10, Context: 8, Quant: "int3"},
		{Layers: 1, Hidden: 64, Heads: 4, Vocab: 10, Context: 8, Norm: "batch"},
		{Layers: 1, Hidden: 64, Heads: 4, Vocab: 10, Context: 8, BlockSize: 48},
	}
	for _, c := range bad {
		if _, err := Build(c); err == nil {
			t.Errorf("Build(%+v) accepted", c)
		}
	}
}

func TestWriteReportsTheFilesSizeAndDigest(t *testing.T) {
	c, err := small.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.onnx")
	w, err := Write(c, path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if w.Bytes != int64(len(b)) || w.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("Write = %+v, file has %d B sha256 %x", w, len(b), sum)
	}
	if !bytes.Equal(b, marshal(t, c)) {
		t.Fatal("streamed file differs from Marshal")
	}
}

// x86-64 CPUs without VNNI (AVX2, AVX-512 before VNNI) add pairs of u8·s8
// products into a saturating int16 in DynamicQuantizeMatMul: every int8
// weight must stay within ±WeightMaxInt8 so 2·255·|q| ≤ 32767, and the
// largest weight of each column uses the whole range.
func TestInt8WeightsCannotSaturateVPMADDUBSW(t *testing.T) {
	if 2*255*WeightMaxInt8 > math.MaxInt16 {
		t.Fatalf("WeightMaxInt8 = %d lets two u8·s8 products overflow int16", WeightMaxInt8)
	}
	c := small
	c.Quant = Int8
	m, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	inits := map[string]onnx.Tensor{}
	for _, t := range m.Graph.Initializers {
		inits[t.Name] = t
	}
	nodes := 0
	for _, n := range m.Graph.Nodes {
		if n.OpType != "DynamicQuantizeMatMul" {
			continue
		}
		nodes++
		w := inits[n.Inputs[1]]
		cols := int(w.Dims[1])
		colMax := make([]int, cols)
		for i, b := range w.Raw {
			q := int(int8(b))
			if q > WeightMaxInt8 || q < -WeightMaxInt8 {
				t.Fatalf("%s[%d] = %d, outside ±%d", w.Name, i, q, WeightMaxInt8)
			}
			colMax[i%cols] = max(colMax[i%cols], q, -q)
		}
		for j, m := range colMax {
			if m != WeightMaxInt8 {
				t.Fatalf("%s column %d peaks at %d, want %d (the scale wastes range)", w.Name, j, m, WeightMaxInt8)
			}
		}
	}
	if nodes != 6*c.Layers+1 {
		t.Fatalf("%d DynamicQuantizeMatMul nodes, want %d", nodes, 6*c.Layers+1)
	}
}
