package infer

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/onnx"
	"github.com/aihat/aihat/pkg/synth"
	ort "github.com/yalue/onnxruntime_go"
)

var tiny = synth.Config{Layers: 2, Hidden: 64, Heads: 4, FFN: 128, Vocab: 97, Context: 64, Seed: 7}

func tinyModel(t testing.TB, quant string) string {
	t.Helper()
	c := tiny
	c.Quant = quant
	path := filepath.Join(t.TempDir(), quant+".onnx")
	if _, err := synth.Write(c, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func open(t testing.TB, path string, opts Options) *Session {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fp32Rel bounds the relative RMS difference of two fp32 computations of
// the same logits that differ only in summation order (a one-token step
// against a whole-sequence pass): a dot product of length K ≤ 128 rounds
// within γ_K = K·2⁻²⁴ ≈ 7.6e-6 (Higham), and the longest path through the
// tiny model is 13 products (6 per layer + the LM head): 13·γ_128 ≈ 1e-4.
const fp32Rel = 1e-4

// relErr is ‖a−b‖₂/‖b‖₂.
func relErr(a, b []float32) float64 {
	var d, n float64
	for i := range b {
		d += (float64(a[i]) - float64(b[i])) * (float64(a[i]) - float64(b[i]))
		n += float64(b[i]) * float64(b[i])
	}
	return math.Sqrt(d / n)
}

// gap is the margin between v's largest and second-largest element: an
// error smaller than half of it in every element cannot change the argmax.
func gap(v []float32) float64 {
	a, b := math.Inf(-1), math.Inf(-1)
	for _, x := range v {
		switch f := float64(x); {
		case f > a:
			a, b = f, a
		case f > b:
			b = f
		}
	}
	return a - b
}

func norm2(v []float32) float64 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	return math.Sqrt(n)
}

// The KV cache is right when the logits of each cached one-token step are
// those of a full recompute over the whole sequence at that position. What
// "are" means depends on the quantization:
//
//   - fp32 and int4 (MatMulNBits keeps activations in fp32): the two passes
//     differ only in summation order, so they agree within fp32Rel, and the
//     chosen token is the recompute's arg-max wherever the recompute's top
//     two logits are further apart than that error.
//   - int8 (DynamicQuantizeMatMul): activations are quantized per tensor at
//     run time, so a one-row step and a whole-sequence pass round with
//     different scales by design and are not compared with each other.
//     Each is compared with the fp32 reference built from the same int8
//     weights (int8Reference), within the activation rounding error that
//     the reference's own activation scales allow (int8Bound).
//
// Generation from the same prompt is then repeated: within one process the
// same kernels run on the same inputs, so the tokens must be identical.
func TestGenerateWithKVCacheMatchesFullRecompute(t *testing.T) {
	for _, q := range []string{synth.FP32, synth.Int8, synth.Int4} {
		t.Run(q, func(t *testing.T) {
			s := open(t, tinyModel(t, q), Options{Threads: 1})
			c, ok := s.Generative()
			if !ok {
				t.Fatal("synthetic model not detected as generative")
			}
			if c.Vocab != 97 || len(c.Past) != 4 {
				t.Fatalf("cache = %+v, want vocab 97 and 4 cache inputs", c)
			}
			prompt := Prompt(1, 5, c.Vocab)
			var stepLogits [][]float32
			res, err := s.Generate(c, prompt, 6, func(i int, l []float32, _ int64) { stepLogits = append(stepLogits, l) })
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Tokens) != 6 || res.Prompt != 5 {
				t.Fatalf("result = %+v", res)
			}
			seq := append(append([]int64{}, prompt...), res.Tokens[:5]...)
			rows, err := s.Forward(c, seq)
			if err != nil {
				t.Fatal(err)
			}
			if q == synth.Int8 {
				ref, bound := int8Reference(t, tiny, seq)
				worst := 0.0
				for i, tok := range res.Tokens {
					p := len(prompt) - 1 + i
					for _, pass := range []struct {
						name   string
						logits []float32
					}{{"cached step", stepLogits[i]}, {"full recompute", rows[p]}} {
						e := relErr(pass.logits, ref[p])
						worst = max(worst, e/bound[p])
						if e > bound[p] {
							t.Fatalf("token %d: %s logits are %.4f (relative) from the dequantized fp32 reference, over the int8 activation rounding bound %.4f", i, pass.name, e, bound[p])
						}
					}
					// ‖e‖∞ ≤ ‖e‖₂ ≤ bound·‖ref‖₂ per element: a wider margin fixes the arg-max.
					if want := argmax(ref[p]); gap(ref[p]) > 2*bound[p]*norm2(ref[p]) && tok != want {
						t.Fatalf("token %d: cached generation chose %d, the fp32 reference %d with a margin of %.3f", i, tok, want, gap(ref[p]))
					}
				}
				t.Logf("worst relative error from the reference: %.2f of its bound (bounds %.4f…%.4f)", worst, slices.Min(bound), slices.Max(bound))
			} else {
				worst := 0.0
				for i, tok := range res.Tokens {
					full := rows[len(prompt)-1+i]
					e := relErr(stepLogits[i], full)
					worst = max(worst, e)
					if e > fp32Rel {
						t.Fatalf("token %d: cached and recomputed logits differ by %.2g (relative), over the fp32 rounding bound %.0e", i, e, fp32Rel)
					}
					if got := argmax(full); gap(full) > 2*fp32Rel*norm2(full) && got != tok {
						t.Fatalf("token %d: cached generation chose %d, full recompute %d", i, tok, got)
					}
				}
				t.Logf("worst relative difference cached/recomputed: %.2g (bound %.0e)", worst, fp32Rel)
			}
			again, err := s.Generate(c, prompt, 6, nil)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(strs(again.Tokens), ",") != strings.Join(strs(res.Tokens), ",") {
				t.Fatalf("generation not deterministic: %v then %v", res.Tokens, again.Tokens)
			}
		})
	}
}

// int8Reference runs the fp32 reference of cfg's int8 model over ids: the
// same graph with every DynamicQuantizeMatMul(x, Wq, s) replaced by
// MatMul(x, Cast(Wq)·s), so it has the int8 model's weights but unquantized
// activations. It returns the logits of every position and, per position p,
// the bound on the int8 model's relative logit error there:
//
//	bound[p] = Σ over DynamicQuantizeMatMul nodes of (s_x/2) / rms(x[p])
//
// where x is the node's input in the reference, s_x = (max(0, max x) −
// min(0, min x))/255 its uint8 scale over the whole sequence and rms(x[p])
// the RMS of row p. Rounding moves each activation by at most s_x/2, a
// relative error of at most (s_x/2)/rms(x[p]) in row p; to first order it
// passes each norm-scaled block with unit gain and the nodes' errors add.
// A one-token step quantizes a subset of the rows (its range is no wider,
// its scale no larger), so the bound covers the cached steps too.
// The weights' own rounding is not counted: the reference has it as well.
func int8Reference(t *testing.T, cfg synth.Config, ids []int64) (logits [][]float32, bound []float64) {
	t.Helper()
	cfg.Quant = synth.Int8
	m, err := synth.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []onnx.Node
	var acts []string // input of each DynamicQuantizeMatMul, once per node
	for i, n := range m.Graph.Nodes {
		if n.OpType != "DynamicQuantizeMatMul" {
			nodes = append(nodes, n)
			continue
		}
		f, w := fmt.Sprintf("ref_cast_%d", i), fmt.Sprintf("ref_weight_%d", i)
		nodes = append(nodes,
			onnx.Node{Name: f, OpType: "Cast", Inputs: []string{n.Inputs[1]}, Outputs: []string{f}, Attrs: []onnx.Attr{onnx.AttrI("to", int64(onnx.Float))}},
			onnx.Node{Name: w, OpType: "Mul", Inputs: []string{f, n.Inputs[2]}, Outputs: []string{w}},
			onnx.Node{Name: n.Name, OpType: "MatMul", Inputs: []string{n.Inputs[0], w}, Outputs: n.Outputs})
		acts = append(acts, n.Inputs[0])
	}
	if len(acts) != 6*cfg.Layers+1 {
		t.Fatalf("int8 model has %d DynamicQuantizeMatMul nodes, want %d", len(acts), 6*cfg.Layers+1)
	}
	m.Graph.Nodes = nodes
	seen := map[string]bool{}
	for _, a := range acts {
		if !seen[a] {
			seen[a] = true
			m.Graph.Outputs = append(m.Graph.Outputs, onnx.ValueInfo{Name: a, ElemType: onnx.Float, Dims: []onnx.Dim{{Param: "b"}, {Param: "s"}, {Param: "k"}}})
		}
	}
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "int8-reference.onnx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s := open(t, path, Options{Threads: 1})
	c, ok := s.Generative()
	if !ok {
		t.Fatal("reference model not detected as generative")
	}
	past, err := s.emptyPast(c)
	defer func() { Destroy(past) }()
	if err != nil {
		t.Fatal(err)
	}
	in := make([]ort.Value, len(s.Inputs))
	tok, err := intTensor(onnx.Int64, ort.Shape{1, int64(len(ids))}, ids)
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Destroy()
	in[c.TokenInput] = tok
	for k, idx := range c.Past {
		in[idx] = past[k]
	}
	outs, err := s.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	defer Destroy(outs)
	byName := map[string][]float32{}
	for i, o := range s.Outputs {
		byName[o.Name] = outs[i].(*ort.Tensor[float32]).GetData()
	}
	all := byName[synth.Logits]
	v := len(all) / len(ids)
	bound = make([]float64, len(ids))
	for p := range ids {
		logits = append(logits, all[p*v:(p+1)*v])
	}
	for _, a := range acts {
		x := byName[a]
		lo, hi := 0.0, 0.0
		for _, f := range x {
			lo, hi = min(lo, float64(f)), max(hi, float64(f))
		}
		scale := (hi - lo) / 255
		k := len(x) / len(ids)
		for p := range ids {
			var ms float64
			for _, f := range x[p*k : (p+1)*k] {
				ms += float64(f) * float64(f)
			}
			bound[p] += scale / 2 / math.Sqrt(ms/float64(k))
		}
	}
	return logits, bound
}

func strs(v []int64) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = string(rune('a' + x%26))
	}
	return out
}

