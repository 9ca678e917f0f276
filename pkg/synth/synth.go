// Package synth generates deterministic decoder-only transformer models in
// ONNX: token and position embedding, N blocks (RMSNorm or LayerNorm,
// multi-head attention with a KV cache passed in and out, SiLU MLP), a final
// norm and an LM head, in fp32, int8 (com.microsoft DynamicQuantizeMatMul)
// or int4 (com.microsoft MatMulNBits). Factory stations cannot ship licensed
// LLM weights; these models are redistributable and of any size.
package synth

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aihat/aihat/pkg/onnx"
)

// Quantizations.
const (
	FP32 = "fp32"
	Int8 = "int8"
	Int4 = "int4"
)

// Config is a model's shape and encoding.
type Config struct {
	Layers  int
	Hidden  int
	Heads   int
	FFN     int // MLP inner width; 4×Hidden when 0
	Vocab   int
	Context int    // position-embedding table size, tokens
	Norm    string // "rms" (default) or "layer"
	Quant   string // fp32, int8, int4
	// BlockSize is MatMulNBits' block size for int4 (32 or 128).
	BlockSize int
	Seed      int64
	// Layout is LayoutAihat ("") or LayoutHF (Hugging Face export names,
	// GroupQueryAttention, MatMulInteger int8); see hf.go.
	Layout string
	// KVHeads is the number of key/value heads of LayoutHF (0: Heads);
	// Heads must be a multiple of it.
	KVHeads int
}

// Presets are the named sizes of --params.
var Presets = map[string]Config{
	"50M":  {Layers: 8, Hidden: 512, Heads: 8, FFN: 2048, Vocab: 24576, Context: 1024},
	"100M": {Layers: 9, Hidden: 768, Heads: 12, FFN: 3072, Vocab: 24576, Context: 1024},
	"200M": {Layers: 12, Hidden: 1024, Heads: 16, FFN: 4096, Vocab: 24576, Context: 1024},
}

// Preset returns the named size ("50M", "100M", "200M"; case-insensitive).
func Preset(name string) (Config, error) {
	c, ok := Presets[strings.ToUpper(name)]
	if !ok {
		return Config{}, fmt.Errorf("synth: unknown size %q: choose 50M, 100M or 200M, or give --layers/--hidden/--heads/--vocab/--context", name)
	}
	return c, nil
}

// Normalize fills defaults and checks the shape.
func (c Config) Normalize() (Config, error) {
	if c.FFN == 0 {
		c.FFN = 4 * c.Hidden
	}
	if c.Norm == "" {
		c.Norm = "rms"
	}
	if c.Quant == "" {
		c.Quant = FP32
	}
	if c.BlockSize == 0 {
		c.BlockSize = 32
	}
	if err := c.checkShape(); err != nil {
		return c, err
	}
	return c, c.checkEncoding()
}

// checkShape checks the sizes, and that the heads divide them.
func (c Config) checkShape() error {
	switch {
	case c.Layers < 1 || c.Hidden < 1 || c.Heads < 1 || c.Vocab < 2 || c.Context < 1:
		return fmt.Errorf("synth: layers, hidden, heads, context must be ≥ 1 and vocab ≥ 2 (got %d, %d, %d, %d, %d)", c.Layers, c.Hidden, c.Heads, c.Context, c.Vocab)
	case c.Hidden%c.Heads != 0:
		return fmt.Errorf("synth: hidden %d is not a multiple of heads %d", c.Hidden, c.Heads)
	}
	return nil
}

// checkEncoding checks the choices: norm, quantization, block size,
// layout, and grouped-query heads (hf layout only).
func (c Config) checkEncoding() error {
	switch {
	case c.Norm != "rms" && c.Norm != "layer":
		return fmt.Errorf("synth: norm %q: choose rms or layer", c.Norm)
	case c.Quant != FP32 && c.Quant != Int8 && c.Quant != Int4:
		return fmt.Errorf("synth: quant %q: choose fp32, int8 or int4", c.Quant)
	case c.BlockSize != 32 && c.BlockSize != 128 && c.BlockSize != 16 && c.BlockSize != 64:
		return fmt.Errorf("synth: block size %d: choose 32 or 128", c.BlockSize)
	case c.Layout != LayoutAihat && c.Layout != LayoutHF:
		return fmt.Errorf("synth: layout %q: choose aihat (empty) or hf", c.Layout)
	case c.KVHeads < 0 || (c.KVHeads > 0 && c.Heads%c.KVHeads != 0):
		return fmt.Errorf("synth: heads %d is not a multiple of kv heads %d", c.Heads, c.KVHeads)
	case c.KVHeads > 0 && c.Layout != LayoutHF:
		return fmt.Errorf("synth: kv heads (grouped-query attention) need the hf layout")
	}
	return nil
}

