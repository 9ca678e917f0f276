package infer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aihat/aihat/pkg/onnx"
	"github.com/aihat/aihat/pkg/safefile"
	ort "github.com/yalue/onnxruntime_go"
	"google.golang.org/protobuf/encoding/protowire"
)

// Data is one input or expected output read from a file: a tensor, a
// sequence of tensors, or an empty optional (neither set).
type Data struct {
	File   string
	Name   string // the proto's name field or the .npy file's stem
	Tensor *onnx.Tensor
	Seq    *onnx.Sequence
}

// ORT builds the value ONNX Runtime takes (a tensor or a sequence).
func (d *Data) ORT() (ort.Value, error) {
	switch {
	case d.Tensor != nil:
		return ToORT(d.Tensor)
	case d.Seq != nil:
		if len(d.Seq.Tensors) == 0 {
			return nil, fmt.Errorf("%s: an empty sequence cannot be built through ONNX Runtime's Go binding", d.File)
		}
		var vals []ort.Value
		for i := range d.Seq.Tensors {
			v, err := ToORT(&d.Seq.Tensors[i])
			if err != nil {
				Destroy(vals)
				return nil, fmt.Errorf("%s: element %d: %w", d.File, i, err)
			}
			vals = append(vals, v)
		}
		s, err := ort.NewSequence(vals)
		if err != nil {
			Destroy(vals)
			return nil, fmt.Errorf("%s: %v", d.File, err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("%s: an empty optional has no value to pass", d.File)
}

var numbered = regexp.MustCompile(`^(input|output)_(\d+)\.(pb|npy)$`)

// ReadDir reads prefix_N.pb (ONNX test data: TensorProto, SequenceProto
// or OptionalProto as kinds[N] says; a tensor when kinds is short) or
// prefix_N.npy files from dir in N order; with no numbered files it reads
// every NAME.npy, named by its stem.
func ReadDir(dir, prefix string, kinds func(i int, name string) onnx.Kind) ([]*Data, error) {
	if err := safefile.CheckDir(dir); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, errors.Unwrap(err))
	}
	type file struct {
		n    int
		name string
	}
	var files []file
	var npys []string
	for _, e := range ents {
		m := numbered.FindStringSubmatch(e.Name())
		if m != nil && m[1] == prefix {
			n, _ := strconv.Atoi(m[2])
			files = append(files, file{n, e.Name()})
		} else if strings.HasSuffix(e.Name(), ".npy") && !numbered.MatchString(e.Name()) {
			npys = append(npys, e.Name())
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].n < files[j].n })
	sort.Strings(npys)
	if len(files) == 0 && prefix == "input" {
		for _, n := range npys {
			files = append(files, file{len(files), n})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s has no %s_N.pb or .npy files (the ONNX test data layout: %s_0.pb, %s_1.pb, …)", dir, prefix, prefix, prefix)
	}
	var out []*Data
	for i, f := range files {
		if f.n != i {
			return nil, fmt.Errorf("%s: %s_%d is missing (files must be numbered from 0 without gaps)", dir, prefix, i)
		}
		path := filepath.Join(dir, f.name)
		b, err := safefile.ReadFile(path, safefile.TensorMax)
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(f.name, ".npy") {
			t, err := ReadNpy(b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			name := strings.TrimSuffix(f.name, ".npy")
			if numbered.MatchString(f.name) {
				name = ""
			}
			t.Name = name
			out = append(out, &Data{File: path, Name: name, Tensor: t})
			continue
		}
		k := onnx.KindTensor
		if kinds != nil {
			k = kinds(i, pbName(b))
		}
		d, err := decodePB(b, k)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		d.File = path
		out = append(out, d)
	}
	return out, nil
}

// pbName is field 8 (TensorProto.name) or field 1 (SequenceProto,
// OptionalProto name) of a .pb file, whichever is a string.
func pbName(b []byte) string {
	var n8, n1 string
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ""
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return ""
		}
		if typ == protowire.BytesType && (num == 8 || num == 1) {
			v, _ := protowire.ConsumeBytes(b)
			if num == 8 {
				n8 = string(v)
			} else {
				n1 = string(v)
			}
		}
		b = b[m:]
	}
	if n8 != "" {
		return n8
	}
	return n1
}

