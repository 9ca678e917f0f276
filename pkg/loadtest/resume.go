package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/telemetry"
	"github.com/aihat/aihat/pkg/workload"
)

// A load test keeps everything it needs to go on in its journal, so a run
// killed by SIGKILL, the OOM killer or a power cut is taken up again by
// `aihat loadtest --resume DIR`: the same run id, the same plan end, the
// gap recorded as an outage with its cause. Its state is the fold of the
// journal's records: the parameters record, then sweeps (through observe),
// requests and health records.

// KindParams is the journal record of a load test's parameters, written
// once as it starts.
const KindParams = "loadtest"

// StepName is the load test's step.
const StepName = "loadtest.run"

// Params are what a resumed run needs to go on as the first one would
// have: its start, its durations and workload, the board it ran on.
type Params struct {
	Start time.Time `json:"start"`
	plan.LoadtestDurations
	Runtime  string `json:"runtime,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	Model    string `json:"model,omitempty"`
	HEF      string `json:"hef,omitempty"`
	PID      int    `json:"pid,omitempty"`
	Board    Board  `json:"board"`
}

// Board says which board a run was on, so a resume builds the same one.
type Board struct {
	Target string   `json:"target"`
	Seed   int64    `json:"seed,omitempty"`   // sim
	Faults []string `json:"faults,omitempty"` // sim
	// Booted is the simulated board's boot: a resume keeps it (and so its
	// boot_id), as a real board stays up when aihat is killed.
	Booted time.Time `json:"booted,omitzero"`
}

// Options returns the options the run was started with.
func (p Params) Options() RunOptions {
	return RunOptions{LoadtestDurations: p.LoadtestDurations, Runtime: p.Runtime, Endpoint: p.Endpoint,
		Model: p.Model, HEF: p.HEF, PID: p.PID, Board: p.Board}
}

// Outage is a gap in a run: from its journal's last record before a kill
// to the resume. It is the data of a journal "resume" record.
type Outage struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Cause string    `json:"cause"`
	// Reboot is true when the board's boot_id changed across the gap.
	Reboot     bool   `json:"reboot"`
	BootBefore string `json:"boot_before,omitempty"`
	BootAfter  string `json:"boot_after,omitempty"`
	// PowerReset is /proc/device-tree/chosen/power/power_reset as the
	// firmware left it (hex), when the board has it: its bits are not in
	// any primary document we found, so it is kept raw.
	PowerReset string `json:"power_reset,omitempty"`
}

// Seconds is the outage's length.
func (o Outage) Seconds() float64 { return o.To.Sub(o.From).Seconds() }

// Journal is what one pass over a load test's journal tells: enough to
// print its status and to resume it.
type Journal struct {
	Path  string
	Head  *report.Run // the run's identity (its first run record, completed by later ones)
	Param *Params     // nil: killed before the load test started
	// Last is the newest record's wall time, LastBoot its boot_id.
	Last     time.Time
	LastBoot string
	Ended    *journal.End // the run finished (its end record)
	Stats    journal.ReadStats

	Sweeps, Requests, RequestErrors int
	LastSweep                       *telemetry.Sweep
	LastHealth                      *Health
	Outages                         []Outage
	Units                           map[string]string // of the sweeps' series
}

// ErrNoRun is a journal that holds no run record.
var ErrNoRun = errors.New("the journal holds no run")

// ReadJournal reads a load test's journal at path in one pass.
func ReadJournal(path string) (*Journal, error) {
	rd := &journalReader{j: &Journal{Path: path, Units: map[string]string{}}}
	j := rd.j
	st, err := journal.ScanFile(path, rd.record)
	j.Stats = st
	if err == nil && rd.lastSweep != nil {
		var sw telemetry.Sweep
		if err = json.Unmarshal(rd.lastSweep, &sw); err == nil {
			j.LastSweep = &sw
		}
	}
	if err != nil {
		return j, fmt.Errorf("journal %s: %w", path, err)
	}
	if j.Head == nil {
		return j, fmt.Errorf("journal %s: %w (%d lines)", path, ErrNoRun, st.Lines)
	}
	if j.Head.ID == "" {
		// As the run will name itself at its end (bringup.Run).
		j.Head.ID = report.RunID(j.Head.Serial, j.Head.Started)
	}
	return j, nil
}

// journalReader is ReadJournal's pass over the records.
type journalReader struct {
	j         *Journal
	lastSweep json.RawMessage // parsed once, at the end
}

// record takes one record. Only the run and load test records must
// parse; a damaged sweep, request, health, resume or end record is
// skipped.
func (rd *journalReader) record(rec journal.Record) error {
	j := rd.j
	j.Last, j.LastBoot = rec.Wall, rec.Boot
	switch rec.Kind {
	case journal.KindRun:
		return rd.run(rec)
	case KindParams:
		var p Params
		if err := json.Unmarshal(rec.Data, &p); err != nil {
			return fmt.Errorf("loadtest record: %w", err)
		}
		j.Param = &p
	case journal.KindSweep:
		rd.sweep(rec)
	case "request":
		var q workload.Request
		if err := json.Unmarshal(rec.Data, &q); err == nil {
			j.Requests++
			if q.Outcome != "ok" {
				j.RequestErrors++
			}
		}
	case KindHealth:
		var h Health
		if err := json.Unmarshal(rec.Data, &h); err == nil {
			j.LastHealth = &h
		}
	case journal.KindResume:
		var o Outage
		if err := json.Unmarshal(rec.Data, &o); err == nil {
			j.Outages = append(j.Outages, o)
		}
	case journal.KindEnd:
		var e journal.End
		if err := json.Unmarshal(rec.Data, &e); err == nil {
			j.Ended = &e
		}
	}
	return nil
}

// run takes a run record: the first is the run's identity, later ones
// complete it.
func (rd *journalReader) run(rec journal.Record) error {
	var id report.Run
	if err := json.Unmarshal(rec.Data, &id); err != nil {
		return fmt.Errorf("run record: %w", err)
	}
	if rd.j.Head == nil {
		rd.j.Head = &id
	} else {
		journal.CompleteRun(rd.j.Head, id)
	}
	return nil
}

// sweep counts a load test sweep, keeps it as the last one, and notes the
// units of its series when it carries them.
func (rd *journalReader) sweep(rec journal.Record) {
	j := rd.j
	if j.Param == nil {
		return
	}
	j.Sweeps++
	rd.lastSweep = rec.Data
	if bytes.Contains(rec.Data, []byte(`"units":`)) {
		var sw telemetry.Sweep
		if err := json.Unmarshal(rec.Data, &sw); err == nil {
			for n, u := range sw.Units {
				j.Units[n] = u
			}
		}
	}
}

// NewOutage says what happened between the journal's last record and now
// on board b: a changed boot_id is a reboot (a power cut, a panic, a
// watchdog); the same boot_id is aihat itself killed or crashed.
func NewOutage(b board.Board, j *Journal, now time.Time) Outage {
	o := Outage{From: j.Last, To: now, BootBefore: j.LastBoot, BootAfter: board.BootID(b)}
	if raw, err := fs.ReadFile(b.FS(), "proc/device-tree/chosen/power/power_reset"); err == nil && len(raw) > 0 {
		o.PowerReset = fmt.Sprintf("0x%x", raw)
	}
	switch {
	case o.BootBefore == "" || o.BootAfter == "":
		o.Cause = "unknown: the kernel's boot_id was not read on both sides of the gap"
	case o.BootBefore != o.BootAfter:
		o.Reboot = true
		o.Cause = "the board rebooted (boot_id changed): a power cut, a kernel panic or a watchdog reset; see journalctl -b -1"
		if o.PowerReset != "" {
			o.Cause += "; the firmware's power_reset is " + o.PowerReset
		}
	default:
		o.Cause = "aihat stopped with the board up (same boot_id): killed (SIGKILL, the OOM killer) or crashed"
	}
	return o
}

// replay folds the journal's records of this load test into r and
// returns the sampler's result as it stood. It is the journal's second
// pass: ReadJournal's first had to come before the board was built (the
// board, its boot and its start come from it), and holding the sweeps in
// between would cost a day's 130 MB. The result is the state the killed
// process had, up to its last journalled sweep.
func (r *run) replay(path string) (*telemetry.Result, error) {
	res := telemetry.NewResult()
	started := false
	_, err := journal.ScanFile(path, func(rec journal.Record) error {
		switch rec.Kind {
		case KindParams:
			started = true
		case journal.KindSweep:
			if !started {
				return nil
			}
			var sw telemetry.Sweep
			if err := json.Unmarshal(rec.Data, &sw); err != nil {
				return fmt.Errorf("sweep record: %w", err)
			}
			res.Add(sw, telemetry.RecordBuckets)
			r.observe(sw)
			if v, ok := sw.Values[workSeries]; ok {
				r.workBase = v
			}
		case "request":
			var q workload.Request
			if err := json.Unmarshal(rec.Data, &q); err != nil {
				return fmt.Errorf("request record: %w", err)
			}
			r.requests = append(r.requests, q)
		case KindHealth:
			var h Health
			if err := json.Unmarshal(rec.Data, &h); err != nil {
				return fmt.Errorf("health record: %w", err)
			}
			r.checks, r.failures = h.Checks, h.Failures
			if r.linkBase == "" {
				r.linkBase = h.Link
			}
			if len(h.Bad) > 0 {
				r.health = append(r.health, report.Event{Time: h.T, Kind: "health_failed", Detail: fmt.Sprint(h.Bad)})
			}
			r.nextHC = h.T.Add(r.o.HealthEvery)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resume from %s: %w", path, err)
	}
	return res, nil
}

// workSeries is the workload's work so far, in each sweep: a resumed run
// counts on from the last one journalled.
const workSeries = "workload.done"

// workSource puts the workload's work so far into every sweep.
type workSource struct {
	w    workload.Workload
	base float64 // work of the processes before a resume
}

func (s *workSource) Name() string { return "workload" }
func (s *workSource) Close()       {}
func (s *workSource) Sample(context.Context, time.Time) ([]telemetry.Reading, []telemetry.Event, error) {
	return []telemetry.Reading{{Series: workSeries, Unit: s.w.Unit(), Value: s.base + s.w.Done()}}, nil, nil
}

// outageVerdicts measures the run's gaps: how many, how long, how many
// were reboots, and the share of the planned sweeps it has.
func (r *run) outageVerdicts(sweeps int) {
	var secs float64
	reboots := 0
	for _, g := range r.outages {
		secs += g.Seconds()
		if g.Reboot {
			reboots++
		}
	}
	env, step := r.env, r.step
	stage.Measure(env, step, stage.M{Name: "outages", Value: float64(len(r.outages)), Unit: "count"})
	stage.Measure(env, step, stage.M{Name: "outage_time", Value: secs, Unit: "s"})
	stage.Measure(env, step, stage.M{Name: "reboots", Value: float64(reboots), Unit: "count", Code: "LOADTEST_REBOOT",
		Remedy: "the board rebooted during the run (see the outage events): a power cut, a kernel panic or a watchdog reset; journalctl -b -1 shows the boot before"})
	planned := float64(int(r.o.Duration/r.o.Interval) + 1)
	stage.Measure(env, step, stage.M{Name: "coverage", Value: 100 * float64(sweeps) / planned, Unit: "%", Code: "LOADTEST_COVERAGE",
		Remedy: fmt.Sprintf("the run has %d of its %.0f planned sweeps: outages (see the events) left too little of the run to judge", sweeps, planned)})
}

// Started is a resumed run's first start (zero for a new run: it starts
// now).
func (o RunOptions) Started() time.Time {
	if o.Resume != nil && o.Resume.Journal.Param != nil {
		return o.Resume.Journal.Param.Start
	}
	return time.Time{}
}
