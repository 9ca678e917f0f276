package journal

import (
	"fmt"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/rooted"
)

// Observer journals each step as the runner starts and ends it, then
// hands it on to Next (the progress on stderr). A step's record is synced
// when it ends: a finished step survives whatever comes after it.
type Observer struct {
	J    *Writer
	Next report.Observer
	// Err is the first journal error; the run goes on (its reports are
	// still written at the end) and the caller says the journal failed.
	Err error
}

// StepStarted implements report.Observer.
func (o *Observer) StepStarted(s *report.Step) {
	o.note(o.J.Append(KindBegin, Begin{Name: s.Name}))
	if o.Next != nil {
		o.Next.StepStarted(s)
	}
}

// StepEnded implements report.Observer.
func (o *Observer) StepEnded(s *report.Step) {
	o.note(o.J.Append(KindStep, s))
	o.note(o.J.Sync())
	if o.Next != nil {
		o.Next.StepEnded(s)
	}
}

func (o *Observer) note(err error) {
	if err != nil && o.Err == nil {
		o.Err = err
	}
}

// Start opens dir's journal for a new run, keeping the journal of the run
// before as journal.prev.jsonl (render it with --journal if that run was
// cut off before its reports were written), and records the run's identity.
func Start(dir string, c Clocks, run *report.Run) (*Writer, error) {
	d, err := rooted.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer d.Close()
	return StartIn(d, c, run)
}

// StartIn is Start in a report directory held open.
func StartIn(d *rooted.Dir, c Clocks, run *report.Run) (*Writer, error) {
	path, dir := d.Path(FileName), d.Name()
	if held, _ := Held(path); held {
		return nil, fmt.Errorf("journal %s is being written by another aihat process (a run still going in %s: aihat loadtest status %s)", path, dir, dir)
	}
	if err := keepPrev(d); err != nil {
		return nil, err
	}
	j, err := create(d, FileName, c)
	if err != nil {
		return nil, err
	}
	head := *run
	head.Steps = nil
	if err := j.Append(KindRun, &head); err != nil {
		j.Close()
		return nil, err
	}
	return j, j.Sync()
}

// Resume opens dir's journal to go on with the run it holds (a load test
// killed, now taken up again): appended to, never set aside, with record
// as the KindResume record that closes the gap.
func Resume(dir string, c Clocks, record any) (*Writer, error) {
	d, err := rooted.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer d.Close()
	return ResumeIn(d, c, record)
}

// ResumeIn is Resume in a report directory held open.
func ResumeIn(d *rooted.Dir, c Clocks, record any) (*Writer, error) {
	j, err := create(d, FileName, c)
	if err != nil {
		return nil, err
	}
	if err := j.Append(KindResume, record); err != nil {
		j.Close()
		return nil, err
	}
	return j, j.Sync()
}

// Finish records the finished run's identity and outcome and closes the
// journal.
func Finish(j *Writer, run *report.Run) error {
	head := *run
	head.Steps = nil
	j.Append(KindRun, &head)
	j.Append(KindEnd, End{Outcome: run.Outcome, Ended: run.Ended})
	return j.Close()
}

// PrevFileName keeps the journal of the run before the current one.
const PrevFileName = "journal.prev.jsonl"

// keepPrev renames d's journal, when there is one, to PrevFileName; a
// link at either name is renamed or replaced, never followed.
func keepPrev(d *rooted.Dir) error {
	if _, err := d.Lstat(FileName); err != nil {
		return nil
	}
	return d.Rename(FileName, PrevFileName)
}