func decodePB(b []byte, k onnx.Kind) (*Data, error) {
	switch k {
	case onnx.KindSequence:
		s, err := onnx.UnmarshalSequence(b)
		if err != nil {
			return nil, err
		}
		return &Data{Name: s.Name, Seq: s}, nil
	case onnx.KindOptional:
		return decodeOptional(b)
	case onnx.KindTensor:
		t, err := onnx.UnmarshalTensor(b)
		if err != nil {
			return nil, err
		}
		return &Data{Name: t.Name, Tensor: t}, nil
	}
	return nil, fmt.Errorf("a %s value cannot be read from the ONNX test data by aihat", k)
}

// decodeOptional reads OptionalProto: name (1), elem_type (2), tensor_value
// (3), sequence_value (5); no value is an empty optional.
func decodeOptional(b []byte) (*Data, error) {
	d := &Data{}
	var err error
	for len(b) > 0 && err == nil {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		if typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(b)
			switch num {
			case 1:
				d.Name = string(v)
			case 3:
				d.Tensor, err = onnx.UnmarshalTensor(v)
			case 5:
				d.Seq, err = onnx.UnmarshalSequence(v)
			case 4, 6, 7:
				err = fmt.Errorf("optional holding a sparse tensor, map or optional is not supported")
			}
		}
		b = b[m:]
	}
	if err != nil {
		return nil, fmt.Errorf("OptionalProto: %w", err)
	}
	return d, nil
}

// ReadNpy decodes a NumPy .npy file (format 1.0-3.0, C order,
// little-endian or single-byte dtypes).
func ReadNpy(b []byte) (*onnx.Tensor, error) {
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return nil, fmt.Errorf("not a .npy file (no \\x93NUMPY magic)")
	}
	major := b[6]
	var hlen, off int
	switch major {
	case 1:
		hlen, off = int(binary.LittleEndian.Uint16(b[8:])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, fmt.Errorf(".npy header truncated")
		}
		hlen, off = int(binary.LittleEndian.Uint32(b[8:])), 12
	default:
		return nil, fmt.Errorf(".npy format version %d is not supported", major)
	}
	if off+hlen > len(b) {
		return nil, fmt.Errorf(".npy header truncated")
	}
	h := string(b[off : off+hlen])
	data := b[off+hlen:]
	descr := npyField(h, "descr")
	if strings.Contains(npyField(h, "fortran_order"), "True") {
		return nil, fmt.Errorf(".npy array is in Fortran order: save it C-contiguous (np.ascontiguousarray)")
	}
	dt, ok := npyTypes[strings.Trim(descr, "'\" ")]
	if !ok {
		return nil, fmt.Errorf(".npy dtype %s is not supported (little-endian numeric and bool dtypes are)", descr)
	}
	shapeStr := npyField(h, "shape")
	shapeStr = strings.Trim(shapeStr, "() ")
	var dims []int64
	for _, p := range strings.Split(shapeStr, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || v < 0 {
			return nil, fmt.Errorf(".npy shape %q is not a tuple of sizes", shapeStr)
		}
		dims = append(dims, v)
	}
	want := elements(dims) * int64(dt.ElemSize())
	if int64(len(data)) != want {
		return nil, fmt.Errorf(".npy holds %d B of %s data for shape %v (want %d B)", len(data), dt, dims, want)
	}
	return &onnx.Tensor{DataType: dt, Dims: dims, Raw: append([]byte(nil), data...)}, nil
}

