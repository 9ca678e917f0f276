package bench

import (
	"fmt"
	"io"
	"strings"

	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/report"
)

// Check says what is wrong with options before anything is opened: the
// runtime, the providers, the synthetic model's size and quantization.
// A provider this ONNX Runtime does not know is an ERROR (exit 2), as when
// the model cannot be opened; the others are usage mistakes (UsageError).
func (o BenchOptions) Check() error {
	switch o.Runtime {
	case "", "ort", "hailortcli":
	case "ollama":
		if o.Endpoint == "" || o.Model == "" {
			return &UsageError{fmt.Errorf("--runtime ollama needs --endpoint URL (hailo-ollama: http://127.0.0.1:8000) and --model NAME")}
		}
		return nil
	default:
		return &UsageError{fmt.Errorf("--runtime %q: choose ort, hailortcli or ollama", o.Runtime)}
	}
	if _, err := infer.ParseProviders(o.Infer.Providers); err != nil {
		return err
	}
	if o.CPUFallback != "" {
		if _, err := FallbackLimit(o.CPUFallback); err != nil {
			return &UsageError{err}
		}
	}
	if o.Runtime != "hailortcli" && o.Model == "" {
		if _, err := o.model().SynthConfig(); err != nil {
			return &UsageError{err}
		}
	}
	return nil
}

// UsageError is a bench option that cannot work as given.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Sweep expands base into one run per synthetic size (base alone when
// sizes is empty), checks each, and opens the first run's model so a
// missing library, a corrupt model, an input that cannot be filled or no
// usable provider is one error before any step starts. Later sizes open
// in their own step, one model at a time. close releases the opened model
// if its step never ran (Close is idempotent).
func Sweep(base BenchOptions, sizes []string) (runs []BenchOptions, close func(), err error) {
	if len(sizes) == 0 {
		sizes = []string{""}
	}
	close = func() {}
	for _, size := range sizes {
		o := base
		if size != "" {
			o.Synth, o.Model = strings.ToUpper(strings.TrimSpace(size)), ""
		}
		if err := o.Check(); err != nil {
			close()
			return nil, func() {}, err
		}
		runs = append(runs, o)
	}
	if runs[0].Runtime != "hailortcli" && runs[0].Runtime != "ollama" {
		s, err := Open(runs[0])
		if err != nil {
			return nil, func() {}, err
		}
		runs[0].Session = s
		close = func() { s.Close() }
	}
	return runs, close, nil
}

// SweepRow is one model's size against speed.
type SweepRow struct {
	Model                         string
	Params, Prefill, Decode, TTFT float64
}

// Row reads a finished bench step's figures.
func Row(model string, step *report.Step) SweepRow {
	r := SweepRow{Model: model}
	for _, m := range step.Measurements {
		if v, ok := m.Value.(float64); ok {
			switch m.Name {
			case "params":
				r.Params = v
			case "decode_tokens_per_s":
				r.Decode = v
			case "prefill_tokens_per_s":
				r.Prefill = v
			case "ttft":
				r.TTFT = v
			}
		}
	}
	return r
}

// WriteSweep prints size against speed, one line per model.
func WriteSweep(w io.Writer, rows []SweepRow) {
	// 74 columns with the synthetic models' names: it fits an 80-column
	// terminal (issue 23).
	fmt.Fprintf(w, "%-20s %10s %16s %16s %8s\n", "MODEL", "PARAMS", "PREFILL tokens/s", "DECODE tokens/s", "TTFT s")
	for _, r := range rows {
		fmt.Fprintf(w, "%-20s %10.0f %16.1f %16.1f %8.4f\n", r.Model, r.Params, r.Prefill, r.Decode, r.TTFT)
	}
}
