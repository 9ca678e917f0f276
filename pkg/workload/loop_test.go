package workload

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/clock"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/onnx"
	"github.com/aihat/aihat/pkg/sim"
)

// waitFor polls cond until it holds. The deadline only catches a hang:
// nothing here is asserted about how long it took.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 30 s", what)
		}
	}
}

// A loop at duty d starts a piece every s/d, s being how long a piece
// takes: timed on a virtual clock, where a piece takes exactly 2 ms.
func TestLoopDutyCycle(t *testing.T) {
	const piece, pieces = 2 * time.Millisecond, 20
	for _, duty := range []float64{1, 0.25} {
		clk := clock.NewVirtual(time.Unix(0, 0))
		ctx, cancel := context.WithCancel(context.Background())
		var starts []time.Time // the loop's goroutine writes, the test reads after Stop
		l := &Loop{Label: "sleeper", WorkUnit: "op", Clock: clk}
		l.Step = func(context.Context) (float64, error) {
			l.SetDuty(duty) // from the second piece on: the first ran at Start's duty 1
			starts = append(starts, clk.Now())
			clk.Advance(piece)
			if len(starts) == pieces {
				cancel()
			}
			return 1, nil
		}
		l.Start(ctx)
		waitFor(t, "end of the loop", func() bool { return ctx.Err() != nil })
		if err := l.Stop(); err != nil {
			t.Fatal(err)
		}
		if l.Done() != pieces || len(starts) != pieces {
			t.Fatalf("duty %v: %v done in %d pieces, want %d", duty, l.Done(), len(starts), pieces)
		}
		// The rest is a float product rounded to a whole nanosecond.
		want := time.Duration(float64(piece) / duty)
		for i := 2; i < pieces; i++ {
			if gap := starts[i].Sub(starts[i-1]); gap < want-1 || gap > want+1 {
				t.Fatalf("duty %v: piece %d started %v after the one before, want %v", duty, i, gap, want)
			}
		}
	}
}

func TestLoopStopsOnAStepErrorAndSaysWhich(t *testing.T) {
	l := &Loop{Label: "broken", Step: func(context.Context) (float64, error) { return 0, errors.New("device gone") }}
	l.Start(context.Background())
	waitFor(t, "step error", func() bool { return l.Err() != nil })
	if err := l.Stop(); err == nil || !strings.Contains(err.Error(), "broken: device gone") {
		t.Fatalf("err %v", err)
	}
}

// The hailortcli load against the simulated AI HAT+ 2, which answers as
// HailoRT 5.x on a Hailo-10H: FPS × run length per run, the summary's
// temperature as the NPU's.
func TestHailortcliLoadCountsFramesAndReadsTheNPUTemperature(t *testing.T) {
	b, _ := sim.New(sim.Options{Seed: 1})
	h := NewHailortcli(b, "/models/yolov8s.hef", 2)
	if _, err := h.NPUTemperature(); err == nil {
		t.Fatal("a temperature before any run")
	}
	h.Start(context.Background())
	waitFor(t, "hailortcli run", func() bool { return h.Done() > 0 })
	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	done := h.Done()
	// The sim's FPS for this HEF name is 120 + (len("yolov8s.hef") % 7)·10.
	per := (120.0 + float64(len("yolov8s.hef")%7)*10) * 2
	if done < per || done/per != float64(int(done/per)) {
		t.Fatalf("%v inferences, want a multiple of %v", done, per)
	}
	if c, err := h.NPUTemperature(); err != nil || c < 30 || c > 100 {
		t.Fatalf("NPU temperature %v %v", c, err)
	}
	bad := NewHailortcli(b, "model.onnx", 1)
	bad.Start(context.Background())
	waitFor(t, "error from a .onnx model", func() bool { return bad.Err() != nil })
	if err := bad.Stop(); err == nil || !strings.Contains(err.Error(), ".hef") {
		t.Fatalf("err %v", err)
	}
}

// The ONNX Runtime load runs a real session (the cached CPU library).
func TestORTLoadRunsInferences(t *testing.T) {
	if _, err := infer.FindLibrary(""); err != nil {
		t.Skipf("no ONNX Runtime library: %v (make ort)", err)
	}
	m := &onnx.Model{IRVersion: 8, Opsets: []onnx.OpsetImport{{Version: 17}}, Graph: onnx.Graph{
		Name:    "relu",
		Nodes:   []onnx.Node{{OpType: "Relu", Inputs: []string{"x"}, Outputs: []string{"y"}}},
		Inputs:  []onnx.ValueInfo{{Name: "x", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 1}, {Value: 64}}}},
		Outputs: []onnx.ValueInfo{{Name: "y", ElemType: onnx.Float, Dims: []onnx.Dim{{Value: 1}, {Value: 64}}}},
	}}
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "relu.onnx")
	os.WriteFile(path, data, 0o644)
	s, err := infer.Open(path, infer.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := NewORT(s)
	if err != nil {
		t.Fatal(err)
	}
	l.Start(context.Background())
	waitFor(t, "10 inferences", func() bool { return l.Done() >= 10 || l.Err() != nil })
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	if l.Done() < 10 || l.Unit() != "inference" {
		t.Fatalf("%v %ss", l.Done(), l.Unit())
	}
}

func TestBothSetsOneDutyAndCountsTheNPUsWork(t *testing.T) {
	b, _ := sim.New(sim.Options{Seed: 1})
	cpu := &CPU{Workers: 1}
	npu := NewHailortcli(b, "/m/net.hef", 1)
	w := Both{CPU: cpu, NPU: npu}
	w.Start(context.Background())
	w.SetDuty(0.5)
	if cpu.Duty() != 0.5 || npu.Duty() != 0.5 {
		t.Fatalf("duties %v %v", cpu.Duty(), npu.Duty())
	}
	waitFor(t, "NPU work", func() bool { return npu.Done() > 0 })
	if err := w.Stop(); err != nil {
		t.Fatal(err)
	}
	if w.Done() != npu.Done() || w.Unit() != "inference" {
		t.Fatal("Both's work is not the NPU's")
	}
	if _, err := w.NPUTemperature(); err != nil {
		t.Fatal(err)
	}
}

// With KeepGoing a failed piece is reported and the loop goes on after
// RetryAfter; without it the first failure stops the loop.
func TestLoopKeepGoingCountsFailuresAndGoesOn(t *testing.T) {
	var calls atomic.Int64
	step := func(context.Context) (float64, error) {
		if calls.Add(1)%2 == 0 {
			return 0, errors.New("device busy")
		}
		return 1, nil
	}
	var mu sync.Mutex
	var ok, bad int
	l := &Loop{Label: "flaky", WorkUnit: "run", Step: step, RetryAfter: time.Millisecond,
		KeepGoing: func(_ time.Duration, n float64, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				bad++
			} else {
				ok++
			}
		}}
	l.Start(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := bad
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := l.Stop(); err != nil {
		t.Fatalf("a kept-going loop stopped with %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if bad < 3 || ok < 3 || l.Done() != float64(ok) {
		t.Fatalf("%d failed, %d ok, done %v", bad, ok, l.Done())
	}

	stop := &Loop{Label: "flaky", WorkUnit: "run", Step: func(context.Context) (float64, error) { return 0, errors.New("device busy") }}
	stop.Start(context.Background())
	for stop.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	if err := stop.Stop(); err == nil || !strings.Contains(err.Error(), "device busy") {
		t.Fatalf("without KeepGoing: %v", err)
	}
}
