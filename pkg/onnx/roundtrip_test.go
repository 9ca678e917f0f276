package onnx_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/prereq"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/onnx"
	"github.com/aihat/aihat/pkg/synth"
)

// Models written by other tools (onnxruntime_go's test models: PyTorch
// and skl2onnx exports with doc strings, ai.onnx.ml maps, strings,
// float16) and aihat's own synthetic models decode, re-encode, and the
// re-encoded model gives ONNX Runtime's outputs of the original on the
// same seeded inputs. make conformance runs the same over the 1072 models
// of the ONNX backend test data.
func TestReencodedModelsRunTheSame(t *testing.T) {
	var models []string
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/yalue/onnxruntime_go").Output(); err == nil {
		models, _ = filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "test_data", "*.onnx"))
	}
	dir := t.TempDir()
	for _, q := range []string{synth.FP32, synth.Int8, synth.Int4} {
		c := synth.Config{Layers: 1, Hidden: 32, Heads: 2, FFN: 64, Vocab: 50, Context: 16, Seed: 3, Quant: q}
		p := filepath.Join(dir, q+".onnx")
		if _, err := synth.Write(c, p); err != nil {
			t.Fatal(err)
		}
		models = append(models, p)
	}
	for _, path := range models {
		t.Run(filepath.Base(path), func(t *testing.T) {
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := onnx.Unmarshal(orig)
			if err != nil {
				t.Fatal(err)
			}
			again, err := m.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(filepath.Base(path), "int") || strings.HasPrefix(filepath.Base(path), "fp32") {
				if !bytes.Equal(again, orig) {
					t.Fatal("aihat's own model does not re-encode byte for byte")
				}
			}
			if strings.Contains(path, "big_compute") {
				return // 16 s per run on one core: decoding and encoding it is the point here
			}
			re := filepath.Join(t.TempDir(), "re.onnx")
			os.WriteFile(re, again, 0o644)
			a, b := outputs(t, path), outputs(t, re)
			if len(a) != len(b) || len(a) == 0 {
				t.Fatalf("%d outputs against %d", len(b), len(a))
			}
			for i := range a {
				if a[i].DataType != b[i].DataType || !bytes.Equal(a[i].Raw, b[i].Raw) || len(a[i].Strings) != len(b[i].Strings) {
					t.Fatalf("output %d differs after re-encoding: %s%v against %s%v", i, b[i].DataType, b[i].Dims, a[i].DataType, a[i].Dims)
				}
			}
		})
	}
}

// outputs runs a model once on seeded inputs (dynamic dims 2) and returns
// its tensor outputs (non-tensor ones, such as ai.onnx.ml maps, skipped).
func outputs(t *testing.T, path string) []*onnx.Tensor {
	t.Helper()
	s, err := infer.Open(path, infer.Options{Threads: 1, Seed: 5, Dims: map[string]int64{
		"input_vectors_dynamic_axes_1": 2, "batch": 1, "seq": 3, "past": 0, "total": 3}})
	if err != nil {
		if strings.Contains(err.Error(), "locale") {
			prereq.Missing(t, "the en_US.UTF-8 locale for ONNX Runtime's StringNormalizer ("+err.Error()+")", prereq.LocaleUTF8)
		}
		t.Fatal(err)
	}
	defer s.Close()
	if c, ok := s.Generative(); ok {
		rows, err := s.Forward(c, []int64{1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		var flat []float32
		for _, r := range rows {
			flat = append(flat, r...)
		}
		ft := onnx.FloatTensor("", []int64{int64(len(flat))}, flat)
		return []*onnx.Tensor{&ft}
	}
	vals, err := s.FillInputs()
	if err != nil {
		t.Fatal(err)
	}
	defer infer.Destroy(vals)
	outs, _ := s.NewOutputs()
	if err := s.Raw().Run(vals, outs); err != nil {
		t.Fatal(err)
	}
	defer infer.Destroy(outs)
	var got []*onnx.Tensor
	for _, v := range outs {
		if x, err := infer.FromORT(v); err == nil {
			got = append(got, x)
		}
	}
	return got
}
