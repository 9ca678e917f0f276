// Package models names the ONNX model a workload runs (a user's file, or
// a synthetic decoder generated once into a cache) and opens it as an
// ONNX Runtime session whose inputs can be filled. The bench stage and
// the load test's onnxruntime workload open their models here.
package models

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/synth"
)

// DefaultSynth is the synthetic model's size when neither a file nor a
// size is given.
const DefaultSynth = "50M"

// Spec names a model and how to open it.
type Spec struct {
	// Model is an ONNX file; when empty Synth ("50M") and Quant ("int4")
	// name a synthetic model, generated once into CacheDir.
	Model    string
	Synth    string
	Quant    string
	CacheDir string
	// Inputs is a directory of real inputs (input_N.pb as the ONNX test
	// data lays them out, or .npy files) fed instead of seeded data.
	Inputs string
	Infer  infer.Options
}

// FromPlan is the model the plan's bench section names, with its
// execution providers and thread count.
func FromPlan(p plan.BenchPlan) Spec {
	return Spec{Model: p.Model, Synth: p.Synth, Quant: p.Quant,
		Infer: infer.Options{Providers: p.Providers, Threads: p.Threads}}
}

func (s Spec) withDefaults() Spec {
	if s.Synth == "" && s.Model == "" {
		s.Synth = DefaultSynth
	}
	if s.Quant == "" {
		s.Quant = synth.Int4
	}
	return s
}

// SynthConfig is the synthetic model s names.
func (s Spec) SynthConfig() (synth.Config, error) {
	s = s.withDefaults()
	c, err := synth.Preset(s.Synth)
	if err != nil {
		return c, err
	}
	c.Quant = s.Quant
	return c.Normalize()
}

// Path returns the ONNX file to run, generating the synthetic model
// into the cache the first time (same flags, same bytes).
func (s Spec) Path() (string, error) {
	s = s.withDefaults()
	if s.Model != "" {
		return s.Model, nil
	}
	c, err := s.SynthConfig()
	if err != nil {
		return "", err
	}
	dir := s.CacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		dir = filepath.Join(base, "aihat", "models")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("model cache %s: %w", dir, err)
	}
	// v2: int8 weights within ±synth.WeightMaxInt8; a v1 int8 file
	// saturates on x86-64 CPUs without VNNI and must not be reused.
	path := filepath.Join(dir, fmt.Sprintf("synth-%s-%s-seed%d-v2.onnx", strings.ToUpper(s.Synth), s.Quant, c.Seed))
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, nil
	}
	if _, err := synth.Write(c, path); err != nil {
		return "", err
	}
	return path, nil
}

// Open opens the model s names (synthesizing it first if needed) and, for
// a plain model, checks that its inputs can be filled.
func Open(s Spec) (*infer.Session, error) {
	s = s.withDefaults()
	path, err := s.Path()
	if err != nil {
		return nil, err
	}
	var given map[string]*infer.Data
	if s.Inputs != "" {
		if given, err = infer.ReadInputs(path, s.Inputs); err != nil {
			return nil, err
		}
		s.Infer.Given = map[string]bool{}
		for name := range given {
			s.Infer.Given[name] = true
		}
	}
	sess, err := infer.Open(path, s.Infer)
	if err != nil {
		return nil, err
	}
	sess.SetInputs(given)
	if _, ok := sess.Generative(); !ok || s.Inputs != "" {
		in, err := sess.FillInputs()
		infer.Destroy(in)
		if err != nil {
			sess.Close()
			return nil, err
		}
	}
	return sess, nil
}
