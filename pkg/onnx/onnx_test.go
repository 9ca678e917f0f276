package onnx

import (
	"bytes"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func sample() *Model {
	return &Model{
		IRVersion:       8,
		Opsets:          []OpsetImport{{Domain: "", Version: 17}, {Domain: "com.microsoft", Version: 1}},
		ProducerName:    "aihat test",
		ProducerVersion: "1",
		Metadata:        map[string]string{"b": "2", "a": "1"},
		Graph: Graph{
			Name: "g",
			Nodes: []Node{
				{Name: "mm", OpType: "MatMulNBits", Domain: "com.microsoft", Inputs: []string{"x", "w", "s"}, Outputs: []string{"y"},
					Attrs: []Attr{AttrI("K", 64), AttrI("N", -3), AttrF("alpha", 0.5), AttrS("mode", "x"), AttrIs("perm", 0, 2, 1, -1), AttrFs("f", 1.5, -2)}},
				{Name: "c", OpType: "Constant", Outputs: []string{"k"}, Attrs: []Attr{AttrT("value", Int64Tensor("", []int64{2}, []int64{7, -8}))}},
			},
			Initializers: []Tensor{
				FloatTensor("w", []int64{2, 2}, []float32{1, -2, 3.5, 0}),
				{Name: "q", DataType: Uint8, Dims: []int64{3}, Raw: []byte{0x21, 0x43, 0x65}},
				Int64Tensor("scalar", nil, []int64{42}),
			},
			Inputs:  []ValueInfo{{Name: "x", ElemType: Float, Dims: []Dim{{Value: 1}, {Param: "seq"}}}, {Name: "empty", ElemType: Int64, Dims: []Dim{}}},
			Outputs: []ValueInfo{{Name: "y", ElemType: Float, Dims: []Dim{{Value: 1}, {Param: "seq"}, {Value: 4}}}},
		},
	}
}

func TestMarshalRoundTrips(t *testing.T) {
	m := sample()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	// Unmarshal gives empty (not nil) tensor names for nested tensors.
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, m)
	}
	again, _ := got.Marshal()
	if !bytes.Equal(again, b) {
		t.Fatal("re-encoding the decoded model gives different bytes")
	}
}

// The wire layout is what onnx.proto says: checked field by field with
// protowire, independent of this package's decoder.
func TestWireFieldNumbersMatchOnnxProto(t *testing.T) {
	b, _ := sample().Marshal()
	fields := map[protowire.Number]int{}
	var graph []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		b = b[n:]
		fields[num]++
		if num == 7 {
			graph, n = protowire.ConsumeBytes(b)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		b = b[n:]
	}
	// ir_version 1, producer 2/3, graph 7, opset_import 8 (×2), metadata_props 14 (×2)
	want := map[protowire.Number]int{1: 1, 2: 1, 3: 1, 7: 1, 8: 2, 14: 2}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("model fields %v, want %v", fields, want)
	}
	gf := map[protowire.Number]int{}
	for len(graph) > 0 {
		num, typ, n := protowire.ConsumeTag(graph)
		graph = graph[n:]
		gf[num]++
		graph = graph[protowire.ConsumeFieldValue(num, typ, graph):]
	}
	// node 1, name 2, initializer 5, input 11, output 12
	if want := (map[protowire.Number]int{1: 2, 2: 1, 5: 3, 11: 2, 12: 1}); !reflect.DeepEqual(gf, want) {
		t.Fatalf("graph fields %v, want %v", gf, want)
	}
}

func TestMetadataIsWrittenInKeyOrder(t *testing.T) {
	m := sample()
	a, _ := m.Marshal()
	m.Metadata = map[string]string{"a": "1", "b": "2"}
	b, _ := m.Marshal()
	if !bytes.Equal(a, b) || bytes.Index(a, []byte("\x0a\x01a")) > bytes.Index(a, []byte("\x0a\x01b")) {
		t.Fatal("metadata not in key order")
	}
}

func TestValidateRejectsRawSizeMismatch(t *testing.T) {
	m := sample()
	m.Graph.Initializers[0].Raw = m.Graph.Initializers[0].Raw[:8]
	if _, err := m.Marshal(); err == nil {
		t.Fatal("marshal accepted 8 B of raw data for a 2×2 float tensor")
	}
	m = sample()
	m.Graph.Nodes[0].OpType = ""
	if _, err := m.Marshal(); err == nil {
		t.Fatal("marshal accepted a node without an op type")
	}
}

func TestUnmarshalRejectsGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("hello world"), {0xff, 0xff, 0xff}, {0x3a, 0x10, 0x01}} {
		if _, err := Unmarshal(b); err == nil {
			t.Errorf("Unmarshal(%q) accepted", b)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	b, _ := sample().Marshal()
	f.Add(b)
	f.Add([]byte{0x08, 0x08})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Unmarshal(data)
		if err != nil {
			return
		}
		if _, err := m.Marshal(); err != nil {
			// Raw sizes of decoded tensors may not match their dims; that is
			// a validation error, not a crash.
			return
		}
	})
}

func TestWriteToStreamsTheSameBytes(t *testing.T) {
	m := sample()
	want, _ := m.Marshal()
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	if err != nil || n != int64(len(want)) || !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("WriteTo wrote %d B (err %v), Marshal %d B; equal %v", n, err, len(want), bytes.Equal(buf.Bytes(), want))
	}
}
