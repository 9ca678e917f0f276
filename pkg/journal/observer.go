package journal

import (
	"os"
	"path/filepath"

	"github.com/aihat/aihat/pkg/report"
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
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err == nil {
		if err := os.Rename(path, filepath.Join(dir, PrevFileName)); err != nil {
			return nil, err
		}
	}
	j, err := Create(path, c)
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
