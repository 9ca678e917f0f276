package plan

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// KeyRange is what one numeric setting of the plan accepts: a finite
// number from Min to Max (a duration's in nanoseconds), each end open when
// MinOpen/MaxOpen, and 0 too when Zero says what 0 means. Key is the
// dotted path with [] for a list's elements (i2c.buses[].bus).
type KeyRange struct {
	Key string
	// Duration: the value is a duration string ("20ms").
	Duration         bool
	What             string
	Min, Max         float64
	MinOpen, MaxOpen bool
	Zero             string
	// Moved keys became limits: checkMoved names the new key instead.
	Moved bool
}

const (
	hr     = float64(time.Hour)
	maxRun = 8760 * hr
	// MaxPowerSamples bounds power.samples and --samples; pkg/power's
	// MaxSamples is this number (a seam may not import a stage).
	MaxPowerSamples = 10_000_000
)

// KeyRanges are the ranges of every numeric setting of the plan, checked
// as each plan file loads (file:line: key value: want ...).
// TestEveryNumericPlanKeyHasARange walks Plan: a numeric field without a
// line here fails it. Limits are checked on their own (finite, in order).
var KeyRanges = []KeyRange{
	{Key: "hat.bus", What: "an I2C bus number", Min: 0, Max: 1023},
	{Key: "hat.addr", What: "a 7-bit I2C address", Min: 0, Max: 0x7f},
	{Key: "hat.wp_gpio", What: "a header GPIO", Min: 0, Max: 27},
	{Key: "hat.product_id", Moved: true},
	{Key: "hat.product_ver", Moved: true},
	{Key: "hat.format_version", Moved: true},
	{Key: "i2c.buses[].bus", What: "an I2C bus number", Min: 0, Max: 1023},
	{Key: "i2c.buses[].expect[].addr", What: "a 7-bit I2C address", Min: 0, Max: 0x7f},
	{Key: "driver.pci_ids[].vendor", What: "a PCI id", Min: 0, Max: 0xffff},
	{Key: "driver.pci_ids[].device", What: "a PCI id", Min: 0, Max: 0xffff},
	{Key: "driver.link_speed_gts", Moved: true},
	{Key: "driver.link_width", Moved: true},
	{Key: "power.samples", What: "a count", Min: 1, Max: MaxPowerSamples},
	{Key: "power.interval", Duration: true, What: "a duration", Min: float64(time.Microsecond), Max: 24 * hr},
	{Key: "power.rails[].min_v", Moved: true},
	{Key: "power.rails[].max_v", Moved: true},
	{Key: "power.rails[].max_a", Moved: true},
	{Key: "power.rails[].marginal_v", Moved: true},
	{Key: "power.monitors[].bus", What: "an I2C bus number", Min: 0, Max: 1023},
	{Key: "power.monitors[].addr", What: "a 7-bit I2C address", Min: 0, Max: 0x7f},
	{Key: "power.monitors[].shunt_ohm", What: "a resistance in Ω", Min: 0, MinOpen: true, Max: 1000, Zero: "the chip's own (INA260)"},
	{Key: "power.monitors[].max_a", What: "a current in A", Min: 0, MinOpen: true, Max: 1000, Zero: "the chip's range"},
	{Key: "power.budget.margin", What: "a fraction", Min: 0, Max: 10},
	{Key: "power.budget.bus_v", What: "a voltage in V", Min: 0, MinOpen: true, Max: 60, Zero: "5 V"},
	{Key: "power.budget.components[].idle_w", What: "a power in W", Min: 0, Max: 1000},
	{Key: "power.budget.components[].steady_w", What: "a power in W", Min: 0, Max: 1000},
	{Key: "power.budget.components[].peak_w", What: "a power in W", Min: 0, Max: 1000},
	{Key: "power.budget.supply.volts", What: "a voltage in V", Min: 0, MinOpen: true, Max: 60, Zero: "not given"},
	{Key: "power.budget.supply.max_a", What: "a current in A", Min: 0, MinOpen: true, Max: 1000, Zero: "not given"},
	{Key: "power.budget.supply.max_w", What: "a power in W", Min: 0, MinOpen: true, Max: 10000, Zero: "no cap"},
	{Key: "power.budget.supply.efficiency", What: "a fraction", Min: 0, MinOpen: true, Max: 1, Zero: "1"},
	{Key: "bench.threads", What: "a thread count", Min: 1, Max: 1024, Zero: "all cores"},
	{Key: "bench.warmup", What: "a count", Min: 0, Max: 1_000_000},
	{Key: "bench.iterations", What: "a count", Min: 1, Max: 1_000_000},
	{Key: "bench.duration", Duration: true, What: "a duration", Min: 0, MinOpen: true, Max: 24 * hr, Zero: "count --iterations"},
	{Key: "bench.prompt_tokens", What: "a token count", Min: 1, Max: 1_000_000},
	{Key: "bench.new_tokens", What: "a token count", Min: 1, Max: 1_000_000},
	{Key: "thermal.duration", Duration: true, What: "a duration", Min: 0, MinOpen: true, Max: maxRun},
	{Key: "thermal.idle", Duration: true, What: "a duration", Min: 0, Max: 24 * hr},
	{Key: "thermal.cooldown", Duration: true, What: "a duration", Min: 0, Max: 24 * hr},
	{Key: "thermal.interval", Duration: true, What: "a duration", Min: float64(time.Millisecond), Max: 24 * hr},
	{Key: "thermal.steady_window", Duration: true, What: "a duration", Min: 0, MinOpen: true, Max: 24 * hr},
	{Key: "thermal.steady_rate_c_per_min", What: "a rate in °C/min", Min: 0, MinOpen: true, Max: 100},
	{Key: "thermal.fan.trips[].temp_c", What: "a temperature in °C", Min: -40, Max: 125},
	{Key: "thermal.fan.trips[].pwm", What: "a PWM duty", Min: 0, Max: 255},
	{Key: "thermal.fan.hysteresis_c", What: "a temperature difference in °C", Min: 0, Max: 50},
	{Key: "thermal.policy.passive_below_c", What: "a temperature in °C", Min: -40, Max: 125},
	{Key: "thermal.policy.full_fan_at_c", What: "a temperature in °C", Min: -40, Max: 125},
	{Key: "thermal.policy.reduce_above_c", What: "a temperature in °C", Min: -40, Max: 125},
	{Key: "thermal.policy.hysteresis_c", What: "a temperature difference in °C", Min: 0, Max: 50},
	{Key: "thermal.policy.min_duty", What: "a duty cycle", Min: 0, Max: 1},
	{Key: "loadtest.duration", Duration: true, What: "a duration", Min: 0, MinOpen: true, Max: maxRun},
	{Key: "loadtest.interval", Duration: true, What: "a duration", Min: float64(time.Millisecond), Max: 24 * hr},
	{Key: "loadtest.health_every", Duration: true, What: "a duration", Min: 0, MinOpen: true, Max: maxRun},
	{Key: "loadtest.warmup", Duration: true, What: "a duration", Min: 0, Max: maxRun},
	{Key: "loadtest.window", Duration: true, What: "a duration", Min: 0, MinOpen: true, Max: maxRun},
}

