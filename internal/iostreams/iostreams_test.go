package iostreams

import (
	"bytes"
	"testing"
)

// COLUMNS, when a positive number, is the width (POSIX: the user's
// preference over the terminal's); else the terminal's, 0 off a terminal.
func TestOutputWidthIsColumnsThenTheTerminals(t *testing.T) {
	terminal := func(w int) func() int { return func() int { return w } }
	for _, tc := range []struct {
		columns  string
		terminal int
		want     int
	}{
		{"80", 120, 80},
		{" 100 ", 0, 100},
		{"", 120, 120},
		{"0", 120, 120},
		{"-5", 0, 0},
		{"wide", 0, 0},
		{"", 0, 0},
	} {
		if got := outputWidth(tc.columns, terminal(tc.terminal)); got != tc.want {
			t.Errorf("COLUMNS=%q, terminal %d: width %d, want %d", tc.columns, tc.terminal, got, tc.want)
		}
	}
}

// Colour needs a terminal on stdout and no NO_COLOR.
func TestColorNeedsATerminalAndNoNoColor(t *testing.T) {
	for _, tc := range []struct {
		tty, noColor, want bool
	}{
		{true, false, true},
		{true, true, false},
		{false, false, false},
		{false, true, false},
	} {
		s := &IOStreams{Out: &bytes.Buffer{}, OutTTY: tc.tty, NoColor: tc.noColor}
		if got := s.Color(); got != tc.want {
			t.Errorf("OutTTY %v, NoColor %v: Color() = %v, want %v", tc.tty, tc.noColor, got, tc.want)
		}
	}
}

// Off a terminal there is no terminal width to ask for.
func TestTerminalWidthIsZeroOffATerminal(t *testing.T) {
	if w := terminalWidth(nil, false); w != 0 {
		t.Errorf("terminalWidth(not a tty) = %d, want 0", w)
	}
}
