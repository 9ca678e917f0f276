package thermal

import (
	"fmt"
	"math"
	"strings"

	"github.com/aihat/aihat/pkg/plan"
)

// FanFollower tracks the PWM the kernel's fan curve asks for at each SoC
// temperature: up a level when a trip is reached, down only below the
// trip less the hysteresis (the thermal framework's step_wise governor on
// the Pi 5's cpu-thermal trips).
type FanFollower struct {
	Curve plan.FanCurve
	level int
}

// Expect steps the curve to temperature c and returns the PWM it asks for.
func (f *FanFollower) Expect(c float64) int {
	tr := f.Curve.Trips
	for f.level < len(tr) && c >= tr[f.level].TempC {
		f.level++
	}
	for f.level > 0 && c < tr[f.level-1].TempC-f.Curve.HysteresisC {
		f.level--
	}
	if f.level == 0 {
		return 0
	}
	return tr[f.level-1].PWM
}

// PolicyCurve is the fan curve that makes the kernel follow the policy:
// the fan starts at PassiveBelowC and its speed rises in four equal steps
// to full (255) at FullFanAtC, each with the policy's hysteresis.
func PolicyCurve(p plan.ThermalPolicy) (plan.FanCurve, error) {
	if p.PassiveBelowC <= 0 || p.FullFanAtC <= p.PassiveBelowC {
		return plan.FanCurve{}, fmt.Errorf("thermal.policy: passive_below_c %g °C and full_fan_at_c %g °C: want 0 < passive < full", p.PassiveBelowC, p.FullFanAtC)
	}
	c := plan.FanCurve{HysteresisC: p.HysteresisC}
	for i := 0; i < 4; i++ {
		t := p.PassiveBelowC + float64(i)*(p.FullFanAtC-p.PassiveBelowC)/3
		pwm := int(math.Round(255 * float64(i+1) / 4))
		c.Trips = append(c.Trips, plan.FanTrip{TempC: math.Round(t*10) / 10, PWM: pwm})
	}
	return c, nil
}

// FanConfig renders the config.txt lines that set the Pi 5's fan curve
// (the bcm2712 device tree's fan_temp0..3, fan_temp0..3_hyst and
// fan_temp0..3_speed parameters; temperatures in millidegrees Celsius,
// speeds as PWM 0-255), one comment per line.
func FanConfig(c plan.FanCurve, why string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Pi 5 fan curve: %s\n# Add to /boot/firmware/config.txt (under [all]) and reboot.\n", why)
	hyst := int(math.Round(c.HysteresisC * 1000))
	for i, tr := range c.Trips {
		mc := int(math.Round(tr.TempC * 1000))
		fmt.Fprintf(&b, "dtparam=fan_temp%d=%d\t# level %d starts at %g °C\n", i, mc, i+1, tr.TempC)
		fmt.Fprintf(&b, "dtparam=fan_temp%d_hyst=%d\t# and ends below %g °C\n", i, hyst, tr.TempC-c.HysteresisC)
		fmt.Fprintf(&b, "dtparam=fan_temp%d_speed=%d\t# PWM %d of 255 (%.0f %%)\n", i, tr.PWM, tr.PWM, float64(tr.PWM)/2.55)
	}
	return b.String()
}

// Governor lowers the load's duty cycle while the SoC is above the
// policy's limit and restores it below the limit less the hysteresis. It
// halves the duty per step (down to MinDuty) and doubles it back, one step
// per Hold, so the die has time to answer before the next step.
type Governor struct {
	LimitC, HysteresisC, MinDuty float64
	duty                         float64
	waiting                      int
	Hold                         int // sweeps between steps
}

// Step returns the new duty and whether it changed, given the SoC
// temperature now.
func (g *Governor) Step(c float64) (duty float64, changed bool) {
	if g.duty == 0 {
		g.duty = 1
	}
	if g.waiting > 0 {
		g.waiting--
		return g.duty, false
	}
	old := g.duty
	switch {
	case c > g.LimitC && g.duty > g.MinDuty:
		g.duty = math.Max(g.MinDuty, g.duty/2)
	case c < g.LimitC-g.HysteresisC && g.duty < 1:
		g.duty = math.Min(1, g.duty*2)
	}
	if g.duty != old {
		g.waiting = g.Hold
		return g.duty, true
	}
	return g.duty, false
}
