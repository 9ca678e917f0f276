package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/report"
)

// -v prints, on stderr, each step's start, the stage's own log lines and
// its end with outcome and duration, every line stamped with the board's
// clock: the times in the record. On the sim that clock is virtual, so a
// 3 s sampling window shows as 3 s between start and end although the run
// takes milliseconds of real time.
func TestVerboseShowsEachStepsStartLogAndEndOnTheBoardClock(t *testing.T) {
	code, out, stderr := runCLI(t, "bringup", "--target", "sim", "--only", "i2c.scan,power.rails", "-v", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var run report.Run
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	stamped := regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (.*)$`)
	at := map[string]time.Time{}
	var text []string
	for _, l := range lines {
		m := stamped.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("stderr line without a timestamp: %q\n%s", l, stderr)
		}
		ts, _ := time.Parse(report.StampLayout, m[1])
		at[m[2]] = ts
		text = append(text, m[2])
	}
	if !strings.Contains(text[0], "virtual clock") {
		t.Errorf("first line %q does not say the times are the sim's virtual clock", text[0])
	}
	for _, s := range run.Steps {
		start := "start " + s.Name
		end := "end   " + s.Name + " " + report.Verdict(s.Outcome, s.Marginal) + " in " + s.Duration.Round(time.Millisecond).String()
		var endLine string
		for _, l := range text {
			if strings.HasPrefix(l, end+" (") {
				endLine = l
			}
		}
		if _, ok := at[start]; !ok || endLine == "" {
			t.Fatalf("%s: no start or end line %q:\n%s", s.Name, end, stderr)
		}
		if !at[start].Equal(s.Started) || !at[endLine].Equal(s.Started.Add(s.Duration)) {
			t.Errorf("%s: stamped %s..%s, record %s + %s", s.Name, at[start], at[endLine], s.Started, s.Duration)
		}
		for _, l := range s.Log {
			if _, ok := at["  "+s.Name+": "+l]; !ok {
				t.Errorf("%s: log line %q not on stderr", s.Name, l)
			}
		}
	}
	if d := run.Steps[1].Duration; d < time.Second {
		t.Fatalf("power.rails took %s of board time; the test needs a window to tell the clocks apart", d)
	}
}

func TestWithoutVerboseAStageCommandIsQuietAndBringupKeepsItsStepLines(t *testing.T) {
	if code, _, stderr := runCLI(t, "i2c", "scan", "--target", "sim"); code != 0 || stderr != "" {
		t.Errorf("i2c scan without -v: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr := runCLI(t, "bringup", "--target", "sim", "--only", "board.identify,i2c.scan")
	if code != 0 || stderr != "== board.identify\n   board.identify PASS\n== i2c.scan\n   i2c.scan PASS\n" {
		t.Errorf("bringup without -v: exit %d, stderr %q", code, stderr)
	}
}