// Params is the model's parameter count.
func (c Config) Params() int64 {
	c, _ = c.Normalize()
	d, f, v := int64(c.Hidden), int64(c.FFN), int64(c.Vocab)
	norm := d
	if c.Norm == "layer" {
		norm = 2 * d
	}
	kv := d / int64(c.Heads) * int64(c.kvHeads())
	perLayer := 2*d*d + 2*d*kv + 2*d*f + 2*norm
	return v*d + int64(c.Context)*d + int64(c.Layers)*perLayer + norm + d*v
}

// Name is a short description, e.g. "synth-50M-int4" style "L8-H512-int4".
func (c Config) Name() string {
	return fmt.Sprintf("synth-%s-%s", HumanParams(c.Params()), c.Quant)
}

// HumanParams renders a parameter count as "52M".
func HumanParams(n int64) string {
	return strconv.FormatInt((n+500_000)/1_000_000, 10) + "M"
}

// Metadata keys written into the model.
const (
	MetaParams = "aihat.params"
	MetaQuant  = "aihat.quant"
	MetaConfig = "aihat.config"
)

// Build returns the model for c.
func Build(c Config) (*onnx.Model, error) {
	c, err := c.Normalize()
	if err != nil {
		return nil, err
	}
	b := &builder{c: c}
	if c.Layout == LayoutHF {
		b.buildHF()
	} else {
		b.build()
	}
	m := &onnx.Model{
		IRVersion:       8,
		Opsets:          []onnx.OpsetImport{{Domain: "", Version: 17}, {Domain: "com.microsoft", Version: 1}},
		ProducerName:    "aihat synth",
		ProducerVersion: "1",
		Graph:           b.g,
		Metadata: map[string]string{
			MetaParams: strconv.FormatInt(c.Params(), 10),
			MetaQuant:  c.Quant,
			MetaConfig: metaConfig(c),
		},
	}
	return m, nil
}

// Written describes a model file Write produced.
type Written struct {
	Bytes  int64
	SHA256 string // hex digest of the file, hashed as it was written
}

