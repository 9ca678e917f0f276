package report

import (
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
)

// TableOptions controls the terminal table.
type TableOptions struct {
	// Color marks outcomes with ANSI colours (only on a terminal).
	Color bool
}

const (
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiReset  = "\x1b[0m"
)

func colorize(s string, o Outcome, marginal bool, on bool) string {
	if !on {
		return s
	}
	switch {
	case o == Pass && marginal:
		return ansiYellow + s + ansiReset
	case o == Pass:
		return ansiGreen + s + ansiReset
	case o == Skip || o == NotRun:
		return s
	}
	return ansiRed + s + ansiReset
}

// WriteTable writes one row per measurement, then the messages of
// everything that did not pass, then the run's verdict on its own line so
// a station script can grep it.
func WriteTable(w io.Writer, r *Run, opt TableOptions) error {
	t := tablewriter.NewWriter(w)
	t.Header([]string{"Step", "Measurement", "Value", "Limits", "Result"})
	var notes []string
	for _, s := range r.Steps {
		if len(s.Measurements) == 0 {
			if err := t.Append([]string{s.Name, "", "", "", colorize(Verdict(s.Outcome, s.Marginal), s.Outcome, s.Marginal, opt.Color)}); err != nil {
				return err
			}
		}
		for _, m := range s.Measurements {
			row := []string{s.Name, m.Name, FormatValue(m), FormatLimits(m), colorize(Verdict(m.Outcome, m.Marginal), m.Outcome, m.Marginal, opt.Color)}
			if err := t.Append(row); err != nil {
				return err
			}
			if m.Outcome != Pass && m.Outcome != Skip && m.Message != "" {
				notes = append(notes, fmt.Sprintf("%s %s.%s: %s", m.Outcome, s.Name, m.Name, oneLine(m.Message)))
			}
		}
		if s.Error != "" {
			notes = append(notes, fmt.Sprintf("%s %s: %s", s.Outcome, s.Name, oneLine(s.Error)))
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, n := range notes {
		if _, err := fmt.Fprintln(w, n); err != nil {
			return err
		}
	}
	verdict := colorize(Verdict(r.Outcome, r.Marginal), r.Outcome, r.Marginal, opt.Color)
	if r.IsSimulated() {
		// A simulated pass must not read as a board's pass, to a person or
		// to a script that greps "RESULT: PASS".
		if _, err := fmt.Fprintln(w, SimulatedNote); err != nil {
			return err
		}
		verdict = "SIMULATED " + verdict
	}
	_, err := fmt.Fprintf(w, "RESULT: %s (target %s, serial %s, run %s)\n", verdict, r.Target, orDash(r.Serial), r.ID)
	return err
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
