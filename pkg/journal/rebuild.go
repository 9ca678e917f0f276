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
	var r *report.Run
	var open *report.Step
	// Sweeps of the step in progress: when the run is cut off they become
	// its series, so what it sampled is in the record.
	var sweeps *telemetry.Result
	// A resume record says the next begin of the open step goes on with
	// it (a load test taken up after a kill): its sweeps are kept.
	resumed := false
	var end *End
	var last time.Time
	for i, rec := range recs {
		last = rec.Wall
		switch rec.Kind {
		case KindRun:
			// The first record has what was known at the start; a later
			// one (the run's end, a resume) completes the identity (the
			// serial read from the board, the run id).
			var id report.Run
			if err := json.Unmarshal(rec.Data, &id); err != nil {
				return nil, fmt.Errorf("journal record %d (run): %w", i+1, err)
			}
			if r == nil {
				r = &id
				r.Steps = nil
				continue
			}
			CompleteRun(r, id)
		case KindBegin:
			var b Begin
			if err := json.Unmarshal(rec.Data, &b); err != nil {
				return nil, fmt.Errorf("journal record %d (begin): %w", i+1, err)
			}
			if resumed && open != nil && open.Name == b.Name {
				resumed = false
				continue
			}
			open = report.NewStep(b.Name, rec.Wall)
			sweeps = telemetry.NewResult()
		case KindResume:
			resumed = true
		case KindSweep:
			if open == nil {
				continue
			}
			var sw telemetry.Sweep
			if err := json.Unmarshal(rec.Data, &sw); err != nil {
				return nil, fmt.Errorf("journal record %d (sweep): %w", i+1, err)
			}
			sweeps.Add(sw, telemetry.RecordBuckets)
		case KindStep:
			var s report.Step
			if err := json.Unmarshal(rec.Data, &s); err != nil {
				return nil, fmt.Errorf("journal record %d (step): %w", i+1, err)
			}
			if r == nil {
				return nil, fmt.Errorf("journal record %d: a step before the run's identity", i+1)
			}
			r.Steps = append(r.Steps, &s)
			if open != nil && open.Name == s.Name {
				open = nil
			}
		case KindEnd:
			end = &End{}
			if err := json.Unmarshal(rec.Data, end); err != nil {
				return nil, fmt.Errorf("journal record %d (end): %w", i+1, err)
			}
		}
	}
	if r == nil {
		return nil, fmt.Errorf("the journal holds no run (%d records)", len(recs))
	}
	if r.ID == "" {
		r.ID = report.RunID(r.Serial, r.Started) // as bringup.Run names it
	}
	if end != nil {
		r.Finish(end.Ended)
		if end.Outcome == report.Aborted {
			r.Outcome = report.Aborted
		}
		return r, nil
	}
	// Cut off: say so, keep what was measured.
	why := fmt.Sprintf("the run was cut off: its journal ends at %s with no end record (killed, crashed or power lost)", last.UTC().Format(time.RFC3339))
	if open != nil {
		for _, n := range sweeps.Order {
			open.Series = append(open.Series, telemetry.ToReport(sweeps.Series[n], telemetry.RecordBuckets))
		}
		if sweeps.Sweeps > 0 {
			why += fmt.Sprintf("; its %d samples up to then are kept as series", sweeps.Sweeps)
		}
		open.Abort(last, why)
		r.Steps = append(r.Steps, open)
	}
	r.Finish(last)
	r.Outcome = report.Aborted
	return r, nil
}