func TestProviderFallbackIsRecorded(t *testing.T) {
	s := open(t, tinyModel(t, synth.Int4), Options{Providers: []string{"hailo", "cpu"}, Threads: 1})
	if s.Provider != "cpu" || !s.Fallback || s.Requested != "hailo" {
		t.Fatalf("provider %q fallback %v requested %q", s.Provider, s.Fallback, s.Requested)
	}
	if len(s.Attempts) != 2 || s.Attempts[0].Err == nil || s.Attempts[1].Err != nil {
		t.Fatalf("attempts = %+v", s.Attempts)
	}
}

func TestErrorsAreOneClearLine(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.onnx")
	os.WriteFile(corrupt, []byte("\xff\xff\xff\xffnot a model"), 0o644)
	str := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
		Name:    "strings",
		Nodes:   []onnx.Node{{OpType: "SequenceLength", Inputs: []string{"s"}, Outputs: []string{"o"}}},
		Inputs:  []onnx.ValueInfo{{Name: "s", ElemType: onnx.Float, Kind: onnx.KindSequence, TypeRaw: onnx.SequenceType(onnx.Float)}},
		Outputs: []onnx.ValueInfo{{Name: "o", ElemType: onnx.Int64, Dims: []onnx.Dim{}}},
	}}
	data, err := str.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	strPath := filepath.Join(dir, "string.onnx")
	os.WriteFile(strPath, data, 0o644)
	dyn := *str
	dyn.Graph.Nodes = []onnx.Node{{OpType: "Identity", Inputs: []string{"s"}, Outputs: []string{"o"}}}
	dyn.Graph.Inputs = []onnx.ValueInfo{{Name: "s", ElemType: onnx.Float, Dims: []onnx.Dim{{Param: "batch"}}}}
	dyn.Graph.Outputs = []onnx.ValueInfo{{Name: "o", ElemType: onnx.Float, Dims: []onnx.Dim{{Param: "batch"}}}}
	data, _ = dyn.Marshal()
	dynPath := filepath.Join(dir, "dyn.onnx")
	os.WriteFile(dynPath, data, 0o644)

	tests := []struct {
		name, path string
		opts       Options
		want       string
	}{
		{"corrupt", corrupt, Options{}, "not a valid ONNX file"},
		{"missing", filepath.Join(dir, "nope.onnx"), Options{}, "no such file"},
		{"unknown provider", tinyModel(t, synth.FP32), Options{Providers: []string{"warp-drive"}}, `unknown execution provider "warp-drive"`},
		{"sequence input", strPath, Options{}, "pass it with --inputs DIR"},
		{"dynamic dim", dynPath, Options{}, "pass --dim batch=N"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.path, tc.opts)
			if err == nil {
				defer s.Close()
				var vals []any
				_ = vals
				v, ferr := s.FillInputs()
				Destroy(v)
				err = ferr
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line containing %q", err, tc.want)
			}
		})
	}
}