// Write builds the model and writes it to path (atomically, streamed so
// tensor data is not copied into one buffer, and hashed on the way so the
// file need not be read back).
func Write(c Config, path string) (Written, error) {
	m, err := Build(c)
	if err != nil {
		return Written{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".synth-*.onnx")
	if err != nil {
		return Written{}, fmt.Errorf("synth: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<20)
	h := sha256.New()
	n, err := m.WriteTo(io.MultiWriter(bw, h))
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return Written{}, fmt.Errorf("synth: write %s: %w", path, err)
	}
	return Written{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Input and output names of the generated models.
const (
	InputIDs = "input_ids"
	Logits   = "logits"
)

// PastKey etc. name layer i's cache tensors.
func PastKey(i int) string      { return fmt.Sprintf("past_key.%d", i) }
func PastValue(i int) string    { return fmt.Sprintf("past_value.%d", i) }
func PresentKey(i int) string   { return fmt.Sprintf("present_key.%d", i) }
func PresentValue(i int) string { return fmt.Sprintf("present_value.%d", i) }

type builder struct {
	c Config
	g onnx.Graph
	n int
}

func (b *builder) node(op string, inputs []string, attrs ...onnx.Attr) string {
	b.n++
	out := fmt.Sprintf("%s_%d", strings.ToLower(op), b.n)
	b.g.Nodes = append(b.g.Nodes, onnx.Node{Name: out, OpType: op, Inputs: inputs, Outputs: []string{out}, Attrs: attrs})
	return out
}

func (b *builder) msNode(op string, inputs []string, attrs ...onnx.Attr) string {
	out := b.node(op, inputs, attrs...)
	b.g.Nodes[len(b.g.Nodes)-1].Domain = "com.microsoft"
	return out
}

// rename makes the last node's output the graph output name.
func (b *builder) rename(name string) {
	b.g.Nodes[len(b.g.Nodes)-1].Outputs[0] = name
}

func (b *builder) init(t onnx.Tensor) string {
	b.g.Initializers = append(b.g.Initializers, t)
	return t.Name
}

func (b *builder) constI64(name string, dims []int64, v ...int64) string {
	return b.init(onnx.Int64Tensor(name, dims, v))
}

func (b *builder) constF(name string, dims []int64, v ...float32) string {
	return b.init(onnx.FloatTensor(name, dims, v))
}

// rng is a generator seeded by the model seed and the tensor's name, so a
// tensor's values do not depend on the order tensors are built in.
func (b *builder) rng(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(uint64(b.c.Seed), h.Sum64()))
}

// uniform returns n values uniform in ±a.
func (b *builder) uniform(name string, n int, a float32) []float32 {
	r := b.rng(name)
	v := make([]float32, n)
	for i := range v {
		v[i] = (r.Float32()*2 - 1) * a
	}
	return v
}

func (b *builder) build() {
	c := b.c
	d, hd := int64(c.Hidden), int64(c.Hidden/c.Heads)
	b.g.Name = c.Name()
	b.g.Inputs = append(b.g.Inputs, onnx.ValueInfo{Name: InputIDs, ElemType: onnx.Int64, Dims: []onnx.Dim{{Value: 1}, {Param: "sequence"}}})
	b.g.Outputs = append(b.g.Outputs, onnx.ValueInfo{Name: Logits, ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 1}, {Param: "sequence"}, {Value: int64(c.Vocab)}}})
	for i := 0; i < c.Layers; i++ {
		for _, n := range []string{PastKey(i), PastValue(i)} {
			b.g.Inputs = append(b.g.Inputs, onnx.ValueInfo{Name: n, ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 1}, {Value: int64(c.Heads)}, {Param: "past_sequence"}, {Value: hd}}})
		}
		for _, n := range []string{PresentKey(i), PresentValue(i)} {
			b.g.Outputs = append(b.g.Outputs, onnx.ValueInfo{Name: n, ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 1}, {Value: int64(c.Heads)}, {Param: "total_sequence"}, {Value: hd}}})
		}
	}

	// Positions and the causal mask, shared by all layers.
	zero := b.constI64("c_zero", nil, 0)
	one := b.constI64("c_one", nil, 1)
	two := b.constI64("c_two", nil, 2)
	seq := b.node("Gather", []string{b.node("Shape", []string{InputIDs}), one}, onnx.AttrI("axis", 0))
	past := b.node("Gather", []string{b.node("Shape", []string{PastKey(0)}), two}, onnx.AttrI("axis", 0))
	total := b.node("Add", []string{past, seq})
	qpos := b.node("Range", []string{past, total, one})
	kpos := b.node("Range", []string{zero, total, one})
	qcol := b.node("Unsqueeze", []string{qpos, b.constI64("c_axes1", []int64{1}, 1)})
	future := b.node("Less", []string{qcol, kpos})
	mask := b.node("Where", []string{future, b.constF("c_neg", nil, -1e9), b.constF("c_0f", nil, 0)})

	// Embeddings.
	var tok string
	if c.Quant == FP32 {
		emb := b.init(onnx.FloatTensor("embed.weight", []int64{int64(c.Vocab), d}, b.uniform("embed.weight", c.Vocab*c.Hidden, 1)))
		tok = b.node("Gather", []string{emb, InputIDs}, onnx.AttrI("axis", 0))
	} else {
		q, scale := quantRowsInt8(b.uniform("embed.weight", c.Vocab*c.Hidden, 1), c.Vocab, c.Hidden)
		embq := b.init(onnx.Tensor{Name: "embed.weight_q", DataType: onnx.Int8, Dims: []int64{int64(c.Vocab), d}, Raw: q})
		embs := b.constF("embed.weight_scale", []int64{int64(c.Vocab), 1}, scale...)
		g := b.node("Cast", []string{b.node("Gather", []string{embq, InputIDs}, onnx.AttrI("axis", 0))}, onnx.AttrI("to", int64(onnx.Float)))
		tok = b.node("Mul", []string{g, b.node("Gather", []string{embs, InputIDs}, onnx.AttrI("axis", 0))})
	}
	pemb := b.init(onnx.FloatTensor("pos_embed.weight", []int64{int64(c.Context), d}, b.uniform("pos_embed.weight", c.Context*c.Hidden, 0.1)))
	x := b.node("Add", []string{tok, b.node("Gather", []string{pemb, qpos}, onnx.AttrI("axis", 0))})

	heads := b.constI64("c_heads_shape", []int64{4}, 0, 0, int64(c.Heads), hd)
	merge := b.constI64("c_merge_shape", []int64{3}, 0, 0, d)
	scale := b.constF("c_attn_scale", nil, float32(1/math.Sqrt(float64(hd))))
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("layers.%d.", i)
		h := b.norm(x, p+"attn_norm")
		split := func(w string) string {
			t := b.linear(h, p+w, c.Hidden, c.Hidden)
			return b.node("Transpose", []string{b.node("Reshape", []string{t, heads})}, onnx.AttrIs("perm", 0, 2, 1, 3))
		}
		q, k, v := split("q_proj"), split("k_proj"), split("v_proj")
		b.node("Concat", []string{PastKey(i), k}, onnx.AttrI("axis", 2))
		b.rename(PresentKey(i))
		b.node("Concat", []string{PastValue(i), v}, onnx.AttrI("axis", 2))
		b.rename(PresentValue(i))
		kt := b.node("Transpose", []string{PresentKey(i)}, onnx.AttrIs("perm", 0, 1, 3, 2))
		sc := b.node("Add", []string{b.node("Mul", []string{b.node("MatMul", []string{q, kt}), scale}), mask})
		att := b.node("MatMul", []string{b.node("Softmax", []string{sc}, onnx.AttrI("axis", -1)), PresentValue(i)})
		att = b.node("Reshape", []string{b.node("Transpose", []string{att}, onnx.AttrIs("perm", 0, 2, 1, 3)), merge})
		x = b.node("Add", []string{x, b.linear(att, p+"o_proj", c.Hidden, c.Hidden)})

		h = b.norm(x, p+"mlp_norm")
		u := b.linear(h, p+"up_proj", c.Hidden, c.FFN)
		a := b.node("Mul", []string{u, b.node("Sigmoid", []string{u})})
		x = b.node("Add", []string{x, b.linear(a, p+"down_proj", c.FFN, c.Hidden)})
	}
	h := b.norm(x, "final_norm")
	b.linear(h, "lm_head", c.Hidden, c.Vocab)
	b.rename(Logits)
}

