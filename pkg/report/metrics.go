package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// MetricsFile is the OpenMetrics text a report directory keeps for CI
// that trends numbers (GitLab's metrics report reads it).
const MetricsFile = "metrics.txt"

// WriteMetrics writes every numeric measurement (a flag as 0 or 1) as an
// OpenMetrics gauge labelled with its step, name and unit, its limits as
// gauges of their own, and the run's verdict and duration. Text values
// (a model name, a UUID) are not numbers to trend and are left out.
func WriteMetrics(w io.Writer, r *Run) error {
	type sample struct {
		labels string
		v      float64
	}
	fams := []struct {
		name, help string
		samples    []sample
	}{
		{"aihat_measurement", "measured value, in the SI unit named by the unit label", nil},
		{"aihat_measurement_low", "lower limit of the measurement (inclusive)", nil},
		{"aihat_measurement_high", "upper limit of the measurement (inclusive)", nil},
		{"aihat_measurement_pass", "1 when the measurement passed its limits, else 0", nil},
	}
	for _, s := range r.Steps {
		for _, m := range s.Measurements {
			v, ok := toFloat(m.Value)
			if b, isBool := m.Value.(bool); isBool {
				v, ok = 0, true
				if b {
					v = 1
				}
			}
			if !ok {
				continue
			}
			unit := m.Unit
			if unit == "" {
				unit = "1"
			}
			labels := fmt.Sprintf(`step="%s",measurement="%s",unit="%s"`, omEscape(s.Name), omEscape(m.Name), omEscape(unit))
			fams[0].samples = append(fams[0].samples, sample{labels, v})
			if l := m.Limits; l != nil {
				if l.Low != nil {
					fams[1].samples = append(fams[1].samples, sample{labels, *l.Low})
				}
				if l.High != nil {
					fams[2].samples = append(fams[2].samples, sample{labels, *l.High})
				}
			}
			pass := 0.0
			if m.Outcome == Pass {
				pass = 1
			}
			fams[3].samples = append(fams[3].samples, sample{labels, pass})
		}
	}
	var b strings.Builder
	// The run's identity as an OpenMetrics info metric: which run, board
	// and station the numbers are from.
	fmt.Fprintf(&b, "# TYPE aihat_run info\n# HELP aihat_run the run these numbers are from\n")
	fmt.Fprintf(&b, "aihat_run_info{id=\"%s\",serial=\"%s\",station=\"%s\",target=\"%s\",tool_version=\"%s\"} 1\n",
		omEscape(r.ID), omEscape(r.Serial), omEscape(r.Station), omEscape(r.Target), omEscape(r.ToolVersion))
	for _, f := range fams {
		fmt.Fprintf(&b, "# TYPE %s gauge\n# HELP %s %s\n", f.name, f.name, f.help)
		for _, s := range f.samples {
			fmt.Fprintf(&b, "%s{%s} %s\n", f.name, s.labels, omFloat(s.v))
		}
	}
	pass := 0
	if r.Outcome == Pass {
		pass = 1
	}
	fmt.Fprintf(&b, "# TYPE aihat_run_pass gauge\n# HELP aihat_run_pass 1 when the run passed (a marginal pass too), else 0\n")
	fmt.Fprintf(&b, "aihat_run_pass{outcome=\"%s\",simulated=\"%t\"} %d\n", omEscape(string(r.Outcome)), r.IsSimulated(), pass)
	fmt.Fprintf(&b, "# TYPE aihat_run_duration_seconds gauge\n# UNIT aihat_run_duration_seconds seconds\n# HELP aihat_run_duration_seconds how long the run took\n")
	fmt.Fprintf(&b, "aihat_run_duration_seconds %s\n", omFloat(r.Ended.Sub(r.Started).Seconds()))
	b.WriteString("# EOF\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// omEscape escapes a label value as OpenMetrics requires.
func omEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// omFloat writes a sample value: OpenMetrics spells the non-finite ones.
func omFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
