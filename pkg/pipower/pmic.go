// Package power measures what a Raspberry Pi 5 and its HAT draw: the PMIC's
// ADC rails (vcgencmd pmic_read_adc), hwmon channels, shunt monitors on
// I2C, the firmware's throttle and under-voltage flags, and a power budget
// against the declared supply.
package pipower

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ADCReading is one line of `vcgencmd pmic_read_adc`:
// "  VDD_CORE_A current(7)=0.75012000A" or "     EXT5V_V volt(24)=5.06788000V".
type ADCReading struct {
	Name    string  // full name with suffix, "VDD_CORE_A"
	Rail    string  // name without the _A/_V suffix, "VDD_CORE"
	Channel int     // ADC channel number
	Current bool    // true for current(N)=…A, false for volt(N)=…V
	Value   float64 // A or V
}

// Rail is a PMIC rail with its voltage and, when the PMIC senses it, its
// current; power is their product.
type Rail struct {
	Name         string
	Volts, Amps  float64
	HasV, HasA   bool
	VChan, AChan int
}

// Watts is the rail's power, or 0 when the current or voltage is missing.
func (r Rail) Watts() float64 {
	if !r.HasV || !r.HasA {
		return 0
	}
	return r.Volts * r.Amps
}

// PMIC is one parsed pmic_read_adc snapshot.
type PMIC struct {
	Readings []ADCReading
	Rails    []Rail // in order of first appearance
	// Bad are the lines that were not readings (or read a channel twice).
	// They are reported, and the good lines are kept: one garbled line in
	// the firmware's answer must not throw away every other rail.
	Bad []BadLine
}

// BadLine is a pmic_read_adc line that could not be used.
type BadLine struct {
	Line int    // 1-based line number
	Text string // the line, truncated
	Err  string
}

func (b BadLine) String() string {
	return fmt.Sprintf("pmic_read_adc line %d %q: %s", b.Line, b.Text, b.Err)
}

// Input returns EXT5V_V, the 5 V input supply, and whether it was present.
func (p *PMIC) Input() (float64, bool) {
	for _, r := range p.Rails {
		if r.Name == "EXT5V" && r.HasV {
			return r.Volts, true
		}
	}
	return 0, false
}

// TotalWatts sums the power of the rails with both a current and a voltage
// (the PMIC's outputs; EXT5V and BATT have only a voltage). ok is false
// when no rail has both: the total is then unknown, not 0 W (a filtered
// `pmic_read_adc EXT5V_V` or a garbled answer measures no power at all).
func (p *PMIC) TotalWatts() (w float64, ok bool) {
	for _, r := range p.Rails {
		if r.HasV && r.HasA {
			w += r.Volts * r.Amps
			ok = true
		}
	}
	return w, ok
}

// ParsePMIC parses `vcgencmd pmic_read_adc` output. Blank lines are
// skipped; a line that is not a reading, or that reads a channel a second
// time, is kept in p.Bad and the other lines still count. Currents and
// voltages are paired by rail name (their channel numbers differ). It
// fails only when no line is a reading.
func ParsePMIC(out string) (*PMIC, error) {
	p := &PMIC{}
	idx := map[string]int{}
	for n, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" {
			continue
		}
		bad := func(err string) { p.Bad = append(p.Bad, BadLine{Line: n + 1, Text: truncate(line, 60), Err: err}) }
		r, err := parseADCLine(line)
		if err != nil {
			bad(err.Error())
			continue
		}
		i, ok := idx[r.Rail]
		if !ok {
			i = len(p.Rails)
			idx[r.Rail] = i
			p.Rails = append(p.Rails, Rail{Name: r.Rail})
		}
		rail := &p.Rails[i]
		if r.Current && rail.HasA || !r.Current && rail.HasV {
			bad(r.Name + " read twice; the first reading is kept")
			continue
		}
		p.Readings = append(p.Readings, r)
		if r.Current {
			rail.Amps, rail.HasA, rail.AChan = r.Value, true, r.Channel
		} else {
			rail.Volts, rail.HasV, rail.VChan = r.Value, true, r.Channel
		}
	}
	if len(p.Readings) == 0 {
		if len(p.Bad) > 0 {
			return nil, fmt.Errorf("pmic_read_adc: no readings; %s (is this a Raspberry Pi 5 with current firmware?)", p.Bad[0])
		}
		return nil, fmt.Errorf("pmic_read_adc: no readings (is this a Raspberry Pi 5 with current firmware?)")
	}
	return p, nil
}