func (b *builder) norm(x, name string) string {
	d := int64(b.c.Hidden)
	ones := make([]float32, b.c.Hidden)
	for i := range ones {
		ones[i] = 1
	}
	gamma := b.constF(name+".weight", []int64{d}, ones...)
	if b.c.Norm == "layer" {
		beta := b.constF(name+".bias", []int64{d}, make([]float32, b.c.Hidden)...)
		return b.node("LayerNormalization", []string{x, gamma, beta}, onnx.AttrI("axis", -1), onnx.AttrF("epsilon", 1e-5))
	}
	ms := b.node("ReduceMean", []string{b.node("Mul", []string{x, x})}, onnx.AttrIs("axes", -1), onnx.AttrI("keepdims", 1))
	eps := name + ".eps"
	b.constF(eps, nil, 1e-5)
	r := b.node("Sqrt", []string{b.node("Add", []string{ms, eps})})
	return b.node("Mul", []string{b.node("Div", []string{x, r}), gamma})
}

// linear is x·W for W [k, n] in the model's quantization.
func (b *builder) linear(x, name string, k, n int) string {
	w := b.uniform(name+".weight", k*n, float32(math.Sqrt(3/float64(k)))) // row-major [k, n]
	switch b.c.Quant {
	case Int8:
		if b.c.Layout == LayoutHF {
			return b.matMulInteger(x, name, w, k, n)
		}
		q, scale := quantColsInt8(w, k, n)
		bq := b.init(onnx.Tensor{Name: name + ".weight_q", DataType: onnx.Int8, Dims: []int64{int64(k), int64(n)}, Raw: q})
		bs := b.constF(name+".weight_scale", []int64{int64(n)}, scale...)
		return b.msNode("DynamicQuantizeMatMul", []string{x, bq, bs})
	case Int4:
		bs := b.c.BlockSize
		q, scale := QuantInt4(w, k, n, bs)
		kb := int64((k + bs - 1) / bs)
		bq := b.init(onnx.Tensor{Name: name + ".weight_q4", DataType: onnx.Uint8, Dims: []int64{int64(n), kb, int64(bs / 2)}, Raw: q})
		sc := b.constF(name+".weight_scales", []int64{int64(n), kb}, scale...)
		return b.msNode("MatMulNBits", []string{x, bq, sc},
			onnx.AttrI("K", int64(k)), onnx.AttrI("N", int64(n)), onnx.AttrI("bits", 4), onnx.AttrI("block_size", int64(bs)))
	}
	wt := b.init(onnx.FloatTensor(name+".weight", []int64{int64(k), int64(n)}, w))
	return b.node("MatMul", []string{x, wt})
}

