package termline

import (
	"bytes"
	"os"
	"testing"
	"unicode/utf8"
)

func TestFitKeepsTheFirstFieldsThatFit(t *testing.T) {
	fields := []string{"loadtest 1h/3h", "health 3 checks, 0 failed", "SoC 61.0 °C", "fan 3000 rpm"}
	for _, tc := range []struct {
		width int
		want  string
	}{
		{200, "loadtest 1h/3h | health 3 checks, 0 failed | SoC 61.0 °C | fan 3000 rpm"},
		{45, "loadtest 1h/3h | health 3 checks, 0 failed"},
		// The health field is dropped whole; the shorter fields after it still fit.
		{40, "loadtest 1h/3h | SoC 61.0 °C"},
		{14, "loadtest 1h/3h"},
		{10, "loadtest …"},
		{0, ""},
	} {
		got := Fit(fields, " | ", tc.width)
		if got != tc.want {
			t.Errorf("Fit(width %d) = %q, want %q", tc.width, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); n > max(tc.width, 0) {
			t.Errorf("Fit(width %d) is %d runes wide", tc.width, n)
		}
	}
}

func TestWidthFallsBackToCOLUMNSThen80(t *testing.T) {
	var buf bytes.Buffer // not a terminal
	t.Setenv("COLUMNS", "132")
	if got := Width(&buf); got != 132 {
		t.Errorf("Width with COLUMNS=132 = %d", got)
	}
	t.Setenv("COLUMNS", "junk")
	if got := Width(&buf); got != DefaultWidth {
		t.Errorf("Width with COLUMNS=junk = %d, want %d", got, DefaultWidth)
	}
	f, err := os.CreateTemp(t.TempDir(), "notatty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Setenv("COLUMNS", "")
	if got := Width(f); got != DefaultWidth {
		t.Errorf("Width of a plain file = %d, want %d", got, DefaultWidth)
	}
}

func TestLineClearsWhatTheLongerLineLeft(t *testing.T) {
	var buf bytes.Buffer
	t.Setenv("COLUMNS", "40")
	l := &Line{W: &buf}
	l.Draw([]string{"a long first status line"}, " ")
	l.Draw([]string{"short"}, " ")
	l.End()
	l.End() // a second End prints nothing more
	want := "\ra long first status line\x1b[K\rshort\x1b[K\n"
	if buf.String() != want {
		t.Errorf("Line wrote %q, want %q", buf.String(), want)
	}
}
