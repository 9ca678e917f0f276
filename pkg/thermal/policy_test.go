package thermal

import (
	"math"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/plan"
)

func TestFitRecoversAnExactExponential(t *testing.T) {
	var ts, ys []float64
	for i := 0; i < 600; i++ {
		x := float64(i)
		ts = append(ts, x)
		ys = append(ys, 70-25*math.Exp(-x/140))
	}
	f, ok := FitFirstOrder(ts, ys, 5, 10800)
	// Noise-free data: the golden-section search stops at 1e-6 in log τ.
	if !ok || math.Abs(f.TInf-70) > 1e-3 || math.Abs(f.Tau-140) > 1e-2 || math.Abs(f.B+25) > 1e-3 || f.RMS > 1e-4 {
		t.Fatalf("fit %+v ok %v", f, ok)
	}
	// A flat line has no time constant: the search runs to its edge.
	flat := make([]float64, len(ts))
	for i := range flat {
		flat[i] = 45
	}
	if _, ok := FitFirstOrder(ts, flat, 5, 10800); ok {
		t.Fatal("a flat line fitted")
	}
	if _, ok := FitFirstOrder(ts[:5], ys[:5], 5, 10800); ok {
		t.Fatal("5 samples fitted")
	}
}

func pi5Curve() plan.FanCurve {
	p, _ := plan.Default()
	return p.Thermal.Fan
}

// The plan's default curve is the Pi 5 firmware's (PI5-FACTS: fan_temp0..3
// 50000/60000/67500/75000, speeds 75/125/175/250, 5 °C hysteresis), and
// fan-config renders exactly those dtparams.
func TestFanConfigOfTheDefaultCurveIsThePi5Defaults(t *testing.T) {
	out := FanConfig(pi5Curve(), "Pi 5 defaults")
	for _, want := range []string{
		"dtparam=fan_temp0=50000\t#", "dtparam=fan_temp1=60000\t#", "dtparam=fan_temp2=67500\t#", "dtparam=fan_temp3=75000\t#",
		"dtparam=fan_temp0_speed=75\t#", "dtparam=fan_temp1_speed=125\t#", "dtparam=fan_temp2_speed=175\t#", "dtparam=fan_temp3_speed=250\t#",
		"dtparam=fan_temp0_hyst=5000\t#", "dtparam=fan_temp3_hyst=5000\t#",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, "dtparam=") && !strings.Contains(line, "# ") {
			t.Errorf("line without a comment: %q", line)
		}
	}
}

// The guide's policy: passive below 60 °C, linear to full at 75 °C.
func TestPolicyCurveRisesLinearlyFromPassiveToFull(t *testing.T) {
	p, _ := plan.Default()
	c, err := PolicyCurve(p.Thermal.Policy)
	if err != nil {
		t.Fatal(err)
	}
	wantT := []float64{60, 65, 70, 75}
	wantP := []int{64, 128, 191, 255}
	for i, tr := range c.Trips {
		if tr.TempC != wantT[i] || tr.PWM != wantP[i] {
			t.Fatalf("trip %d: %+v, want %g °C PWM %d", i, tr, wantT[i], wantP[i])
		}
	}
	if _, err := PolicyCurve(plan.ThermalPolicy{PassiveBelowC: 70, FullFanAtC: 60}); err == nil {
		t.Fatal("an inverted policy gave a curve")
	}
}

func TestFanFollowerHasHysteresis(t *testing.T) {
	f := FanFollower{Curve: pi5Curve()}
	steps := []struct {
		c    float64
		want int
	}{{45, 0}, {50, 75}, {47, 75}, {44.9, 0}, {61, 125}, {68, 175}, {80, 250}, {71, 250}, {69.9, 175}, {30, 0}}
	for _, s := range steps {
		if got := f.Expect(s.c); got != s.want {
			t.Fatalf("at %g °C PWM %d, want %d", s.c, got, s.want)
		}
	}
}

func TestGovernorHalvesAboveTheLimitAndRestoresBelowTheHysteresis(t *testing.T) {
	g := &Governor{LimitC: 80, HysteresisC: 5, MinDuty: 0.1, Hold: 1}
	seq := []struct {
		c       float64
		duty    float64
		changed bool
	}{
		{79, 1, false}, {81, 0.5, true}, {82, 0.5, false}, // hold one sweep
		{82, 0.25, true}, {78, 0.25, false}, {77, 0.25, false}, // inside the band: no change
		{74, 0.5, true}, {74, 0.5, false}, {74, 1, true}, {70, 1, false},
	}
	for i, s := range seq {
		d, ch := g.Step(s.c)
		if d != s.duty || ch != s.changed {
			t.Fatalf("step %d at %g °C: duty %v changed %v, want %v %v", i, s.c, d, ch, s.duty, s.changed)
		}
	}
	for i := 0; i < 20; i++ {
		g.Step(90)
	}
	if d, _ := g.Step(90); d != 0.1 {
		t.Fatalf("duty %v, want the floor 0.1", d)
	}
}
