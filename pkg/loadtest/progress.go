package loadtest

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aihat/aihat/pkg/telemetry"
)

// progress shows how far a load test is. On a terminal it redraws one
// status line (at most 5 times a real second) with live counters and an
// ETA; elsewhere (a log, journalctl) it writes a plain line at every
// health interval or 24th of the run, whichever is longer.
type progress struct {
	w    io.Writer
	tty  bool
	r    *run
	next time.Time // board time of the next plain line
	// The ETA is measured, not assumed: remaining board time at the rate
	// board time has gone by in real time since this process started (a
	// real board 1:1, the sim as fast as it runs).
	wall0      time.Time
	board0     time.Time
	lastDraw   time.Time
	drawnWidth int
}

func newProgress(w io.Writer, tty bool, r *run, now time.Time) *progress {
	return &progress{w: w, tty: tty, r: r, next: now, wall0: time.Now(), board0: now}
}

func (p *progress) sweep(sw telemetry.Sweep) {
	if p.w == nil {
		return
	}
	r := p.r
	if !p.tty {
		if sw.T.Before(p.next) {
			return
		}
		fmt.Fprintf(p.w, "%s: %s of %s, %d health checks, %d failed\n", r.step.Name,
			sw.T.Sub(r.start).Round(time.Second), r.o.Duration, r.checks, r.failures)
		p.next = p.next.Add(max(r.o.HealthEvery, r.o.Duration/24))
		return
	}
	if now := time.Now(); now.Sub(p.lastDraw) < 200*time.Millisecond {
		return
	} else {
		p.lastDraw = now
	}
	line := p.line(sw)
	pad := ""
	if n := len(line); n < p.drawnWidth {
		pad = strings.Repeat(" ", p.drawnWidth-n)
	}
	p.drawnWidth = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, pad)
}

// line is the terminal's status line for the latest sweep.
func (p *progress) line(sw telemetry.Sweep) string {
	r := p.r
	done := sw.T.Sub(r.start)
	pct := 100 * done.Seconds() / r.o.Duration.Seconds()
	eta := "-"
	if b := sw.T.Sub(p.board0); b > 0 {
		left := r.start.Add(r.o.Duration).Sub(sw.T)
		eta = time.Duration(float64(left) * float64(time.Since(p.wall0)) / float64(b)).Round(time.Second).String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s/%s (%.1f %%) ETA %s | health %d checks, %d failed", r.step.Name,
		done.Round(time.Second), r.o.Duration, pct, eta, r.checks, r.failures)
	if v, ok := sw.Values[workSeries]; ok {
		fmt.Fprintf(&b, " | %.0f %s", v, r.w.Unit())
	}
	r.mu.Lock()
	nreq, nerr := len(r.requests), 0
	for _, q := range r.requests {
		if q.Outcome != "ok" {
			nerr++
		}
	}
	r.mu.Unlock()
	if nreq > 0 {
		fmt.Fprintf(&b, " | %d requests, %d failed", nreq, nerr)
	}
	if v, ok := sw.Values["soc_temp"]; ok {
		fmt.Fprintf(&b, " | SoC %.1f °C", v)
	}
	if v, ok := sw.Values["arm_clock"]; ok {
		fmt.Fprintf(&b, " %.2f GHz", v/1e9)
	}
	if v, ok := sw.Values["fan_rpm"]; ok {
		fmt.Fprintf(&b, " fan %.0f rpm", v)
	}
	return b.String()
}

// end finishes the terminal's status line.
func (p *progress) end() {
	if p.w != nil && p.tty && p.drawnWidth > 0 {
		fmt.Fprintln(p.w)
	}
}
