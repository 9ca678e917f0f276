package infer

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/aihat/aihat/pkg/onnx"
	ort "github.com/yalue/onnxruntime_go"
)

// Shape resolves t's dimensions: fixed values stay, named ones come from
// dims, and an unnamed or unknown dynamic dimension is an error naming the
// --dim to pass.
func (t Tensor) Shape(dims map[string]int64) (ort.Shape, error) {
	if t.Dims == nil {
		return nil, fmt.Errorf("input %s has no shape in the model: cannot fill it", t.Name)
	}
	shape := make(ort.Shape, len(t.Dims))
	for i, d := range t.Dims {
		switch {
		case d.Param != "":
			v, ok := dims[d.Param]
			if !ok {
				return nil, fmt.Errorf("input %s: dimension %d is dynamic (%q): pass --dim %s=N", t.Name, i, d.Param, d.Param)
			}
			shape[i] = v
		case d.Value > 0:
			shape[i] = d.Value
		default:
			v, ok := dims[fmt.Sprintf("%s:%d", t.Name, i)]
			if !ok {
				return nil, fmt.Errorf("input %s: dimension %d is dynamic and unnamed: pass --dim %s:%d=N", t.Name, i, t.Name, i)
			}
			shape[i] = v
		}
		if shape[i] < 0 {
			return nil, fmt.Errorf("input %s: dimension %d = %d is negative", t.Name, i, shape[i])
		}
	}
	if len(shape) == 0 {
		shape = ort.Shape{1}
	}
	return shape, nil
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

// NewValue returns a tensor of type dt and shape filled with seeded data:
// floats uniform in [-1, 1), integers in [0, hi) (hi ≤ 0 means 10), bools
// alternating at random.
func NewValue(name string, dt onnx.DataType, shape ort.Shape, r *rand.Rand, hi int64) (ort.Value, error) {
	n := shape.FlattenedSize()
	if len(shape) == 0 {
		n = 1
	}
	if hi <= 0 {
		hi = 10
	}
	switch dt {
	case onnx.Float:
		v := make([]float32, n)
		for i := range v {
			v[i] = r.Float32()*2 - 1
		}
		return ort.NewTensor(shape, v)
	case 11: // double
		v := make([]float64, n)
		for i := range v {
			v[i] = r.Float64()*2 - 1
		}
		return ort.NewTensor(shape, v)
	case onnx.Int64:
		v := make([]int64, n)
		for i := range v {
			v[i] = r.Int64N(hi)
		}
		return ort.NewTensor(shape, v)
	case onnx.Int32:
		v := make([]int32, n)
		for i := range v {
			v[i] = int32(r.Int64N(hi))
		}
		return ort.NewTensor(shape, v)
	case onnx.Int8:
		v := make([]int8, n)
		for i := range v {
			v[i] = int8(r.Int64N(min(hi, 127)))
		}
		return ort.NewTensor(shape, v)
	case onnx.Uint8:
		v := make([]uint8, n)
		for i := range v {
			v[i] = uint8(r.Int64N(min(hi, 255)))
		}
		return ort.NewTensor(shape, v)
	case onnx.Bool:
		v := make([]byte, n)
		for i := range v {
			v[i] = byte(r.IntN(2))
		}
		return ort.NewCustomDataTensor(shape, v, ort.TensorElementDataTypeBool)
	}
	return nil, fmt.Errorf("input %s has element type %s: cannot fill it with data (supported: float, double, int64, int32, int8, uint8, bool)", name, typeName(dt))
}

func typeName(dt onnx.DataType) string {
	names := map[onnx.DataType]string{0: "undefined (not a tensor)", 4: "uint16", 5: "int16", 8: "string", 10: "float16", 12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128", 16: "bfloat16"}
	if n, ok := names[dt]; ok {
		return n
	}
	return fmt.Sprintf("#%d", dt)
}

// FillInputs builds one value per model input from seeded data.
func (s *Session) FillInputs() ([]ort.Value, error) {
	r := rand.New(rand.NewPCG(uint64(s.opts.Seed), 0x61696861))
	vals := make([]ort.Value, 0, len(s.Inputs))
	for _, t := range s.Inputs {
		shape, err := t.Shape(s.opts.Dims)
		if err != nil {
			Destroy(vals)
			return nil, fmt.Errorf("model %s: %w", s.Path, err)
		}
		v, err := NewValue(t.Name, t.Type, shape, r, 0)
		if err != nil {
			Destroy(vals)
			return nil, fmt.Errorf("model %s: %w", s.Path, err)
		}
		vals = append(vals, v)
	}
	return vals, nil
}
