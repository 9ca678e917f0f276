package infer

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/aihat/aihat/pkg/onnx"
	ort "github.com/yalue/onnxruntime_go"
)

// Element types onnxruntime_go can hand to ONNX Runtime: every fixed-size
// type through a typed or a custom-data tensor, strings through a string
// tensor. The 4-bit types pack two values per byte and are left out.
var ortTypes = map[onnx.DataType]ort.TensorElementDataType{
	onnx.Float: ort.TensorElementDataTypeFloat, onnx.Uint8: ort.TensorElementDataTypeUint8,
	onnx.Int8: ort.TensorElementDataTypeInt8, onnx.Uint16: ort.TensorElementDataTypeUint16,
	onnx.Int16: ort.TensorElementDataTypeInt16, onnx.Int32: ort.TensorElementDataTypeInt32,
	onnx.Int64: ort.TensorElementDataTypeInt64, onnx.String: ort.TensorElementDataTypeString,
	onnx.Bool: ort.TensorElementDataTypeBool, onnx.Float16: ort.TensorElementDataTypeFloat16,
	onnx.Double: ort.TensorElementDataTypeDouble, onnx.Uint32: ort.TensorElementDataTypeUint32,
	onnx.Uint64: ort.TensorElementDataTypeUint64, onnx.Complex64: ort.TensorElementDataTypeComplex64,
	onnx.Complex128: ort.TensorElementDataTypeComplex128, onnx.BFloat16: ort.TensorElementDataTypeBFloat16,
	onnx.Float8E4M3FN: ort.TensorElementDataTypeFloat8E4M3FN, onnx.Float8E4M3FNUZ: ort.TensorElementDataTypeFloat8E4M3FNUZ,
	onnx.Float8E5M2: ort.TensorElementDataTypeFloat8E5M2, onnx.Float8E5M2FNUZ: ort.TensorElementDataTypeFloat8E5M2FNUZ,
}

// Supported reports whether tensors of dt can be built and read back.
func Supported(dt onnx.DataType) bool {
	_, ok := ortTypes[dt]
	return ok && (dt == onnx.String || dt.ElemSize() > 0)
}

func elements(dims []int64) int64 {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	return n
}

// ToORT builds an ONNX Runtime value holding t's data (copied). A rank-0
// tensor becomes a scalar; a string tensor is filled from t.Strings.
func ToORT(t *onnx.Tensor) (ort.Value, error) {
	what := t.Name
	if what == "" {
		what = "tensor"
	}
	et, ok := ortTypes[t.DataType]
	if !ok || !Supported(t.DataType) {
		return nil, fmt.Errorf("%s has element type %s, which ONNX Runtime's Go binding cannot hold", what, t.DataType)
	}
	if t.External {
		return nil, fmt.Errorf("%s keeps its data in an external file, which is not supported for inputs", what)
	}
	for _, d := range t.Dims {
		if d < 0 {
			return nil, fmt.Errorf("%s has a negative dimension in %v", what, t.Dims)
		}
	}
	n := elements(t.Dims)
	if t.DataType == onnx.String {
		if int64(len(t.Strings)) != n {
			return nil, fmt.Errorf("%s: %d strings for shape %v (want %d)", what, len(t.Strings), t.Dims, n)
		}
		if len(t.Dims) == 0 {
			return nil, fmt.Errorf("%s is a rank-0 string tensor, which ONNX Runtime's Go binding cannot create", what)
		}
		st, err := ort.NewStringTensor(ort.Shape(t.Dims))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", what, err)
		}
		ss := make([]string, n)
		for i, b := range t.Strings {
			ss[i] = string(b)
		}
		if err := st.SetContents(ss); err != nil {
			st.Destroy()
			return nil, fmt.Errorf("%s: %v", what, err)
		}
		return st, nil
	}
	want := n * int64(t.DataType.ElemSize())
	if int64(len(t.Raw)) != want {
		return nil, fmt.Errorf("%s: %d B of %s data for shape %v (want %d B)", what, len(t.Raw), t.DataType, t.Dims, want)
	}
	raw := append([]byte(nil), t.Raw...)
	if len(t.Dims) == 0 {
		return scalar(t.DataType, raw, what)
	}
	shape := ort.Shape(append([]int64(nil), t.Dims...))
	if n == 0 {
		// A custom-data tensor needs one byte of backing even when empty.
		raw = make([]byte, 1)
	}
	v, err := ort.NewCustomDataTensor(shape, raw, et)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	return v, nil
}

// scalar builds a rank-0 value: onnxruntime_go creates those only for the
// Go numeric types.
func scalar(dt onnx.DataType, raw []byte, what string) (ort.Value, error) {
	v, err := scalarValue(dt, raw, what)
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return v, nil
}

