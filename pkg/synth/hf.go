package synth

import (
	"fmt"
	"math"

	"github.com/aihat/aihat/pkg/onnx"
)

// Layouts of the generated graph's inputs and outputs.
const (
	// LayoutAihat is aihat's own: input_ids, past_key.N/past_value.N in,
	// logits, present_key.N/present_value.N out, attention built from
	// plain ops.
	LayoutAihat = ""
	// LayoutHF is what Hugging Face Optimum and onnxruntime-genai exports
	// of decoder LLMs take: input_ids, attention_mask and position_ids
	// [batch_size, sequence_length], past_key_values.N.key/value
	// [batch_size, kv_heads, past_sequence_length, head_size] in;
	// logits and present.N.key/value out; attention is com.microsoft
	// GroupQueryAttention (fewer key/value heads than query heads) fed
	// seqlens_k and total_sequence_length computed from attention_mask;
	// int8 weights use the MatMulInteger chain of ONNX Runtime's dynamic
	// quantization (DynamicQuantizeLinear, MatMulInteger, Cast, Mul).
	LayoutHF = "hf"
)

// HF input and output names (LayoutHF).
const (
	HFAttentionMask = "attention_mask"
	HFPositionIDs   = "position_ids"
)

// HFPastKey etc. name layer i's cache tensors in LayoutHF.
func HFPastKey(i int) string      { return fmt.Sprintf("past_key_values.%d.key", i) }
func HFPastValue(i int) string    { return fmt.Sprintf("past_key_values.%d.value", i) }
func HFPresentKey(i int) string   { return fmt.Sprintf("present.%d.key", i) }
func HFPresentValue(i int) string { return fmt.Sprintf("present.%d.value", i) }

// kvHeads is the number of key/value heads (GroupQueryAttention's
// kv_num_heads): KVHeads, or Heads when 0.
func (c Config) kvHeads() int {
	if c.KVHeads > 0 {
		return c.KVHeads
	}
	return c.Heads
}

// multi adds a node with several outputs named after it.
func (b *builder) multi(op, domain string, inputs []string, outs int, attrs ...onnx.Attr) []string {
	b.n++
	base := fmt.Sprintf("%s_%d", op, b.n)
	names := make([]string, outs)
	for i := range names {
		names[i] = fmt.Sprintf("%s_out%d", base, i)
	}
	b.g.Nodes = append(b.g.Nodes, onnx.Node{Name: base, OpType: op, Domain: domain, Inputs: inputs, Outputs: names, Attrs: attrs})
	return names
}

