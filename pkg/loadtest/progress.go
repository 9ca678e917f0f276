package loadtest

import (
	"fmt"
	"io"
	"time"

	"github.com/aihat/aihat/pkg/telemetry"
	"github.com/aihat/aihat/pkg/termline"
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
	wall0    time.Time
	board0   time.Time
	lastDraw time.Time
	line     termline.Line
}

func newProgress(w io.Writer, tty bool, r *run, now time.Time) *progress {
	return &progress{w: w, tty: tty, r: r, next: now, wall0: time.Now(), board0: now, line: termline.Line{W: w}}
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
	// Fitted to the terminal's width at each draw: a wider line wraps and
	// every redraw leaves a trail of rows behind (issue 23).
	p.line.Draw(p.fields(sw), " | ")
}

// fields are the terminal's status line for the latest sweep, the most
// important first (a narrow terminal drops the last ones): how far and the
// ETA, the health checks, the requests, then the board's figures.
func (p *progress) fields(sw telemetry.Sweep) []string {
	r := p.r
	done := sw.T.Sub(r.start)
	pct := 100 * done.Seconds() / r.o.Duration.Seconds()
	eta := "-"
	if b := sw.T.Sub(p.board0); b > 0 {
		left := r.start.Add(r.o.Duration).Sub(sw.T)
		eta = time.Duration(float64(left) * float64(time.Since(p.wall0)) / float64(b)).Round(time.Second).String()
	}
	f := []string{
		fmt.Sprintf("%s %s/%s (%.1f %%) ETA %s", r.step.Name, done.Round(time.Second), r.o.Duration, pct, eta),
		fmt.Sprintf("health %d checks, %d failed", r.checks, r.failures),
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
		f = append(f, fmt.Sprintf("%d requests, %d failed", nreq, nerr))
	}
	if v, ok := sw.Values["soc_temp"]; ok {
		f = append(f, fmt.Sprintf("SoC %.1f °C", v))
	}
	if v, ok := sw.Values[workSeries]; ok {
		f = append(f, fmt.Sprintf("%.0f %s", v, r.w.Unit()))
	}
	if v, ok := sw.Values["arm_clock"]; ok {
		f = append(f, fmt.Sprintf("ARM %.2f GHz", v/1e9))
	}
	if v, ok := sw.Values["fan_rpm"]; ok {
		f = append(f, fmt.Sprintf("fan %.0f rpm", v))
	}
	return f
}

// end finishes the terminal's status line.
func (p *progress) end() {
	if p.w != nil && p.tty {
		p.line.End()
	}
}
