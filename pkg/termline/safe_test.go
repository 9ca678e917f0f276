package termline

import (
	"bytes"
	"testing"
)

func TestSafeShowsControlsAndKeepsPrintableUnicode(t *testing.T) {
	for in, want := range map[string]string{
		"SoC 61.2 °C ≤ 85 °C, 3 µs": "SoC 61.2 °C ≤ 85 °C, 3 µs",
		"a\x1b[2Jb":                 `a\x1b[2Jb`,
		"x\nRESULT: PASS":           `x\nRESULT: PASS`,
		"x\rRESULT: PASS\t":         `x\rRESULT: PASS\t`,
		"bell\a del\x7f":            `bell\a del\x7f`,
		"csi\u009b2J":               `csi\u009b2J`,
		"abc\u202edcba":             `abc\u202edcba`,
		"bad \xff\xfe utf8":         `bad \xff\xfe utf8`,
		"ok \ufffd kept":            "ok \ufffd kept",
		`back\slash`:                `back\slash`,
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := SafeLines("one\x1b[H\n\ttwo\r"), "one\\x1b[H\n\ttwo\\r"; got != want {
		t.Errorf("SafeLines = %q, want %q", got, want)
	}
}

func TestDrawShowsAFieldsEscapes(t *testing.T) {
	var b bytes.Buffer
	l := &Line{W: &b}
	l.Draw([]string{"model\x1b[2J", "50 %"}, " | ")
	// The line's own \r and \x1b[K stay; the field's ESC is shown.
	if got := b.String(); got != "\rmodel\\x1b[2J | 50 %\x1b[K" {
		t.Errorf("Draw wrote %q", got)
	}
}
