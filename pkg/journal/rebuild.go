package journal

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/telemetry"
)

// Begin is a KindBegin record's data.
type Begin struct {
	Name string `json:"name"`
}

// End is a KindEnd record's data.
type End struct {
	Outcome report.Outcome `json:"outcome"`
	Ended   time.Time      `json:"ended"`
}

// CompleteRun lays a later run record of the journal (the run's end, a
// resume) over the identity its first one had: the run id and the serial
// are known only once the run has them.
func CompleteRun(first *report.Run, later report.Run) {
	if later.ID != "" {
		first.ID = later.ID
	}
	if later.Serial != "" {
		first.Serial = later.Serial
	}
}

// Rebuild makes the run record from a journal's records: the run's
// identity, every finished step, and, when the journal stops before the
// run's end (the writer was killed or the board lost power), the step in
// progress as ABORTED and the run as ABORTED, with what was measured.
func Rebuild(recs []Record) (*report.Run, error) {
	var b rebuilder
	for i, rec := range recs {
		b.last = rec.Wall
		if err := b.add(i, rec); err != nil {
			return nil, err
		}
	}
	if b.r == nil {
		return nil, fmt.Errorf("the journal holds no run (%d records)", len(recs))
	}
	if b.r.ID == "" {
		b.r.ID = report.RunID(b.r.Serial, b.r.Started) // as bringup.Run names it
	}
	if b.end != nil {
		b.r.Finish(b.end.Ended)
		if b.end.Outcome == report.Aborted {
			b.r.Outcome = report.Aborted
		}
		return b.r, nil
	}
	b.cutOff()
	return b.r, nil
}

// rebuilder is Rebuild's state as the records are read.
type rebuilder struct {
	r    *report.Run
	open *report.Step // the step in progress
	// Sweeps of the step in progress: when the run is cut off they become
	// its series, so what it sampled is in the record.
	sweeps *telemetry.Result
	// A resume record says the next begin of the open step goes on with
	// it (a load test taken up after a kill): its sweeps are kept.
	resumed bool
	end     *End
	last    time.Time // the last record's wall time
}

// add takes record i.
func (b *rebuilder) add(i int, rec Record) error {
	switch rec.Kind {
	case KindRun:
		return b.run(i, rec)
	case KindBegin:
		return b.begin(i, rec)
	case KindResume:
		b.resumed = true
	case KindSweep:
		return b.sweep(i, rec)
	case KindStep:
		return b.step(i, rec)
	case KindEnd:
		b.end = &End{}
		if err := json.Unmarshal(rec.Data, b.end); err != nil {
			return fmt.Errorf("journal record %d (end): %w", i+1, err)
		}
	}
	return nil
}

// run takes a run record. The first has what was known at the start; a
// later one (the run's end, a resume) completes the identity (the serial
// read from the board, the run id).
func (b *rebuilder) run(i int, rec Record) error {
	var id report.Run
	if err := json.Unmarshal(rec.Data, &id); err != nil {
		return fmt.Errorf("journal record %d (run): %w", i+1, err)
	}
	if b.r == nil {
		b.r = &id
		b.r.Steps = nil
		return nil
	}
	CompleteRun(b.r, id)
	return nil
}

func (b *rebuilder) begin(i int, rec Record) error {
	var bg Begin
	if err := json.Unmarshal(rec.Data, &bg); err != nil {
		return fmt.Errorf("journal record %d (begin): %w", i+1, err)
	}
	if b.resumed && b.open != nil && b.open.Name == bg.Name {
		b.resumed = false
		return nil
	}
	b.open = report.NewStep(bg.Name, rec.Wall)
	b.sweeps = telemetry.NewResult()
	return nil
}

func (b *rebuilder) sweep(i int, rec Record) error {
	if b.open == nil {
		return nil
	}
	var sw telemetry.Sweep
	if err := json.Unmarshal(rec.Data, &sw); err != nil {
		return fmt.Errorf("journal record %d (sweep): %w", i+1, err)
	}
	b.sweeps.Add(sw, telemetry.RecordBuckets)
	return nil
}

func (b *rebuilder) step(i int, rec Record) error {
	var s report.Step
	if err := json.Unmarshal(rec.Data, &s); err != nil {
		return fmt.Errorf("journal record %d (step): %w", i+1, err)
	}
	if b.r == nil {
		return fmt.Errorf("journal record %d: a step before the run's identity", i+1)
	}
	b.r.Steps = append(b.r.Steps, &s)
	if b.open != nil && b.open.Name == s.Name {
		b.open = nil
	}
	return nil
}

// cutOff ends a run whose journal stops before its end: it says so and
// keeps what was measured.
func (b *rebuilder) cutOff() {
	last := b.last
	why := fmt.Sprintf("the run was cut off: its journal ends at %s with no end record (killed, crashed or power lost)", last.UTC().Format(time.RFC3339))
	if open := b.open; open != nil {
		for _, n := range b.sweeps.Order {
			open.Series = append(open.Series, telemetry.ToReport(b.sweeps.Series[n], telemetry.RecordBuckets))
		}
		if b.sweeps.Sweeps > 0 {
			why += fmt.Sprintf("; its %d samples up to then are kept as series", b.sweeps.Sweeps)
		}
		open.Abort(last, why)
		b.r.Steps = append(b.r.Steps, open)
	}
	b.r.Finish(last)
	b.r.Outcome = report.Aborted
}
