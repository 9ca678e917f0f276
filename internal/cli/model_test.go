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

// model compare's figures for models whose difference is known: a model
// against itself, and fp32 against its int8 and int4 encodings from the same
// seed. The quantized models' integer sums are exact on every CPU (int4
// dequantizes to fp32; int8 weights stay within ±synth.WeightMaxInt8), so
// the bounds below hold wherever ONNX Runtime runs.
func TestModelCompare(t *testing.T) {
	fp32, int8, int4 := synthTiny(t, "fp32"), synthTiny(t, "int8"), synthTiny(t, "int4")
	self := compareValues(t, fp32, fp32)
	// Same model, same kernels, same tokens: identical logits, so the cosine
	// is 1 up to float64 rounding of its sums (≈1e-16); 1e-6 admits nothing else.
	if self["top1_agreement"] != 1 || self["logit_cosine_min"] < 1-1e-6 {
		t.Fatalf("fp32 against itself: %v", self)
	}
	// cos(a, a+e) ≥ √(1−ρ²) for ρ = ‖e‖/‖a‖. A weight rounded to a step s
	// errs by s/√12 RMS; uniform weights in ±m have RMS m/√3. The longest
	// path crosses 13 matrices (6 per layer + the LM head); their errors are
	// independent, so ρ adds in quadrature: ρ ≈ √13·ρ₁.
	for _, tc := range []struct {
		name, model string
		minCos      float64
	}{
		// int8: weight step m/63 gives ρ₁ = 1/(2·63) ≈ 0.008; per-tensor uint8
		// activations with range ≤ 8·RMS add 8/(255·√12) ≈ 0.009: ρ ≈ √13·0.012
		// ≈ 0.043, cos ≥ 0.999.
		{"int8", int8, 0.999},
		// int4: weight step blockmax/7 gives ρ₁ = 1/(2·7) ≈ 0.071; activations
		// stay fp32: ρ ≈ √13·0.071 ≈ 0.26, cos ≥ 0.966.
		{"int4", int4, 0.96},
	} {
		q := compareValues(t, fp32, tc.model)
		if q["logit_cosine_min"] < tc.minCos || q["logit_cosine_mean"] >= 1 || q["top1_agreement"] < 0 || q["top1_agreement"] > 1 {
			t.Fatalf("fp32 against %s: %v, want cosine ≥ %v and < 1 (the encodings differ)", tc.name, q, tc.minCos)
		}
		t.Logf("fp32 against %s: %v", tc.name, q)
	}
	code, _, errOut := runCLI(t, "model", "compare", fp32)
	if code != 64 {
		t.Fatalf("one argument: exit %d %q", code, errOut)
	}
}
