package infer

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	"github.com/aihat/aihat/pkg/onnx"
	ort "github.com/yalue/onnxruntime_go"
)

// Tolerances of the ONNX backend test runner (onnx/backend/test/runner,
// assert_similar_outputs: numpy.testing.assert_allclose with rtol=1e-3,
// atol=1e-7): a float element matches when |got-want| ≤ ATol + RTol·|want|.
// Integers, bools and strings must match exactly.
const (
	RTol = 1e-3
	ATol = 1e-7
)

// Diff is one output compared with its expected value.
type Diff struct {
	Name     string
	Matched  bool
	Elements int64
	Bad      int64   // elements outside the tolerance (or unequal)
	MaxAbs   float64 // largest |got-want| over float elements
	MaxRel   float64 // largest |got-want|/|want| over float elements with want ≠ 0
	Problem  string  // why it did not match, one line
}

// Compare checks got against want with the backend test tolerances.
func Compare(name string, want, got *onnx.Tensor) Diff {
	d := Diff{Name: name}
	if want.DataType != got.DataType {
		d.Problem = fmt.Sprintf("output %s is %s, expected %s", name, got.DataType, want.DataType)
		return d
	}
	if !slices.Equal(want.Dims, got.Dims) && !(elements(want.Dims) == 1 && elements(got.Dims) == 1) {
		d.Problem = fmt.Sprintf("output %s has shape %v, expected %v", name, got.Dims, want.Dims)
		return d
	}
	n := elements(want.Dims)
	d.Elements = n
	var ok bool
	switch {
	case want.DataType == onnx.String:
		ok = d.compareStrings(want, got)
	case want.DataType.IsFloat() && want.DataType.ElemSize() > 0 && want.DataType.ElemSize() != 1:
		ok = d.compareFloats(want, got, n)
	default:
		ok = d.compareExact(want, got, n)
	}
	if !ok {
		return d
	}
	d.Matched = d.Bad == 0
	if !d.Matched {
		d.Problem = fmt.Sprintf("output %s: %d of %d elements differ from the expected values (max abs error %.3g, max rel error %.3g; tolerance rtol %g, atol %g)", name, d.Bad, n, d.MaxAbs, d.MaxRel, RTol, ATol)
	}
	return d
}

// compareStrings counts the unequal strings; it is false (with the
// Problem set) when the counts differ.
func (d *Diff) compareStrings(want, got *onnx.Tensor) bool {
	if len(want.Strings) != len(got.Strings) {
		d.Problem = fmt.Sprintf("output %s has %d strings, expected %d", d.Name, len(got.Strings), len(want.Strings))
		return false
	}
	for i := range want.Strings {
		if !bytes.Equal(want.Strings[i], got.Strings[i]) {
			d.Bad++
		}
	}
	return true
}

// compareFloats compares n float (or complex) elements within the
// tolerance; NaN must meet NaN and an infinity the same infinity. It is
// false (with the Problem set) when the data is short.
func (d *Diff) compareFloats(want, got *onnx.Tensor, n int64) bool {
	per, comp := int64(1), want.DataType
	switch want.DataType {
	case onnx.Complex64:
		per, comp = 2, onnx.Float
	case onnx.Complex128:
		per, comp = 2, onnx.Double
	}
	if int64(len(want.Raw)) < n*int64(want.DataType.ElemSize()) || int64(len(got.Raw)) < n*int64(want.DataType.ElemSize()) {
		d.Problem = fmt.Sprintf("output %s: data shorter than its shape %v", d.Name, want.Dims)
		return false
	}
	for i := 0; i < int(n*per); i++ {
		d.compareFloat(Float64At(comp, want.Raw, i), Float64At(comp, got.Raw, i))
	}
	return true
}

func (d *Diff) compareFloat(w, g float64) {
	if math.IsNaN(w) || math.IsNaN(g) {
		if math.IsNaN(w) != math.IsNaN(g) {
			d.Bad++
		}
		return
	}
	if math.IsInf(w, 0) || math.IsInf(g, 0) {
		if w != g {
			d.Bad++
		}
		return
	}
	e := math.Abs(g - w)
	d.MaxAbs = math.Max(d.MaxAbs, e)
	if w != 0 {
		d.MaxRel = math.Max(d.MaxRel, e/math.Abs(w))
	}
	if e > ATol+RTol*math.Abs(w) {
		d.Bad++
	}
}

// compareExact compares n elements bit for bit: integers, bool, and the
// 1-byte float8 types (their formats have no room for a tolerance below
// one step). It is false (with the Problem set) when the data is short.
func (d *Diff) compareExact(want, got *onnx.Tensor, n int64) bool {
	sz := int64(want.DataType.ElemSize())
	if sz == 0 {
		sz = 1
	}
	if int64(len(want.Raw)) < n*sz || int64(len(got.Raw)) < n*sz {
		d.Problem = fmt.Sprintf("output %s: data shorter than its shape %v", d.Name, want.Dims)
		return false
	}
	for i := int64(0); i < n; i++ {
		if !bytes.Equal(want.Raw[i*sz:(i+1)*sz], got.Raw[i*sz:(i+1)*sz]) {
			d.Bad++
		}
	}
	return true
}

// CompareData compares a value ONNX Runtime returned with expected data
// (a tensor, a sequence of tensors, or an empty optional).
func CompareData(name string, want *Data, got ort.Value) Diff {
	switch {
	case want.Tensor != nil:
		g, err := FromORT(got)
		if err != nil {
			return Diff{Name: name, Problem: fmt.Sprintf("output %s: %v", name, err)}
		}
		return Compare(name, want.Tensor, g)
	case want.Seq != nil:
		seq, ok := got.(*ort.Sequence)
		if !ok {
			return Diff{Name: name, Problem: fmt.Sprintf("output %s is not a sequence", name)}
		}
		vals, err := seq.GetValues()
		if err != nil {
			return Diff{Name: name, Problem: fmt.Sprintf("output %s: %v", name, err)}
		}
		if len(vals) != len(want.Seq.Tensors) {
			return Diff{Name: name, Problem: fmt.Sprintf("output %s has %d elements, expected %d", name, len(vals), len(want.Seq.Tensors))}
		}
		all := Diff{Name: name, Matched: true}
		for i, v := range vals {
			g, err := FromORT(v)
			if err != nil {
				return Diff{Name: name, Problem: fmt.Sprintf("output %s[%d]: %v", name, i, err)}
			}
			d := Compare(fmt.Sprintf("%s[%d]", name, i), &want.Seq.Tensors[i], g)
			all.Elements += d.Elements
			all.Bad += d.Bad
			all.MaxAbs = math.Max(all.MaxAbs, d.MaxAbs)
			all.MaxRel = math.Max(all.MaxRel, d.MaxRel)
			if !d.Matched {
				all.Matched = false
				if all.Problem == "" {
					all.Problem = d.Problem
				}
			}
		}
		return all
	}
	return Diff{Name: name, Problem: fmt.Sprintf("output %s: an empty optional cannot be compared through ONNX Runtime's Go binding", name)}
}
