package telemetry

import (
	"math"
	"time"
)

// Bucket summarises the samples of one stretch of time.
type Bucket struct {
	Start time.Time `json:"t0"`
	End   time.Time `json:"t1"`
	N     int       `json:"n"`
	Min   float64   `json:"min"`
	Max   float64   `json:"max"`
	Mean  float64   `json:"mean"`
}

// Envelope keeps a series as at most Max buckets of min/mean/max. It starts
// with one sample per bucket; when it is full, neighbouring buckets merge
// and each covers twice the time. Memory is fixed however long the run, and
// the extremes survive every merge: a one-sample sag stays visible in a
// 72-hour plot.
type Envelope struct {
	Max     int
	Buckets []Bucket
	width   time.Duration // time one bucket covers; 0 until the second sample
	all     Bucket        // statistics of the whole series
}

// DefaultBuckets is the envelope size: enough for a plot's width.
const DefaultBuckets = 512

func (e *Envelope) max() int {
	if e.Max < 2 {
		return DefaultBuckets
	}
	return e.Max
}

// Add takes one sample.
func (e *Envelope) Add(t time.Time, v float64) {
	addTo(&e.all, t, v)
	e.add(t, v)
}

func (e *Envelope) add(t time.Time, v float64) {
	n := len(e.Buckets)
	if n > 0 {
		last := &e.Buckets[n-1]
		if e.width == 0 {
			e.width = t.Sub(last.Start)
		}
		if e.width > 0 && t.Sub(last.Start) < e.width {
			addTo(last, t, v)
			return
		}
	}
	if n == e.max() {
		e.halve()
		e.add(t, v)
		return
	}
	b := Bucket{}
	addTo(&b, t, v)
	e.Buckets = append(e.Buckets, b)
}

// halve merges neighbouring buckets and doubles the width.
func (e *Envelope) halve() {
	out := e.Buckets[:0]
	for i := 0; i < len(e.Buckets); i += 2 {
		b := e.Buckets[i]
		if i+1 < len(e.Buckets) {
			merge(&b, e.Buckets[i+1])
		}
		out = append(out, b)
	}
	e.Buckets = out
	e.width *= 2
}

// Stats is the whole series' summary.
func (e *Envelope) Stats() Bucket { return e.all }

func addTo(b *Bucket, t time.Time, v float64) {
	if b.N == 0 {
		*b = Bucket{Start: t, End: t, N: 1, Min: v, Max: v, Mean: v}
		return
	}
	b.N++
	b.End = t
	b.Min = math.Min(b.Min, v)
	b.Max = math.Max(b.Max, v)
	b.Mean += (v - b.Mean) / float64(b.N)
}

func merge(a *Bucket, b Bucket) {
	n := a.N + b.N
	a.Mean = (a.Mean*float64(a.N) + b.Mean*float64(b.N)) / float64(n)
	a.N = n
	a.End = b.End
	a.Min = math.Min(a.Min, b.Min)
	a.Max = math.Max(a.Max, b.Max)
}
