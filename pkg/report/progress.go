package report

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
)

// Observer hears a run as it happens: the runner calls StepStarted before
// a stage runs and StepEnded once its step is finished. It only reports;
// what it is handed is the record, which it must not change.
type Observer interface {
	StepStarted(s *Step)
	StepEnded(s *Step)
}

// Progress is the Observer behind stderr. Quiet, it prints "== <step>"
// before and "   <step> <outcome>" after each step, as bringup always has.
// Verbose (-v), W should be a Stamp writer; it prints each step's start,
// the stage's own log lines as the stage writes them, and its end with
// outcome, duration (board clock, to the millisecond) and the number of
// measurements. Every name, log line and error is TermSafe, one line.
type Progress struct {
	W       io.Writer
	Verbose bool
}

// StepStarted announces s and, when verbose, tees its log to W.
func (p *Progress) StepStarted(s *Step) {
	if !p.Verbose {
		fmt.Fprintf(p.W, "== %s\n", TermSafe(s.Name))
		return
	}
	name := TermSafe(s.Name)
	fmt.Fprintf(p.W, "start %s\n", name)
	s.onLog = func(line string) { fmt.Fprintf(p.W, "  %s: %s\n", name, TermSafe(oneLine(line))) }
}

// StepEnded reports s's verdict.
func (p *Progress) StepEnded(s *Step) {
	s.onLog = nil
	if !p.Verbose {
		fmt.Fprintf(p.W, "   %s %s\n", TermSafe(s.Name), s.Outcome)
		return
	}
	n := "measurements"
	if len(s.Measurements) == 1 {
		n = "measurement"
	}
	line := fmt.Sprintf("end   %s %s in %s (%d %s)", TermSafe(s.Name), Verdict(s.Outcome, s.Marginal), s.Duration.Round(time.Millisecond), len(s.Measurements), n)
	if s.Error != "" {
		line += ": " + TermSafe(oneLine(s.Error))
	}
	fmt.Fprintln(p.W, line)
}

// Stamp returns a writer that prefixes each line written to w with now()
// (RFC 3339, milliseconds, UTC). Partial lines wait for their newline, so
// lines from a stage's progress and from the runner never interleave
// mid-line. Blank lines are dropped. Safe for concurrent use.
func Stamp(w io.Writer, now func() time.Time) io.Writer {
	return &lineWriter{w: w, line: func(l []byte) string {
		if len(bytes.TrimSpace(l)) == 0 {
			return ""
		}
		return now().UTC().Format(StampLayout) + " " + string(l) + "\n"
	}}
}

// Wrap returns a writer that wraps each line written to w to width cells
// (WrapLine: the first line keeps its beginning, the rest are indented),
// so plain progress lines fit a terminal of that width. A write holding a
// carriage return is a live line's redraw (termline.Line, already fitted
// to the terminal): it goes through at once, as written. Width 0 is no
// limit: w itself. Safe for concurrent use.
func Wrap(w io.Writer, width int) io.Writer {
	if width <= 0 {
		return w
	}
	return &lineWriter{w: w, redraws: true, line: func(l []byte) string { return WrapLine(string(l), width) + "\n" }}
}

// lineWriter hands each complete line (ended by \r or \n) to line and
// writes what it returns; partial lines wait for their end. With redraws,
// a write holding \r passes through whole instead (after what waits).
type lineWriter struct {
	mu      sync.Mutex
	w       io.Writer
	line    func([]byte) string
	buf     []byte
	redraws bool
}

// StampLayout is the time format of -v lines.
const StampLayout = "2006-01-02T15:04:05.000Z07:00"

// Fd is the file descriptor of the file under the writer, so a live line
// written through it (termline) finds its terminal and width; an invalid
// one when it writes to no file.
func (s *lineWriter) Fd() uintptr {
	if f, ok := s.w.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

func (s *lineWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.redraws && bytes.IndexByte(p, '\r') >= 0 {
		pending := s.buf
		s.buf = nil
		if _, err := s.w.Write(append(pending, p...)); err != nil {
			return len(p), err
		}
		return len(p), nil
	}
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexAny(s.buf, "\r\n")
		if i < 0 {
			return len(p), nil
		}
		out := s.line(s.buf[:i])
		s.buf = s.buf[i+1:]
		if out == "" {
			continue
		}
		if _, err := io.WriteString(s.w, out); err != nil {
			return len(p), err
		}
	}
}
