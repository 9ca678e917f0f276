package workload

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aihat/aihat/pkg/board"
)

// Modelled nominal rates of the simulated board at full clock and duty:
// a figure for the record's throughput, not a claim about a real Pi.
const (
	SimCPURate = 1.0e6 // ops/s, four cores at 2.4 GHz
	SimNPURate = 120.0 // inferences/s, the sim's hailortcli FPS
)

// Sim is load on a board whose load is a model input (the simulated Pi
// 5): SetLoad heats the model, and the work done is counted from the
// board's own readings on its clock: the CPU's rate scales with the real
// ARM clock measure_clock reports, so firmware throttling costs work as it
// does on a Pi. NPU work is counted in inferences, CPU work in ops when
// the NPU is idle.
type Sim struct {
	Board board.Board
	Kind  Kind
	// NeedsNode makes NPU work need the NPU's device node (/dev/hailo0,
	// or /dev/h1x-0 with driver 5.3), as a real runtime does: while it is
	// gone (a driver reset) no inference runs and each attempt fails,
	// one a second (a loop that retries its device every second), counted
	// in Errors. Checked whenever the work is counted (Done).
	NeedsNode bool

	mu      sync.Mutex
	duty    float64
	done    float64
	errors  float64
	last    time.Time
	started bool
}

func (s *Sim) Name() string {
	return "simulated " + s.Kind.String() + " load (board model)"
}

func (s *Sim) Unit() string {
	if s.Kind.NPU {
		return "inference"
	}
	return "op"
}

// Start sets the model's load at duty 1.
func (s *Sim) Start(context.Context) error {
	s.mu.Lock()
	s.started, s.duty, s.last = true, 1, s.Board.Clock().Now()
	s.mu.Unlock()
	s.apply()
	return nil
}

// SetDuty changes the load the model sees.
func (s *Sim) SetDuty(d float64) {
	s.account()
	s.mu.Lock()
	s.duty = clamp01(d)
	s.mu.Unlock()
	s.apply()
}

func (s *Sim) Duty() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.duty
}

// Done counts the work up to the board's clock now.
func (s *Sim) Done() float64 {
	s.account()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done
}

// Errors counts the inferences that failed up to the board's clock now:
// attempts while the NPU's device node was gone (NeedsNode).
func (s *Sim) Errors() float64 {
	s.account()
	s.mu.Lock()
	defer s.mu.Unlock()
	return math.Floor(s.errors) // whole attempts
}

// SimRetryEvery is how often the simulated load retries a device it has
// lost: each retry is one failed inference.
const SimRetryEvery = time.Second

// nodePresent reports whether the board has the NPU's device node.
func nodePresent(fsys fs.FS) bool {
	for _, p := range []string{"dev/hailo0", "dev/h1x-0"} {
		if _, err := fs.Stat(fsys, p); err == nil {
			return true
		}
	}
	return false
}

// Stop returns the model to idle.
func (s *Sim) Stop() error {
	s.account()
	s.mu.Lock()
	s.started, s.duty = false, 0
	s.mu.Unlock()
	s.Board.SetLoad(board.Load{})
	return nil
}

func (s *Sim) apply() {
	d := s.Duty()
	l := board.Load{}
	if s.Kind.CPU {
		l.CPU = d
	}
	if s.Kind.NPU {
		l.NPU = d
	}
	s.Board.SetLoad(l)
}

// account adds the work since the last call at the duty in force and the
// ARM clock the board reports now.
func (s *Sim) account() {
	now := s.Board.Clock().Now()
	clk := 1.0 // ARM clock over its 2.4 GHz maximum
	if s.Kind.CPU {
		if hz, err := armHz(s.Board); err == nil {
			clk = hz / 2.4e9
		}
	}
	rate, factor := SimCPURate, clk
	if s.Kind.NPU {
		rate, factor = SimNPURate, 1
		if s.Kind.CPU {
			// Pre- and post-processing on the Arm gate the NPU's rate.
			factor = 0.5 + 0.5*clk
		}
	}
	// The node is looked at now: the interval since the last count is
	// taken as all up or all down, so a count per sweep times an outage
	// to the sweep.
	up := !s.Kind.NPU || !s.NeedsNode || nodePresent(s.Board.FS())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		dt := now.Sub(s.last).Seconds()
		if up {
			s.done += s.duty * rate * factor * dt
		} else if s.duty > 0 {
			s.errors += dt / SimRetryEvery.Seconds()
		}
	}
	s.last = now
}

func armHz(b board.Board) (float64, error) {
	out, err := b.Gencmd(context.Background(), "measure_clock arm")
	if err != nil {
		return 0, err
	}
	_, v, ok := strings.Cut(strings.TrimSpace(out), "=")
	hz, perr := strconv.ParseFloat(v, 64)
	if !ok || perr != nil || hz <= 0 {
		return 0, fmt.Errorf("measure_clock arm: %q is not frequency(N)=Hz", out)
	}
	return hz, nil
}
