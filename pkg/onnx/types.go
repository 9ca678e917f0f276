package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The rest of TensorProto.DataType (values from onnx.proto).
const (
	Uint16     DataType = 4
	Int16      DataType = 5
	String     DataType = 8
	Double     DataType = 11
	Uint32     DataType = 12
	Uint64     DataType = 13
	Complex64  DataType = 14
	Complex128 DataType = 15
	BFloat16   DataType = 16
	// Float8 and 4-bit types (onnx.proto, IR 9 and 10).
	Float8E4M3FN   DataType = 17
	Float8E4M3FNUZ DataType = 18
	Float8E5M2     DataType = 19
	Float8E5M2FNUZ DataType = 20
	Uint4          DataType = 21
	Int4           DataType = 22
)

var typeNames = map[DataType]string{
	0: "undefined", Float: "float", Uint8: "uint8", Int8: "int8", Uint16: "uint16", Int16: "int16",
	Int32: "int32", Int64: "int64", String: "string", Bool: "bool", Float16: "float16", Double: "double",
	Uint32: "uint32", Uint64: "uint64", Complex64: "complex64", Complex128: "complex128", BFloat16: "bfloat16",
	Float8E4M3FN: "float8e4m3fn", Float8E4M3FNUZ: "float8e4m3fnuz", Float8E5M2: "float8e5m2",
	Float8E5M2FNUZ: "float8e5m2fnuz", Uint4: "uint4", Int4: "int4",
}

// String is the type's name in onnx.proto, lower case ("float16").
func (d DataType) String() string {
	if n, ok := typeNames[d]; ok {
		return n
	}
	return fmt.Sprintf("type#%d", int32(d))
}

// ElemSize is the element's size in bytes for every fixed-size type (0 for
// string, the 4-bit types and unknown ones).
func (d DataType) ElemSize() int {
	switch d {
	case Uint8, Int8, Bool, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ:
		return 1
	case Uint16, Int16, Float16, BFloat16:
		return 2
	case Float, Int32, Uint32:
		return 4
	case Int64, Uint64, Double, Complex64:
		return 8
	case Complex128:
		return 16
	}
	return 0
}

// IsFloat reports whether values of d are compared with a tolerance.
func (d DataType) IsFloat() bool {
	switch d {
	case Float, Double, Float16, BFloat16, Complex64, Complex128,
		Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ:
		return true
	}
	return false
}

// Kind is what a ValueInfo's TypeProto holds.
type Kind int

// Value kinds (TypeProto's oneof value).
const (
	KindTensor Kind = iota
	KindSequence
	KindMap
	KindOptional
	KindSparse
	KindUnknown
)

func (k Kind) String() string {
	return [...]string{"tensor", "sequence", "map", "optional", "sparse tensor", "unknown"}[k]
}

// Sequence is SequenceProto holding tensors (the only element kind the
// ONNX test data uses for sequence inputs besides nested sequences).
type Sequence struct {
	Name     string
	ElemType int32 // SequenceProto.DataType: 1 tensor, 2 sparse, 3 sequence, 4 map, 5 optional
	Tensors  []Tensor
}

// UnmarshalTensor decodes one TensorProto (a `.pb` file of the ONNX test
// data convention). Typed data fields (float_data, int32_data, ...) are
// converted into Raw so callers see one little-endian layout.
func UnmarshalTensor(b []byte) (*Tensor, error) {
	t, err := unmarshalTensor(b)
	if err != nil {
		return nil, fmt.Errorf("onnx: not a TensorProto: %w", err)
	}
	return t, nil
}

