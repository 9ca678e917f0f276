package infer

import (
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"

	"github.com/aihat/aihat/pkg/onnx"
	ort "github.com/yalue/onnxruntime_go"
)

// Options configure a session.
type Options struct {
	// LibPath is --ort-lib ("" to discover).
	LibPath string
	// Providers are tried in order; "cpu" always loads. Empty means cpu.
	Providers []string
	// Threads is the intra-op thread count (0: all cores).
	Threads int
	// OptLevel is the graph optimisation level: disable, basic, extended,
	// all ("" means all).
	OptLevel string
	// Dims fixes dynamic dimensions by name (--dim name=value).
	Dims map[string]int64
	// Seed seeds input data.
	Seed int64
	// Given names the inputs the caller will pass (from --inputs); when
	// set, optional inputs not in it are left out of the session.
	Given map[string]bool
}

// Providers known by name; anything else is an error (not a fallback).
var knownProviders = map[string]string{
	"cpu": "CPU", "hailo": "HAILO", "cuda": "CUDA", "tensorrt": "TensorRT", "openvino": "OpenVINO",
	"xnnpack": "XNNPACK", "qnn": "QNN", "coreml": "CoreML", "webgpu": "WebGPU", "vitisai": "VitisAI", "azure": "AZURE",
}

// KnownProviders lists the provider names --provider accepts.
func KnownProviders() []string {
	var names []string
	for k := range knownProviders {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// ParseProviders checks a provider list.
func ParseProviders(list []string) ([]string, error) {
	var out []string
	for _, p := range list {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if _, ok := knownProviders[p]; !ok {
			return nil, fmt.Errorf("unknown execution provider %q: choose from %s", p, strings.Join(KnownProviders(), ", "))
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		out = []string{"cpu"}
	}
	return out, nil
}

// Attempt is one provider tried when opening a session.
type Attempt struct {
	Provider string
	Err      error // nil for the provider that loaded
}

// Tensor describes a model input or output.
type Tensor struct {
	Name string
	Type onnx.DataType
	Dims []onnx.Dim
	// Kind is tensor unless the model declares a sequence, map, optional
	// or sparse value.
	Kind onnx.Kind
}

// Session is a loaded model.
type Session struct {
	Path     string
	Inputs   []Tensor
	Outputs  []Tensor
	Metadata map[string]string
	// Provider is the execution provider that loaded; Attempts are all
	// tried in order (the failures first).
	Provider string
	Attempts []Attempt
	// Requested is the first provider asked for; Fallback is true when a
	// later one loaded.
	Requested string
	Fallback  bool
	Threads   int
	opts      Options
	s         *ort.DynamicAdvancedSession
	// bounds are index bounds of integer inputs found in the graph.
	bounds map[string]Bound
	// Optional are inputs the model can run without (they have an
	// initializer default or an optional type); Open leaves them out
	// unless Options.Inputs names them.
	Optional []Tensor
	given    map[string]*Data
	// Unrequested are non-tensor outputs left out of the session (see Open).
	Unrequested []Tensor
	// outShapes are the expected outputs' shapes once Check has run.
	outShapes map[string][]int64
}

// Open loads the model at path.
func Open(path string, opts Options) (*Session, error) {
	provs, err := ParseProviders(opts.Providers)
	if err != nil {
		return nil, err
	}
	level, err := optLevel(opts.OptLevel)
	if err != nil {
		return nil, err
	}
	data, unmap, err := mapModel(path)
	if err != nil {
		return nil, err
	}
	defer unmap() // ONNX Runtime copies the model; Session keeps no pointer into it
	m, err := onnx.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("model %s is not a valid ONNX file (%v): regenerate it with `aihat model synth` or re-export it", path, err)
	}
	if _, err := Init(opts.LibPath); err != nil {
		return nil, err
	}
	s := &Session{Path: path, Metadata: m.Metadata, Requested: provs[0], opts: opts, bounds: indexBounds(m)}
	inits := map[string]bool{}
	for _, t := range m.Graph.Initializers {
		inits[t.Name] = true
	}
	for _, v := range m.Graph.Inputs {
		t := Tensor{Name: v.Name, Type: v.ElemType, Dims: v.Dims, Kind: v.Kind}
		// An input with an initializer has a default (IR ≥ 4); an
		// optional-typed input may be absent. Both run without data.
		if inits[v.Name] || v.Kind == onnx.KindOptional {
			if !opts.Given[v.Name] {
				s.Optional = append(s.Optional, t)
				continue
			}
		}
		s.Inputs = append(s.Inputs, t)
	}
	for _, v := range m.Graph.Outputs {
		t := Tensor{Name: v.Name, Type: v.ElemType, Dims: v.Dims, Kind: v.Kind}
		// On seeded data a sequence or optional output may come back
		// empty (None), and onnxruntime_go crashes the process (SIGSEGV in
		// GetValueType) reading such a value ONNX Runtime allocated: only
		// tensor outputs are requested unless real inputs are given.
		if v.Kind != onnx.KindTensor && opts.Given == nil {
			s.Unrequested = append(s.Unrequested, t)
			continue
		}
		s.Outputs = append(s.Outputs, t)
	}
	if len(s.Outputs) == 0 && len(s.Unrequested) > 0 {
		return nil, fmt.Errorf("model %s: every output is a sequence, map or optional, which seeded data may leave empty and ONNX Runtime's Go binding cannot read back empty: pass real inputs with --inputs DIR", path)
	}
	if len(s.Inputs) == 0 || len(s.Outputs) == 0 {
		// onnxruntime_go's Run indexes its first input: a model without
		// inputs (all constants) cannot run through it.
		return nil, fmt.Errorf("model %s has no inputs or no outputs: not a runnable ONNX model (aihat needs at least one input to feed)", path)
	}
	threads := opts.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	s.Threads = threads
	var lastErr error
	for _, p := range provs {
		sess, err := newSession(data, s, p, threads, level)
		if err != nil {
			s.Attempts = append(s.Attempts, Attempt{Provider: p, Err: err})
			lastErr = err
			continue
		}
		s.Attempts = append(s.Attempts, Attempt{Provider: p})
		s.s = sess
		s.Provider = p
		s.Fallback = p != provs[0]
		return s, nil
	}
	return nil, fmt.Errorf("model %s: no execution provider could load it (%s): %s", path, strings.Join(provs, ", "), oneLine(lastErr.Error()))
}

func newSession(data []byte, s *Session, provider string, threads int, level ort.GraphOptimizationLevel) (*ort.DynamicAdvancedSession, error) {
	o, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer o.Destroy()
	if err := o.SetIntraOpNumThreads(threads); err != nil {
		return nil, err
	}
	if err := o.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
	if err := o.SetGraphOptimizationLevel(level); err != nil {
		return nil, err
	}
	switch provider {
	case "cpu":
	case "cuda":
		co, err := ort.NewCUDAProviderOptions()
		if err != nil {
			return nil, fmt.Errorf("provider cuda: %s", oneLine(err.Error()))
		}
		defer co.Destroy()
		if err := o.AppendExecutionProviderCUDA(co); err != nil {
			return nil, fmt.Errorf("provider cuda: %s", oneLine(err.Error()))
		}
	default:
		if err := o.AppendExecutionProvider(knownProviders[provider], nil); err != nil {
			return nil, fmt.Errorf("provider %s is not available in this ONNX Runtime build (%s)", provider, oneLine(err.Error()))
		}
	}
	in := make([]string, len(s.Inputs))
	for i, t := range s.Inputs {
		in[i] = t.Name
	}
	out := make([]string, len(s.Outputs))
	for i, t := range s.Outputs {
		out[i] = t.Name
	}
	sess, err := ort.NewDynamicAdvancedSessionWithONNXData(data, in, out, o)
	if err != nil {
		return nil, fmt.Errorf("ONNX Runtime cannot load the model with provider %s: %s", provider, oneLine(err.Error()))
	}
	return sess, nil
}

func optLevel(s string) (ort.GraphOptimizationLevel, error) {
	switch strings.ToLower(s) {
	case "", "all", "99":
		return ort.GraphOptimizationLevelEnableAll, nil
	case "extended", "2":
		return ort.GraphOptimizationLevelEnableExtended, nil
	case "basic", "1":
		return ort.GraphOptimizationLevelEnableBasic, nil
	case "disable", "none", "0":
		return ort.GraphOptimizationLevelDisableAll, nil
	}
	return 0, fmt.Errorf("graph optimisation level %q: choose disable, basic, extended or all", s)
}

// Close frees the session.
func (s *Session) Close() error {
	if s == nil || s.s == nil {
		return nil
	}
	err := s.s.Destroy()
	s.s = nil
	return err
}

// Run runs the session once; outputs are allocated by ORT and returned
// (the caller destroys them).
func (s *Session) Run(inputs []ort.Value) ([]ort.Value, error) {
	outs := make([]ort.Value, len(s.Outputs))
	if err := s.s.Run(inputs, outs); err != nil {
		return nil, fmt.Errorf("model %s: inference failed: %s", s.Path, oneLine(err.Error()))
	}
	return outs, nil
}

// Raw is the underlying onnxruntime_go session.
func (s *Session) Raw() *ort.DynamicAdvancedSession { return s.s }

// Destroy frees values, ignoring nils.
//
// onnxruntime_go can leave a typed nil pointer in an output slot when it
// fails to convert an output (a float16 output it copies too little of),
// so nil pointers inside the interface are skipped too.
func Destroy(vs []ort.Value) {
	for _, v := range vs {
		if v != nil && !reflect.ValueOf(v).IsNil() {
			v.Destroy()
		}
	}
}
