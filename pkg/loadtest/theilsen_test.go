package loadtest

import (
	"math"
	"math/rand"
	"sort"
	"testing"
)

func TestTheilSenExactLine(t *testing.T) {
	var x, y []float64
	for i := 0; i < 50; i++ {
		x = append(x, float64(i))
		y = append(y, 3-0.5*float64(i))
	}
	s, err := TheilSen(x, y)
	if err != nil {
		t.Fatal(err)
	}
	// Every pairwise slope is -0.5 exactly: the interval collapses on it.
	if s.Slope != -0.5 || s.Low != -0.5 || s.High != -0.5 || s.N != 50 {
		t.Errorf("%+v, want -0.5 [-0.5, -0.5] over 50", s)
	}
}

// TestTheilSenIgnoresOutliersAndCovers: a slope of 2 with noise and 20 %
// wild outliers (a least-squares fit would be dragged far off) stays
// inside the interval, and the interval excludes 0.
func TestTheilSenIgnoresOutliersAndCovers(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	var x, y []float64
	for i := 0; i < 144; i++ {
		v := 2*float64(i) + rng.NormFloat64()
		if i%5 == 0 {
			v += 1000
		}
		x, y = append(x, float64(i)), append(y, v)
	}
	s, err := TheilSen(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if !(s.Low <= 2 && 2 <= s.High) || s.Low <= 0 || math.Abs(s.Slope-2) > 0.1 {
		// 0.1: σ=1 noise over 144 points gives a slope error near 0.01.
		t.Errorf("%+v: want about 2 inside [low, high], low > 0", s)
	}
}

// TestTheilSenFlatCoversZero: pure noise gives an interval containing
// 0 in about 95 % of seeds; over 200 seeds at most 10 % miss (a loose
// bound on a 5 % rate: binomial sd is 1.5 %).
func TestTheilSenFlatCoversZero(t *testing.T) {
	miss := 0
	for seed := int64(0); seed < 200; seed++ {
		rng := rand.New(rand.NewSource(seed))
		var x, y []float64
		for i := 0; i < 40; i++ {
			x, y = append(x, float64(i)), append(y, rng.NormFloat64())
		}
		s, err := TheilSen(x, y)
		if err != nil {
			t.Fatal(err)
		}
		if s.Low > 0 || s.High < 0 {
			miss++
		}
	}
	if miss > 20 {
		t.Errorf("%d of 200 flat series excluded 0, want about 10", miss)
	}
}

func TestTheilSenErrors(t *testing.T) {
	if _, err := TheilSen([]float64{1, 2}, []float64{1, 2}); err == nil {
		t.Error("2 points: want an error")
	}
	if _, err := TheilSen([]float64{1, 1, 1}, []float64{1, 2, 3}); err == nil {
		t.Error("one x: want an error")
	}
	if _, err := TheilSen([]float64{1, 2, 3}, []float64{1, 2}); err == nil {
		t.Error("lengths differ: want an error")
	}
}

func TestWindowed(t *testing.T) {
	x := []float64{0, 1, 2, 3, 10, 11, 12, 25}
	y := []float64{5, 100, 7, 6, 1, 2, 3, 9}
	wx, wy := Windowed(x, y, 10)
	// Windows [0,10): median of 5,100,7,6 = 6.5; [10,20): 2; [20,30): 9.
	if len(wx) != 3 || wy[0] != 6.5 || wy[1] != 2 || wy[2] != 9 || wx[0] != 5 || wx[2] != 25 {
		t.Errorf("%v %v", wx, wy)
	}
}

// The streaming windower gives what Windowed gives on the points after
// From, whatever the spacing.
func TestWindowerIsWindowedAsThePointsCome(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	var x, y []float64
	w := &Windower{From: 1, W: 1.0 / 6}
	h := 0.0
	for i := 0; i < 5000; i++ {
		h += rng.Float64() / 500
		v := rng.NormFloat64()
		w.Add(h, v)
		if h >= 1 {
			x, y = append(x, h), append(y, v)
		}
	}
	gx, gy := w.Medians()
	wx, wy := Windowed(x, y, 1.0/6)
	if len(gx) != len(wx) || len(gx) < 10 {
		t.Fatalf("%d windows, Windowed %d", len(gx), len(wx))
	}
	for i := range gx {
		if gx[i] != wx[i] || gy[i] != wy[i] {
			t.Fatalf("window %d: (%v, %v), Windowed (%v, %v)", i, gx[i], gy[i], wx[i], wy[i])
		}
	}
}

// Windowed is the windowing done on a whole series at once: the
// reference the streaming Windower is checked against.
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