// UnmarshalSequence decodes a SequenceProto.
func UnmarshalSequence(b []byte) (*Sequence, error) {
	s := &Sequence{}
	err := walk(b, func(num protowire.Number, _ protowire.Type, v uint64, d []byte) error {
		switch num {
		case 1:
			s.Name = string(d)
		case 2:
			s.ElemType = int32(v)
		case 3:
			t, err := unmarshalTensor(d)
			if err != nil {
				return err
			}
			s.Tensors = append(s.Tensors, *t)
		case 4, 5, 6, 7:
			return fmt.Errorf("sequence element kind %d (sparse tensor, sequence, map or optional) is not supported", num)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("onnx: SequenceProto: %w", err)
	}
	return s, nil
}

// typedData collects TensorProto's typed repeated fields while decoding;
// finish turns them into Raw.
type typedData struct {
	floats  []float32 // float_data (4): float, complex64
	int32s  []int64   // int32_data (5): int32, int16, int8, uint16, uint8, bool, float16, bfloat16, float8, 4-bit
	int64s  []int64   // int64_data (7)
	doubles []float64 // double_data (10): double, complex128
	uint64s []uint64  // uint64_data (11): uint32, uint64
	any     bool
}

func (td *typedData) add(num protowire.Number, typ protowire.Type, v uint64, d []byte) error {
	switch num {
	case 4:
		td.any = true
		if typ == protowire.BytesType {
			for len(d) >= 4 {
				td.floats = append(td.floats, math.Float32frombits(binary.LittleEndian.Uint32(d)))
				d = d[4:]
			}
		} else {
			td.floats = append(td.floats, math.Float32frombits(uint32(v)))
		}
	case 5, 7, 11:
		td.any = true
		var vals []int64
		if typ == protowire.BytesType {
			var err error
			if vals, err = packedVarints(d); err != nil {
				return err
			}
		} else {
			vals = []int64{int64(v)}
		}
		switch num {
		case 5:
			td.int32s = append(td.int32s, vals...)
		case 7:
			td.int64s = append(td.int64s, vals...)
		case 11:
			for _, x := range vals {
				td.uint64s = append(td.uint64s, uint64(x))
			}
		}
	case 10:
		td.any = true
		if typ == protowire.BytesType {
			for len(d) >= 8 {
				td.doubles = append(td.doubles, math.Float64frombits(binary.LittleEndian.Uint64(d)))
				d = d[8:]
			}
		} else {
			td.doubles = append(td.doubles, math.Float64frombits(v))
		}
	}
	return nil
}

// raw lays the typed values out as dt's little-endian bytes.
func (td *typedData) raw(dt DataType) ([]byte, error) {
	sz := dt.ElemSize()
	var out []byte
	put := func(n int, f func(b []byte, i int)) {
		out = make([]byte, n*sz)
		for i := 0; i < n; i++ {
			f(out[i*sz:], i)
		}
	}
	switch dt {
	case Float, Complex64:
		out = make([]byte, 4*len(td.floats))
		for i, f := range td.floats {
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(f))
		}
	case Double, Complex128:
		out = make([]byte, 8*len(td.doubles))
		for i, f := range td.doubles {
			binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(f))
		}
	case Int64:
		put(len(td.int64s), func(b []byte, i int) { binary.LittleEndian.PutUint64(b, uint64(td.int64s[i])) })
	case Uint32:
		put(len(td.uint64s), func(b []byte, i int) { binary.LittleEndian.PutUint32(b, uint32(td.uint64s[i])) })
	case Uint64:
		put(len(td.uint64s), func(b []byte, i int) { binary.LittleEndian.PutUint64(b, td.uint64s[i]) })
	case Int32:
		put(len(td.int32s), func(b []byte, i int) { binary.LittleEndian.PutUint32(b, uint32(td.int32s[i])) })
	case Int16, Uint16, Float16, BFloat16:
		// float16 and bfloat16 travel as their bit patterns in int32_data.
		put(len(td.int32s), func(b []byte, i int) { binary.LittleEndian.PutUint16(b, uint16(td.int32s[i])) })
	case Int8, Uint8, Bool, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ:
		put(len(td.int32s), func(b []byte, i int) { b[0] = byte(td.int32s[i]) })
	case Uint4, Int4:
		// Two 4-bit values per int32_data entry's low byte, as packed in raw_data.
		out = make([]byte, len(td.int32s))
		for i, x := range td.int32s {
			out[i] = byte(x)
		}
	default:
		return nil, fmt.Errorf("typed data for element type %s", dt)
	}
	return out, nil
}

// MarshalTensor encodes t as a TensorProto (raw_data for fixed-size types,
// string_data for strings): the input_N.pb / output_N.pb file format.
func MarshalTensor(t *Tensor) []byte { return t.marshal() }

// SequenceType is the encoded TypeProto of a sequence of elem tensors, for
// ValueInfo.TypeRaw (the writer otherwise writes tensor types only).
func SequenceType(elem DataType) []byte {
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType)
	tt = protowire.AppendVarint(tt, uint64(elem))
	var inner []byte
	inner = appendMsg(inner, 1, tt) // TypeProto.tensor_type
	var seq []byte
	seq = appendMsg(seq, 1, inner) // Sequence.elem_type
	return appendMsg(nil, 4, seq)  // TypeProto.sequence_type
}
