package loadtest

import (
	"fmt"
	"time"

	"github.com/aihat/aihat/pkg/models"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/workload"
)

// Runtimes are the loads a load test runs, shared with bench and thermal
// soak: the board's own load model (the sim), ONNX Runtime in process,
// HailoRT's CLI on a compiled model, an Ollama-compatible server.
var Runtimes = []string{"model", "onnxruntime", "hailortcli", "ollama"}

// hailortcliSeconds is each hailortcli benchmark run's length: long
// enough that its start-up (configuring the device, a second or two) is
// a small part, short enough that a 10-minute window holds dozens.
const hailortcliSeconds = 30

// newWorkload builds the load o names; close releases what it opened.
func (r *run) newWorkload(env *stage.Env, o RunOptions) (w workload.Workload, close func(), err error) {
	close = func() {}
	switch o.Runtime {
	case "", "model":
		if env.Board.Name() != "sim" {
			return nil, close, fmt.Errorf("loadtest --runtime model is the simulated board's load model: on %s choose onnxruntime, hailortcli (with --hef) or ollama", env.Board.Name())
		}
		return &workload.Sim{Board: env.Board, Kind: workload.Kind{CPU: true, NPU: true}, NeedsNode: true}, close, nil
	case "onnxruntime":
		// The plan's bench section names the model, read as bench reads
		// it: a bad bench.duration is an error here too.
		if _, err := env.Plan.Bench.DurationValue(); err != nil {
			return nil, close, err
		}
		m := models.FromPlan(env.Plan.Bench)
		if o.Model != "" {
			m.Model = o.Model
		}
		s, err := models.Open(m)
		if err != nil {
			return nil, close, fmt.Errorf("loadtest --runtime onnxruntime: %w", err)
		}
		loop, err := workload.NewORT(s)
		if err != nil {
			s.Close()
			return nil, close, err
		}
		if s.Fallback {
			// Never silent: the NPU provider was asked for and did not load.
			r.step.Logf("ONNX Runtime: %s did not load, the load runs on %s (see bench for the provider attempts)", s.Requested, s.Provider)
		}
		r.step.Logf("ONNX Runtime session on %s (aihat's own process is the one watched for leaks)", s.Provider)
		return loop, func() { s.Close() }, nil
	case "hailortcli":
		if o.HEF == "" {
			return nil, close, fmt.Errorf("loadtest --runtime hailortcli needs --hef PATH (a model compiled for the Hailo-10H)")
		}
		if env.Board.Name() == "sim" {
			return nil, close, fmt.Errorf("loadtest --runtime hailortcli on the sim: the simulated hailortcli moves the board's clock by each run, which a day on the virtual clock cannot share; use --runtime model there")
		}
		h := workload.NewHailortcli(env.Board, o.HEF, hailortcliSeconds)
		// A failed run (the driver reset, the device busy) is a request
		// with its error: counted, and the next run tried after a pause.
		h.Loop.KeepGoing = func(took time.Duration, _ float64, err error) {
			r.request(workload.PieceRecord(took, err))
		}
		return h, close, nil
	case "ollama":
		if o.Endpoint == "" || o.Model == "" {
			return nil, close, fmt.Errorf("loadtest --runtime ollama needs --endpoint URL and --model NAME")
		}
		return workload.NewOllama(&workload.Ollama{Endpoint: o.Endpoint, Model: o.Model, NumPredict: 64,
			Prompt: "Explain in one paragraph what a neural processing unit does."}, r.request), close, nil
	}
	return nil, close, fmt.Errorf("loadtest runtime %q: choose one of %v", o.Runtime, Runtimes)
}
