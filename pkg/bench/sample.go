package bench

import (
	"context"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/telemetry"
)

// Sampler reads the board's temperature, PMIC power and throttle flags
// while a benchmark runs, through pkg/telemetry's sources (the mailbox on
// a real Pi: no process per sample). It is called between runs, never
// inside a timed region, so it is paced by real time, not by a sampling
// loop. On a board with a virtual clock (the sim) it advances the clock by
// the real time that passed, so the board's model sees the load for as
// long as it lasted.
type Sampler struct {
	b        board.Board
	lastReal time.Time
	Every    time.Duration // minimum real time between samples

	temp     telemetry.Source // nil when the board has no cpu-thermal zone
	pmic     *telemetry.PMIC
	throttle *telemetry.Throttle

	Temp      telemetry.Series // °C
	Power     telemetry.Series // W, the PMIC's total
	Throttled uint32           // OR of get_throttled's current bits (0x0f) seen
	Events    []telemetry.Event
	Errors    []string
}

// NewSampler returns a sampler for b.
func NewSampler(b board.Board) *Sampler {
	s := &Sampler{b: b, Every: 250 * time.Millisecond,
		Temp: telemetry.Series{Name: "soc_temp", Unit: "°C"}, Power: telemetry.Series{Name: "pmic.total_w", Unit: "W"}}
	if t, err := telemetry.NewSoCTemp(b.FS()); err == nil {
		s.temp = t
	} else {
		s.note(err.Error())
	}
	s.pmic = &telemetry.PMIC{Board: b, Bad: s.note}
	s.throttle = &telemetry.Throttle{Board: b}
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
	s.b.Clock().Advance(now.Sub(s.lastReal))
	s.lastReal = now
	at := s.b.Clock().Now()
	if s.temp != nil {
		if rs, _, err := s.temp.Sample(ctx, at); err != nil {
			s.note("SoC temperature: " + err.Error())
		} else {
			s.Temp.Envelope.Add(at, rs[0].Value)
		}
	}
	if rs, _, err := s.pmic.Sample(ctx, at); err != nil {
		s.note("vcgencmd pmic_read_adc: " + err.Error())
	} else if w, ok := find(rs, "pmic.total_w"); ok {
		s.Power.Envelope.Add(at, w)
	} else {
		s.note("vcgencmd pmic_read_adc: no rail with both a voltage and a current; board power unknown")
	}
	if rs, evs, err := s.throttle.Sample(ctx, at); err != nil {
		s.note("vcgencmd get_throttled: " + err.Error())
	} else if raw, ok := find(rs, "throttled"); ok {
		s.Throttled |= uint32(raw) & 0x0f
		s.Events = append(s.Events, evs...)
	}
}

func find(rs []telemetry.Reading, series string) (float64, bool) {
	for _, r := range rs {
		if r.Series == series {
			return r.Value, true
		}
	}
	return 0, false
}

// record puts the sampled series and events into the step.
func (s *Sampler) record(step *report.Step) {
	for _, ser := range []*telemetry.Series{&s.Temp, &s.Power} {
		if ser.Envelope.Stats().N > 0 {
			step.Series = append(step.Series, telemetry.ToReport(ser, telemetry.RecordBuckets))
		}
	}
	for _, e := range s.Events {
		step.Events = append(step.Events, report.Event{Time: e.T, Kind: e.Kind, Detail: e.Detail})
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