// checkRanges holds every numeric setting root (one plan file) sets to
// its range.
func checkRanges(file string, root *yaml.Node) error {
	rules := map[string]KeyRange{}
	for _, r := range KeyRanges {
		rules[r.Key] = r
	}
	var err error
	// path is the rule's key (buses[].bus), shown the element's
	// (buses[1].bus).
	var walk func(n *yaml.Node, path, shown string)
	walk = func(n *yaml.Node, path, shown string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path, shown)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, path+"[]", fmt.Sprintf("%s[%d]", shown, i))
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content) && err == nil; i += 2 {
				key, sk := n.Content[i].Value, n.Content[i].Value
				if path != "" {
					key, sk = path+"."+key, shown+"."+sk
				}
				if key != "limits" {
					walk(n.Content[i+1], key, sk)
				}
			}
		case yaml.ScalarNode:
			if r, ok := rules[path]; ok && !r.Moved && err == nil {
				if msg := r.problem(n); msg != "" {
					err = &Error{File: file, Line: n.Line, Msg: fmt.Sprintf("%s %s: want %s", shown, n.Value, msg)}
				}
			}
		}
	}
	walk(root, "", "")
	return err
}

// problem says what the scalar should have been ("" when it is in range).
func (r KeyRange) problem(n *yaml.Node) string {
	var v float64
	if r.Duration {
		d, err := time.ParseDuration(n.Value)
		if err != nil {
			return r.Want()
		}
		v = float64(d)
	} else if err := n.Decode(&v); err != nil {
		return r.Want()
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return r.Want()
	}
	if v == 0 && r.Zero != "" {
		return ""
	}
	if v < r.Min || v == r.Min && r.MinOpen || v > r.Max || v == r.Max && r.MaxOpen {
		return r.Want()
	}
	return ""
}

// Want says what the key accepts: "a count from 1 to 10000000".
func (r KeyRange) Want() string {
	what := r.What
	from, to := "from", "to"
	if r.MinOpen {
		from, to = "above", "up to"
	}
	if r.MaxOpen {
		to = "to below"
	}
	s := fmt.Sprintf("%s %s %s %s %s", what, from, r.format(r.Min), to, r.format(r.Max))
	if r.Zero != "" {
		s += ", or 0 for " + r.Zero
	}
	return s
}

func (r KeyRange) format(v float64) string {
	if r.Duration {
		return time.Duration(v).String()
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
