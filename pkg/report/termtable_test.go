package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"
)

// bringupRun is shaped like the healthy sim bring-up's record, with the
// cells that make a table wide: long step and measurement names, a UUID,
// limits with a marginal band and a unit, a failure with a code and a
// marginal pass with a code.
func bringupRun() *Run {
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	id := NewStep("board.identify", t0)
	id.Add(Measurement{Name: "model", Value: "Raspberry Pi 5 Model B Rev 1.0", Limits: &Limits{Pattern: "^Raspberry Pi 5"}})
	id.Add(Measurement{Name: "firmware", Value: "2025/05/08 15:13:17 69471177"})
	id.Finish(t0, nil)
	ee := NewStep("eeprom.verify", t0)
	ee.Add(Measurement{Name: "uuid", Value: "5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31"})
	ee.Finish(t0, nil)
	dr := NewStep("driver.check", t0)
	dr.Add(Measurement{Name: "pcie.link_speed", Value: 8.0, Unit: "GT/s", Limits: Between(2.5, 8)})
	dr.Add(Measurement{Name: "dt.pcie1.compatible", Value: "brcm,bcm2712-pcie", Limits: Equal("brcm,bcm2712-pcie")})
	dr.Finish(t0, nil)
	pw := NewStep("power.flags", t0)
	pw.Add(Measurement{Name: "soft_temp_limit_occurred", Value: false})
	pw.Add(Measurement{Name: "3V3_SYS.v_max", Value: 3.3062, Unit: "V", Limits: AtMost(3.465).WithMarginal(3.135, 3.435)})
	pw.Add(Measurement{Name: "EXT5V.v_min", Value: 4.61, Unit: "V", Limits: AtLeast(4.75), Code: "PWR_UNDERVOLT",
		Message: "EXT5V fell to 4.61 V, below 4.75 V: use the 27 W USB-C supply and a short cable"})
	pw.Finish(t0, nil)
	be := NewStep("bench", t0)
	be.Add(Measurement{Name: "cpu_fallback", Value: true, Limits: &Limits{MarginalHigh: ptr(0)}, Code: "BENCH_CPU_FALLBACK"})
	be.Add(Measurement{Name: "decode_tokens_per_s", Value: 145.51, Unit: "tokens/s", Limits: AtLeast(1)})
	be.Finish(t0, nil)
	r := &Run{Target: "sim", Serial: "4d65822107fcfd52", Steps: []*Step{id, ee, dr, pw, be}}
	r.ID = "4d65822107fcfd52-20260101T080000Z"
	r.Finish(t0)
	return r
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// displayWidths is each line's width in terminal cells, colour aside.
func displayWidths(s string) []int {
	var widths []int
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		widths = append(widths, runewidth.StringWidth(ansiEscape.ReplaceAllString(line, "")))
	}
	return widths
}

func renderTable(t *testing.T, r *Run, opt TableOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteTable(&b, r, opt); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// tableWords is every word the table's cells hold, as wrapping may leave
// it: split at spaces and after the characters a long word breaks at.
func tableWords(r *Run) []string {
	var words []string
	for _, s := range r.Steps {
		for _, m := range s.Measurements {
			for _, cell := range []string{s.Name, m.Name, FormatValue(m), FormatLimits(m), m.Code} {
				words = append(words, strings.Fields(cell)...)
			}
		}
	}
	return words
}

// unwrapped is the table's text with its rules, padding and line breaks
// taken out, so that a word wrapped or broken over lines reads whole again
// (column by column its pieces follow each other).
func unwrapped(out string) string {
	var cols []strings.Builder
	for _, line := range strings.Split(ansiEscape.ReplaceAllString(out, ""), "\n") {
		if !strings.HasPrefix(line, "│") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "│"), "│")
		if len(cols) < len(cells) {
			cols = make([]strings.Builder, len(cells))
		}
		for i, c := range cells {
			cols[i].WriteString(strings.TrimSpace(c))
		}
	}
	var all strings.Builder
	for i := range cols {
		all.WriteString(cols[i].String())
	}
	return all.String()
}

