// Package onnx writes and reads the ONNX protobuf format: ModelProto,
// GraphProto, NodeProto, AttributeProto, TensorProto (raw_data, or the
// typed data fields converted to raw), ValueInfoProto (tensor types, and
// the kind of sequence, map and optional ones), opset imports and
// metadata_props as Go structs; every other field is kept as raw bytes
// and written back, so a decoded model re-encodes to one ONNX Runtime
// runs the same (checked over the ONNX backend test data). It is encoded
// by hand with protowire because no maintained Go module exposes the ONNX
// message types.
package onnx

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
)

// DataType is TensorProto.DataType.
type DataType int32

// Element types used by aihat (values from onnx.proto).
const (
	Float   DataType = 1
	Uint8   DataType = 2
	Int8    DataType = 3
	Int32   DataType = 6
	Int64   DataType = 7
	Bool    DataType = 9
	Float16 DataType = 10
)

// Size is the element's size in bytes (0 when unknown).
func (d DataType) Size() int {
	switch d {
	case Float, Int32:
		return 4
	case Uint8, Int8, Bool:
		return 1
	case Int64:
		return 8
	case Float16:
		return 2
	}
	return 0
}

// OpsetImport is OperatorSetIdProto.
type OpsetImport struct {
	Domain  string
	Version int64
}

// Model is ModelProto.
type Model struct {
	IRVersion       int64
	Opsets          []OpsetImport
	ProducerName    string
	ProducerVersion string
	Graph           Graph
	// Metadata becomes metadata_props, written in key order.
	Metadata map[string]string
	// Unknown holds the encoded fields this package does not model
	// (doc_string, functions, ...), written back as read.
	Unknown []byte
}

// Graph is GraphProto.
type Graph struct {
	Name         string
	Nodes        []Node
	Initializers []Tensor
	Inputs       []ValueInfo
	Outputs      []ValueInfo
	Unknown      []byte // value_info, sparse initializers, doc_string, ...
}

// Node is NodeProto.
type Node struct {
	Name    string
	OpType  string
	Domain  string
	Inputs  []string
	Outputs []string
	Attrs   []Attr
	Unknown []byte
}

// AttrType is AttributeProto.AttributeType.
type AttrType int32

// Attribute types.
const (
	AttrFloat  AttrType = 1
	AttrInt    AttrType = 2
	AttrString AttrType = 3
	AttrTensor AttrType = 4
	AttrFloats AttrType = 6
	AttrInts   AttrType = 7
)

// Attr is AttributeProto (scalar, list and tensor kinds).
type Attr struct {
	Name   string
	Type   AttrType
	F      float32
	I      int64
	S      []byte
	T      *Tensor
	Floats []float32
	Ints   []int64
	// Unknown holds subgraphs (g, graphs), strings, tensors and the rest.
	Unknown []byte
}

// AttrI, AttrF, AttrS, AttrInts and AttrT build attributes.
func AttrI(name string, v int64) Attr       { return Attr{Name: name, Type: AttrInt, I: v} }
func AttrF(name string, v float32) Attr     { return Attr{Name: name, Type: AttrFloat, F: v} }
func AttrS(name, v string) Attr             { return Attr{Name: name, Type: AttrString, S: []byte(v)} }
func AttrIs(name string, v ...int64) Attr   { return Attr{Name: name, Type: AttrInts, Ints: v} }
func AttrT(name string, t Tensor) Attr      { return Attr{Name: name, Type: AttrTensor, T: &t} }
func AttrFs(name string, v ...float32) Attr { return Attr{Name: name, Type: AttrFloats, Floats: v} }

// Tensor is TensorProto with its data in raw_data (little-endian).
type Tensor struct {
	Name     string
	DataType DataType
	Dims     []int64
	Raw      []byte
	// Strings holds a string tensor's elements (string_data).
	Strings [][]byte
	// External is set when the data lives in a file next to the model
	// (data_location EXTERNAL); Raw is then empty.
	External bool
	// typed: Raw was rebuilt from typed fields (float_data, ...) when
	// decoding, not read from raw_data.
	typed bool
	// Unknown holds external_data, data_location, segment, doc_string.
	Unknown []byte
}

