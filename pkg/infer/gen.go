package infer

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/onnx"
	ort "github.com/yalue/onnxruntime_go"
)

// Cache describes a generative model's KV-cache inputs and outputs.
type Cache struct {
	TokenInput  int   // index in Inputs of the token ids
	MaskInput   int   // attention_mask, -1 when absent
	PosInput    int   // position_ids, -1 when absent
	Past        []int // cache inputs
	Present     []int // matching outputs, Present[i] feeds Past[i]
	PastSeqDim  []int // which dimension of each past input grows
	LogitsOut   int
	Vocab       int64 // from the logits output's last dim (0 if dynamic)
	ElementType []onnx.DataType
	// Style is "huggingface" for past_key_values.N.key/value →
	// present.N.key/value (Optimum, onnxruntime-genai exports), else
	// "aihat" (past_key.N → present_key.N and the like).
	Style string
}

// Generative reports whether the model takes a KV cache: inputs named
// past* with matching present* outputs.
func (s *Session) Generative() (*Cache, bool) {
	c := &Cache{TokenInput: -1, MaskInput: -1, PosInput: -1, LogitsOut: -1}
	outIdx := map[string]int{}
	for i, o := range s.Outputs {
		outIdx[o.Name] = i
	}
	present := map[int]bool{}
	for i, in := range s.Inputs {
		name := in.Name
		switch {
		case strings.Contains(name, "past"):
			j, dim, ok := cachePair(in, outIdx)
			if !ok {
				continue
			}
			c.Past = append(c.Past, i)
			c.Present = append(c.Present, j)
			if strings.HasPrefix(name, "past_key_values.") {
				c.Style = "huggingface"
			}
			c.PastSeqDim = append(c.PastSeqDim, dim)
			present[j] = true
		case name == "attention_mask":
			c.MaskInput = i
		case name == "position_ids":
			c.PosInput = i
		case c.TokenInput < 0 && (in.Type == onnx.Int64 || in.Type == onnx.Int32):
			c.TokenInput = i
		}
	}
	for i, o := range s.Outputs {
		if !present[i] && (c.LogitsOut < 0 || o.Name == "logits") {
			c.LogitsOut = i
		}
	}
	if len(c.Past) == 0 || c.TokenInput < 0 || c.LogitsOut < 0 {
		return nil, false
	}
	if c.Style == "" {
		c.Style = "aihat"
	}
	if d := s.Outputs[c.LogitsOut].Dims; len(d) > 0 && d[len(d)-1].Param == "" {
		c.Vocab = d[len(d)-1].Value
	}
	return c, true
}

// cachePair finds a past* input's present* output (index j) and its
// sequence dimension; ok is false when either is missing.
func cachePair(in Tensor, outIdx map[string]int) (j, dim int, ok bool) {
	name := in.Name
	for _, cand := range []string{strings.Replace(name, "past_key_values", "present", 1), strings.Replace(name, "past", "present", 1)} {
		if j, ok = outIdx[cand]; ok {
			break
		}
	}
	if !ok {
		return 0, 0, false
	}
	dim = -1
	for k, d := range in.Dims {
		if d.Param != "" || d.Value <= 0 {
			dim = k // the last dynamic dim is the sequence
		}
	}
	if len(in.Dims) == 4 && (dim == 0 || dim == -1) {
		dim = 2
	}
	if dim < 0 {
		return 0, 0, false
	}
	return j, dim, true
}

// GenResult is one greedy generation.
type GenResult struct {
	Prompt    int
	NewTokens int
	Tokens    []int64 // generated ids
	TTFT      time.Duration
	Prefill   time.Duration // the prompt's forward pass
	Decode    time.Duration // all decode steps after the first token
}

// DecodeTPS is generated tokens per second after the first.
func (g GenResult) DecodeTPS() float64 {
	if g.NewTokens <= 1 || g.Decode <= 0 {
		return 0
	}
	return float64(g.NewTokens-1) / g.Decode.Seconds()
}

// Prompt returns n seeded token ids below vocab.
func Prompt(seed int64, n int, vocab int64) []int64 {
	if vocab <= 0 {
		vocab = 2
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x70726f6d))
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = r.Int64N(vocab)
	}
	return ids
}

// Step is called after each forward pass with the step index (0 is the
// prompt), the logits of the last position and the chosen token.
type Step func(i int, logits []float32, token int64)

// Generate runs the prompt, then n-1 more greedy decode steps feeding the
// KV cache back (n new tokens in all).
func (s *Session) Generate(c *Cache, prompt []int64, n int, onStep Step) (GenResult, error) {
	res := GenResult{Prompt: len(prompt), NewTokens: n}
	if len(prompt) == 0 || n < 1 {
		return res, fmt.Errorf("generate: need a prompt of ≥ 1 token and ≥ 1 new token")
	}
	past, err := s.emptyPast(c)
	defer func() { Destroy(past) }()
	if err != nil {
		return res, err
	}
	tokens := prompt
	total := int64(0)
	start := time.Now()
	for step := 0; step < n; step++ {
		t0 := time.Now()
		logits, err := s.forward(c, past, tokens, total)
		if err != nil {
			return res, err
		}
		next := argmax(logits)
		d := time.Since(t0)
		if step == 0 {
			res.Prefill = d
			res.TTFT = time.Since(start)
		} else {
			res.Decode += d
		}
		total += int64(len(tokens))
		res.Tokens = append(res.Tokens, next)
		if onStep != nil {
			onStep(step, logits, next)
		}
		tokens = []int64{next}
	}
	return res, nil
}

