package report

import "time"

// Series is a time series a step sampled (temperatures, clocks, power),
// summarised for the record as a min/mean/max envelope per bucket of time:
// a 72 h run at 1 Hz keeps its record to a few MB, and its extremes (a
// one-second sag) survive. The journal keeps every sample.
type Series struct {
	Name    string         `json:"name"`
	Unit    string         `json:"unit,omitempty"`
	Buckets []SeriesBucket `json:"buckets"`
}

// SeriesBucket summarises the samples from T0 to T1.
type SeriesBucket struct {
	T0   time.Time `json:"t0"`
	T1   time.Time `json:"t1"`
	N    int       `json:"n"`
	Min  float64   `json:"min"`
	Mean float64   `json:"mean"`
	Max  float64   `json:"max"`
}

// Event is something that happened during a step: a throttle flag set or
// cleared, a source that stopped answering, an outage.
type Event struct {
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail,omitempty"`
}

// SchemaV1 is the record before series and events; it still reads.
const SchemaV1 = "aihat.run/v1"
