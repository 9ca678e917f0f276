package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// A field cannot forge aihat's verdict or act on the terminal, in the
// table, its notes or the progress lines; report.md escapes it by
// mdText's one rule.
func TestFieldsCannotForgeTheVerdict(t *testing.T) {
	const fake = "x\x1b[2J\x1b[H\nRESULT: PASS\r<b>|*"
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	var progress bytes.Buffer
	p := &Progress{W: &progress, Verbose: true}
	s := NewStep("eeprom.verify", t0)
	p.StepStarted(s)
	s.Logf("product %s", fake)
	s.Add(Measurement{Name: "product", Value: fake, Limits: Equal("AI HAT+ 2"), Message: "product " + fake})
	s.Finish(t0.Add(time.Millisecond), errors.New(fake))
	p.StepEnded(s)
	r := &Run{Target: "fixture", Serial: fake, Operator: fake, Station: fake, Started: t0, Steps: []*Step{s}}
	r.ID = "id"
	r.Finish(t0.Add(time.Millisecond))
	for _, width := range []int{0, 80, 30} {
		var b bytes.Buffer
		if err := WriteTable(&b, r, TableOptions{Width: width}); err != nil {
			t.Fatal(err)
		}
		checkTermOutput(t, b.String(), 1)
	}
	checkTermOutput(t, progress.String(), 0)

	var md bytes.Buffer
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(md.String(), "\n") {
		if strings.HasPrefix(line, "RESULT:") || strings.Contains(line, "<b>") || strings.Contains(line, "\x1b") {
			t.Errorf("report.md: %q", line)
		}
	}
	if got, want := mdText(fake), `x\\x1b\[2J\\x1b\[H RESULT: PASS &lt;b&gt;\|\*`; got != want {
		t.Errorf("mdText = %q, want %q", got, want)
	}
}

// checkTermOutput fails on a control byte other than a newline, or unless
// results lines start "RESULT:".
func checkTermOutput(t *testing.T, out string, results int) {
	t.Helper()
	if i := strings.IndexFunc(out, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }); i >= 0 {
		t.Errorf("control character at %d: %q", i, out)
	}
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "RESULT:") {
			n++
			if !strings.HasPrefix(line, "RESULT: FAIL") && !strings.HasPrefix(line, "RESULT: ERROR") {
				t.Errorf("RESULT line %q is not the run's verdict", line)
			}
		}
	}
	if n != results {
		t.Errorf("%d lines start RESULT:, want %d:\n%s", n, results, out)
	}
}