func (b *builder) buildHF() {
	c := b.c
	d, hd := int64(c.Hidden), int64(c.Hidden/c.Heads)
	kvh := int64(c.kvHeads())
	b.g.Name = c.Name() + "-hf"
	ids := []onnx.Dim{{Param: "batch_size"}, {Param: "sequence_length"}}
	b.g.Inputs = append(b.g.Inputs,
		onnx.ValueInfo{Name: InputIDs, ElemType: onnx.Int64, Dims: ids},
		onnx.ValueInfo{Name: HFAttentionMask, ElemType: onnx.Int64, Dims: []onnx.Dim{{Param: "batch_size"}, {Param: "total_sequence_length"}}},
		onnx.ValueInfo{Name: HFPositionIDs, ElemType: onnx.Int64, Dims: ids})
	b.g.Outputs = append(b.g.Outputs, onnx.ValueInfo{Name: Logits, ElemType: onnx.Float, Dims: []onnx.Dim{{Param: "batch_size"}, {Param: "sequence_length"}, {Value: int64(c.Vocab)}}})
	for i := 0; i < c.Layers; i++ {
		for _, n := range []string{HFPastKey(i), HFPastValue(i)} {
			b.g.Inputs = append(b.g.Inputs, onnx.ValueInfo{Name: n, ElemType: onnx.Float, Dims: []onnx.Dim{{Param: "batch_size"}, {Value: kvh}, {Param: "past_sequence_length"}, {Value: hd}}})
		}
		for _, n := range []string{HFPresentKey(i), HFPresentValue(i)} {
			b.g.Outputs = append(b.g.Outputs, onnx.ValueInfo{Name: n, ElemType: onnx.Float, Dims: []onnx.Dim{{Param: "batch_size"}, {Value: kvh}, {Param: "total_sequence_length"}, {Value: hd}}})
		}
	}

	// GroupQueryAttention's lengths from the mask, as the exporters build
	// them: seqlens_k = ReduceSum(mask, 1) - 1 (int32 [batch]) and
	// total_sequence_length = mask's second dimension (int32 scalar).
	one := b.constI64("c_one", nil, 1)
	sum := b.node("ReduceSum", []string{HFAttentionMask, b.constI64("c_axes1", []int64{1}, 1)}, onnx.AttrI("keepdims", 0))
	seqlens := b.node("Cast", []string{b.node("Sub", []string{sum, one})}, onnx.AttrI("to", int64(onnx.Int32)))
	total := b.node("Cast", []string{b.node("Gather", []string{b.node("Shape", []string{HFAttentionMask}), one}, onnx.AttrI("axis", 0))}, onnx.AttrI("to", int64(onnx.Int32)))

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
	x := b.node("Add", []string{tok, b.node("Gather", []string{pemb, HFPositionIDs}, onnx.AttrI("axis", 0))})

	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("layers.%d.", i)
		h := b.norm(x, p+"attn_norm")
		q := b.linear(h, p+"q_proj", c.Hidden, c.Hidden)
		k := b.linear(h, p+"k_proj", c.Hidden, int(kvh*hd))
		v := b.linear(h, p+"v_proj", c.Hidden, int(kvh*hd))
		outs := b.multi("GroupQueryAttention", "com.microsoft", []string{q, k, v, HFPastKey(i), HFPastValue(i), seqlens, total}, 3,
			onnx.AttrI("num_heads", int64(c.Heads)), onnx.AttrI("kv_num_heads", kvh), onnx.AttrF("scale", float32(1/math.Sqrt(float64(hd)))))
		last := &b.g.Nodes[len(b.g.Nodes)-1]
		last.Outputs[1], last.Outputs[2] = HFPresentKey(i), HFPresentValue(i)
		x = b.node("Add", []string{x, b.linear(outs[0], p+"o_proj", c.Hidden, c.Hidden)})

		h = b.norm(x, p+"mlp_norm")
		u := b.linear(h, p+"up_proj", c.Hidden, c.FFN)
		a := b.node("Mul", []string{u, b.node("Sigmoid", []string{u})})
		x = b.node("Add", []string{x, b.linear(a, p+"down_proj", c.FFN, c.Hidden)})
	}
	h := b.norm(x, "final_norm")
	b.linear(h, "lm_head", c.Hidden, c.Vocab)
	b.rename(Logits)
}

// matMulInteger is x·W through ONNX Runtime's dynamic int8 chain:
// DynamicQuantizeLinear quantizes x to uint8 with a scale and zero point
// per call, MatMulInteger multiplies by W int8 [k, n] (zero point 0)
// into int32, and the result is scaled back by x's scale times W's
// per-column scale.
func (b *builder) matMulInteger(x, name string, w []float32, k, n int) string {
	q, scale := quantColsInt8(w, k, n)
	wq := b.init(onnx.Tensor{Name: name + ".weight_q", DataType: onnx.Int8, Dims: []int64{int64(k), int64(n)}, Raw: q})
	ws := b.constF(name+".weight_scale", []int64{int64(n)}, scale...)
	wzp := b.init(onnx.Tensor{Name: name + ".weight_zero_point", DataType: onnx.Int8, Raw: []byte{0}})
	dq := b.multi("DynamicQuantizeLinear", "", []string{x}, 3)
	mm := b.node("MatMulInteger", []string{dq[0], wq, dq[2], wzp})
	f := b.node("Cast", []string{mm}, onnx.AttrI("to", int64(onnx.Float)))
	return b.node("Mul", []string{f, b.node("Mul", []string{dq[1], ws})})
}

func metaConfig(c Config) string {
	s := fmt.Sprintf("layers=%d hidden=%d heads=%d ffn=%d vocab=%d context=%d norm=%s block_size=%d seed=%d",
		c.Layers, c.Hidden, c.Heads, c.FFN, c.Vocab, c.Context, c.Norm, c.BlockSize, c.Seed)
	if c.Layout == LayoutHF {
		// Appended only for the hf layout, so existing models keep their bytes.
		s += fmt.Sprintf(" layout=hf kv_heads=%d", c.kvHeads())
	}
	return s
}
