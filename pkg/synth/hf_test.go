package synth

import (
	"testing"

	"github.com/aihat/aihat/pkg/onnx"
)

// The hf layout has the exporters' names and ops: GroupQueryAttention
// from com.microsoft with kv_num_heads, the MatMulInteger chain for int8,
// and no com.microsoft DynamicQuantizeMatMul.
func TestHFLayoutHasTheExportersNamesAndOps(t *testing.T) {
	c := Config{Layers: 2, Hidden: 64, Heads: 4, KVHeads: 2, FFN: 128, Vocab: 50, Context: 16, Seed: 1, Quant: Int8, Layout: LayoutHF}
	m, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	var in, out []string
	for _, v := range m.Graph.Inputs {
		in = append(in, v.Name)
	}
	for _, v := range m.Graph.Outputs {
		out = append(out, v.Name)
	}
	wantIn := []string{"input_ids", "attention_mask", "position_ids", "past_key_values.0.key", "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value"}
	wantOut := []string{"logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"}
	if len(in) != len(wantIn) || len(out) != len(wantOut) {
		t.Fatalf("inputs %v outputs %v", in, out)
	}
	for i := range wantIn {
		if in[i] != wantIn[i] {
			t.Fatalf("inputs %v, want %v", in, wantIn)
		}
	}
	for i := range wantOut {
		if out[i] != wantOut[i] {
			t.Fatalf("outputs %v, want %v", out, wantOut)
		}
	}
	ops := map[string]int{}
	for _, n := range m.Graph.Nodes {
		ops[n.Domain+":"+n.OpType]++
		if n.OpType == "GroupQueryAttention" {
			for _, a := range n.Attrs {
				if a.Name == "kv_num_heads" && a.I != 2 {
					t.Fatalf("kv_num_heads %d", a.I)
				}
			}
		}
	}
	// Six linear layers per block (q, k, v, o, up, down), plus the LM head.
	if ops["com.microsoft:GroupQueryAttention"] != 2 || ops[":MatMulInteger"] != 2*6+1 || ops[":DynamicQuantizeLinear"] != 2*6+1 || ops["com.microsoft:DynamicQuantizeMatMul"] != 0 {
		t.Fatalf("ops %v", ops)
	}
	if m.Graph.Inputs[3].Dims[1].Value != 2 || m.Graph.Inputs[3].ElemType != onnx.Float {
		t.Fatalf("past key dims %+v", m.Graph.Inputs[3].Dims)
	}
	if _, err := (Config{Layers: 1, Hidden: 64, Heads: 4, KVHeads: 3, Vocab: 9, Context: 4, Layout: LayoutHF}).Normalize(); err == nil {
		t.Fatal("4 heads over 3 kv heads accepted")
	}
}