func scalarValue(dt onnx.DataType, raw []byte, what string) (ort.Value, error) {
	le := binary.LittleEndian
	switch dt {
	case onnx.Float:
		return ort.NewScalar(math.Float32frombits(le.Uint32(raw)))
	case onnx.Double:
		return ort.NewScalar(math.Float64frombits(le.Uint64(raw)))
	case onnx.Int8:
		return ort.NewScalar(int8(raw[0]))
	case onnx.Uint8:
		return ort.NewScalar(raw[0])
	case onnx.Int16:
		return ort.NewScalar(int16(le.Uint16(raw)))
	case onnx.Uint16:
		return ort.NewScalar(le.Uint16(raw))
	case onnx.Int32:
		return ort.NewScalar(int32(le.Uint32(raw)))
	case onnx.Uint32:
		return ort.NewScalar(le.Uint32(raw))
	case onnx.Int64:
		return ort.NewScalar(int64(le.Uint64(raw)))
	case onnx.Uint64:
		return ort.NewScalar(le.Uint64(raw))
	case onnx.Bool:
		return ort.NewScalar(raw[0] != 0)
	}
	return nil, fmt.Errorf("%s is a rank-0 %s tensor, which ONNX Runtime's Go binding cannot create (scalars exist only for its numeric Go types)", what, dt)
}

// NewOutput allocates a value for an output of type dt and shape dims that
// ONNX Runtime fills in place. Preallocating avoids two gaps of
// onnxruntime_go's own output allocation: rank-0 outputs (it cannot wrap
// them) and 2-byte types such as float16 (it copies one byte per element).
func NewOutput(dt onnx.DataType, dims []int64) (ort.Value, error) {
	if dt == onnx.String || !Supported(dt) {
		return nil, fmt.Errorf("cannot preallocate a %s output", dt)
	}
	n := elements(dims)
	return ToORT(&onnx.Tensor{DataType: dt, Dims: dims, Raw: make([]byte, n*int64(dt.ElemSize()))})
}

// FromORT copies an ONNX Runtime tensor value into an onnx.Tensor
// (little-endian raw data, or strings).
func FromORT(v ort.Value) (*onnx.Tensor, error) {
	switch t := v.(type) {
	case *ort.StringTensor:
		return fromStrings(t)
	case *ort.CustomDataTensor:
		return fromCustom(t)
	case nil:
		return nil, fmt.Errorf("no value")
	}
	if out, ok, err := fromTensor(v); ok {
		return out, err
	}
	if out, ok, err := fromScalar(v); ok {
		return out, err
	}
	return nil, fmt.Errorf("value of ONNX type %v is not a tensor", v.GetONNXType())
}

func fromStrings(t *ort.StringTensor) (*onnx.Tensor, error) {
	ss, err := t.GetContents()
	if err != nil {
		return nil, err
	}
	out := &onnx.Tensor{DataType: onnx.String, Dims: []int64(t.GetShape())}
	for _, s := range ss {
		out.Strings = append(out.Strings, []byte(s))
	}
	return out, nil
}

// fromCustom copies a tensor of a type Go has no slice for (float16,
// bfloat16, the float8 types) byte for byte.
func fromCustom(t *ort.CustomDataTensor) (*onnx.Tensor, error) {
	dt, err := fromORTType(ort.TensorElementDataType(t.DataType()))
	if err != nil {
		return nil, err
	}
	want := elements(t.GetShape()) * int64(dt.ElemSize())
	raw := t.GetData()
	if int64(len(raw)) < want {
		return nil, fmt.Errorf("%s output holds %d B for shape %v (want %d B): read back truncated", dt, len(raw), t.GetShape(), want)
	}
	return &onnx.Tensor{DataType: dt, Dims: []int64(t.GetShape()), Raw: append([]byte(nil), raw[:want]...)}, nil
}

// fromTensor copies a typed tensor; ok is false for any other value.
func fromTensor(v ort.Value) (out *onnx.Tensor, ok bool, err error) {
	switch t := v.(type) {
	case *ort.Tensor[float32]:
		out, err = typed(onnx.Float, t.GetShape(), t.GetData())
		return out, true, err
	case *ort.Tensor[float64]:
		out, err = typed(onnx.Double, t.GetShape(), t.GetData())
		return out, true, err
	case *ort.Tensor[int8]:
		out, err = typed(onnx.Int8, t.GetShape(), t.GetData())
		return out, true, err
	case *ort.Tensor[uint8]:
		out, err = typed(onnx.Uint8, t.GetShape(), t.GetData())
		return out, true, err
	case *ort.Tensor[int16]:
		out, err = typed(onnx.Int16, t.GetShape(), t.GetData())
		return out, true, err
	case *ort.Tensor[uint16]:
		out, err = typed(onnx.Uint16, t.GetShape(), t.GetData())
		return out, true, err
	case *ort.Tensor[int32]:
		out, err = typed(onnx.Int32, t.GetShape(), t.GetData())
		return out, true, err
	case *ort.Tensor[uint32]:
		out, err = typed(onnx.Uint32, t.GetShape(), t.GetData())
		return out, true, err
	case *ort.Tensor[int64]:
		out, err = typed(onnx.Int64, t.GetShape(), t.GetData())
		return out, true, err
	case *ort.Tensor[uint64]:
		out, err = typed(onnx.Uint64, t.GetShape(), t.GetData())
		return out, true, err
	case *ort.Tensor[bool]:
		out, err = typed(onnx.Bool, t.GetShape(), t.GetData())
		return out, true, err
	}
	return nil, false, nil
}

