package ptytest

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ansi matches the escape sequences aihat writes: CSI (colour, cursor up,
// erase) and, for safety, OSC.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07`)

// segments are the pieces of raw terminal output between "\r" and "\n",
// escape sequences removed and trailing blanks trimmed: each is what one
// write of a line or one redraw puts on the screen.
func segments(raw string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(raw, func(r rune) bool { return r == '\r' || r == '\n' }) {
		s = strings.TrimRight(ansi.ReplaceAllString(s, ""), " ")
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// width is a segment's width in columns: aihat's output holds only narrow
// runes (ASCII, box drawing, °, ≤, …).
func width(s string) int { return utf8.RuneCountInString(s) }

// screen is a minimal terminal: cols wide, unbounded downwards (the
// scrollback is kept), with autowrap, "\r", "\n", and the CSI sequences
// aihat's progress uses: cursor up (A), erase in line (K) and erase below
// (J). What it ends with is what the operator is left looking at.
type screen struct {
	cols        int
	rows        [][]rune
	r, c        int
	wrapPending bool
}

func newScreen(cols int) *screen { return &screen{cols: cols, rows: [][]rune{nil}} }

func (s *screen) row() []rune {
	for len(s.rows) <= s.r {
		s.rows = append(s.rows, nil)
	}
	return s.rows[s.r]
}

func (s *screen) put(ch rune) {
	if s.wrapPending {
		s.r, s.c, s.wrapPending = s.r+1, 0, false
	}
	row := s.row()
	for len(row) <= s.c {
		row = append(row, ' ')
	}
	row[s.c] = ch
	s.rows[s.r] = row
	if s.c == s.cols-1 {
		s.wrapPending = true
	} else {
		s.c++
	}
}

// write feeds raw terminal output (as read from the pty master, so "\n"
// is already "\r\n").
func (s *screen) write(raw string) {
	for i := 0; i < len(raw); {
		if loc := ansi.FindStringIndex(raw[i:]); loc != nil && loc[0] == 0 {
			s.csi(raw[i : i+loc[1]])
			i += loc[1]
			continue
		}
		ch, n := utf8.DecodeRuneInString(raw[i:])
		i += n
		switch ch {
		case '\r':
			s.c, s.wrapPending = 0, false
		case '\n':
			s.r, s.wrapPending = s.r+1, false
			s.row()
		case '\x07', '\b', 0:
		default:
			s.put(ch)
		}
	}
}

func (s *screen) csi(seq string) {
	if !strings.HasPrefix(seq, "\x1b[") {
		return
	}
	final := seq[len(seq)-1]
	n, err := strconv.Atoi(seq[2 : len(seq)-1])
	if err != nil {
		n = 0
	}
	switch final {
	case 'A':
		s.r, s.wrapPending = max(s.r-max(n, 1), 0), false
	case 'K': // to the end of the line (aihat uses only 0)
		row := s.row()
		if s.c < len(row) {
			s.rows[s.r] = row[:s.c]
		}
	case 'J': // to the end of the screen (aihat uses only 0)
		row := s.row()
		if s.c < len(row) {
			s.rows[s.r] = row[:s.c]
		}
		s.rows = s.rows[:s.r+1]
	}
}

// lines are the screen's rows, trailing blanks trimmed, empty rows dropped.
func (s *screen) lines() []string {
	var out []string
	for _, r := range s.rows {
		if l := strings.TrimRight(string(r), " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}
