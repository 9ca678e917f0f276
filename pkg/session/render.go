package session

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aihat/aihat/pkg/journal"
	"github.com/aihat/aihat/pkg/report"
)

// Render reads a stored run: a run record (run.json), or a report
// directory whose report set it rebuilds, from its journal when it has one
// (a run killed before it wrote its reports), else from its run.json. note
// says what was read, for stderr.
func Render(path string) (r *report.Run, note string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, "", &ExitError{Code: report.ExitError, Err: fmt.Errorf("%s: %w (give a run.json or a report directory)", path, err)}
	}
	switch {
	case !fi.IsDir():
		if r, err = report.ReadJSONFile(path); err != nil {
			return nil, "", &ExitError{Code: report.ExitError, Err: err}
		}
		note = fmt.Sprintf("rendered %s", path)
	case journal.Exists(path):
		var st journal.ReadStats
		if r, st, err = journal.Render(path); err != nil {
			return nil, "", &ExitError{Code: report.ExitError, Err: err}
		}
		note = fmt.Sprintf("rendered %s from %s (%d lines", path, journal.FileName, st.Lines)
		if st.Torn {
			note += "; its torn last line was skipped"
		}
		if st.Bad > 0 {
			note += fmt.Sprintf("; %d damaged line(s) skipped (%s)", st.Bad, st.LastBad)
		}
		note += ")"
	default:
		runJSON := filepath.Join(path, report.RunJSONFile)
		if r, err = report.ReadJSONFile(runJSON); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				err = fmt.Errorf("%s has neither %s nor %s: was the run started with --report-dir %s?", path, journal.FileName, report.RunJSONFile, path)
				if _, lerr := os.Lstat(filepath.Join(path, report.LatestLink)); lerr == nil {
					err = fmt.Errorf("%s is a station's report directory, one run per DIR/<serial>/<run-id>/: render %s or one run's directory", path, filepath.Join(path, report.LatestLink))
				}
			}
			return nil, "", &ExitError{Code: report.ExitError, Err: err}
		}
		if err := report.WriteDir(path, r); err != nil {
			return nil, "", &ExitError{Code: report.ExitError, Err: fmt.Errorf("write the reports in %s: %w", path, err)}
		}
		note = fmt.Sprintf("rendered %s from its %s", path, report.RunJSONFile)
	}
	return r, note, nil
}