func TestDimFlagFillsDynamicInputs(t *testing.T) {
	m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
		Name:    "relu",
		Nodes:   []onnx.Node{{OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}}},
		Inputs:  []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float, Dims: []onnx.Dim{{Param: "batch"}, {Value: 3}}}},
		Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Dims: []onnx.Dim{{Param: "batch"}, {Value: 3}}}},
	}}
	data, _ := m.Marshal()
	path := filepath.Join(t.TempDir(), "relu.onnx")
	os.WriteFile(path, data, 0o644)
	s := open(t, path, Options{Dims: map[string]int64{"batch": 4}})
	if _, ok := s.Generative(); ok {
		t.Fatal("plain model detected as generative")
	}
	in, err := s.FillInputs()
	if err != nil {
		t.Fatal(err)
	}
	defer Destroy(in)
	out, err := s.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	defer Destroy(out)
	if got := out[0].GetShape(); len(got) != 2 || got[0] != 4 || got[1] != 3 {
		t.Fatalf("output shape %v, want [4 3]", got)
	}
}

func TestFindLibraryNamesTheRemedy(t *testing.T) {
	_, err := FindLibrary(filepath.Join(t.TempDir(), "libonnxruntime.so.1"))
	if !errors.Is(err, ErrNoLibrary) || !strings.Contains(err.Error(), "make ort") {
		t.Fatalf("err = %v", err)
	}
	t.Setenv("ONNXRUNTIME_LIB", "")
	wd, _ := os.Getwd()
	p, err := FindLibrary("")
	if err != nil {
		t.Skipf("no cached library under %s: %v", wd, err) // ONNXRUNTIME_LIB covers CI
	}
	if !strings.HasSuffix(p, CacheRel()) && !strings.HasPrefix(p, "/usr") {
		t.Fatalf("found %s", p)
	}
}

func TestParseDims(t *testing.T) {
	d, err := ParseDims([]string{"batch=2", "seq=0"})
	if err != nil || d["batch"] != 2 || d["seq"] != 0 {
		t.Fatalf("%v %v", d, err)
	}
	for _, bad := range []string{"batch", "=3", "batch=-1", "batch=x"} {
		if _, err := ParseDims([]string{bad}); err == nil {
			t.Errorf("ParseDims(%q) accepted", bad)
		}
	}
}
