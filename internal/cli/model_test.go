package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func synthTiny(t *testing.T, quant string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), quant+".onnx")
	code, out, errOut := runCLI(t, "model", "synth", "--layers", "2", "--hidden", "64", "--heads", "4", "--vocab", "101", "--context", "64", "--quant", quant, "--out", path)
	if code != 0 || !strings.Contains(out, "sha256 ") {
		t.Fatalf("synth: exit %d\n%s%s", code, out, errOut)
	}
	return path
}

func TestModelSynthIsDeterministic(t *testing.T) {
	a, b := synthTiny(t, "int4"), synthTiny(t, "int4")
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if len(da) == 0 || string(da) != string(db) {
		t.Fatal("same flags wrote different models")
	}
	code, _, errOut := runCLI(t, "model", "synth", "--quant", "int3", "--out", filepath.Join(t.TempDir(), "x.onnx"))
	if code != 64 || !strings.Contains(errOut, "int3") {
		t.Fatalf("bad quant: exit %d %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "model", "synth", "--params", "50M")
	if code != 64 || !strings.Contains(errOut, "--out FILE") {
		t.Fatalf("no output: exit %d %q", code, errOut)
	}
}

func compareValues(t *testing.T, a, b string) map[string]float64 {
	t.Helper()
	code, out, errOut := runCLI(t, "model", "compare", a, b, "--target", "sim", "--tokens", "12", "-o", "json")
	if code != 0 {
		t.Fatalf("compare: exit %d\n%s%s", code, out, errOut)
	}
	var run struct {
		Steps []struct {
			Measurements []struct {
				Name  string
				Value any
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatal(err)
	}
	vals := map[string]float64{}
	for _, m := range run.Steps[0].Measurements {
		if v, ok := m.Value.(float64); ok {
			vals[m.Name] = v
		}
	}
	return vals
}

func TestModelCompare(t *testing.T) {
	fp32, int4 := synthTiny(t, "fp32"), synthTiny(t, "int4")
	self := compareValues(t, fp32, fp32)
	if self["top1_agreement"] != 1 || self["logit_cosine_min"] < 0.999999 {
		t.Fatalf("fp32 against itself: %v", self)
	}
	q := compareValues(t, fp32, int4)
	if !(q["logit_cosine_mean"] > 0.8 && q["logit_cosine_mean"] < 1) || q["top1_agreement"] < 0 || q["top1_agreement"] > 1 {
		t.Fatalf("fp32 against int4: %v", q)
	}
	code, _, errOut := runCLI(t, "model", "compare", fp32)
	if code != 64 {
		t.Fatalf("one argument: exit %d %q", code, errOut)
	}
}
