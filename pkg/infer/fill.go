package infer

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/aihat/aihat/pkg/onnx"
	ort "github.com/yalue/onnxruntime_go"
)

// Shape resolves t's dimensions: fixed values stay, named ones come from
// dims (an error naming the --dim to pass when absent), and an unnamed
// dynamic dimension takes dims["input:index"] or defaults to 1, with a
// notice saying so. A rank-0 input has an empty shape (a scalar); an input
// that declares no shape at all gets [1], with a notice.
func (t Tensor) Shape(dims map[string]int64) (ort.Shape, []string, error) {
	if t.Dims == nil {
		// Any rank is valid: one element is the smallest guess that
		// elementwise ops accept.
		return ort.Shape{1}, []string{fmt.Sprintf("input %s declares no shape: using [1] (give its real data with --inputs DIR)", t.Name)}, nil
	}
	var notices []string
	shape := make(ort.Shape, len(t.Dims))
	for i, d := range t.Dims {
		switch {
		case d.Param != "":
			v, ok := dims[d.Param]
			if !ok {
				return nil, nil, fmt.Errorf("input %s: dimension %d is dynamic (%q): pass --dim %s=N", t.Name, i, d.Param, d.Param)
			}
			shape[i] = v
		case d.Value > 0:
			shape[i] = d.Value
		default:
			key := fmt.Sprintf("%s:%d", t.Name, i)
			v, ok := dims[key]
			if !ok {
				v = 1
				notices = append(notices, fmt.Sprintf("input %s: dimension %d is dynamic and unnamed: using 1 (override with --dim %s=N)", t.Name, i, key))
			}
			shape[i] = v
		}
		if shape[i] < 0 {
			return nil, nil, fmt.Errorf("input %s: dimension %d = %d is negative", t.Name, i, shape[i])
		}
	}
	return shape, notices, nil
}

// ParseDims parses --dim name=value pairs.
func ParseDims(pairs []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, p := range pairs {
		name, val, ok := strings.Cut(p, "=")
		var v int64
		if _, err := fmt.Sscanf(val, "%d", &v); !ok || name == "" || err != nil || v < 0 {
			return nil, fmt.Errorf("--dim %q: want name=N with N ≥ 0", p)
		}
		out[name] = v
	}
	return out, nil
}

// FillInputs builds one value per model input from seeded data (see
// Generate for what each type gets).
func (s *Session) FillInputs() ([]ort.Value, error) {
	vals, _, err := s.fill(s.given)
	return vals, err
}

// FillInputsNotices is FillInputs that also returns the notices about
// dimensions it chose.
func (s *Session) FillInputsNotices() ([]ort.Value, []string, error) {
	return s.fill(s.given)
}

// fill builds the session's inputs: given data when set, else seeded data.
func (s *Session) fill(given map[string]*Data) ([]ort.Value, []string, error) {
	r := rand.New(rand.NewPCG(uint64(s.opts.Seed), 0x61696861))
	vals := make([]ort.Value, 0, len(s.Inputs))
	var notices []string
	for _, t := range s.Inputs {
		if d, ok := given[t.Name]; ok {
			v, err := d.ORT()
			if err != nil {
				Destroy(vals)
				return nil, nil, fmt.Errorf("model %s: input %s: %w", s.Path, t.Name, err)
			}
			vals = append(vals, v)
			continue
		}
		var data *onnx.Tensor
		{
			if t.Kind != onnx.KindTensor {
				Destroy(vals)
				return nil, nil, fmt.Errorf("model %s: input %s is a %s: cannot generate data for it; pass it with --inputs DIR", s.Path, t.Name, describe(t))
			}
			shape, ns, err := t.Shape(s.opts.Dims)
			if err != nil {
				Destroy(vals)
				return nil, nil, fmt.Errorf("model %s: %w", s.Path, err)
			}
			notices = append(notices, ns...)
			if data, err = Generate(t.Name, t.Type, shape, r, s.bounds[t.Name]); err != nil {
				Destroy(vals)
				return nil, nil, fmt.Errorf("model %s: %w", s.Path, err)
			}
		}
		v, err := ToORT(data)
		if err != nil {
			Destroy(vals)
			return nil, nil, fmt.Errorf("model %s: input %s: %w", s.Path, t.Name, err)
		}
		vals = append(vals, v)
	}
	return vals, notices, nil
}
