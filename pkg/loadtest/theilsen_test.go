package loadtest

import (
	"math"
	"math/rand"
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
