package telemetry

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/aihat/aihat/pkg/clock"
)

// Reading is one value of one series, in the series' SI unit.
type Reading struct {
	Series string
	Unit   string
	Value  float64
}

// Event is something that happened at a point in time: a throttle flag
// set or cleared, the under-voltage alarm, a source that started failing.
type Event struct {
	T      time.Time `json:"t"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail"`
}

// Source reads one part of the board. Sample returns the readings it got;
// an error means this source has no sample this sweep (counted, never a
// zero in a series).
type Source interface {
	Name() string
	Sample(ctx context.Context, now time.Time) ([]Reading, []Event, error)
	Close()
}

// Sweep is one pass over every source: what the journal keeps.
type Sweep struct {
	T      time.Time          `json:"t"`
	Values map[string]float64 `json:"v"`
	Failed []string           `json:"failed,omitempty"` // sources without a sample
	Events []Event            `json:"events,omitempty"`
	// Units names the unit of each series that appears for the first time
	// in this sweep, so a journal's sweeps alone rebuild unit-ful series.
	Units map[string]string `json:"units,omitempty"`
}

// Series is one named series' unit and envelope.
type Series struct {
	Name     string
	Unit     string
	Envelope Envelope
}

// Result is what a sampling run saw.
type Result struct {
	Series  map[string]*Series
	Order   []string // series names in the order they first appeared
	Events  []Event
	Sweeps  int
	Errors  map[string]int    // failed samples per source
	LastErr map[string]string // the last failure per source, for messages
	Start   time.Time
	End     time.Time
}

// Names returns the series names in order.
func (r *Result) Names() []string {
	names := make([]string, 0, len(r.Series))
	for n := range r.Series {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Sampler runs sources every Interval on Clock.
type Sampler struct {
	Clock    clock.Clock
	Interval time.Duration
	Sources  []Source
	// Sink receives every sweep at full resolution (the journal); an error
	// from it stops the run.
	Sink func(Sweep) error
	// Buckets is each series' envelope size (DefaultBuckets when 0).
	Buckets int
	// Between runs after each sweep (a health check, the load's governor).
	Between func(ctx context.Context, s Sweep) error
	// Resume, when set, is the result of the sweeps before this run (a
	// resumed load test's journal, folded in with Result.Add): the run
	// goes on in it.
	Resume *Result
}

// NewResult returns an empty result.
func NewResult() *Result {
	return &Result{Series: map[string]*Series{}, Errors: map[string]int{}, LastErr: map[string]string{}}
}

// Add folds a sweep taken earlier (read back from a journal) into r, as
// if r's run had taken it; buckets sizes new series' envelopes.
func (r *Result) Add(sw Sweep, buckets int) {
	names := make([]string, 0, len(sw.Values))
	for n := range sw.Values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ser := r.Series[n]
		if ser == nil {
			ser = &Series{Name: n, Envelope: Envelope{Max: buckets}}
			r.Series[n] = ser
			r.Order = append(r.Order, n)
		}
		if ser.Unit == "" {
			ser.Unit = sw.Units[n]
		}
		ser.Envelope.Add(sw.T, sw.Values[n])
	}
	for _, src := range sw.Failed {
		r.Errors[src]++
	}
	r.Events = append(r.Events, sw.Events...)
	if r.Sweeps == 0 {
		r.Start = sw.T
	}
	r.Sweeps++
	r.End = sw.T
}

// Run samples n sweeps (until ctx ends when n <= 0). The first sweep is
// taken at once; the context ends a run at once, and what was sampled is
// returned with the context's error.
func (s *Sampler) Run(ctx context.Context, n int) (*Result, error) {
	if s.Interval <= 0 {
		return nil, fmt.Errorf("telemetry: interval %v must be positive", s.Interval)
	}
	res := s.Resume
	if res == nil {
		res = NewResult()
		res.Start = s.Clock.Now()
	}
	failing := map[string]bool{}
	width := 0 // series in the last sweep, to size the next one's map
	for i := 0; n <= 0 || i < n; i++ {
		if i > 0 {
			if err := s.Clock.Sleep(ctx, s.Interval); err != nil {
				return res, err
			}
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		now := s.Clock.Now()
		sw := Sweep{T: now, Values: make(map[string]float64, width)}
		for _, src := range s.Sources {
			rs, evs, err := src.Sample(ctx, now)
			if err != nil {
				if ctx.Err() != nil {
					return res, ctx.Err()
				}
				res.Errors[src.Name()]++
				res.LastErr[src.Name()] = err.Error()
				sw.Failed = append(sw.Failed, src.Name())
				if !failing[src.Name()] {
					failing[src.Name()] = true
					sw.Events = append(sw.Events, Event{T: now, Kind: "source_failing", Detail: src.Name() + ": " + err.Error()})
				}
				continue
			}
			if failing[src.Name()] {
				failing[src.Name()] = false
				sw.Events = append(sw.Events, Event{T: now, Kind: "source_recovered", Detail: src.Name()})
			}
			sw.Events = append(sw.Events, evs...)
			for _, r := range rs {
				ser := res.Series[r.Series]
				if ser == nil || ser.Unit == "" && r.Unit != "" {
					if ser == nil {
						ser = &Series{Name: r.Series, Envelope: Envelope{Max: s.Buckets}}
						res.Series[r.Series] = ser
						res.Order = append(res.Order, r.Series)
					}
					ser.Unit = r.Unit
					if sw.Units == nil {
						sw.Units = map[string]string{}
					}
					sw.Units[r.Series] = r.Unit
				}
				ser.Envelope.Add(now, r.Value)
				sw.Values[r.Series] = r.Value
			}
		}
		width = len(sw.Values)
		res.Events = append(res.Events, sw.Events...)
		res.Sweeps++
		res.End = now
		if s.Sink != nil {
			if err := s.Sink(sw); err != nil {
				return res, err
			}
		}
		if s.Between != nil {
			if err := s.Between(ctx, sw); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// Close closes every source.
func (s *Sampler) Close() {
	for _, src := range s.Sources {
		src.Close()
	}
}

// JournalSink sends each sweep to a journal as a "sweep" record; nil when
// there is no journal (a run without --report-dir).
func JournalSink(j interface {
	Append(kind string, data any) error
}) func(Sweep) error {
	if j == nil || reflect.ValueOf(j).IsNil() {
		return nil
	}
	return func(sw Sweep) error { return j.Append("sweep", sw) }
}

// MarshalJSON writes a sweep for the journal, values in name order,
// without reflection: at 1 Hz for days it is most of a sweep's cost.
func (sw Sweep) MarshalJSON() ([]byte, error) {
	names := make([]string, 0, len(sw.Values))
	for n := range sw.Values {
		names = append(names, n)
	}
	sort.Strings(names)
	b := make([]byte, 0, 64+32*len(names))
	b = append(b, `{"t":"`...)
	b = sw.T.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","v":{`...)
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, n)
		b = append(b, ':')
		v := sw.Values[n]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("sweep value %s is %v: not a number JSON can hold", n, v)
		}
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	b = append(b, '}')
	if len(sw.Failed) > 0 || len(sw.Events) > 0 || len(sw.Units) > 0 {
		type rest struct {
			Failed []string          `json:"failed,omitempty"`
			Events []Event           `json:"events,omitempty"`
			Units  map[string]string `json:"units,omitempty"`
		}
		r, err := json.Marshal(rest{sw.Failed, sw.Events, sw.Units})
		if err != nil {
			return nil, err
		}
		b = append(b, ',')
		b = append(b, r[1:len(r)-1]...)
	}
	return append(b, '}'), nil
}