// Elements is the product of the dims.
func (t *Tensor) Elements() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// FloatTensor, Int64Tensor build tensors from Go slices.
func FloatTensor(name string, dims []int64, v []float32) Tensor {
	raw := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
	}
	return Tensor{Name: name, DataType: Float, Dims: dims, Raw: raw}
}

// Int64Tensor builds an int64 tensor.
func Int64Tensor(name string, dims []int64, v []int64) Tensor {
	raw := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(x))
	}
	return Tensor{Name: name, DataType: Int64, Dims: dims, Raw: raw}
}

// Dim is one dimension of a ValueInfo: a fixed value or a symbolic name.
type Dim struct {
	Value int64
	Param string
}

// ValueInfo is ValueInfoProto for a tensor type.
type ValueInfo struct {
	Name     string
	ElemType DataType
	Dims     []Dim
	// Kind is the value's kind (tensor unless the model says sequence,
	// map, optional or sparse); ElemType and Dims then describe the tensor
	// inside it when there is one.
	Kind Kind
	// TypeRaw is the encoded TypeProto of a value that is not a plain
	// tensor (sequence, map, optional, sparse), written back as read.
	TypeRaw []byte
	Unknown []byte
}

// Validate checks what would make ORT reject the model in a confusing way:
// raw data sizes that do not match dims, and unnamed values.
func (m *Model) Validate() error {
	for _, t := range m.Graph.Initializers {
		if t.Name == "" {
			return fmt.Errorf("onnx: initializer without a name")
		}
		if sz := t.DataType.Size(); sz > 0 && int64(len(t.Raw)) != t.Elements()*int64(sz) {
			return fmt.Errorf("onnx: initializer %s: %d B of raw data for dims %v (want %d B)", t.Name, len(t.Raw), t.Dims, t.Elements()*int64(sz))
		}
	}
	for i, n := range m.Graph.Nodes {
		if n.OpType == "" {
			return fmt.Errorf("onnx: node %d (%s) has no op type", i, n.Name)
		}
	}
	return nil
}

// Marshal encodes the model as ONNX protobuf bytes.
func (m *Model) Marshal() ([]byte, error) {
	head, graph, tail, err := m.chunks()
	if err != nil {
		return nil, err
	}
	size := len(head) + len(tail)
	for _, c := range graph {
		size += len(c)
	}
	b := make([]byte, 0, size)
	b = append(b, head...)
	for _, c := range graph {
		b = append(b, c...)
	}
	return append(b, tail...), nil
}