// fromScalar copies a typed scalar as a tensor of no dimensions; ok is
// false for any other value.
func fromScalar(v ort.Value) (out *onnx.Tensor, ok bool, err error) {
	switch t := v.(type) {
	case *ort.Scalar[float32]:
		out, err = typed(onnx.Float, nil, []float32{t.GetData()})
		return out, true, err
	case *ort.Scalar[float64]:
		out, err = typed(onnx.Double, nil, []float64{t.GetData()})
		return out, true, err
	case *ort.Scalar[int8]:
		out, err = typed(onnx.Int8, nil, []int8{t.GetData()})
		return out, true, err
	case *ort.Scalar[uint8]:
		out, err = typed(onnx.Uint8, nil, []uint8{t.GetData()})
		return out, true, err
	case *ort.Scalar[int16]:
		out, err = typed(onnx.Int16, nil, []int16{t.GetData()})
		return out, true, err
	case *ort.Scalar[uint16]:
		out, err = typed(onnx.Uint16, nil, []uint16{t.GetData()})
		return out, true, err
	case *ort.Scalar[int32]:
		out, err = typed(onnx.Int32, nil, []int32{t.GetData()})
		return out, true, err
	case *ort.Scalar[uint32]:
		out, err = typed(onnx.Uint32, nil, []uint32{t.GetData()})
		return out, true, err
	case *ort.Scalar[int64]:
		out, err = typed(onnx.Int64, nil, []int64{t.GetData()})
		return out, true, err
	case *ort.Scalar[uint64]:
		out, err = typed(onnx.Uint64, nil, []uint64{t.GetData()})
		return out, true, err
	case *ort.Scalar[bool]:
		out, err = typed(onnx.Bool, nil, []bool{t.GetData()})
		return out, true, err
	}
	return nil, false, nil
}

// typed copies a Go slice's bytes (little-endian on every target aihat
// builds for: amd64, arm64, arm).
func typed[T any](dt onnx.DataType, shape ort.Shape, data []T) (*onnx.Tensor, error) {
	var raw []byte
	if len(data) > 0 {
		raw = append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)*int(unsafe.Sizeof(data[0])))...)
	}
	return &onnx.Tensor{DataType: dt, Dims: append([]int64(nil), shape...), Raw: raw}, nil
}

func fromORTType(et ort.TensorElementDataType) (onnx.DataType, error) {
	for dt, e := range ortTypes {
		if e == et {
			return dt, nil
		}
	}
	return 0, fmt.Errorf("ONNX Runtime element type %d is not known to aihat", et)
}

// Float32 converts element i of a float tensor's raw data to float64.
func Float64At(dt onnx.DataType, raw []byte, i int) float64 {
	le := binary.LittleEndian
	switch dt {
	case onnx.Float:
		return float64(math.Float32frombits(le.Uint32(raw[4*i:])))
	case onnx.Double:
		return math.Float64frombits(le.Uint64(raw[8*i:]))
	case onnx.Float16:
		return float64(HalfToFloat(le.Uint16(raw[2*i:])))
	case onnx.BFloat16:
		return float64(math.Float32frombits(uint32(le.Uint16(raw[2*i:])) << 16))
	}
	return math.NaN()
}

// HalfToFloat converts IEEE 754 binary16 bits to float32.
func HalfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac × 2^-24
		f := float32(frac) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// FloatToHalf converts float32 to IEEE 754 binary16 bits, rounding to
// nearest even; out-of-range values become infinities.
func FloatToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23&0xff) - 127 + 15
	frac := b & 0x7fffff
	switch {
	case b&0x7fffffff > 0x7f800000: // NaN
		return sign | 0x7e00
	case exp >= 0x1f:
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		frac |= 0x800000
		shift := uint32(14 - exp)
		h := frac >> shift
		rem := frac & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | frac>>13
	rem := frac & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++
	}
	return sign | uint16(h)
}

// FloatToBFloat16 converts float32 to bfloat16 bits, rounding to nearest
// even (the top 16 bits of the float32).
func FloatToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}
