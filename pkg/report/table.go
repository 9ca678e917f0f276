package report

import (
	"fmt"
	"io"
	"strings"
)

// TableOptions controls the terminal table.
type TableOptions struct {
	// Color marks outcomes with ANSI colours (only on a terminal).
	Color bool
	// Width is the display width, in cells, every line fits (the
	// terminal's); 0 is no limit, one line per row.
	Width int
}

const (
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiReset  = "\x1b[0m"
)

// colorize colours each word of s on its own, so that a cell wrapped
// between words never carries a colour past its line.
func colorize(s string, o Outcome, marginal bool, on bool) string {
	if !on {
		return s
	}
	var color string
	switch {
	case o == Pass && marginal:
		color = ansiYellow
	case o == Pass:
		color = ansiGreen
	case o == Skip || o == NotRun:
		return s
	default:
		color = ansiRed
	}
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = color + w + ansiReset
	}
	return strings.Join(words, " ")
}

// WriteTable writes one row per measurement, then the messages of
// everything that did not pass, then the run's verdict on its own line so
// a station script can grep it. Every field is TermSafe: the table
// holds no escape sequence but aihat's colours, and a note cannot start a
// line, so the one line that begins "RESULT:" is the run's own. With opt.Width set every line fits it:
// cells wrap in their columns and notes wrap, indented.
func WriteTable(w io.Writer, r *Run, opt TableOptions) error {
	t := NewTable(w, opt.Width, "Step", "Measurement", "Value", "Limits", "Result")
	var notes []string
	for _, s := range r.Steps {
		if len(s.Measurements) == 0 {
			t.Append(TermSafe(s.Name), "", "", "", colorize(Verdict(s.Outcome, s.Marginal), s.Outcome, s.Marginal, opt.Color))
		}
		for _, m := range s.Measurements {
			t.Append(TermSafe(s.Name), TermSafe(m.Name), TermSafe(FormatValue(m)), TermSafe(FormatLimits(m)), rowResult(m, opt.Color))
			if m.Outcome != Pass && m.Outcome != Skip && m.Message != "" {
				notes = append(notes, TermSafe(fmt.Sprintf("%s %s.%s: %s", m.Outcome, s.Name, m.Name, oneLine(m.Message))))
			}
		}
		if s.Error != "" {
			notes = append(notes, TermSafe(fmt.Sprintf("%s %s: %s", s.Outcome, s.Name, oneLine(s.Error))))
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	verdict := colorize(runVerdict(r), r.Outcome, r.Marginal, opt.Color)
	if r.IsSimulated() {
		// A simulated pass must not read as a board's pass, to a person or
		// to a script that greps "RESULT: PASS".
		notes = append(notes, SimulatedNote)
		verdict = "SIMULATED " + verdict
	}
	notes = append(notes, fmt.Sprintf("RESULT: %s (target %s, serial %s, run %s)", verdict, TermSafe(r.Target), TermSafe(orDash(r.Serial)), TermSafe(r.ID)))
	for _, n := range notes {
		if _, err := fmt.Fprintln(w, WrapLine(n, opt.Width)); err != nil {
			return err
		}
	}
	return nil
}

// rowResult is a measurement's Result cell: its verdict, and its code when
// it failed or is marginal, so the row says which check to look up.
func rowResult(m Measurement, color bool) string {
	v := colorize(Verdict(m.Outcome, m.Marginal), m.Outcome, m.Marginal, color)
	if m.Code != "" && (m.Marginal || m.Outcome == Fail || m.Outcome == Error) {
		v += " " + TermSafe(m.Code)
	}
	return v
}

// runVerdict is the run's verdict for its RESULT line: a marginal pass
// says which measurements made it marginal.
func runVerdict(r *Run) string {
	codes := MarginalCodes(r)
	if r.Outcome != Pass || !r.Marginal || len(codes) == 0 {
		return Verdict(r.Outcome, r.Marginal)
	}
	return fmt.Sprintf("%s (marginal: %s)", r.Outcome, TermSafe(strings.Join(codes, ", ")))
}

// MarginalCodes names the marginal measurements of r in run order, each
// once: by its code, else as step.measurement (as FailureCodes does).
func MarginalCodes(r *Run) []string {
	var codes []string
	seen := map[string]bool{}
	for _, s := range r.Steps {
		for _, m := range s.Measurements {
			code := m.Code
			if code == "" {
				code = s.Name + "." + m.Name
			}
			if m.Marginal && !seen[code] {
				seen[code] = true
				codes = append(codes, code)
			}
		}
	}
	return codes
}

// SimulatedNote is what every human-readable report of a simulated run
// says before its verdict.
const SimulatedNote = "SIMULATED: these readings come from the simulated Pi 5 + AI HAT+ 2 (--target sim), not from a board"

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
