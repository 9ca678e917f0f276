package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/aihat/aihat/pkg/rooted"
)

// LatestLink is the link a station's report directory keeps to the run
// directory of its latest run.
const LatestLink = "latest"

// validSerial is what a serial may be to name a directory: no separators,
// no "..", nothing a shell or a file browser trips over.
var validSerial = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// RunID names a run by its board's serial and its UTC start, as OpenHTF
// names its records: unique on a station, stable for a seeded sim run.
func RunID(serial string, started time.Time) string {
	if serial == "" {
		serial = "noserial"
	}
	return fmt.Sprintf("%s-%s", serial, started.UTC().Format("20060102T150405Z"))
}

// ClaimRunDir makes DIR/<serial>/<run-id>/ for a new run and returns it
// with the run id. A record is never overwritten: when that directory
// exists (a second run of the board within the second, or a simulated
// board whose virtual clock starts at the same instant every time) the id
// gets a suffix, -2, -3 ..., claimed with an exclusive mkdir so two
// processes sharing a directory cannot take the same one.
func ClaimRunDir(dir, serial string, started time.Time) (runDir, id string, err error) {
	if serial == "" {
		serial = "noserial"
	}
	if !validSerial.MatchString(serial) || rooted.ValidElem(serial) != nil {
		return "", "", fmt.Errorf("serial %q cannot name a report directory (letters, digits, '.', '_' and '-' only): give --serial", serial)
	}
	base := RunID(serial, started)
	if err := os.MkdirAll(dir, rooted.DirMode); err != nil {
		return "", "", fmt.Errorf("report directory %s: %w", dir, err)
	}
	d, err := rooted.Open(dir)
	if err != nil {
		return "", "", fmt.Errorf("report directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.MkdirAll(serial, rooted.DirMode); err != nil {
		return "", "", fmt.Errorf("report directory %s: %w", dir, err)
	}
	for n := 1; n < 10000; n++ {
		id = base
		if n > 1 {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		if err := rooted.ValidElem(id); err != nil {
			return "", "", fmt.Errorf("run id: %w", err)
		}
		err := d.Mkdir(filepath.Join(serial, id), rooted.DirMode)
		if err == nil {
			return filepath.Join(dir, serial, id), id, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", "", fmt.Errorf("report directory %s: %w", dir, err)
		}
	}
	return "", "", fmt.Errorf("report directory %s: 9999 runs of %s started at %s already", dir, serial, started.UTC().Format(time.RFC3339))
}

// PointLatest makes DIR/latest point at runDir (inside dir) in one
// atomic rename: a reader finds the previous run or this one, never none.
// A link at latest, wherever it points, is replaced, never followed.
func PointLatest(dir, runDir string) error {
	rel, err := filepath.Rel(dir, runDir)
	if err != nil {
		return err
	}
	if !filepath.IsLocal(rel) {
		return fmt.Errorf("report directory %s: run directory %s is not inside it", dir, runDir)
	}
	d, err := rooted.Open(dir)
	if err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	defer d.Close()
	if fi, err := d.Lstat(LatestLink); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("report directory %s: %s exists and is not a link", dir, LatestLink)
	}
	return d.SwapLink(LatestLink, rel)
}