var npyTypes = map[string]onnx.DataType{
	"<f4": onnx.Float, "<f8": onnx.Double, "<f2": onnx.Float16, "|i1": onnx.Int8, "|u1": onnx.Uint8,
	"<i2": onnx.Int16, "<u2": onnx.Uint16, "<i4": onnx.Int32, "<u4": onnx.Uint32, "<i8": onnx.Int64,
	"<u8": onnx.Uint64, "|b1": onnx.Bool, "<c8": onnx.Complex64, "<c16": onnx.Complex128,
}

// npyField returns the value text of key in the header's Python dict
// literal ({'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }).
func npyField(h, key string) string {
	i := strings.Index(h, "'"+key+"'")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(h[i+len(key)+2:], " :")
	if strings.HasPrefix(rest, "(") {
		if j := strings.Index(rest, ")"); j >= 0 {
			return rest[:j+1]
		}
	}
	if j := strings.IndexAny(rest, ",}"); j >= 0 {
		return strings.TrimSpace(rest[:j])
	}
	return strings.TrimSpace(rest)
}

// Bind matches data read by ReadDir to inputs: by name when every file
// names a known input, else by order. It returns data in inputs' order
// (nil where nothing was given) and an error naming the input, its type
// and shape when a file does not fit.
func Bind(inputs []Tensor, data []*Data, what string) ([]*Data, error) {
	out := make([]*Data, len(inputs))
	byName := len(data) > 0
	idx := map[string]int{}
	for i, t := range inputs {
		idx[t.Name] = i
	}
	for _, d := range data {
		if _, ok := idx[d.Name]; !ok || d.Name == "" {
			byName = false
		}
	}
	if !byName && len(data) > len(inputs) {
		return nil, fmt.Errorf("%d %s files for %d model %ss (%s)", len(data), what, len(inputs), what, signature(inputs))
	}
	for i, d := range data {
		j := i
		if byName {
			j = idx[d.Name]
		}
		if err := fits(inputs[j], d); err != nil {
			return nil, fmt.Errorf("%s %s: %w", what, inputs[j].Name, err)
		}
		out[j] = d
	}
	return out, nil
}

func signature(ts []Tensor) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, t.Name+" "+describe(t))
	}
	return strings.Join(parts, ", ")
}

// describe is "float16[1,N,3]" or "sequence of float[?]".
func describe(t Tensor) string {
	var dims []string
	for _, d := range t.Dims {
		switch {
		case d.Param != "":
			dims = append(dims, d.Param)
		case d.Value > 0:
			dims = append(dims, strconv.FormatInt(d.Value, 10))
		default:
			dims = append(dims, "?")
		}
	}
	s := t.Type.String()
	if t.Dims != nil {
		s += "[" + strings.Join(dims, ",") + "]"
	}
	if t.Kind != onnx.KindTensor {
		s = t.Kind.String() + " of " + s
	}
	return s
}

// fits checks a file's element type and fixed dimensions against the
// model's declaration.
func fits(t Tensor, d *Data) error {
	ts := []*onnx.Tensor{d.Tensor}
	if d.Seq != nil {
		ts = nil
		for i := range d.Seq.Tensors {
			ts = append(ts, &d.Seq.Tensors[i])
		}
	}
	for _, x := range ts {
		if x == nil {
			continue
		}
		if t.Type != 0 && x.DataType != t.Type {
			return fmt.Errorf("%s holds %s%v, the model expects %s", filepath.Base(d.File), x.DataType, x.Dims, describe(t))
		}
		if t.Dims != nil && d.Seq == nil {
			ok := len(x.Dims) == len(t.Dims)
			for i := 0; ok && i < len(t.Dims); i++ {
				ok = t.Dims[i].Value <= 0 || t.Dims[i].Param != "" || t.Dims[i].Value == x.Dims[i]
			}
			if !ok {
				return fmt.Errorf("%s holds %s%v, the model expects %s", filepath.Base(d.File), x.DataType, x.Dims, describe(t))
			}
		}
	}
	return nil
}
