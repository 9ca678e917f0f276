package onnx

import (
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Unmarshal decodes a ModelProto. Fields the structs do not model are kept
// raw in the Unknown fields (see walkKeep), so Marshal writes them back.
func Unmarshal(b []byte) (*Model, error) {
	m := &Model{Metadata: map[string]string{}}
	err := walkKeep(b, modelFields, &m.Unknown, func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error {
		switch num {
		case 1:
			m.IRVersion = int64(v)
		case 2:
			m.ProducerName = string(data)
		case 3:
			m.ProducerVersion = string(data)
		case 7:
			g, err := unmarshalGraph(data)
			if err != nil {
				return err
			}
			m.Graph = *g
		case 8:
			var o OpsetImport
			err := walk(data, func(num protowire.Number, _ protowire.Type, v uint64, d []byte) error {
				switch num {
				case 1:
					o.Domain = string(d)
				case 2:
					o.Version = int64(v)
				}
				return nil
			})
			if err != nil {
				return err
			}
			m.Opsets = append(m.Opsets, o)
		case 14:
			var k, val string
			err := walk(data, func(num protowire.Number, _ protowire.Type, _ uint64, d []byte) error {
				switch num {
				case 1:
					k = string(d)
				case 2:
					val = string(d)
				}
				return nil
			})
			if err != nil {
				return err
			}
			m.Metadata[k] = val
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("onnx: not a valid model: %w", err)
	}
	if m.IRVersion == 0 && len(m.Graph.Nodes) == 0 {
		return nil, fmt.Errorf("onnx: not a valid model: no ir_version and no graph")
	}
	return m, nil
}

// walk calls f for each field of one message; v holds varint and fixed
// values, data the bytes of length-delimited fields.
func walk(b []byte, f func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var (
			v    uint64
			data []byte
		)
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var x uint32
			x, n = protowire.ConsumeFixed32(b)
			v = uint64(x)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			data, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := f(num, typ, v, data); err != nil {
			return err
		}
	}
	return nil
}

// walkKeep is walk that also appends the raw bytes (tag and value) of
// every field not in known to keep, so the encoder can write them back
// unchanged: doc strings, subgraph attributes, value_info, functions and
// whatever else this package does not model survive a decode/encode.
func walkKeep(b []byte, known map[protowire.Number]bool, keep *[]byte, f func(num protowire.Number, typ protowire.Type, v uint64, data []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		field := b[:n+m]
		b = b[n+m:]
		if !known[num] {
			*keep = append(*keep, field...)
			continue
		}
		if err := walk(field, f); err != nil {
			return err
		}
	}
	return nil
}

func fields(nums ...protowire.Number) map[protowire.Number]bool {
	m := map[protowire.Number]bool{}
	for _, n := range nums {
		m[n] = true
	}
	return m
}

// The fields each message's struct holds; the rest is kept raw.
var (
	modelFields     = fields(1, 2, 3, 7, 8, 14)
	graphFields     = fields(1, 2, 5, 11, 12)
	nodeFields      = fields(1, 2, 3, 4, 5, 7)
	attrFields      = fields(1, 2, 3, 4, 5, 7, 8, 20)
	tensorFields    = fields(1, 2, 4, 5, 6, 7, 8, 9, 10, 11)
	valueInfoFields = fields(1, 2)
)

func unmarshalGraph(b []byte) (*Graph, error) {
	g := &Graph{}
	err := walkKeep(b, graphFields, &g.Unknown, func(num protowire.Number, _ protowire.Type, _ uint64, d []byte) error {
		switch num {
		case 1:
			n, err := unmarshalNode(d)
			if err != nil {
				return err
			}
			g.Nodes = append(g.Nodes, *n)
		case 2:
			g.Name = string(d)
		case 5:
			t, err := unmarshalTensor(d)
			if err != nil {
				return err
			}
			g.Initializers = append(g.Initializers, *t)
		case 11, 12:
			v, err := unmarshalValueInfo(d)
			if err != nil {
				return err
			}
			if num == 11 {
				g.Inputs = append(g.Inputs, *v)
			} else {
				g.Outputs = append(g.Outputs, *v)
			}
		}
		return nil
	})
	return g, err
}

func unmarshalNode(b []byte) (*Node, error) {
	n := &Node{}
	err := walkKeep(b, nodeFields, &n.Unknown, func(num protowire.Number, _ protowire.Type, _ uint64, d []byte) error {
		switch num {
		case 1:
			n.Inputs = append(n.Inputs, string(d))
		case 2:
			n.Outputs = append(n.Outputs, string(d))
		case 3:
			n.Name = string(d)
		case 4:
			n.OpType = string(d)
		case 5:
			a, err := unmarshalAttr(d)
			if err != nil {
				return err
			}
			n.Attrs = append(n.Attrs, *a)
		case 7:
			n.Domain = string(d)
		}
		return nil
	})
	return n, err
}

func unmarshalAttr(b []byte) (*Attr, error) {
	a := &Attr{}
	var seen AttrType
	err := walkKeep(b, attrFields, &a.Unknown, func(num protowire.Number, typ protowire.Type, v uint64, d []byte) error {
		switch num {
		case 1:
			a.Name = string(d)
		case 2:
			a.F = math.Float32frombits(uint32(v))
			seen = AttrFloat
		case 3:
			a.I = int64(v)
			seen = AttrInt
		case 4:
			a.S = append([]byte(nil), d...)
			seen = AttrString
		case 5:
			seen = AttrTensor
			t, err := unmarshalTensor(d)
			if err != nil {
				return err
			}
			a.T = t
		case 7:
			seen = AttrFloats
			if typ == protowire.BytesType { // packed
				for len(d) >= 4 {
					x, _ := protowire.ConsumeFixed32(d)
					a.Floats = append(a.Floats, math.Float32frombits(x))
					d = d[4:]
				}
			} else {
				a.Floats = append(a.Floats, math.Float32frombits(uint32(v)))
			}
		case 8:
			seen = AttrInts
			if typ == protowire.BytesType {
				ints, err := packedVarints(d)
				if err != nil {
					return err
				}
				a.Ints = append(a.Ints, ints...)
			} else {
				a.Ints = append(a.Ints, int64(v))
			}
		case 20:
			a.Type = AttrType(v)
		}
		return nil
	})
	if a.Type == 0 && err == nil {
		// Old exporters leave out type (IR < 3): infer it from the field
		// that holds the value, so the encoder writes that field back.
		a.Type = seen
	}
	return a, err
}

func packedVarints(d []byte) ([]int64, error) {
	var out []int64
	for len(d) > 0 {
		x, n := protowire.ConsumeVarint(d)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		out = append(out, int64(x))
		d = d[n:]
	}
	return out, nil
}

func unmarshalTensor(b []byte) (*Tensor, error) {
	t := &Tensor{}
	var td typedData
	err := walkKeep(b, tensorFields, &t.Unknown, func(num protowire.Number, typ protowire.Type, v uint64, d []byte) error {
		switch num {
		case 1:
			if typ == protowire.BytesType {
				ints, err := packedVarints(d)
				if err != nil {
					return err
				}
				t.Dims = append(t.Dims, ints...)
			} else {
				t.Dims = append(t.Dims, int64(v))
			}
		case 2:
			t.DataType = DataType(v)
		case 4, 5, 7, 10, 11:
			return td.add(num, typ, v, d)
		case 6:
			t.Strings = append(t.Strings, d)
		case 8:
			t.Name = string(d)
		case 9:
			t.Raw = d
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// external_data (13) and data_location (14) stay in Unknown for the
	// encoder; External tells readers the bytes are elsewhere.
	walk(t.Unknown, func(num protowire.Number, _ protowire.Type, v uint64, _ []byte) error {
		t.External = t.External || num == 13 || (num == 14 && v == 1)
		return nil
	})
	if td.any && t.Raw == nil && t.DataType != String {
		if t.Raw, err = td.raw(t.DataType); err != nil {
			return nil, err
		}
		t.typed = true
	}
	return t, nil
}

func unmarshalValueInfo(b []byte) (*ValueInfo, error) {
	vi := &ValueInfo{}
	err := walkKeep(b, valueInfoFields, &vi.Unknown, func(num protowire.Number, _ protowire.Type, _ uint64, d []byte) error {
		switch num {
		case 1:
			vi.Name = string(d)
		case 2: // TypeProto
			if err := unmarshalType(vi, d, true); err != nil {
				return err
			}
			if vi.Kind != KindTensor {
				vi.TypeRaw = append([]byte(nil), d...)
			}
		}
		return nil
	})
	return vi, err
}

// unmarshalType reads a TypeProto into vi: the kind at the top level
// (tensor, sequence, map, optional, sparse) and the element type and dims
// of the tensor found first inside it.
func unmarshalType(vi *ValueInfo, d []byte, top bool) error {
	return walk(d, func(num protowire.Number, _ protowire.Type, _ uint64, d []byte) error {
		kind := KindUnknown
		switch num {
		case 1:
			kind = KindTensor
		case 4:
			kind = KindSequence
		case 5:
			kind = KindMap
		case 8:
			kind = KindSparse
		case 9:
			kind = KindOptional
		default:
			return nil
		}
		if top {
			vi.Kind = kind
		}
		switch num {
		case 4, 9: // sequence_type, optional_type: elem_type (1) is a TypeProto
			return walk(d, func(num protowire.Number, _ protowire.Type, _ uint64, d []byte) error {
				if num == 1 {
					return unmarshalType(vi, d, false)
				}
				return nil
			})
		case 5:
			return nil
		}
		return walk(d, func(num protowire.Number, _ protowire.Type, v uint64, d []byte) error {
			switch num {
			case 1:
				vi.ElemType = DataType(v)
			case 2:
				vi.Dims = []Dim{}
				return walk(d, func(num protowire.Number, _ protowire.Type, _ uint64, d []byte) error {
					if num != 1 {
						return nil
					}
					var dim Dim
					err := walk(d, func(num protowire.Number, _ protowire.Type, v uint64, d []byte) error {
						switch num {
						case 1:
							dim.Value = int64(v)
						case 2:
							dim.Param = string(d)
						}
						return nil
					})
					vi.Dims = append(vi.Dims, dim)
					return err
				})
			}
			return nil
		})
	})
}
