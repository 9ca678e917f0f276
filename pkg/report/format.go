package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/aihat/aihat/pkg/rooted"
)

// Format is a stdout format for a run.
type Format string

// The formats -o accepts.
const (
	FormatTable    Format = "table"
	FormatJSON     Format = "json"
	FormatJUnit    Format = "junit"
	FormatMarkdown Format = "markdown"
	FormatHTML     Format = "html"
)

// Formats lists the formats in the order help text shows them.
var Formats = []Format{FormatTable, FormatJSON, FormatJUnit, FormatMarkdown, FormatHTML}

// ParseFormat checks a -o value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	if s == "md" {
		return FormatMarkdown, nil
	}
	return "", fmt.Errorf("unknown output format %q (want table, json, junit, markdown or html)", s)
}

// Write writes r to w in format f.
func Write(w io.Writer, r *Run, f Format, opt TableOptions) error {
	switch f {
	case FormatTable:
		return WriteTable(w, r, opt)
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatJUnit:
		return WriteJUnit(w, r)
	case FormatMarkdown:
		return WriteMarkdown(w, r)
	case FormatHTML:
		return WriteHTML(w, r)
	}
	return fmt.Errorf("unknown output format %q", f)
}

// Report file names inside a report directory.
const (
	RunJSONFile  = "run.json"
	JUnitFile    = "junit.xml"
	MarkdownFile = "report.md"
)

// writeFileAtomic writes through a temporary file in the same directory,
// syncs it and renames it over path (never through a link: rooted).
func writeFileAtomic(path string, write func(io.Writer) error) error {
	return rooted.WriteFile(path, write)
}

// FormatValue renders a measurement's value with its unit for people.
func FormatValue(m Measurement) string {
	var s string
	switch v := m.Value.(type) {
	case nil:
		return "—"
	case float64:
		s = formatFloat(v)
	case float32:
		s = formatFloat(float64(v))
	case bool:
		return strconv.FormatBool(v)
	case string:
		s = v
	default:
		s = fmt.Sprint(v)
	}
	if m.Unit != "" && m.Unit != "1" {
		s += " " + m.Unit
	}
	return s
}

func formatFloat(v float64) string {
	if math.IsNaN(v) {
		return "NaN"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 5, 64)
}

// FormatLimits renders limits with the unit, "" when there are none.
func FormatLimits(m Measurement) string {
	if m.Limits == nil {
		return ""
	}
	s := m.Limits.String()
	if s == "" {
		return ""
	}
	if m.Unit != "" && m.Unit != "1" && m.Limits.Equals == nil {
		s += " " + m.Unit
	}
	if ml := m.Limits.MarginalLow; ml != nil {
		s += fmt.Sprintf(" (marginal < %s)", fnum(*ml))
	}
	if mh := m.Limits.MarginalHigh; mh != nil {
		s += fmt.Sprintf(" (marginal > %s)", fnum(*mh))
	}
	return s
}

// Verdict is a measurement's or step's outcome with the marginal flag.
func Verdict(o Outcome, marginal bool) string {
	if marginal && o == Pass {
		return "PASS (marginal)"
	}
	return string(o)
}

// oneLine folds a message onto one line for table cells.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
