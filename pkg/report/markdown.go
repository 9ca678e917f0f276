package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteMarkdown writes a report for a ticket or a wiki page: the run's
// identity, a summary per step, then each step's measurements. Every
// field is written through mdText, so no field can add markup, HTML, a
// table cell or a line of its own.
func WriteMarkdown(w io.Writer, r *Run) error {
	var b strings.Builder
	if r.IsSimulated() {
		fmt.Fprintf(&b, "# aihat run %s: SIMULATED %s\n\n> %s.\n\n", mdText(r.ID), Verdict(r.Outcome, r.Marginal), SimulatedNote)
	} else {
		fmt.Fprintf(&b, "# aihat run %s: %s\n\n", mdText(r.ID), Verdict(r.Outcome, r.Marginal))
	}
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, mdText(v))
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
		fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", mdText(s.Name), Verdict(s.Outcome, s.Marginal), len(s.Measurements), s.Duration.Round(time.Millisecond))
	}
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "\n## %s: %s\n\n", mdText(s.Name), Verdict(s.Outcome, s.Marginal))
		if s.Error != "" {
			fmt.Fprintf(&b, "**%s:** %s\n\n", s.Outcome, mdText(s.Error))
		}
		if len(s.Measurements) > 0 {
			b.WriteString("| Measurement | Value | Limits | Result | Note |\n|---|---:|---|---|---|\n")
			for _, m := range s.Measurements {
				note := mdText(m.Message)
				if m.Code != "" && m.Outcome != Pass {
					note = strings.TrimSpace(mdCode(m.Code) + " " + note)
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdText(m.Name), mdText(FormatValue(m)), mdText(FormatLimits(m)), Verdict(m.Outcome, m.Marginal), note)
			}
		}
		for _, a := range s.Attachments {
			fmt.Fprintf(&b, "\n- [%s](%s)\n", mdText(a.Name), mdLink(a.Path))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdText is a field as Markdown text, by one rule: it is made one line
// and TermSafe (controls and escape sequences shown as \x1b, \n, …), then
// '&', '<' and '>' become the entities &amp; &lt; &gt; (so no HTML tag or
// entity can start) and the characters that make inline markup are
// backslash-escaped: \ ` * _ [ ] ~ # $ ! and | (so the text stays in its
// table cell). A field never starts a line (it follows "| ", "## " or
// "**FAIL:** "), so the block markers - + . > need nothing more. What a
// renderer shows is the text as it was.
func mdText(s string) string {
	s = TermSafe(oneLine(s))
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '#', '$', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode is one of aihat's codes (EEPROM_VENDOR) in a code span, or as
// mdText if it holds anything but letters, digits, '_', '.' and '-'.
func mdCode(s string) string {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return mdText(s)
		}
	}
	return "`" + s + "`"
}

// mdLink is a link destination: percent-encoded where Markdown would end
// or break it.
func mdLink(s string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "\\", "%5C", "\n", "%0A").Replace(s)
}
