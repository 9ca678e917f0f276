package session

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/loadtest"
	"github.com/aihat/aihat/pkg/report"
)

// LoadtestStatus prints where the load test journalled in dir (the
// --report-dir it was started with) stands: running, finished or
// stopped, how far it got, its health, requests, outages and last sweep.
// It only reads: it never disturbs a running test.
func LoadtestStatus(w io.Writer, dir string) error {
	dir, err := RunDirOf(dir)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, journal.FileName)
	j, err := loadtest.ReadJournal(path)
	if err != nil && (j == nil || j.Head == nil) {
		return &ExitError{Code: report.ExitError, Err: err}
	}
	held, _ := journal.Held(path)
	var modAge time.Duration
	if fi, err := os.Stat(path); err == nil {
		modAge = time.Since(fi.ModTime())
	}
	writeLoadtestStatus(w, dir, j, held, modAge)
	return nil
}

// writeLoadtestStatus prints a journal's status.
func writeLoadtestStatus(w io.Writer, dir string, j *loadtest.Journal, running bool, modAge time.Duration) {
	h := j.Head
	fmt.Fprintf(w, "run:        %s (%s, serial %s)\n", report.TermSafe(h.ID), report.TermSafe(h.Target), report.TermSafe(orDash(h.Serial)))
	switch {
	case j.Ended != nil:
		fmt.Fprintf(w, "state:      finished %s at %s\n", j.Ended.Outcome, j.Ended.Ended.Format(time.RFC3339))
	case running:
		fmt.Fprintf(w, "state:      running (an aihat process holds the journal; last write %s ago)\n", modAge.Round(time.Second))
	default:
		fmt.Fprintf(w, "state:      stopped: the journal ends at %s with no end record (last write %s ago): killed, crashed or the power lost; resume with aihat loadtest --resume %s\n",
			j.Last.Format(time.RFC3339), modAge.Round(time.Second), dir)
	}
	p := j.Param
	if p == nil {
		fmt.Fprintf(w, "progress:   the load test had not started (no parameters record)\n")
		return
	}
	done := j.Last.Sub(p.Start)
	pct := 100 * done.Seconds() / p.Duration.Seconds()
	planned := int(p.Duration/p.Interval) + 1
	fmt.Fprintf(w, "started:    %s, planned %s at %s sampling (%d sweeps)\n", p.Start.Format(time.RFC3339), p.Duration, p.Interval, planned)
	fmt.Fprintf(w, "progress:   %s of %s (%.1f %%), %d sweeps journalled\n", done.Round(time.Second), p.Duration, min(pct, 100), j.Sweeps)
	if lh := j.LastHealth; lh != nil {
		fmt.Fprintf(w, "health:     %d checks, %d failed; work %.6g\n", lh.Checks, lh.Failures, lh.Work)
	}
	if j.Requests > 0 {
		fmt.Fprintf(w, "requests:   %d, %d failed\n", j.Requests, j.RequestErrors)
	}
	for _, o := range j.Outages {
		fmt.Fprintf(w, "outage:     %s to %s (%s): %s\n", o.From.Format(time.RFC3339), o.To.Format(time.RFC3339), o.To.Sub(o.From).Round(time.Second), report.TermSafe(o.Cause))
	}
	if sw := j.LastSweep; sw != nil {
		names := make([]string, 0, len(sw.Values))
		for n := range sw.Values {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(w, "last sweep: %s\n", sw.T.Format(time.RFC3339))
		for _, n := range names {
			fmt.Fprintf(w, "  %-28s %.6g %s\n", report.TermSafe(n), sw.Values[n], report.TermSafe(j.Units[n]))
		}
	}
	if j.Stats.Bad > 0 || j.Stats.Torn {
		fmt.Fprintf(w, "journal:    %d lines, %d bad (skipped; last: %s), torn last line: %v\n", j.Stats.Lines, j.Stats.Bad, report.TermSafe(j.Stats.LastBad), j.Stats.Torn)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
