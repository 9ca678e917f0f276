package infer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/onnx"
)

// identityModel is one Identity node over an input of type dt and shape
// dims: whatever goes in must come back bit for bit through ONNX Runtime.
func identityModel(t *testing.T, dt onnx.DataType, dims []onnx.Dim) string {
	t.Helper()
	m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
		Name:    "id",
		Nodes:   []onnx.Node{{OpType: "Identity", Inputs: []string{"x"}, Outputs: []string{"y"}}},
		Inputs:  []onnx.ValueInfo{{Name: "x", ElemType: dt, Dims: dims}},
		Outputs: []onnx.ValueInfo{{Name: "y", ElemType: dt, Dims: dims}},
	}}
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("id-%s.onnx", dt))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Every element type ONNX Runtime's Identity (opset 17) accepts is filled
// with seeded data, run through ONNX Runtime and read back unchanged,
// including float16 and bfloat16 (2-byte outputs onnxruntime_go's own
// allocation truncates) and a rank-0 scalar.
func TestEveryTensorTypeFillsAndReadsBack(t *testing.T) {
	types := []onnx.DataType{onnx.Float, onnx.Double, onnx.Float16, onnx.BFloat16, onnx.Int8, onnx.Uint8,
		onnx.Int16, onnx.Uint16, onnx.Int32, onnx.Uint32, onnx.Int64, onnx.Uint64, onnx.Bool, onnx.String}
	for _, dt := range types {
		for _, dims := range [][]onnx.Dim{{{Value: 2}, {Value: 3}}, {}} {
			if dt == onnx.String && len(dims) == 0 {
				continue // onnxruntime_go has no rank-0 string tensor
			}
			t.Run(fmt.Sprintf("%s_rank%d", dt, len(dims)), func(t *testing.T) {
				s := open(t, identityModel(t, dt, dims), Options{Threads: 1, Seed: 3})
				in, notices, err := s.FillInputsNotices()
				if len(dims) == 0 && (dt == onnx.Float16 || dt == onnx.BFloat16) {
					// onnxruntime_go creates rank-0 values only for Go
					// numeric types: a clear refusal, not a crash.
					if err == nil || !strings.Contains(err.Error(), "rank-0 "+dt.String()) {
						t.Fatalf("err = %v", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				defer Destroy(in)
				if len(notices) != 0 {
					t.Fatalf("notices for a static shape: %v", notices)
				}
				want, err := FromORT(in[0])
				if err != nil {
					t.Fatal(err)
				}
				outs, _ := s.NewOutputs()
				if err := s.Raw().Run(in, outs); err != nil {
					t.Fatal(err)
				}
				defer Destroy(outs)
				got, err := FromORT(outs[0])
				if err != nil {
					t.Fatal(err)
				}
				if got.DataType != dt || !slices.Equal(got.Dims, want.Dims) || !bytes.Equal(got.Raw, want.Raw) || len(got.Strings) != len(want.Strings) {
					t.Fatalf("read back %s%v %x %q, put in %s%v %x %q", got.DataType, got.Dims, got.Raw, got.Strings, want.DataType, want.Dims, want.Raw, want.Strings)
				}
				if d := Compare("y", want, got); !d.Matched {
					t.Fatal(d.Problem)
				}
			})
		}
	}
}

// Generated data stays inside the range Generate documents, and a
// model's Gather over a static table bounds its index input.
func TestGeneratedIndicesRespectTheTable(t *testing.T) {
	m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
		Name:         "emb",
		Nodes:        []onnx.Node{{OpType: "Gather", Inputs: []string{"table", "ids"}, Outputs: []string{"y"}}},
		Initializers: []onnx.Tensor{onnx.FloatTensor("table", []int64{3, 2}, []float32{1, 2, 3, 4, 5, 6})},
		Inputs:       []onnx.ValueInfo{{Name: "ids", ElemType: onnx.Int64, Dims: []onnx.Dim{{Value: 64}}}},
		Outputs:      []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 64}, {Value: 2}}}},
	}}
	data, _ := m.Marshal()
	path := filepath.Join(t.TempDir(), "emb.onnx")
	os.WriteFile(path, data, 0o644)
	s := open(t, path, Options{Threads: 1, Seed: 1})
	in, err := s.FillInputs()
	if err != nil {
		t.Fatal(err)
	}
	defer Destroy(in)
	ids, _ := FromORT(in[0])
	for i := 0; i < 64; i++ {
		if v := int64(binary.LittleEndian.Uint64(ids.Raw[8*i:])); v < 0 || v >= 3 {
			t.Fatalf("index %d = %d, outside the 3-row table", i, v)
		}
	}
	out, err := s.Run(in)
	if err != nil {
		t.Fatalf("ONNX Runtime refused the generated indices: %v", err)
	}
	Destroy(out)
}

