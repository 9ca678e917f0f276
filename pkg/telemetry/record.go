package telemetry

import "github.com/aihat/aihat/pkg/report"

// RecordBuckets is how many buckets a series keeps in the run record: a
// plot's resolution. The journal keeps every sample.
const RecordBuckets = 120

// ToReport is s for the run record, merged down to at most max buckets
// (the extremes of every merged bucket kept).
func ToReport(s *Series, max int) report.Series {
	e := s.Envelope
	bs := append([]Bucket(nil), e.Buckets...)
	for max > 0 && len(bs) > max {
		out := bs[:0]
		for i := 0; i < len(bs); i += 2 {
			b := bs[i]
			if i+1 < len(bs) {
				merge(&b, bs[i+1])
			}
			out = append(out, b)
		}
		bs = out
	}
	r := report.Series{Name: s.Name, Unit: s.Unit, Buckets: make([]report.SeriesBucket, len(bs))}
	for i, b := range bs {
		r.Buckets[i] = report.SeriesBucket{T0: b.Start, T1: b.End, N: b.N, Min: b.Min, Mean: b.Mean, Max: b.Max}
	}
	return r
}
