package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteMarkdown writes a report for a ticket or a wiki page: the run's
// identity, a summary per step, then each step's measurements.
func WriteMarkdown(w io.Writer, r *Run) error {
	var b strings.Builder
	if r.IsSimulated() {
		fmt.Fprintf(&b, "# aihat run %s: SIMULATED %s\n\n> %s.\n\n", r.ID, Verdict(r.Outcome, r.Marginal), SimulatedNote)
	} else {
		fmt.Fprintf(&b, "# aihat run %s: %s\n\n", r.ID, Verdict(r.Outcome, r.Marginal))
	}
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, mdCell(v))
		}
	}
	row("Target", r.Target)
	row("Serial", r.Serial)
	row("Station", r.Station)
	row("Operator", r.Operator)
	row("Tool version", r.ToolVersion)
	row("Started", r.Started.UTC().Format(time.RFC3339))
	row("Duration", r.Ended.Sub(r.Started).Round(time.Millisecond).String())
	row("Failure codes", strings.Join(r.FailureCodes, ", "))
	b.WriteString("\n## Steps\n\n| Step | Result | Measurements | Duration |\n|---|---|---:|---:|\n")
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", s.Name, Verdict(s.Outcome, s.Marginal), len(s.Measurements), s.Duration.Round(time.Millisecond))
	}
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "\n## %s: %s\n\n", s.Name, Verdict(s.Outcome, s.Marginal))
		if s.Error != "" {
			fmt.Fprintf(&b, "**%s:** %s\n\n", s.Outcome, mdCell(s.Error))
		}
		if len(s.Measurements) > 0 {
			b.WriteString("| Measurement | Value | Limits | Result | Note |\n|---|---:|---|---|---|\n")
			for _, m := range s.Measurements {
				note := m.Message
				if m.Code != "" && m.Outcome != Pass {
					note = "`" + m.Code + "` " + note
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCell(m.Name), mdCell(FormatValue(m)), mdCell(FormatLimits(m)), Verdict(m.Outcome, m.Marginal), mdCell(note))
			}
		}
		for _, a := range s.Attachments {
			fmt.Fprintf(&b, "\n- [%s](%s)\n", a.Name, a.Path)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell escapes what would break a table cell.
func mdCell(s string) string {
	s = oneLine(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	return s
}