// An unnamed dynamic dimension becomes 1 with a notice naming the --dim
// that overrides it; the override is taken.
func TestUnnamedDynamicDimDefaultsToOneWithANotice(t *testing.T) {
	path := identityModel(t, onnx.Float, []onnx.Dim{{}, {Value: 4}})
	s := open(t, path, Options{Threads: 1})
	in, notices, err := s.FillInputsNotices()
	if err != nil {
		t.Fatal(err)
	}
	Destroy(in)
	if len(notices) != 1 || !strings.Contains(notices[0], "--dim x:0=N") {
		t.Fatalf("notices %v", notices)
	}
	s2 := open(t, path, Options{Threads: 1, Dims: map[string]int64{"x:0": 3}})
	in, notices, err = s2.FillInputsNotices()
	if err != nil {
		t.Fatal(err)
	}
	defer Destroy(in)
	got, _ := FromORT(in[0])
	if len(notices) != 0 || !slices.Equal(got.Dims, []int64{3, 4}) {
		t.Fatalf("with --dim x:0=3: shape %v, notices %v", got.Dims, notices)
	}
	// An input that declares no shape at all runs with one element.
	s3 := open(t, identityModel(t, onnx.Float, nil), Options{Threads: 1})
	in3, notices, err := s3.FillInputsNotices()
	if err != nil {
		t.Fatal(err)
	}
	defer Destroy(in3)
	if len(notices) != 1 || !strings.Contains(notices[0], "declares no shape") {
		t.Fatalf("notices %v", notices)
	}
	out, err := s3.Run(in3)
	if err != nil {
		t.Fatal(err)
	}
	Destroy(out)
}

// Half-precision conversion against values fixed by IEEE 754 binary16.
func TestFloat16Conversion(t *testing.T) {
	for _, c := range []struct {
		f float32
		h uint16
	}{{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {1e6, 0x7c00}, {0.000060975552, 0x03ff}, {5.9604645e-08, 0x0001}, {0, 0}, {0.33325195, 0x3555}} {
		if got := FloatToHalf(c.f); got != c.h {
			t.Errorf("FloatToHalf(%g) = %#04x, want %#04x", c.f, got, c.h)
		}
		if c.h != 0x7c00 {
			if back := HalfToFloat(c.h); back != c.f {
				t.Errorf("HalfToFloat(%#04x) = %g, want %g", c.h, back, c.f)
			}
		}
	}
	if !math.IsNaN(float64(HalfToFloat(FloatToHalf(float32(math.NaN()))))) {
		t.Error("NaN does not survive")
	}
	// bfloat16 is float32's top half, rounded to nearest even.
	if FloatToBFloat16(1) != 0x3f80 || FloatToBFloat16(math.Float32frombits(0x3f808000)) != 0x3f80 || FloatToBFloat16(math.Float32frombits(0x3f818000)) != 0x3f82 {
		t.Error("bfloat16 rounding")
	}
}

// The comparison applies the backend test bound |got-want| ≤ atol +
// rtol·|want| per element, exactly for integers.
func TestCompareUsesTheBackendTolerances(t *testing.T) {
	want := onnx.FloatTensor("", []int64{3}, []float32{1000, 0, -1})
	// 1000·(1+0.9e-3) is inside rtol 1e-3; 0 + 5e-8 is inside atol 1e-7.
	in := onnx.FloatTensor("", []int64{3}, []float32{1000.9, 5e-8, -1})
	if d := Compare("y", &want, &in); !d.Matched || d.MaxAbs < 0.89 || d.MaxRel < 0.89e-3 {
		t.Fatalf("within tolerance: %+v", d)
	}
	out := onnx.FloatTensor("", []int64{3}, []float32{1001.2, 0, -1})
	if d := Compare("y", &want, &out); d.Matched || d.Bad != 1 || !strings.Contains(d.Problem, "1 of 3") {
		t.Fatalf("outside tolerance: %+v", d)
	}
	a := onnx.Int64Tensor("", []int64{2}, []int64{7, 8})
	b := onnx.Int64Tensor("", []int64{2}, []int64{7, 9})
	if d := Compare("i", &a, &b); d.Matched {
		t.Fatal("integers compared with a tolerance")
	}
	c := onnx.Int64Tensor("", []int64{1, 2}, []int64{7, 8})
	if d := Compare("i", &a, &c); d.Matched || !strings.Contains(d.Problem, "shape") {
		t.Fatalf("shape mismatch: %+v", d)
	}
}

// A .npy file as numpy.save writes it (format 1.0, header padded to 64
// bytes with spaces and a newline) decodes to the same tensor.
func TestReadNpy(t *testing.T) {
	header := "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
	pad := 64 - (10+len(header)+1)%64
	header += strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	for i := 0; i < 6; i++ {
		binary.Write(&b, binary.LittleEndian, float32(i)/2)
	}
	got, err := ReadNpy(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got.DataType != onnx.Float || !slices.Equal(got.Dims, []int64{2, 3}) || Float64At(onnx.Float, got.Raw, 5) != 2.5 {
		t.Fatalf("%+v", got)
	}
	if _, err := ReadNpy(b.Bytes()[:40]); err == nil {
		t.Fatal("truncated file accepted")
	}
	fort := bytes.Replace(b.Bytes(), []byte("False"), []byte("True "), 1)
	if _, err := ReadNpy(fort); err == nil || !strings.Contains(err.Error(), "Fortran") {
		t.Fatalf("Fortran order: %v", err)
	}
}

// Inputs read from input_N.pb files are bound by name or order; a file
// whose type or shape does not fit names the input and what it expects.
func TestReadInputsBindsAndNamesMismatches(t *testing.T) {
	path := identityModel(t, onnx.Float, []onnx.Dim{{Value: 2}})
	dir := t.TempDir()
	good := onnx.FloatTensor("", []int64{2}, []float32{1.5, -2})
	os.WriteFile(filepath.Join(dir, "input_0.pb"), onnx.MarshalTensor(&good), 0o644)
	given, err := ReadInputs(path, dir)
	if err != nil || given["x"] == nil || Float64At(onnx.Float, given["x"].Tensor.Raw, 1) != -2 {
		t.Fatalf("%v %v", given, err)
	}
	bad := onnx.Int64Tensor("", []int64{3}, []int64{1, 2, 3})
	os.WriteFile(filepath.Join(dir, "input_0.pb"), onnx.MarshalTensor(&bad), 0o644)
	_, err = ReadInputs(path, dir)
	if err == nil || !strings.Contains(err.Error(), "input x") || !strings.Contains(err.Error(), "float[2]") || !strings.Contains(err.Error(), "int64[3]") {
		t.Fatalf("mismatch: %v", err)
	}
	if _, err := ReadInputs(path, t.TempDir()); err == nil || !strings.Contains(err.Error(), "input_0.pb") {
		t.Fatalf("empty dir: %v", err)
	}
}

// Seeded generation is deterministic for one seed and differs for another.
func TestGenerateIsSeeded(t *testing.T) {
	gen := func(seed uint64) []byte {
		r := rand.New(rand.NewPCG(seed, 1))
		x, err := Generate("x", onnx.Float16, []int64{16}, r, 0)
		if err != nil {
			t.Fatal(err)
		}
		return x.Raw
	}
	if !bytes.Equal(gen(1), gen(1)) || bytes.Equal(gen(1), gen(2)) {
		t.Fatal("not seeded")
	}
	if _, err := Generate("q", onnx.Int4, []int64{2}, rand.New(rand.NewPCG(1, 1)), 0); err == nil || !strings.Contains(err.Error(), "--inputs") {
		t.Fatalf("int4: %v", err)
	}
}

// With --inputs every input without a default needs its file: a missing
// one is named with its type and shape, not silently generated.
func TestReadInputsNamesAMissingInput(t *testing.T) {
	m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
		Name:    "add",
		Nodes:   []onnx.Node{{OpType: "Add", Inputs: []string{"a", "b"}, Outputs: []string{"y"}}},
		Inputs:  []onnx.ValueInfo{{Name: "a", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 2}}}, {Name: "b", ElemType: onnx.Int64, Dims: []onnx.Dim{{Param: "n"}, {Value: 2}}}},
		Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 2}}}},
	}}
	data, _ := m.Marshal()
	path := filepath.Join(t.TempDir(), "add.onnx")
	os.WriteFile(path, data, 0o644)
	dir := t.TempDir()
	a := onnx.FloatTensor("", []int64{2}, []float32{1, 2})
	os.WriteFile(filepath.Join(dir, "input_0.pb"), onnx.MarshalTensor(&a), 0o644)
	_, err := ReadInputs(path, dir)
	if err == nil || !strings.Contains(err.Error(), "input b (int64[n,2]") || !strings.Contains(err.Error(), "input_1.pb") {
		t.Fatalf("err = %v", err)
	}
}

