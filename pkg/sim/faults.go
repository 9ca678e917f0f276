package sim

import "sort"

// Fault is a named way the simulated board can be broken. Apply changes the
// board's State before it boots (or registers an OnBoot hook).
type Fault struct {
	Name string
	// Breaks says what the fault breaks and which check must catch it.
	Breaks string
	Apply  func(*Board)
	// Damages marks a fault that corrupts what other faults may have
	// written (a flipped bit in whatever image the EEPROM holds). Such
	// faults apply after all others, so the board a set of faults builds
	// does not depend on the order they were named in.
	Damages bool
}

// Catalogue returns every fault the sim knows, sorted by name. Each stage
// adds its faults in faults_<stage>.go.
func Catalogue() []Fault {
	var all []Fault
	all = append(all, thermalFaults()...)
	all = append(all, eepromFaults()...)
	all = append(all, overlayFaults()...)
	all = append(all, driverFaults()...)
	all = append(all, powerFaults()...)
	all = append(all, benchFaults()...)
	all = append(all, loadtestFaults()...)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

func lookup(cat []Fault, name string) (Fault, bool) {
	for _, f := range cat {
		if f.Name == name {
			return f, true
		}
	}
	return Fault{}, false
}

func faultNames(cat []Fault) []string {
	names := make([]string, len(cat))
	for i, f := range cat {
		names[i] = f.Name
	}
	return names
}

func thermalFaults() []Fault {
	return []Fault{
		{
			Name:   "fan-stall",
			Breaks: "the active cooler is driven but does not turn (fan1_input reads 0 rpm while pwm1 > 0); under load the SoC climbs into firmware throttling (thermal soak, power.flags)",
			Apply:  func(b *Board) { b.state.FanStalled = true },
		},
		{
			Name:   "fan-degrade",
			Breaks: "the fan wears: its speed (fan1_input) and airflow fall 2 % of full an hour from power-on, so over a day the SoC runs hotter at the same PWM (loadtest fan_rpm_full_slope)",
			Apply:  func(b *Board) { b.state.FanWearPerHour = 0.02 },
		},
		{
			Name:   "poor-thermal-contact",
			Breaks: "the NPU's heatsink pad does not touch the die: NPU temperature runs far above the SoC's under inference (bench, thermal soak)",
			Apply:  func(b *Board) { b.state.NPUThermalOhm = 14 },
		},
	}
}
