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

	"github.com/aihat/aihat/pkg/infer"
	"github.com/aihat/aihat/pkg/onnx"
	"github.com/aihat/aihat/pkg/sim"
)

// A loop at half duty rests as long as it works.
func TestLoopDutyCycle(t *testing.T) {
	run := func(d float64) float64 {
		l := &Loop{Label: "sleeper", WorkUnit: "op", Step: func(ctx context.Context) (float64, error) {
			time.Sleep(2 * time.Millisecond)
			return 1, nil
		}}
		l.Start(context.Background())
		l.SetDuty(d)
		time.Sleep(300 * time.Millisecond)
		if err := l.Stop(); err != nil {
			t.Fatal(err)
		}
		return l.Done()
	}
	full, half := run(1), run(0.25)
	// A quarter duty does about a quarter of the work; 0.6 is loose for a
	// shared 2-core machine whose timers run late.
	if full < 10 || half > 0.6*full || half == 0 {
		t.Fatalf("duty 1: %v, duty 0.25: %v", full, half)
	}
}

func TestLoopStopsOnAStepErrorAndSaysWhich(t *testing.T) {
	l := &Loop{Label: "broken", Step: func(context.Context) (float64, error) { return 0, errors.New("device gone") }}
	l.Start(context.Background())
	time.Sleep(20 * time.Millisecond)
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
	time.Sleep(50 * time.Millisecond)
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
	time.Sleep(20 * time.Millisecond)
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
	time.Sleep(100 * time.Millisecond)
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	if l.Done() < 10 || l.Unit() != "inference" {
		t.Fatalf("%v %ss in 100 ms", l.Done(), l.Unit())
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
	time.Sleep(30 * time.Millisecond)
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