// Seeded integers never divide by zero: ONNX Runtime answers an integer
// Div by 0 with SIGFPE, which would kill aihat (and this test) instead of
// failing a step.
func TestSeededIntegersAreSafeDivisors(t *testing.T) {
	for _, dt := range []onnx.DataType{onnx.Int32, onnx.Int64, onnx.Uint8} {
		m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
			Name:    "div",
			Nodes:   []onnx.Node{{OpType: "Div", Inputs: []string{"a", "b"}, Outputs: []string{"y"}}},
			Inputs:  []onnx.ValueInfo{{Name: "a", ElemType: dt, Dims: []onnx.Dim{{Value: 256}}}, {Name: "b", ElemType: dt, Dims: []onnx.Dim{{Value: 256}}}},
			Outputs: []onnx.ValueInfo{{Name: "y", ElemType: dt, Dims: []onnx.Dim{{Value: 256}}}},
		}}
		data, _ := m.Marshal()
		path := filepath.Join(t.TempDir(), "div.onnx")
		os.WriteFile(path, data, 0o644)
		s := open(t, path, Options{Threads: 1, Seed: 9})
		in, err := s.FillInputs()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := FromORT(in[1])
		sz := dt.ElemSize()
		for i := 0; i < 256; i++ {
			if bytes.Equal(b.Raw[i*sz:(i+1)*sz], make([]byte, sz)) {
				t.Fatalf("%s divisor %d is 0", dt, i)
			}
		}
		out, err := s.Run(in)
		Destroy(in)
		if err != nil {
			t.Fatal(err)
		}
		Destroy(out)
	}
}
