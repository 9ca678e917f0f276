package bench

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/power"
)

// Sampler reads the board's temperature, PMIC power and throttle flags
// while a benchmark runs. It is called between runs, never inside a timed
// region. On a board with a virtual clock (the sim) it advances the clock
// by the real time that passed, so the board's model sees the load for as
// long as it lasted.
type Sampler struct {
	b        board.Board
	advance  func(time.Duration)
	lastReal time.Time
	Every    time.Duration // minimum real time between samples

	TempsC    []float64
	PowersW   []float64
	Throttled uint32 // OR of get_throttled's current bits (0x0f) seen
	Errors    []string
}

// NewSampler returns a sampler for b.
func NewSampler(b board.Board) *Sampler {
	s := &Sampler{b: b, Every: 250 * time.Millisecond}
	s.advance = b.Clock().Advance
	return s
}

// Start records the start of the run.
func (s *Sampler) Start() { s.lastReal = time.Now() }

// Maybe samples when Every has passed since the last sample.
func (s *Sampler) Maybe(ctx context.Context) {
	if time.Since(s.lastReal) >= s.Every {
		s.Sample(ctx)
	}
}

// Sample reads the board once.
func (s *Sampler) Sample(ctx context.Context) {
	now := time.Now()
	if s.advance != nil {
		s.advance(now.Sub(s.lastReal))
	}
	s.lastReal = now
	if b, err := fs.ReadFile(s.b.FS(), "sys/class/thermal/thermal_zone0/temp"); err == nil {
		if v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64); err == nil {
			s.TempsC = append(s.TempsC, v/1000)
		} else {
			s.note(fmt.Sprintf("thermal_zone0/temp %q is not millidegrees: %v", strings.TrimSpace(string(b)), err))
		}
	} else {
		s.note("thermal_zone0: " + err.Error())
	}
	if out, err := s.b.Run(ctx, "vcgencmd", "pmic_read_adc"); err != nil {
		s.note("vcgencmd pmic_read_adc: " + err.Error())
	} else if p, err := power.ParsePMIC(string(out)); err != nil {
		s.note(err.Error())
	} else {
		for _, b := range p.Bad {
			s.note(b.String())
		}
		if w, ok := p.TotalWatts(); ok {
			s.PowersW = append(s.PowersW, w)
		} else {
			s.note("vcgencmd pmic_read_adc: no rail with both a voltage and a current; board power unknown")
		}
	}
	if out, err := s.b.Run(ctx, "vcgencmd", "get_throttled"); err != nil {
		s.note("vcgencmd get_throttled: " + err.Error())
	} else if t, err := power.ParseThrottled(string(out)); err != nil {
		s.note(err.Error())
	} else {
		s.Throttled |= t.Raw & 0x0f
	}
}

func (s *Sampler) note(msg string) {
	for _, e := range s.Errors {
		if e == msg {
			return
		}
	}
	s.Errors = append(s.Errors, msg)
}
