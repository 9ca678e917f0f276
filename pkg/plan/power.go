package plan

import (
	"fmt"
	"time"
)

// PowerPlan holds the power stage's settings (rails, monitors, flags,
// budget).
type PowerPlan struct {
	// Samples is how many readings power.rails takes over its window.
	Samples int `yaml:"samples,omitempty"`
	// Interval is the time between samples ("20ms"). It must be shorter
	// than the power bursts the plan wants to catch.
	Interval string `yaml:"interval,omitempty"`
	// Load is what the board runs while power.rails samples: idle, cpu,
	// npu or both.
	Load string `yaml:"load,omitempty"`
	// Rails bound the rails by name: PMIC rails as vcgencmd names them
	// without the _V/_A suffix (EXT5V, VDD_CORE, ...) and monitor rails by
	// the name the monitor entry gives (HAT_5V).
	Rails []PowerRail `yaml:"rails,omitempty"`
	// Monitors are shunt monitors on I2C buses.
	Monitors []PowerMonitor `yaml:"monitors,omitempty"`
	// HwmonChips names hwmon devices (their `name` file) whose in/curr/
	// power inputs count as rails besides the power monitors (ina2xx
	// family), which always do. The RP1 ADC (rp1_adc) and other chips are
	// ignored unless named here.
	HwmonChips []string `yaml:"hwmon_chips,omitempty"`
	// FailFlags moved to limits: power.flags.<flag>: {equals: false}.
	// Kept only to name the new key when an old plan sets it.
	FailFlags []string `yaml:"fail_flags,omitempty"`
	// Budget is the power budget power.budget computes.
	Budget PowerBudget `yaml:"budget,omitempty"`
}

// PowerRail names a rail power.rails reports in full (min/mean/max) and
// judges by the limits power.rails.<name>.v_min, .v_mean, .v_max, .a_max.
type PowerRail struct {
	Name string `yaml:"name"`
	// Why is shown with a failure.
	Why string `yaml:"why,omitempty"`
	// MinV, MaxV, MaxA and MarginalV moved to limits; kept only to name
	// the new keys when an old plan sets them.
	MinV      *float64 `yaml:"min_v,omitempty"`
	MaxV      *float64 `yaml:"max_v,omitempty"`
	MaxA      *float64 `yaml:"max_a,omitempty"`
	MarginalV float64  `yaml:"marginal_v,omitempty"`
}

// PowerMonitor is a shunt monitor (INA219, INA226, INA260) on an I2C bus.
type PowerMonitor struct {
	Type string `yaml:"type"`
	Bus  int    `yaml:"bus"`
	Addr uint16 `yaml:"addr"`
	// ShuntOhm is the shunt resistance in Ω (INA260: internal 0.002 Ω).
	ShuntOhm float64 `yaml:"shunt_ohm,omitempty"`
	// MaxA is the current range the calibration covers, in A.
	MaxA float64 `yaml:"max_a,omitempty"`
	// Rail names the rail the monitor measures (HAT_5V).
	Rail string `yaml:"rail"`
}

// PowerBudget holds per-component figures in W and the supply.
type PowerBudget struct {
	// Margin is the fraction added on top of the worst case (0.20).
	Margin *float64 `yaml:"margin,omitempty"`
	// BusV is the voltage the budget current is given at (5 V).
	BusV       float64          `yaml:"bus_v,omitempty"`
	Components []PowerComponent `yaml:"components,omitempty"`
	Supply     PowerSupply      `yaml:"supply,omitempty"`
}

// PowerComponent is one consumer's idle, steady-inference and peak-burst
// power in W.
type PowerComponent struct {
	Name    string  `yaml:"name"`
	IdleW   float64 `yaml:"idle_w"`
	SteadyW float64 `yaml:"steady_w"`
	PeakW   float64 `yaml:"peak_w"`
	// Measured names the measurement source that replaces the figures
	// with a run's values: "pmic" (Pi 5 PMIC rails) or a monitor rail
	// name (HAT_5V).
	Measured string `yaml:"measured,omitempty"`
}

// PowerSupply is what feeds the board: a 5 V USB-C supply, or a 12/20 V
// input through a DC/DC converter with an efficiency.
type PowerSupply struct {
	Name  string  `yaml:"name,omitempty"`
	Volts float64 `yaml:"volts,omitempty"`
	MaxA  float64 `yaml:"max_a,omitempty"`
	// MaxW caps the supply's power in W when it is lower than V×A.
	MaxW float64 `yaml:"max_w,omitempty"`
	// Efficiency of the DC/DC converter to the 5 V bus (1 for a 5 V
	// supply).
	Efficiency float64 `yaml:"efficiency,omitempty"`
}

// IntervalDuration parses Interval (default 20 ms).
func (p PowerPlan) IntervalDuration() (time.Duration, error) {
	if p.Interval == "" {
		return 20 * time.Millisecond, nil
	}
	d, err := time.ParseDuration(p.Interval)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("power.interval %q: want a positive duration such as 20ms", p.Interval)
	}
	return d, nil
}

// Rail returns the plan's bounds for rail name, or nil.
func (p PowerPlan) Rail(name string) *PowerRail {
	for i := range p.Rails {
		if p.Rails[i].Name == name {
			return &p.Rails[i]
		}
	}
	return nil
}

// MarginFraction is the budget margin (default 0.20).
func (b PowerBudget) MarginFraction() float64 {
	if b.Margin == nil {
		return 0.20
	}
	return *b.Margin
}