// Forward runs one pass over ids with an empty cache and returns the
// logits of every position ([len(ids)][vocab]), for comparing models.
func (s *Session) Forward(c *Cache, ids []int64) ([][]float32, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("forward: no tokens")
	}
	past, err := s.emptyPast(c)
	defer func() { Destroy(past) }()
	if err != nil {
		return nil, err
	}
	all, err := s.forwardAll(c, past, ids, 0)
	if err != nil {
		return nil, err
	}
	v := len(all) / len(ids)
	rows := make([][]float32, len(ids))
	for i := range ids {
		rows[i] = all[i*v : (i+1)*v]
	}
	return rows, nil
}

// emptyPast builds the zero-length caches of the first pass.
func (s *Session) emptyPast(c *Cache) ([]ort.Value, error) {
	past := make([]ort.Value, len(c.Past))
	for k, idx := range c.Past {
		t := s.Inputs[idx]
		if t.Type != onnx.Float {
			return past, fmt.Errorf("model %s: cache input %s is %s; only float caches are supported", s.Path, t.Name, t.Type.String())
		}
		shape := make(ort.Shape, len(t.Dims))
		for d, dim := range t.Dims {
			switch {
			case d == c.PastSeqDim[k]:
				shape[d] = 0
			case dim.Value > 0:
				shape[d] = dim.Value
			default:
				v, ok := s.opts.Dims[dim.Param]
				if !ok {
					v = 1
				}
				shape[d] = v
			}
		}
		v, err := ort.NewTensor(shape, []float32{})
		if err != nil {
			return past, fmt.Errorf("model %s: cache input %s: %v", s.Path, t.Name, err)
		}
		past[k] = v
	}
	return past, nil
}

// forward runs one step and returns the last position's logits; past is
// replaced by the present outputs.
func (s *Session) forward(c *Cache, past []ort.Value, ids []int64, pastLen int64) ([]float32, error) {
	all, err := s.forwardAll(c, past, ids, pastLen)
	if err != nil {
		return nil, err
	}
	v := len(all) / len(ids)
	return all[len(all)-v:], nil
}

func (s *Session) forwardAll(c *Cache, past []ort.Value, ids []int64, pastLen int64) ([]float32, error) {
	inputs := make([]ort.Value, len(s.Inputs))
	var owned []ort.Value
	defer func() { Destroy(owned) }()
	seq := int64(len(ids))
	tok, err := intTensor(s.Inputs[c.TokenInput].Type, ort.Shape{1, seq}, ids)
	if err != nil {
		return nil, err
	}
	owned = append(owned, tok)
	inputs[c.TokenInput] = tok
	if c.MaskInput >= 0 {
		m := make([]int64, pastLen+seq)
		for i := range m {
			m[i] = 1
		}
		v, err := intTensor(s.Inputs[c.MaskInput].Type, ort.Shape{1, pastLen + seq}, m)
		if err != nil {
			return nil, err
		}
		owned = append(owned, v)
		inputs[c.MaskInput] = v
	}
	if c.PosInput >= 0 {
		p := make([]int64, seq)
		for i := range p {
			p[i] = pastLen + int64(i)
		}
		v, err := intTensor(s.Inputs[c.PosInput].Type, ort.Shape{1, seq}, p)
		if err != nil {
			return nil, err
		}
		owned = append(owned, v)
		inputs[c.PosInput] = v
	}
	for k, idx := range c.Past {
		inputs[idx] = past[k]
	}
	for i, v := range inputs {
		if v == nil {
			return nil, fmt.Errorf("model %s: input %s is neither tokens, attention_mask, position_ids nor a KV cache: cannot fill it for generation", s.Path, s.Inputs[i].Name)
		}
	}
	outs, err := s.Run(inputs)
	if err != nil {
		return nil, err
	}
	lt, ok := outs[c.LogitsOut].(*ort.Tensor[float32])
	if !ok {
		Destroy(outs)
		return nil, fmt.Errorf("model %s: output %s is not a float tensor", s.Path, s.Outputs[c.LogitsOut].Name)
	}
	logits := append([]float32(nil), lt.GetData()...)
	for k, j := range c.Present {
		past[k].Destroy()
		past[k] = outs[j]
		outs[j] = nil
	}
	Destroy(outs)
	return logits, nil
}

func intTensor(dt onnx.DataType, shape ort.Shape, v []int64) (ort.Value, error) {
	if dt == onnx.Int32 {
		w := make([]int32, len(v))
		for i, x := range v {
			w[i] = int32(x)
		}
		return ort.NewTensor(shape, w)
	}
	return ort.NewTensor(shape, append([]int64(nil), v...))
}

func argmax(v []float32) int64 {
	best, bi := float32(math.Inf(-1)), 0
	for i, x := range v {
		if x > best {
			best, bi = x, i
		}
	}
	return int64(bi)
}

// PeakRSS is the process's peak resident set size in bytes (VmHWM), 0 when
// unknown.
func PeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			fs := strings.Fields(rest)
			if len(fs) >= 1 {
				kb, _ := strconv.ParseInt(fs[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// Cosine is the cosine similarity of a and b (0 when either is zero).
func Cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		if i >= len(b) {
			break
		}
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// Argmax is the index of v's largest element.
func Argmax(v []float32) int64 { return argmax(v) }
