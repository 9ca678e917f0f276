package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
)

// DiffRow is one measurement compared between two runs: a golden board
// against a new one, or one board before and after a change.
type DiffRow struct {
	Key      string // <step>.<measurement>
	Unit     string
	A, B     string // values as printed, "" when the run lacks it
	Delta    string // B-A with the unit, numbers only
	Rel      float64
	OutcomeA Outcome
	OutcomeB Outcome
	// Why says what moved: "value", "outcome", "only in A", "only in B".
	Why string
}

// Diff compares a and b measurement by measurement and returns the rows
// that moved: a number whose change exceeds tol of the larger magnitude
// (tol 0.05 is 5 %), any other value that differs, a verdict that changed,
// and a measurement only one run has. Rows keep a's order, then b's extras.
func Diff(a, b *Run, tol float64) []DiffRow {
	type entry struct {
		m    Measurement
		step string
	}
	index := func(r *Run) (map[string]entry, []string) {
		out := map[string]entry{}
		var order []string
		for _, s := range r.Steps {
			for _, m := range s.Measurements {
				k := s.Name + "." + m.Name
				if _, dup := out[k]; !dup {
					order = append(order, k)
				}
				out[k] = entry{m, s.Name}
			}
		}
		return out, order
	}
	ia, oa := index(a)
	ib, ob := index(b)
	var rows []DiffRow
	for _, k := range oa {
		ea := ia[k]
		eb, ok := ib[k]
		if !ok {
			rows = append(rows, DiffRow{Key: k, Unit: ea.m.Unit, A: FormatValue(ea.m), OutcomeA: ea.m.Outcome, Why: "only in A"})
			continue
		}
		row := DiffRow{Key: k, Unit: ea.m.Unit, A: FormatValue(ea.m), B: FormatValue(eb.m), OutcomeA: ea.m.Outcome, OutcomeB: eb.m.Outcome}
		fa, okA := toFloat(ea.m.Value)
		fb, okB := toFloat(eb.m.Value)
		var why []string
		if okA && okB {
			d := fb - fa
			scale := math.Max(math.Abs(fa), math.Abs(fb))
			if scale > 0 {
				row.Rel = math.Abs(d) / scale
			}
			row.Delta = fmt.Sprintf("%+.5g", d)
			if ea.m.Unit != "" && ea.m.Unit != "1" {
				row.Delta += " " + ea.m.Unit
			}
			if row.Rel > tol || (math.IsNaN(fa) != math.IsNaN(fb)) {
				why = append(why, fmt.Sprintf("value %+.1f %%", 100*math.Copysign(row.Rel, d)))
			}
		} else if fmt.Sprint(ea.m.Value) != fmt.Sprint(eb.m.Value) {
			why = append(why, "value")
		}
		if ea.m.Outcome != eb.m.Outcome || ea.m.Marginal != eb.m.Marginal {
			row.OutcomeA, row.OutcomeB = ea.m.Outcome, eb.m.Outcome
			why = append(why, fmt.Sprintf("%s → %s", Verdict(ea.m.Outcome, ea.m.Marginal), Verdict(eb.m.Outcome, eb.m.Marginal)))
		}
		if len(why) > 0 {
			row.Why = strings.Join(why, "; ")
			rows = append(rows, row)
		}
	}
	for _, k := range ob {
		if _, ok := ia[k]; !ok {
			eb := ib[k]
			rows = append(rows, DiffRow{Key: k, Unit: eb.m.Unit, B: FormatValue(eb.m), OutcomeB: eb.m.Outcome, Why: "only in B"})
		}
	}
	return rows
}

// WriteDiffTable prints the rows that moved as a table fitting width
// cells (0: no limit), or one line saying nothing did.
func WriteDiffTable(w io.Writer, a, b *Run, rows []DiffRow, tol float64, width int) error {
	for _, line := range []string{
		fmt.Sprintf("A: %s (%s)", TermSafe(a.ID), Verdict(a.Outcome, a.Marginal)),
		fmt.Sprintf("B: %s (%s)", TermSafe(b.ID), Verdict(b.Outcome, b.Marginal)),
	} {
		if _, err := fmt.Fprintln(w, WrapLine(line, width)); err != nil {
			return err
		}
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintf(w, "no measurement moved beyond %g %%\n", 100*tol)
		return err
	}
	t := NewTable(w, width, "Measurement", "A", "B", "B-A", "Moved")
	for _, r := range rows {
		t.Append(TermSafe(r.Key), TermSafe(r.A), TermSafe(r.B), TermSafe(r.Delta), TermSafe(r.Why))
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d measurement(s) moved beyond %g %%\n", len(rows), 100*tol)
	return err
}

var diffTmpl = template.Must(template.New("diff").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>aihat diff {{.A.ID}} · {{.B.ID}}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#1d2329}table{border-collapse:collapse}
th,td{padding:3px 8px;border-bottom:1px solid #e3e6ea;text-align:left}th{background:#eef0f3}
td.v{text-align:right;font-variant-numeric:tabular-nums}.moved{color:#c0262d;font-weight:600}</style></head>
<body><h1>aihat diff</h1>
<table><tr><th>A</th><td>{{.A.ID}}</td><td>{{.A.Outcome}}</td><td>{{.A.Serial}}</td><td>{{.A.ToolVersion}}</td></tr>
<tr><th>B</th><td>{{.B.ID}}</td><td>{{.B.Outcome}}</td><td>{{.B.Serial}}</td><td>{{.B.ToolVersion}}</td></tr></table>
<h2 id="summary">{{len .Rows}} measurement(s) moved beyond {{.Pct}} %</h2>
{{if .Rows}}<table id="diff"><tr><th>Measurement</th><th>A</th><th>B</th><th>B-A</th><th>Moved</th></tr>
{{range .Rows}}<tr><td>{{.Key}}</td><td class="v">{{.A}}</td><td class="v">{{.B}}</td><td class="v">{{.Delta}}</td><td class="moved">{{.Why}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))

// WriteDiffHTML writes the comparison as a self-contained HTML page.
func WriteDiffHTML(w io.Writer, a, b *Run, rows []DiffRow, tol float64) error {
	return diffTmpl.Execute(w, struct {
		A, B *Run
		Rows []DiffRow
		Pct  float64
	}{a, b, rows, 100 * tol})
}
