package termline

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Safe is s as a terminal may show it: every character that would act on
// the terminal instead of being printed (the C0 controls, ESC and so
// every ANSI escape sequence, DEL, the C1 controls, the bidirectional
// overrides) and every byte that is not UTF-8 is replaced by a visible
// escape as Go's %q writes it (\n, \t, \x1b, \u009b, \u202e); printable
// Unicode (°C, ≤, µ) stays as it is. A newline is escaped too, so the text
// never starts a line of its own. report.TermSafe is this function: the
// one place text from the board, the EEPROM, flags or the environment is
// made safe for a terminal.
func Safe(s string) string {
	if termClean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case termUnsafe(r):
			q := fmt.Sprintf("%+q", string(r)) // "\x1b", "\n", "\u202e"
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// termClean is whether s holds nothing Safe replaces.
func termClean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || termUnsafe(r) {
			return false
		}
	}
	return true
}

// termUnsafe is whether a terminal would act on r instead of printing it.
func termUnsafe(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r < 0xa0:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional controls reorder what follows them
	}
	return false
}

// SafeLines is Safe line by line: text of several lines (an error's
// message, a dump) keeps its newlines and tabs, and nothing else that
// would act on the terminal.
func SafeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		tabs := strings.Split(l, "\t")
		for j, t := range tabs {
			tabs[j] = Safe(t)
		}
		lines[i] = strings.Join(tabs, "\t")
	}
	return strings.Join(lines, "\n")
}
