// Package loadtest is the long run (loadtest.run): a workload for hours
// or days on the telemetry sampler, health checks at intervals, and leak
// and drift verdicts from robust slopes of what the board and the
// workload's process showed.
package loadtest

import (
	"fmt"
	"math"
	"sort"
)

// Slope is a Theil–Sen slope with its confidence interval, in the
// series' unit per x unit (the load test uses hours).
type Slope struct {
	Slope, Low, High float64
	N                int // points
}

// z95 is the standard normal's 97.5 % quantile: a two-sided 95 % interval.
const z95 = 1.959963984540054

// TheilSen is the median of the pairwise slopes of (x, y) and Sen's
// (1968) distribution-free 95 % confidence interval from Kendall's S:
// with N pairwise slopes sorted and C = z·√(n(n−1)(2n+5)/18), the bounds
// are the slopes ranked (N−C)/2 and (N+C)/2+1. Robust: up to 29 % of the
// points may be outliers (a GC pause, a cache drop) without moving it.
// Pairs with equal x are skipped. It needs 3 points.
func TheilSen(x, y []float64) (Slope, error) {
	n := len(x)
	if n != len(y) {
		return Slope{}, fmt.Errorf("theil-sen: %d x for %d y", n, len(y))
	}
	if n < 3 {
		return Slope{}, fmt.Errorf("theil-sen: %d points, need at least 3", n)
	}
	slopes := make([]float64, 0, n*(n-1)/2)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if dx := x[j] - x[i]; dx != 0 {
				slopes = append(slopes, (y[j]-y[i])/dx)
			}
		}
	}
	N := len(slopes)
	if N == 0 {
		return Slope{}, fmt.Errorf("theil-sen: all %d points at one x", n)
	}
	sort.Float64s(slopes)
	med := slopes[N/2]
	if N%2 == 0 {
		med = (slopes[N/2-1] + slopes[N/2]) / 2
	}
	fn := float64(n)
	c := z95 * math.Sqrt(fn*(fn-1)*(2*fn+5)/18)
	rank := func(r float64) float64 { // 1-based rank, clamped
		i := int(math.Round(r)) - 1
		return slopes[max(0, min(N-1, i))]
	}
	return Slope{Slope: med, Low: rank((float64(N) - c) / 2), High: rank((float64(N)+c)/2 + 1), N: n}, nil
}

// Windower reduces a long series to one median per window of width W
// (x in the same unit as W), so a day at 1 Hz is 144 points of 10 min and
// the O(n²) estimator stays cheap; the median keeps it robust. It works
// as the points come: it keeps the medians of the
// windows closed so far and the values of the open one, so a day at 1 Hz
// holds 144 medians and one window's 600 values, not 86 400 points (the
// load test's memory stays flat over days). Points before From are left
// out, as the warm-up is.
type Windower struct {
	From, W float64

	started bool
	start   float64
	cur     int
	bx      float64
	bucket  []float64
	wx, wy  []float64
}

// Add takes the next point; x never decreases.
func (w *Windower) Add(x, y float64) {
	if x < w.From || w.W <= 0 {
		return
	}
	if !w.started {
		w.started, w.start, w.cur = true, x, -1
	}
	if k := int((x - w.start) / w.W); k != w.cur {
		w.flush()
		w.cur, w.bx = k, w.start+(float64(k)+0.5)*w.W
	}
	w.bucket = append(w.bucket, y)
}

func (w *Windower) flush() {
	if len(w.bucket) == 0 {
		return
	}
	sort.Float64s(w.bucket)
	n := len(w.bucket)
	m := w.bucket[n/2]
	if n%2 == 0 {
		m = (w.bucket[n/2-1] + w.bucket[n/2]) / 2
	}
	w.wx, w.wy = append(w.wx, w.bx), append(w.wy, m)
	w.bucket = w.bucket[:0]
}

// Medians returns one median per window so far, the open one included.
func (w *Windower) Medians() (wx, wy []float64) {
	wx, wy = append([]float64(nil), w.wx...), append([]float64(nil), w.wy...)
	if len(w.bucket) > 0 {
		open := &Windower{W: w.W, bx: w.bx, bucket: append([]float64(nil), w.bucket...)}
		open.flush()
		wx, wy = append(wx, open.wx...), append(wy, open.wy...)
	}
	return wx, wy
}