// WriteTo streams the encoded model to w without building it in memory
// first: tensor data is written from the tensors' own buffers.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	head, graph, tail, err := m.chunks()
	if err != nil {
		return 0, err
	}
	var n int64
	for _, c := range append(append([][]byte{head}, graph...), tail) {
		k, err := w.Write(c)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// chunks lays the model out as the bytes before the graph's content
// (including the graph's tag and length), the graph's content as chunks
// that reference tensor data in place, and the bytes after it.
func (m *Model) chunks() (head []byte, graph [][]byte, tail []byte, err error) {
	if err := m.Validate(); err != nil {
		return nil, nil, nil, err
	}
	graph = m.Graph.chunks()
	size := 0
	for _, c := range graph {
		size += len(c)
	}
	head = protowire.AppendTag(head, 1, protowire.VarintType)
	head = protowire.AppendVarint(head, uint64(m.IRVersion))
	head = appendString(head, 2, m.ProducerName)
	head = appendString(head, 3, m.ProducerVersion)
	head = protowire.AppendTag(head, 7, protowire.BytesType)
	head = protowire.AppendVarint(head, uint64(size))
	for _, o := range m.Opsets {
		var ob []byte
		ob = appendString(ob, 1, o.Domain)
		ob = protowire.AppendTag(ob, 2, protowire.VarintType)
		ob = protowire.AppendVarint(ob, uint64(o.Version))
		tail = appendMsg(tail, 8, ob)
	}
	keys := make([]string, 0, len(m.Metadata))
	for k := range m.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var kv []byte
		kv = appendString(kv, 1, k)
		kv = appendString(kv, 2, m.Metadata[k])
		tail = appendMsg(tail, 14, kv)
	}
	tail = append(tail, m.Unknown...)
	return head, graph, tail, nil
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMsg(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}

func (g *Graph) chunks() [][]byte {
	var b []byte
	for _, n := range g.Nodes {
		b = appendMsg(b, 1, n.marshal())
	}
	b = appendString(b, 2, g.Name)
	out := [][]byte{b}
	for _, t := range g.Initializers {
		if t.DataType == String || t.External {
			out = append(out, appendMsg(nil, 5, t.marshal()))
			continue
		}
		hdr := t.header()
		var pre []byte
		pre = protowire.AppendTag(pre, 5, protowire.BytesType)
		pre = protowire.AppendVarint(pre, uint64(len(hdr)+len(t.Raw)))
		out = append(out, append(pre, hdr...), t.Raw)
	}
	b = nil
	for _, v := range g.Inputs {
		b = appendMsg(b, 11, v.marshal())
	}
	for _, v := range g.Outputs {
		b = appendMsg(b, 12, v.marshal())
	}
	b = append(b, g.Unknown...)
	return append(out, b)
}

func (n *Node) marshal() []byte {
	var b []byte
	for _, s := range n.Inputs {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	for _, s := range n.Outputs {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	b = appendString(b, 3, n.Name)
	b = appendString(b, 4, n.OpType)
	for _, a := range n.Attrs {
		b = appendMsg(b, 5, a.marshal())
	}
	b = appendString(b, 7, n.Domain)
	return append(b, n.Unknown...)
}

func (a *Attr) marshal() []byte {
	var b []byte
	b = appendString(b, 1, a.Name)
	switch a.Type {
	case AttrFloat:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.F))
	case AttrInt:
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.I))
	case AttrString:
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendBytes(b, a.S)
	case AttrTensor:
		if a.T != nil {
			b = appendMsg(b, 5, a.T.marshal())
		}
	case AttrFloats:
		for _, f := range a.Floats {
			b = protowire.AppendTag(b, 7, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, math.Float32bits(f))
		}
	case AttrInts:
		for _, i := range a.Ints {
			b = protowire.AppendTag(b, 8, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(i))
		}
	}
	b = append(b, a.Unknown...)
	if a.Type != 0 {
		b = protowire.AppendTag(b, 20, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.Type))
	}
	return b
}

// header is the tensor's encoding up to and including raw_data's tag
// and length; the raw bytes follow it.
func (t *Tensor) header() []byte {
	b := make([]byte, 0, len(t.Name)+16+10*len(t.Dims))
	for _, d := range t.Dims {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(t.DataType))
	b = appendString(b, 8, t.Name)
	b = append(b, t.Unknown...)
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	return protowire.AppendVarint(b, uint64(len(t.Raw)))
}

func (t *Tensor) marshal() []byte {
	if t.DataType == String {
		var b []byte
		for _, d := range t.Dims {
			b = protowire.AppendTag(b, 1, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(d))
		}
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(t.DataType))
		for _, s := range t.Strings {
			b = protowire.AppendTag(b, 6, protowire.BytesType)
			b = protowire.AppendBytes(b, s)
		}
		b = appendString(b, 8, t.Name)
		return append(b, t.Unknown...)
	}
	if t.External && len(t.Raw) == 0 {
		// The data is in a file next to the model: no raw_data field.
		h := t.header()
		return h[:len(h)-2]
	}
	return append(t.header(), t.Raw...)
}

func (v *ValueInfo) marshal() []byte {
	var shape []byte
	for _, d := range v.Dims {
		var db []byte
		switch {
		case d.Param != "":
			db = appendString(db, 2, d.Param)
		case d.Value == 0:
			// Dim{} is an unknown dimension: an empty Dimension message
			// (dim_value 0 would be a fixed size of zero).
		default:
			db = protowire.AppendTag(db, 1, protowire.VarintType)
			db = protowire.AppendVarint(db, uint64(d.Value))
		}
		shape = appendMsg(shape, 1, db)
	}
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType)
	tt = protowire.AppendVarint(tt, uint64(v.ElemType))
	if v.Dims != nil { // nil: the model declares no shape (any rank)
		tt = appendMsg(tt, 2, shape)
	}
	var typ []byte
	typ = appendMsg(typ, 1, tt)
	if v.TypeRaw != nil {
		typ = v.TypeRaw
	}
	var b []byte
	b = appendString(b, 1, v.Name)
	b = appendMsg(b, 2, typ)
	return append(b, v.Unknown...)
}