func TestTableFitsEightyColumnsAndKeepsEveryCell(t *testing.T) {
	r := bringupRun()
	out := renderTable(t, r, TableOptions{Width: 80, Color: true})
	for i, w := range displayWidths(out) {
		if w > 80 {
			t.Errorf("line %d is %d cells wide:\n%s", i+1, w, out)
		}
	}
	all := unwrapped(out)
	for _, w := range tableWords(r) {
		if !strings.Contains(all, w) {
			t.Errorf("%q is lost from the table:\n%s", w, out)
		}
	}
	// The run failed (PWR_UNDERVOLT); its marginal row still says why.
	for _, want := range []string{"FAILPWR_UNDERVOLT", "PASS(marginal)BENCH_CPU_FALLBACK"} {
		if !strings.Contains(strings.ReplaceAll(all, " ", ""), want) {
			t.Errorf("no %s in a Result cell:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "RESULT: SIMULATED "+ansiRed+"FAIL"+ansiReset) {
		t.Errorf("RESULT line:\n%s", out)
	}
}

func TestAMarginalPassSaysWhyOnTheResultLine(t *testing.T) {
	r := bringupRun()
	r.Target = "linux"
	r.Steps[3].Measurements = r.Steps[3].Measurements[:2] // no undervoltage
	r.Steps[3].Finish(r.Started, nil)
	r.Finish(r.Ended)
	for _, width := range []int{0, 80} {
		out := renderTable(t, r, TableOptions{Width: width})
		if !strings.Contains(out, "\nRESULT: PASS (marginal: BENCH_CPU_FALLBACK) (target linux") {
			t.Errorf("width %d: RESULT line does not say why:\n%s", width, out)
		}
	}
	// A marginal measurement without a code is named by step and name.
	r.Steps[4].Measurements[0].Code = ""
	if out := renderTable(t, r, TableOptions{}); !strings.Contains(out, "RESULT: PASS (marginal: bench.cpu_fallback)") {
		t.Errorf("RESULT line:\n%s", out)
	}
}

// A terminal wide enough changes nothing: one line per row, as without a
// width.
func TestAWideTerminalKeepsOneLinePerRow(t *testing.T) {
	r := bringupRun()
	wide, unlimited := renderTable(t, r, TableOptions{Width: 200}), renderTable(t, r, TableOptions{})
	if wide != unlimited {
		t.Fatalf("at 200 columns:\n%s\nwithout a width:\n%s", wide, unlimited)
	}
	rows := 0
	for _, s := range r.Steps {
		rows += len(s.Measurements)
	}
	// header, rules, rows; a note for the failure; SIMULATED; RESULT
	if got, want := strings.Count(wide, "\n"), rows+4+3; got != want {
		t.Errorf("%d lines, want %d:\n%s", got, want, wide)
	}
}

// Narrower than its columns can wrap, the table prints each row as a block
// of lines, still within the width and with every cell.
func TestANarrowTerminalGetsTheVerticalLayout(t *testing.T) {
	r := bringupRun()
	out := renderTable(t, r, TableOptions{Width: 40})
	for i, w := range displayWidths(out) {
		if w > 40 {
			t.Errorf("line %d is %d cells wide:\n%s", i+1, w, out)
		}
	}
	if strings.Contains(out, "│") || !strings.Contains(out, "RESULT       FAIL PWR_UNDERVOLT\n") {
		t.Errorf("not the vertical layout:\n%s", out)
	}
	all := regexp.MustCompile(`\n *`).ReplaceAllString(out, "") // a broken word whole again
	for _, w := range tableWords(r) {
		if !strings.Contains(all, w) {
			t.Errorf("%q is lost:\n%s", w, out)
		}
	}
}

func TestWrapLineKeepsItsBeginningOnTheFirstLine(t *testing.T) {
	line := "RESULT: PASS (marginal: BENCH_CPU_FALLBACK) (target linux, serial 4d65822107fcfd52, run 4d65822107fcfd52-20260101T080000Z)"
	got := WrapLine(line, 60)
	if !strings.HasPrefix(got, "RESULT: PASS (marginal: BENCH_CPU_FALLBACK)") {
		t.Errorf("first line: %q", got)
	}
	for _, w := range displayWidths(got) {
		if w > 60 {
			t.Errorf("%q: a line over 60 cells", got)
		}
	}
	if WrapLine(line, 0) != line || WrapLine(line, 200) != line {
		t.Error("a line that fits changed")
	}
}

func TestDiffTableFitsTheWidth(t *testing.T) {
	a, b := bringupRun(), bringupRun()
	b.Steps[4].Measurements[1].Value = 12.5
	b.Steps[1].Measurements[0].Value = "00000000-0000-0000-0000-000000000000"
	rows := Diff(a, b, 0.05)
	var out bytes.Buffer
	if err := WriteDiffTable(&out, a, b, rows, 0.05, 60); err != nil {
		t.Fatal(err)
	}
	for i, w := range displayWidths(out.String()) {
		if w > 60 {
			t.Errorf("line %d is %d cells wide:\n%s", i+1, w, out.String())
		}
	}
	if len(rows) != 2 || !strings.Contains(out.String(), "decode_tokens_per_s") {
		t.Errorf("%d rows:\n%s", len(rows), out.String())
	}
}
