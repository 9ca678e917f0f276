package journal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aihat/aihat/pkg/report"
)

// Render rebuilds a report directory's run.json, junit.xml and report.md
// from its journal: after a run that was killed before it wrote them, or to
// write them again. It returns the run and what reading skipped.
func Render(dir string) (*report.Run, ReadStats, error) {
	path := filepath.Join(dir, FileName)
	recs, st, err := ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, st, fmt.Errorf("%s has no %s: was the run started with --report-dir %s?", dir, FileName, dir)
	}
	if err != nil {
		return nil, st, fmt.Errorf("read %s: %w", path, err)
	}
	r, err := Rebuild(recs)
	if err != nil {
		return nil, st, fmt.Errorf("%s: %w", path, err)
	}
	if err := report.WriteDir(dir, r); err != nil {
		return r, st, fmt.Errorf("write the reports in %s: %w", dir, err)
	}
	return r, st, nil
}

// Exists says whether dir holds a journal.
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, FileName))
	return err == nil
}
