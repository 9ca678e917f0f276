package bench

import (
	"bufio"
	"context"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/board"
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
	if v, ok := b.Clock().(interface{ Advance(time.Duration) }); ok {
		s.advance = v.Advance
	}
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
		}
	} else {
		s.note("thermal_zone0: " + err.Error())
	}
	if out, err := s.b.Run(ctx, "vcgencmd", "pmic_read_adc"); err == nil {
		if w, ok := PMICPower(string(out)); ok {
			s.PowersW = append(s.PowersW, w)
		}
	} else {
		s.note("vcgencmd pmic_read_adc: " + err.Error())
	}
	if out, err := s.b.Run(ctx, "vcgencmd", "get_throttled"); err == nil {
		if v, ok := ParseThrottled(string(out)); ok {
			s.Throttled |= v & 0x0f
		}
	} else {
		s.note("vcgencmd get_throttled: " + err.Error())
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

// PMICPower sums V×A over the rails `vcgencmd pmic_read_adc` reports both
// for ("VDD_CORE_A current(7)=2.1A" with "VDD_CORE_V volt(15)=0.8V"), in W.
func PMICPower(out string) (float64, bool) {
	amps, volts := map[string]float64{}, map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		_, val, ok := strings.Cut(f[1], "=")
		if !ok {
			continue
		}
		switch {
		case strings.HasSuffix(f[0], "_A") && strings.HasSuffix(val, "A"):
			if v, err := strconv.ParseFloat(strings.TrimSuffix(val, "A"), 64); err == nil {
				amps[strings.TrimSuffix(f[0], "_A")] = v
			}
		case strings.HasSuffix(f[0], "_V") && strings.HasSuffix(val, "V"):
			if v, err := strconv.ParseFloat(strings.TrimSuffix(val, "V"), 64); err == nil {
				volts[strings.TrimSuffix(f[0], "_V")] = v
			}
		}
	}
	var w float64
	n := 0
	for k, a := range amps {
		if v, ok := volts[k]; ok {
			w += v * a
			n++
		}
	}
	return w, n > 0
}

// ParseThrottled parses "throttled=0x50005".
func ParseThrottled(out string) (uint32, bool) {
	_, v, ok := strings.Cut(strings.TrimSpace(out), "=")
	if !ok {
		return 0, false
	}
	x, err := strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 32)
	return uint32(x), err == nil
}

// meanMax returns the mean and maximum of v (NaN when empty).
func meanMax(v []float64) (float64, float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	sum, mx := 0.0, math.Inf(-1)
	for _, x := range v {
		sum += x
		mx = math.Max(mx, x)
	}
	return sum / float64(len(v)), mx
}
