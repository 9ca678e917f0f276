//go:build conformance

package onnx_test

// Item 6 of issue 19 over the ONNX backend test data (make conformance):
// every model decodes, and the re-encoded model loads in ONNX Runtime and
// gives the same outputs as the original on the model's own inputs.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/onnx"
	ort "github.com/yalue/onnxruntime_go"
)

func TestOnnxRoundTripSuite(t *testing.T) {
	root := os.Getenv("CONFORMANCE_DATA")
	if root == "" {
		root = "/usr/share/libonnx-testdata/data"
	}
	models, _ := filepath.Glob(filepath.Join(root, "*", "*", "model.onnx"))
	if len(models) == 0 {
		t.Fatalf("no models under %s: install Debian's libonnx-testdata (make conformance does)", root)
	}
	if _, err := infer.Init(""); err != nil {
		t.Fatal(err)
	}
	var decoded, compared, identical, bothFail, random int
	for _, path := range models {
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := onnx.Unmarshal(orig)
		if err != nil {
			t.Errorf("%s: decode: %v", rel, err)
			continue
		}
		decoded++
		again, err := m.Marshal()
		if err != nil {
			t.Errorf("%s: encode: %v", rel, err)
			continue
		}
		if bytes.Equal(again, orig) {
			identical++
		}
		set := filepath.Join(filepath.Dir(path), "test_data_set_0")
		a, errA := runOnce(orig, set)
		b, errB := runOnce(again, set)
		switch {
		case errA != nil && errB != nil:
			bothFail++ // ONNX Runtime (or the Go binding) cannot run the original either
		case errA != nil:
			t.Errorf("%s: the original fails (%v) where the re-encoded model runs", rel, errA)
		case errB != nil:
			t.Errorf("%s: the re-encoded model fails: %v", rel, errB)
		default:
			if diff := differ(a, b); diff != "" {
				// Random ops (Bernoulli, RandomNormal...) differ run to
				// run: the original against itself tells.
				if a2, err := runOnce(orig, set); err == nil && differ(a, a2) != "" {
					random++
					continue
				}
				t.Errorf("%s: re-encoded outputs differ: %s", rel, diff)
				continue
			}
			compared++
		}
	}
	t.Logf("%d models: %d decoded, %d re-encoded byte-identical, %d ran with the same outputs, %d not runnable either way, %d random", len(models), decoded, identical, compared, bothFail, random)
}

func differ(a, b []*onnx.Tensor) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d outputs against %d", len(a), len(b))
	}
	for i := range a {
		if a[i].DataType != b[i].DataType || fmt.Sprint(a[i].Dims) != fmt.Sprint(b[i].Dims) {
			return fmt.Sprintf("output %d: %s%v against %s%v", i, a[i].DataType, a[i].Dims, b[i].DataType, b[i].Dims)
		}
		if a[i].DataType.IsFloat() {
			// Same runtime, same inputs, same graph: the backend bound is
			// generous; a graph change would break it.
			if d := infer.Compare("y", a[i], b[i]); !d.Matched {
				return d.Problem
			}
		} else if !bytes.Equal(a[i].Raw, b[i].Raw) || fmt.Sprint(a[i].Strings) != fmt.Sprint(b[i].Strings) {
			return fmt.Sprintf("output %d differs", i)
		}
	}
	return ""
}

// runOnce runs model bytes on the data set's inputs with onnxruntime_go
// and returns the tensor outputs.
func runOnce(model []byte, set string) ([]*onnx.Tensor, error) {
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(model)
	if err != nil {
		return nil, err
	}
	kind := func(t ort.ONNXType) onnx.Kind {
		switch t {
		case ort.ONNXTypeSequence:
			return onnx.KindSequence
		case ort.ONNXTypeOptional:
			return onnx.KindOptional
		}
		return onnx.KindTensor
	}
	data, err := infer.ReadDir(set, "input", func(i int, name string) onnx.Kind {
		if i < len(ins) {
			return kind(ins[i].OrtValueType)
		}
		return onnx.KindTensor
	})
	if err != nil {
		return nil, err
	}
	exp, _ := infer.ReadDir(set, "output", func(i int, name string) onnx.Kind {
		if i < len(outs) {
			return kind(outs[i].OrtValueType)
		}
		return onnx.KindTensor
	})
	var names []string
	var vals []ort.Value
	defer func() { infer.Destroy(vals) }()
	for i, d := range data {
		if i >= len(ins) {
			return nil, fmt.Errorf("more input files than inputs")
		}
		if d.Tensor == nil && d.Seq == nil {
			continue
		}
		v, err := d.ORT()
		if err != nil {
			return nil, err
		}
		names = append(names, ins[i].Name)
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("no inputs")
	}
	var outNames []string
	for _, o := range outs {
		outNames = append(outNames, o.Name)
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	so.SetIntraOpNumThreads(1)
	s, err := ort.NewDynamicAdvancedSessionWithONNXData(model, names, outNames, so)
	if err != nil {
		return nil, err
	}
	defer s.Destroy()
	res := make([]ort.Value, len(outNames))
	for i, d := range exp {
		if i < len(res) && d.Tensor != nil && d.Tensor.DataType != onnx.String {
			if v, err := infer.NewOutput(d.Tensor.DataType, d.Tensor.Dims); err == nil {
				res[i] = v
			}
		}
	}
	if err := s.Run(vals, res); err != nil {
		infer.Destroy(res)
		res = make([]ort.Value, len(outNames))
		if err := s.Run(vals, res); err != nil {
			infer.Destroy(res)
			return nil, err
		}
	}
	defer infer.Destroy(res)
	var got []*onnx.Tensor
	for _, v := range res {
		if seq, ok := v.(*ort.Sequence); ok {
			elems, err := seq.GetValues()
			if err != nil {
				return nil, err
			}
			for _, e := range elems {
				t, err := infer.FromORT(e)
				if err != nil {
					return nil, err
				}
				got = append(got, t)
			}
			continue
		}
		t, err := infer.FromORT(v)
		if err != nil && !strings.Contains(err.Error(), "not a tensor") {
			return nil, err
		}
		if t != nil {
			got = append(got, t)
		}
	}
	return got, nil
}
