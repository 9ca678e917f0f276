package infer

import (
	"fmt"

	"github.com/aihat/aihat/pkg/onnx"
	"github.com/aihat/aihat/pkg/safefile"
	ort "github.com/yalue/onnxruntime_go"
)

// mapModel maps the model file at path (see safefile.Map): a FIFO or
// device is refused at once and the file is never copied into memory.
func mapModel(path string) ([]byte, func(), error) {
	b, unmap, err := safefile.Map(path, safefile.ModelMax)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %w", err)
	}
	return b, unmap, nil
}

// ModelInputs lists the inputs a caller may feed, in the order ONNX
// Runtime (and the ONNX test data) numbers them: graph inputs without an
// initializer, then those with one (optional, matched by name only).
func ModelInputs(path string) ([]Tensor, int, error) {
	b, unmap, err := mapModel(path)
	if err != nil {
		return nil, 0, err
	}
	defer unmap()
	m, err := onnx.Unmarshal(b)
	if err != nil {
		return nil, 0, fmt.Errorf("model %s is not a valid ONNX file (%v)", path, err)
	}
	inits := map[string]bool{}
	for _, t := range m.Graph.Initializers {
		inits[t.Name] = true
	}
	var plain, withInit []Tensor
	for _, v := range m.Graph.Inputs {
		t := Tensor{Name: v.Name, Type: v.ElemType, Dims: v.Dims, Kind: v.Kind}
		if inits[v.Name] {
			withInit = append(withInit, t)
		} else {
			plain = append(plain, t)
		}
	}
	return append(plain, withInit...), len(plain), nil
}

// ReadInputs reads dir (input_N.pb or .npy) and binds it to the model's
// inputs; the result maps input names to data. An empty optional is left
// out, as ONNX Runtime treats an absent optional input.
func ReadInputs(path, dir string) (map[string]*Data, error) {
	cands, nPlain, err := ModelInputs(path)
	if err != nil {
		return nil, err
	}
	kinds := func(i int, name string) onnx.Kind {
		for _, c := range cands {
			if c.Name == name && name != "" {
				return c.Kind
			}
		}
		if i < len(cands) {
			return cands[i].Kind
		}
		return onnx.KindTensor
	}
	data, err := ReadDir(dir, "input", kinds)
	if err != nil {
		return nil, fmt.Errorf("--inputs: %w", err)
	}
	// By order, only inputs without a default count (ONNX Runtime's
	// numbering); by name, any input.
	order := cands[:nPlain]
	bound, err := Bind(cands, data, "input")
	if err != nil || !namedAll(cands, data) {
		if bound, err = Bind(order, data, "input"); err != nil {
			return nil, fmt.Errorf("model %s: --inputs %s: %w", path, dir, err)
		}
	}
	out := map[string]*Data{}
	ts := cands
	if !namedAll(cands, data) {
		ts = order
	}
	for i, d := range bound {
		if d != nil && (d.Tensor != nil || d.Seq != nil) {
			out[ts[i].Name] = d
		}
	}
	// Every input without a default must have its file: real inputs are
	// not mixed with generated ones.
	for i, c := range order {
		if c.Kind == onnx.KindOptional {
			continue
		}
		given := out[c.Name] != nil
		if !given && i < len(bound) && bound[i] != nil && ts[i].Name == c.Name {
			given = true // an empty optional file stands for it
		}
		if !given {
			return nil, fmt.Errorf("model %s: --inputs %s has no data for input %s (%s, input %d): add input_%d.pb or %s.npy", path, dir, c.Name, describe(c), i, i, c.Name)
		}
	}
	return out, nil
}

func namedAll(cands []Tensor, data []*Data) bool {
	names := map[string]bool{}
	for _, c := range cands {
		names[c.Name] = true
	}
	for _, d := range data {
		if d.Name == "" || !names[d.Name] {
			return false
		}
	}
	return len(data) > 0
}