// WeightMaxInt8 is the largest |q| of a DynamicQuantizeMatMul weight.
// ONNX Runtime multiplies uint8 activations by int8 weights with
// VPMADDUBSW on x86-64 CPUs without VNNI (SSE4.1, AVX2, AVX-512 before
// VNNI), which adds two u8·s8 products into a saturating int16: with
// |q| ≤ 63, 2·255·63 = 32130 stays below 32767, so the integer sums are
// exact on every CPU (ORT's quantizer calls this reduce_range; full-range
// weights made the int8 logits ≈ 0.94 cosine from their own dequantized
// reference on AVX2 and 0.99995 on AVX-512 VNNI).
const WeightMaxInt8 = 63

// quantColsInt8 quantizes W [k, n] symmetrically per column to
// ±WeightMaxInt8.
func quantColsInt8(w []float32, k, n int) ([]byte, []float32) {
	scale := make([]float32, n)
	for i := 0; i < k; i++ {
		row := w[i*n : (i+1)*n]
		for j, v := range row {
			if a := float32(math.Abs(float64(v))); a > scale[j] {
				scale[j] = a
			}
		}
	}
	for j := range scale {
		scale[j] /= WeightMaxInt8
		if scale[j] == 0 {
			scale[j] = 1
		}
	}
	q := make([]byte, k*n)
	for i := 0; i < k; i++ {
		for j := 0; j < n; j++ {
			q[i*n+j] = byte(int8(clamp(math.Round(float64(w[i*n+j]/scale[j])), -WeightMaxInt8, WeightMaxInt8)))
		}
	}
	return q, scale
}

// quantRowsInt8 quantizes W [rows, cols] symmetrically per row.
func quantRowsInt8(w []float32, rows, cols int) ([]byte, []float32) {
	scale := make([]float32, rows)
	q := make([]byte, rows*cols)
	for r := 0; r < rows; r++ {
		row := w[r*cols : (r+1)*cols]
		var m float32
		for _, v := range row {
			if a := float32(math.Abs(float64(v))); a > m {
				m = a
			}
		}
		s := m / 127
		if s == 0 {
			s = 1
		}
		scale[r] = s
		for j, v := range row {
			q[r*cols+j] = byte(int8(clamp(math.Round(float64(v/s)), -127, 127)))
		}
	}
	return q, scale
}

// QuantInt4 packs W [k, n] (row-major) for MatMulNBits: B is uint8
// [n, kBlocks, bs/2] with element 2i in the low nibble, scales [n, kBlocks],
// symmetric around the default zero point 8. Rows past k are zero padding.
func QuantInt4(w []float32, k, n, bs int) ([]byte, []float32) {
	kb := (k + bs - 1) / bs
	q := make([]byte, n*kb*bs/2)
	scales := make([]float32, n*kb)
	for col := 0; col < n; col++ {
		for blk := 0; blk < kb; blk++ {
			var m float32
			for j := 0; j < bs; j++ {
				if r := blk*bs + j; r < k {
					if a := float32(math.Abs(float64(w[r*n+col]))); a > m {
						m = a
					}
				}
			}
			s := m / 7
			if s == 0 {
				s = 1
			}
			scales[col*kb+blk] = s
			base := (col*kb + blk) * bs / 2
			for j := 0; j < bs; j++ {
				v := 8.0
				if r := blk*bs + j; r < k {
					v = clamp(math.Round(float64(w[r*n+col]/s)), -8, 7) + 8
				}
				if j%2 == 0 {
					q[base+j/2] |= byte(v)
				} else {
					q[base+j/2] |= byte(v) << 4
				}
			}
		}
	}
	return q, scales
}

// DequantInt4 unpacks QuantInt4's output back to W [k, n] (for tests and
// error estimates).
func DequantInt4(q []byte, scales []float32, k, n, bs int) []float32 {
	kb := (k + bs - 1) / bs
	w := make([]float32, k*n)
	for col := 0; col < n; col++ {
		for blk := 0; blk < kb; blk++ {
			base := (col*kb + blk) * bs / 2
			for j := 0; j < bs; j++ {
				r := blk*bs + j
				if r >= k {
					break
				}
				v := q[base+j/2]
				if j%2 == 0 {
					v &= 0x0f
				} else {
					v >>= 4
				}
				w[r*n+col] = float32(int(v)-8) * scales[col*kb+blk]
			}
		}
	}
	return w
}

func clamp(v, lo, hi float64) float64 {
	return math.Max(lo, math.Min(hi, v))
}