func parseADCLine(line string) (ADCReading, error) {
	var r ADCReading
	fields := strings.Fields(line)
	if len(fields) != 2 {
		return r, fmt.Errorf("want \"NAME current(N)=xA\" or \"NAME volt(N)=xV\"")
	}
	r.Name = fields[0]
	switch {
	case strings.HasSuffix(r.Name, "_A") && len(r.Name) > 2:
		r.Current = true
	case strings.HasSuffix(r.Name, "_V") && len(r.Name) > 2:
	default:
		return r, fmt.Errorf("name %q lacks the _A or _V suffix", r.Name)
	}
	r.Rail = r.Name[:len(r.Name)-2]
	kind, rest, ok := strings.Cut(fields[1], "(")
	if !ok {
		return r, fmt.Errorf("no channel number")
	}
	wantKind, unit := "volt", "V"
	if r.Current {
		wantKind, unit = "current", "A"
	}
	if kind != wantKind {
		return r, fmt.Errorf("%s is a %s reading but the line says %q", r.Name, wantKind, kind)
	}
	ch, val, ok := strings.Cut(rest, ")=")
	if !ok {
		return r, fmt.Errorf("want %s(N)=value%s", wantKind, unit)
	}
	c, err := strconv.Atoi(ch)
	if err != nil || c < 0 || c > 255 {
		return r, fmt.Errorf("bad channel %q", ch)
	}
	r.Channel = c
	if !strings.HasSuffix(val, unit) {
		return r, fmt.Errorf("value %q lacks its unit %s", val, unit)
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(val, unit), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1000 {
		return r, fmt.Errorf("bad value %q", val)
	}
	r.Value = v
	return r, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Throttled is `vcgencmd get_throttled` decoded.
type Throttled struct {
	Raw uint32
}

// ThrottleBits names the bits the power stage reports, in order.
var ThrottleBits = []struct {
	Bit  uint
	Name string
	What string
}{
	{0, "under_voltage_now", "under-voltage detected now"},
	{1, "arm_freq_capped_now", "Arm frequency capped now"},
	{2, "throttled_now", "currently throttled"},
	{3, "soft_temp_limit_now", "soft temperature limit active now"},
	{16, "under_voltage_occurred", "under-voltage has occurred since boot"},
	{17, "arm_freq_capped_occurred", "Arm frequency capping has occurred since boot"},
	{18, "throttled_occurred", "throttling has occurred since boot"},
	{19, "soft_temp_limit_occurred", "soft temperature limit has occurred since boot"},
}

// Flag returns bit's state.
func (t Throttled) Flag(bit uint) bool { return t.Raw&(1<<bit) != 0 }

// Flags returns the named flags.
func (t Throttled) Flags() map[string]bool {
	m := map[string]bool{}
	for _, b := range ThrottleBits {
		m[b.Name] = t.Flag(b.Bit)
	}
	return m
}

// ParseThrottled parses "throttled=0x50005".
func ParseThrottled(out string) (Throttled, error) {
	s := strings.TrimSpace(out)
	v, ok := strings.CutPrefix(s, "throttled=")
	if !ok {
		return Throttled{}, fmt.Errorf("get_throttled: want \"throttled=0x…\", got %q", truncate(s, 60))
	}
	n, err := strconv.ParseUint(v, 0, 32)
	if err != nil {
		return Throttled{}, fmt.Errorf("get_throttled: bad value %q", truncate(v, 30))
	}
	return Throttled{Raw: uint32(n)}, nil
}

// Stats are min/mean/max of a series.
type Stats struct {
	N              int
	Min, Mean, Max float64
}

// Summarize returns the statistics of xs (zero Stats for none).
func Summarize(xs []float64) Stats {
	if len(xs) == 0 {
		return Stats{}
	}
	s := Stats{N: len(xs), Min: xs[0], Max: xs[0]}
	var sum float64
	for _, x := range xs {
		s.Min = math.Min(s.Min, x)
		s.Max = math.Max(s.Max, x)
		sum += x
	}
	s.Mean = sum / float64(len(xs))
	return s
}

// WindowMeans returns the means of consecutive windows of n samples (the
// last partial window included): what a meter averaging over n samples
// would show.
func WindowMeans(xs []float64, n int) []float64 {
	if n <= 0 {
		n = 1
	}
	var out []float64
	for i := 0; i < len(xs); i += n {
		j := min(i+n, len(xs))
		out = append(out, Summarize(xs[i:j]).Mean)
	}
	return out
}