// SetInputs makes the session feed these (by input name) instead of
// generated data. Every required input must be given or generatable.
func (s *Session) SetInputs(given map[string]*Data) { s.given = given }

// Check runs the session once on in and compares every output with the
// expected data in dir (output_N.pb or .npy, by name or order).
func (s *Session) Check(in []ort.Value, dir string) ([]Diff, error) {
	kinds := func(i int, name string) onnx.Kind {
		for _, o := range s.Outputs {
			if o.Name == name && name != "" {
				return o.Kind
			}
		}
		if i < len(s.Outputs) {
			return s.Outputs[i].Kind
		}
		return onnx.KindTensor
	}
	data, err := ReadDir(dir, "output", kinds)
	if err != nil {
		return nil, fmt.Errorf("--expect: %w", err)
	}
	want, err := Bind(s.Outputs, data, "output")
	if err != nil {
		return nil, fmt.Errorf("model %s: --expect %s: %w", s.Path, dir, err)
	}
	outs := make([]ort.Value, len(s.Outputs))
	// Preallocate tensor outputs with the expected shape (see NewOutput);
	// if ONNX Runtime refuses that shape, run again letting it allocate,
	// so the report says which shape it produced.
	for i, w := range want {
		if w != nil && w.Tensor != nil && w.Tensor.DataType != onnx.String && Supported(w.Tensor.DataType) {
			if v, err := NewOutput(w.Tensor.DataType, w.Tensor.Dims); err == nil {
				outs[i] = v
			}
		}
	}
	if err := s.s.Run(in, outs); err != nil {
		Destroy(outs)
		outs = make([]ort.Value, len(s.Outputs))
		if err2 := s.s.Run(in, outs); err2 != nil {
			Destroy(outs)
			return nil, fmt.Errorf("model %s: inference failed: %s", s.Path, oneLine(err2.Error()))
		}
	}
	defer Destroy(outs)
	var diffs []Diff
	if s.outShapes == nil {
		s.outShapes = map[string][]int64{}
	}
	for i, w := range want {
		if w == nil {
			continue
		}
		if w.Tensor != nil {
			s.outShapes[s.Outputs[i].Name] = w.Tensor.Dims
		}
		diffs = append(diffs, CompareData(s.Outputs[i].Name, w, outs[i]))
	}
	return diffs, nil
}

// NewOutputs returns the output slice for Run: nil where ONNX Runtime
// allocates the output, a preallocated value where onnxruntime_go's own
// allocation cannot hold it (rank-0 outputs, and float16, bfloat16 and
// complex elements, of which it copies one byte per element) and the
// shape is known: from the expected outputs of Check, else the model's
// static shape. Preallocated values are reused across runs.
func (s *Session) NewOutputs() (outs []ort.Value, owned []bool) {
	outs = make([]ort.Value, len(s.Outputs))
	owned = make([]bool, len(s.Outputs))
	for i, o := range s.Outputs {
		if o.Kind != onnx.KindTensor {
			continue
		}
		dims, ok := s.outShapes[o.Name]
		if !ok {
			dims, ok = staticDims(o.Dims)
		}
		if !ok {
			continue
		}
		switch {
		case len(dims) == 0 && o.Type != onnx.String:
		case o.Type == onnx.Float16, o.Type == onnx.BFloat16, o.Type == onnx.Complex64, o.Type == onnx.Complex128:
		default:
			continue
		}
		if v, err := NewOutput(o.Type, dims); err == nil {
			outs[i], owned[i] = v, true
		}
	}
	return outs, owned
}

func staticDims(ds []onnx.Dim) ([]int64, bool) {
	if ds == nil {
		return nil, false
	}
	out := make([]int64, len(ds))
	for i, d := range ds {
		if d.Param != "" || d.Value <= 0 {
			return nil, false
		}
		out[i] = d.Value
	}
	return out, true
}
