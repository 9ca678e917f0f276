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

// Windowed reduces a long series to one median per window of width w
// (x in the same unit as w), so a day at 1 Hz is 144 points of 10 min and
// the O(n²) estimator stays cheap; the median keeps it robust.
func Windowed(x, y []float64, w float64) (wx, wy []float64) {
	if len(x) == 0 || w <= 0 {
		return nil, nil
	}
	start := x[0]
	var bucket []float64
	var bx float64
	flush := func() {
		if len(bucket) == 0 {
			return
		}
		sort.Float64s(bucket)
		m := bucket[len(bucket)/2]
		if len(bucket)%2 == 0 {
			m = (bucket[len(bucket)/2-1] + bucket[len(bucket)/2]) / 2
		}
		wx, wy = append(wx, bx), append(wy, m)
		bucket = bucket[:0]
	}
	cur := -1
	for i := range x {
		k := int((x[i] - start) / w)
		if k != cur {
			flush()
			cur = k
			bx = start + (float64(k)+0.5)*w
		}
		bucket = append(bucket, y[i])
	}
	flush()
	return wx, wy
}
