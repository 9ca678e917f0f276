package thermal

import "math"

// Fit is a first-order response T(t) = TInf + B·e^(−t/Tau) fitted to a
// heating (or cooling) curve.
type Fit struct {
	TInf, B, Tau float64
	// RMS is the root-mean-square residual, in the samples' unit.
	RMS float64
	N   int
}

// FitFirstOrder fits T(t) = TInf + B·e^(−t/τ) to samples (t in s from the
// start of the segment). For a given τ the model is linear in TInf and B,
// solved by least squares; τ is found by golden-section search on log τ
// between tauMin and tauMax. ok is false when there are too few samples,
// the best τ lies on the search's edge or the exponential is within the
// noise (no first-order response in the data).
func FitFirstOrder(t, y []float64, tauMin, tauMax float64) (f Fit, ok bool) {
	if len(t) != len(y) || len(t) < 8 || tauMin <= 0 || tauMax <= tauMin {
		return Fit{}, false
	}
	at := func(tau float64) Fit {
		// Normal equations for [1, e] columns.
		var n, se, see, sy, sey float64
		for i := range t {
			e := math.Exp(-t[i] / tau)
			n++
			se += e
			see += e * e
			sy += y[i]
			sey += e * y[i]
		}
		det := n*see - se*se
		if det == 0 {
			return Fit{RMS: math.Inf(1)}
		}
		a := (see*sy - se*sey) / det
		b := (n*sey - se*sy) / det
		var ss float64
		for i := range t {
			r := y[i] - a - b*math.Exp(-t[i]/tau)
			ss += r * r
		}
		return Fit{TInf: a, B: b, Tau: tau, RMS: math.Sqrt(ss / n), N: len(t)}
	}
	lo, hi := math.Log(tauMin), math.Log(tauMax)
	g := (math.Sqrt(5) - 1) / 2
	x1, x2 := hi-g*(hi-lo), lo+g*(hi-lo)
	f1, f2 := at(math.Exp(x1)), at(math.Exp(x2))
	for i := 0; i < 80 && hi-lo > 1e-6; i++ {
		if f1.RMS < f2.RMS {
			hi, x2, f2 = x2, x1, f1
			x1 = hi - g*(hi-lo)
			f1 = at(math.Exp(x1))
		} else {
			lo, x1, f1 = x1, x2, f2
			x2 = lo + g*(hi-lo)
			f2 = at(math.Exp(x2))
		}
	}
	best := f1
	if f2.RMS < best.RMS {
		best = f2
	}
	edge := best.Tau < tauMin*1.05 || best.Tau > tauMax/1.05
	// An exponential smaller than the noise (or a flat line, where every
	// τ fits) is no response.
	flat := math.Abs(best.B) <= 3*best.RMS || math.Abs(best.B) < 1e-9*(1+math.Abs(best.TInf))
	return best, !edge && !flat && !math.IsInf(best.RMS, 0)
}
