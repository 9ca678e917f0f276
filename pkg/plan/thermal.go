package plan

import (
	"fmt"
	"time"
)

// ThermalPlan holds thermal.soak's settings and the thermal policy.
type ThermalPlan struct {
	// Load is cpu, npu or both.
	Load string `yaml:"load,omitempty"`
	// Duration caps the load phase ("30m"); it ends earlier at steady state.
	Duration string `yaml:"duration,omitempty"`
	// Idle is the idle baseline before the load ("2m").
	Idle string `yaml:"idle,omitempty"`
	// Cooldown is the idle phase after the load ("0s": none).
	Cooldown string `yaml:"cooldown,omitempty"`
	// Interval is the time between samples ("1s").
	Interval string `yaml:"interval,omitempty"`
	// SteadyWindow and SteadyRate decide steady state: the SoC temperature's
	// slope over the last SteadyWindow is below SteadyRate °C/min.
	SteadyWindow string  `yaml:"steady_window,omitempty"`
	SteadyRate   float64 `yaml:"steady_rate_c_per_min,omitempty"`
	// Fan is the curve the live fan is checked against.
	Fan FanCurve `yaml:"fan,omitempty"`
	// Policy is the guide's fan and workload policy.
	Policy ThermalPolicy `yaml:"policy,omitempty"`
}

// FanCurve is the kernel's fan curve: four trip points with hysteresis.
type FanCurve struct {
	Trips       []FanTrip `yaml:"trips,omitempty"`
	HysteresisC float64   `yaml:"hysteresis_c,omitempty"`
}

// FanTrip is one cooling level: at TempC and above the fan runs at PWM
// (0-255) until the SoC falls below TempC less the hysteresis.
type FanTrip struct {
	TempC float64 `yaml:"temp_c"`
	PWM   int     `yaml:"pwm"`
}

// ThermalPolicy is the bring-up guide's policy: passive below PassiveBelowC,
// the fan rising linearly up to FullFanAtC, the workload reduced above
// ReduceAboveC (and restored below it less HysteresisC).
type ThermalPolicy struct {
	PassiveBelowC float64 `yaml:"passive_below_c,omitempty"`
	FullFanAtC    float64 `yaml:"full_fan_at_c,omitempty"`
	ReduceAboveC  float64 `yaml:"reduce_above_c,omitempty"`
	HysteresisC   float64 `yaml:"hysteresis_c,omitempty"`
	// Governor turns the load's duty-cycle governor on.
	Governor bool `yaml:"governor,omitempty"`
	// MinDuty is the lowest duty the governor cuts to (0.1).
	MinDuty float64 `yaml:"min_duty,omitempty"`
}

// Durations parses the thermal section's durations.
func (t ThermalPlan) Durations() (idle, load, cooldown, interval, window time.Duration, err error) {
	parse := func(name, s string, def time.Duration, zeroOK bool) time.Duration {
		if err != nil {
			return 0
		}
		if s == "" {
			return def
		}
		d, e := time.ParseDuration(s)
		if e != nil || d < 0 || (d == 0 && !zeroOK) {
			err = fmt.Errorf("thermal.%s %q: want a positive duration such as 30m", name, s)
		}
		return d
	}
	idle = parse("idle", t.Idle, 2*time.Minute, true)
	load = parse("duration", t.Duration, 30*time.Minute, false)
	cooldown = parse("cooldown", t.Cooldown, 0, true)
	interval = parse("interval", t.Interval, time.Second, false)
	window = parse("steady_window", t.SteadyWindow, 3*time.Minute, false)
	return
}

// check says what is wrong with the thermal section, so a bad plan fails
// when it loads, not half an hour into a soak.
func (t ThermalPlan) check() (path []string, err error) {
	if _, _, _, _, _, err := t.Durations(); err != nil {
		return []string{"thermal"}, err
	}
	if t.SteadyRate < 0 {
		return []string{"thermal", "steady_rate_c_per_min"}, fmt.Errorf("thermal.steady_rate_c_per_min %g: want a positive rate in °C/min", t.SteadyRate)
	}
	for i, tr := range t.Fan.Trips {
		if tr.PWM < 0 || tr.PWM > 255 {
			return []string{"thermal", "fan", "trips"}, fmt.Errorf("thermal.fan.trips[%d].pwm %d: want 0-255", i, tr.PWM)
		}
		if i > 0 && tr.TempC <= t.Fan.Trips[i-1].TempC {
			return []string{"thermal", "fan", "trips"}, fmt.Errorf("thermal.fan.trips[%d] at %g °C: trips must rise (the one before is at %g °C)", i, tr.TempC, t.Fan.Trips[i-1].TempC)
		}
	}
	if t.Fan.HysteresisC < 0 || t.Policy.HysteresisC < 0 {
		return []string{"thermal"}, fmt.Errorf("thermal: hysteresis must not be negative")
	}
	if d := t.Policy.MinDuty; d < 0 || d > 1 {
		return []string{"thermal", "policy", "min_duty"}, fmt.Errorf("thermal.policy.min_duty %g: want 0-1", d)
	}
	return nil, nil
}
