package workload

import (
	"context"
	"fmt"
	"strings"
)

// Workload is load on the board with a work counter.
type Workload interface {
	// Name says what runs ("cpu kernel on 4 cores").
	Name() string
	// Unit is the unit of one piece of work ("op", "inference", "token").
	Unit() string
	// Start begins the load at duty 1; it runs until Stop or ctx ends.
	Start(ctx context.Context) error
	// SetDuty sets the fraction of time the load runs, 0..1.
	SetDuty(d float64)
	// Duty is the duty cycle in force.
	Duty() float64
	// Done is the work completed since Start, in Unit.
	Done() float64
	// Stop ends the load and waits for it.
	Stop() error
}

// Kind is what a load exercises: cpu, npu or both.
type Kind struct{ CPU, NPU bool }

// ParseKind parses --load cpu|npu|both.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(s) {
	case "cpu":
		return Kind{CPU: true}, nil
	case "npu":
		return Kind{NPU: true}, nil
	case "both", "":
		return Kind{CPU: true, NPU: true}, nil
	}
	return Kind{}, fmt.Errorf("load %q: want cpu, npu or both", s)
}

func (k Kind) String() string {
	switch {
	case k.CPU && k.NPU:
		return "both"
	case k.NPU:
		return "npu"
	}
	return "cpu"
}

func clamp01(v float64) float64 {
	switch {
	case v < 0:
		return 0
	case v > 1:
		return 1
	}
	return v
}
