// Package termline draws a one-line status on a terminal: it reads the
// terminal's width, fits the line's fields into it (the most important
// first, the rest dropped whole) and redraws in place without leaving a
// trail. A line wider than the terminal wraps, and the next "\r" only goes
// back to the start of the last row, so each redraw would leave the rows
// above it behind (issue 23).
package termline

import (
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
	"golang.org/x/sys/unix"
)

// fder is a writer on a file descriptor: *os.File, or a writer over one
// that passes its descriptor on (report.Wrap's), so a live line written
// through it still finds its terminal and the terminal's width.
type fder interface{ Fd() uintptr }

// DefaultWidth is the width when neither the terminal nor COLUMNS gives one.
const DefaultWidth = 80

// Width is w's terminal width in columns: the terminal's own (TIOCGWINSZ)
// when w is a terminal that reports one, else $COLUMNS, else DefaultWidth.
// It is read at each call, so a resized window is followed.
func Width(w io.Writer) int {
	if f, ok := w.(fder); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
			return int(ws.Col)
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return DefaultWidth
}

// Fit joins fields with sep, in order, keeping each field only while the
// line stays within width columns; fields are in order of importance, so a
// narrow terminal loses the last ones first. A field that does not fit is
// skipped and the next, shorter one may still fit. If even the first field
// is wider, it is cut to width with "…" at the end. Widths are counted in
// runes: the status lines hold only narrow runes (ASCII, °, ≤).
func Fit(fields []string, sep string, width int) string {
	if width <= 0 {
		return ""
	}
	var b strings.Builder
	n := 0
	for i, f := range fields {
		if f == "" {
			continue
		}
		fw := utf8.RuneCountInString(f)
		add := fw
		if n > 0 {
			add += utf8.RuneCountInString(sep)
		}
		if n+add > width {
			if i == 0 {
				return Cut(f, width)
			}
			continue
		}
		if n > 0 {
			b.WriteString(sep)
		}
		b.WriteString(f)
		n += add
	}
	return b.String()
}

// Cut shortens s to at most width runes, ending in "…" when it was cut.
func Cut(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

// Line is a status line redrawn in place on a terminal.
type Line struct {
	W     io.Writer
	drawn bool
}

// Draw replaces the line with fields fitted to the terminal's width (one
// column spare: some terminals wrap when the last column is written).
// "\r" goes back to the start and "\x1b[K" clears what a longer previous
// line left to the right. Each field is Safe: a model's name cannot move
// the cursor.
func (l *Line) Draw(fields []string, sep string) {
	safe := make([]string, len(fields))
	for i, f := range fields {
		safe[i] = Safe(f)
	}
	s := Fit(safe, sep, Width(l.W)-1)
	io.WriteString(l.W, "\r"+s+"\x1b[K")
	l.drawn = true
}

// End leaves the last line drawn on screen and moves to the next line, so
// what is printed afterwards starts on a line of its own.
func (l *Line) End() {
	if l.drawn {
		io.WriteString(l.W, "\n")
		l.drawn = false
	}
}

// IsTerminal tells whether w is a terminal (a status line is redrawn
// there; a log or a pipe gets plain lines).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(fder)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
