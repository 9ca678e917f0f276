package workload

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/hailortcli"
)

// Hailortcli is NPU load from HailoRT's CLI: `hailortcli benchmark HEF
// --time-to-run N` run back to back, each run counted as FPS × N
// inferences from its summary. The summary's temperature line (HailoRT
// 5.x on a Hailo-10H) is the NPU temperature of the last run: no
// hailortcli command samples it over time.
type Hailortcli struct {
	*Loop
	mu    sync.Mutex
	temp  float64
	tempN int
}

// NewHailortcli is the load of HEF on b's NPU, seconds per benchmark run.
func NewHailortcli(b board.Board, hef string, seconds int) *Hailortcli {
	if seconds <= 0 {
		seconds = 10
	}
	h := &Hailortcli{}
	h.Loop = &Loop{
		Label:    "hailortcli benchmark " + filepath.Base(hef),
		WorkUnit: "inference",
		Step: func(ctx context.Context) (float64, error) {
			out, errOut, err := board.RunOutput(ctx, b, "hailortcli", "benchmark", hef, "--time-to-run", strconv.Itoa(seconds))
			if err != nil {
				return 0, fmt.Errorf("hailortcli benchmark %s: %v", hef, err)
			}
			r := hailortcli.Parse(string(out) + "\n" + string(errOut))
			if r.FPS() == 0 {
				return 0, fmt.Errorf("hailortcli benchmark %s printed no FPS summary", hef)
			}
			if mean, _, ok := r.Temp(); ok {
				h.mu.Lock()
				h.temp, h.tempN = mean, h.tempN+1
				h.mu.Unlock()
			}
			return r.FPS() * float64(seconds), nil
		},
	}
	return h
}

// NPUTemperature is the mean NPU temperature of the last benchmark run.
func (h *Hailortcli) NPUTemperature() (float64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.tempN == 0 {
		return 0, fmt.Errorf("no hailortcli benchmark has reported a temperature yet")
	}
	return h.temp, nil
}

// Both runs a CPU load and an NPU load together, under one duty cycle;
// its work is the NPU's.
type Both struct{ CPU, NPU Workload }

func (b Both) Name() string  { return b.CPU.Name() + " + " + b.NPU.Name() }
func (b Both) Unit() string  { return b.NPU.Unit() }
func (b Both) Done() float64 { return b.NPU.Done() }
func (b Both) Duty() float64 { return b.NPU.Duty() }
func (b Both) SetDuty(d float64) {
	b.CPU.SetDuty(d)
	b.NPU.SetDuty(d)
}

func (b Both) Start(ctx context.Context) error {
	if err := b.CPU.Start(ctx); err != nil {
		return err
	}
	if err := b.NPU.Start(ctx); err != nil {
		b.CPU.Stop()
		return err
	}
	return nil
}

func (b Both) Stop() error {
	e1, e2 := b.CPU.Stop(), b.NPU.Stop()
	if e2 != nil {
		return e2
	}
	return e1
}

// Err is the error that stopped either load, if one did.
func (b Both) Err() error {
	for _, w := range []Workload{b.NPU, b.CPU} {
		if e, ok := w.(interface{ Err() error }); ok && e.Err() != nil {
			return e.Err()
		}
	}
	return nil
}

// NPUTemperature passes the NPU load's reading on when it has one.
func (b Both) NPUTemperature() (float64, error) {
	if t, ok := b.NPU.(interface{ NPUTemperature() (float64, error) }); ok {
		return t.NPUTemperature()
	}
	return 0, fmt.Errorf("%s gives no NPU temperature", b.NPU.Name())
}
