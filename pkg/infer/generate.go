package infer

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/aihat/aihat/pkg/onnx"
)

// Bound is an upper bound (exclusive) for an integer input the model uses
// as an index, found in the graph (see indexBounds); 0 means none known.
type Bound int64

// Generate returns seeded data of type dt and shape: floats uniform in
// [-1, 1) (float16 and bfloat16 rounded from those), signed and unsigned
// integers in [1, hi) with hi the model's index bound when it declares one
// and 10 otherwise (0 only when hi is 1), bools at random, strings "s0".."s9", complex numbers
// with both parts in [-1, 1). The 4-bit types are refused with a message.
func Generate(name string, dt onnx.DataType, shape []int64, r *rand.Rand, hi Bound) (*onnx.Tensor, error) {
	n := elements(shape)
	if len(shape) == 0 {
		n = 1
	}
	lim := int64(hi)
	if lim <= 0 {
		lim = 10
	}
	// Integers start at 1: a zero divisor in an integer Div or Mod is not
	// an error in ONNX Runtime but a SIGFPE that kills the process (x86
	// traps on integer division by zero). 1 is a valid index whenever the
	// bound allows more than one value.
	lo := int64(1)
	if lim <= 1 {
		lo = 0
	}
	draw := func(top int64) int64 { return lo + r.Int64N(max(1, min(lim, top)-lo)) }
	t := &onnx.Tensor{Name: name, DataType: dt, Dims: append([]int64(nil), shape...)}
	if dt == onnx.String {
		for i := int64(0); i < n; i++ {
			t.Strings = append(t.Strings, []byte(fmt.Sprintf("s%d", r.IntN(10))))
		}
		return t, nil
	}
	sz := dt.ElemSize()
	if !Supported(dt) || sz == 0 {
		return nil, fmt.Errorf("input %s has element type %s: cannot fill it with generated data (every fixed-size type and string can be); pass its data with --inputs DIR", name, dt)
	}
	raw := make([]byte, n*int64(sz))
	le := binary.LittleEndian
	uf := func() float32 { return r.Float32()*2 - 1 }
	for i := int64(0); i < n; i++ {
		b := raw[i*int64(sz):]
		switch dt {
		case onnx.Float:
			le.PutUint32(b, math.Float32bits(uf()))
		case onnx.Double:
			le.PutUint64(b, math.Float64bits(r.Float64()*2-1))
		case onnx.Float16:
			le.PutUint16(b, FloatToHalf(uf()))
		case onnx.BFloat16:
			le.PutUint16(b, FloatToBFloat16(uf()))
		case onnx.Complex64:
			le.PutUint32(b, math.Float32bits(uf()))
			le.PutUint32(b[4:], math.Float32bits(uf()))
		case onnx.Complex128:
			le.PutUint64(b, math.Float64bits(r.Float64()*2-1))
			le.PutUint64(b[8:], math.Float64bits(r.Float64()*2-1))
		case onnx.Bool:
			b[0] = byte(r.IntN(2))
		case onnx.Int8:
			b[0] = byte(draw(math.MaxInt8))
		case onnx.Uint8:
			b[0] = byte(draw(math.MaxUint8))
		case onnx.Int16:
			le.PutUint16(b, uint16(draw(math.MaxInt16)))
		case onnx.Uint16:
			le.PutUint16(b, uint16(draw(math.MaxUint16)))
		case onnx.Int32:
			le.PutUint32(b, uint32(draw(math.MaxInt32)))
		case onnx.Uint32:
			le.PutUint32(b, uint32(draw(math.MaxUint32)))
		case onnx.Int64, onnx.Uint64:
			le.PutUint64(b, uint64(draw(math.MaxInt64)))
		default:
			// The float8 types: a value in [-1, 1) has a small exponent;
			// random bytes would include NaNs, so draw the sign and a
			// mantissa around 1 from the format's low bits.
			b[0] = byte(r.IntN(2))<<7 | byte(r.IntN(8))
		}
	}
	t.Raw = raw
	return t, nil
}

// indexBounds finds integer graph inputs the model uses as indices
// (Gather/GatherElements/Embedding-style data dimension, OneHot depth is not
// known statically) and returns the exclusive bound each must respect: the
// size of the gathered initializer's axis. Only initializers with static
// dims give a bound; the rest keep the default.
func indexBounds(m *onnx.Model) map[string]Bound {
	inits := map[string]*onnx.Tensor{}
	for i := range m.Graph.Initializers {
		inits[m.Graph.Initializers[i].Name] = &m.Graph.Initializers[i]
	}
	out := map[string]Bound{}
	for _, n := range m.Graph.Nodes {
		if n.Domain != "" || len(n.Inputs) < 2 {
			continue
		}
		switch n.OpType {
		case "Gather", "GatherElements":
		default:
			continue
		}
		data, ok := inits[n.Inputs[0]]
		if !ok {
			continue
		}
		axis := int64(0)
		for _, a := range n.Attrs {
			if a.Name == "axis" {
				axis = a.I
			}
		}
		if axis < 0 {
			axis += int64(len(data.Dims))
		}
		if axis < 0 || axis >= int64(len(data.Dims)) {
			continue
		}
		b := Bound(data.Dims[axis])
		if old, ok := out[n.Inputs[1]]; !ok || b < old {
			out[n.Inputs[1]] = b
		}
	}
	return out
}
