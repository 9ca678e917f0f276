package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aihat/aihat/pkg/rooted"
)

// A report directory holds one complete set of reports (run.json,
// junit.xml, report.md, report.html, metrics.txt) from one run, or the previous complete set, never
// a mix, whatever instant the process is killed at. Renaming files one by
// one cannot give that, so each set is written whole into a directory of
// its own and published by one atomic rename of a symbolic link:
//
//	DIR/.aihat/sets/<set>/{run.json,junit.xml,report.md,report.html,metrics.txt}
//	DIR/.aihat/current -> sets/<set>        (swapped atomically)
//	DIR/run.json -> .aihat/current/run.json (fixed links, made once)
//
// Sets other than the current one, and temporary links, are removed by the
// next run, so no temporary file outlives it.
const (
	setsDir     = ".aihat/sets"
	currentLink = ".aihat/current"
)

// ReportFiles are the files of one set, in the order they are written.
var ReportFiles = []string{RunJSONFile, JUnitFile, MarkdownFile, HTMLFile, MetricsFile}

// minFreeBytes is the room a report directory must have before a run
// starts: a set from a long run with series is a few MiB at most.
const minFreeBytes = 16 << 20

// PrepareDir checks, before a run starts, that dir can take a report set:
// it exists or can be made, is writable, and has room. It also lays out the
// fixed links and removes what an earlier killed run left behind. Inside
// dir, a symbolic link where aihat creates, renames or deletes is refused
// (rooted.ErrLink), so a link planted in a shared directory cannot send a
// write or a delete outside it.
func PrepareDir(dir string) error {
	if err := os.MkdirAll(dir, rooted.DirMode); err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	d, err := rooted.Open(dir)
	if err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	defer d.Close()
	return PrepareDirAt(d)
}

// PrepareDirAt is PrepareDir on a report directory held open.
func PrepareDirAt(d *rooted.Dir) error {
	dir := d.Name()
	if err := d.MkdirAll(setsDir, rooted.DirMode); err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	probe, name, err := d.CreateTemp(".", ".aihat-probe", "")
	if err != nil {
		return fmt.Errorf("report directory %s is not writable: %w", dir, err)
	}
	probe.Close()
	d.Remove(name)
	if free, err := d.FreeBytes(); err == nil && free < minFreeBytes {
		return fmt.Errorf("report directory %s has %d KiB free, a report set needs up to %d KiB: free some space or choose another --report-dir", dir, free>>10, minFreeBytes>>10)
	}
	if err := adoptLegacySet(d); err != nil {
		return err
	}
	for _, name := range ReportFiles {
		if err := ensureLink(d, name); err != nil {
			return err
		}
	}
	return cleanSets(d)
}

// WriteDir writes the run's report set into dir and publishes it
// atomically (see PrepareDir for the layout).
func WriteDir(dir string, r *Run) error {
	if err := os.MkdirAll(dir, rooted.DirMode); err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	d, err := rooted.Open(dir)
	if err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	defer d.Close()
	return WriteDirAt(d, r)
}

// WriteDirAt is WriteDir on a report directory held open (the session's,
// since it claimed it): what is renamed or planted in the report
// directory meanwhile cannot move the set.
func WriteDirAt(d *rooted.Dir, r *Run) (err error) {
	if err := PrepareDirAt(d); err != nil {
		return err
	}
	dir := d.Name()
	set, err := d.MkdirTemp(setsDir, "set-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			d.RemoveAll(set)
		}
	}()
	writers := map[string]func(io.Writer) error{
		RunJSONFile:  func(w io.Writer) error { return WriteJSON(w, r) },
		JUnitFile:    func(w io.Writer) error { return WriteJUnit(w, r) },
		MarkdownFile: func(w io.Writer) error { return WriteMarkdown(w, r) },
		HTMLFile:     func(w io.Writer) error { return WriteHTML(w, r) },
		MetricsFile:  func(w io.Writer) error { return WriteMetrics(w, r) },
	}
	for _, name := range ReportFiles {
		if err := writeSynced(d, filepath.Join(set, name), writers[name]); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	if err := d.Sync(set); err != nil {
		return err
	}
	if err := d.SwapLink(currentLink, filepath.Join("sets", filepath.Base(set))); err != nil {
		return fmt.Errorf("publish the report set in %s: %w", dir, err)
	}
	return cleanSets(d)
}

// writeSynced writes a new file and syncs it to the disk.
func writeSynced(d *rooted.Dir, rel string, write func(io.Writer) error) error {
	f, err := d.Create(rel, rooted.FileMode)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ensureLink makes DIR/name a link into the current set. A link of
// anyone else's there is replaced, never followed.
func ensureLink(d *rooted.Dir, name string) error {
	want := filepath.Join(currentLink, name)
	if got, err := d.Readlink(name); err == nil && got == want {
		return nil
	}
	if fi, err := d.Lstat(name); err == nil && fi.IsDir() {
		return fmt.Errorf("report directory %s: %s is a directory", d.Name(), name)
	}
	return d.SwapLink(name, want)
}

// adoptLegacySet moves report files written as plain files (by an older
// aihat) into a set of their own, so they stay the current set until the
// next run publishes a new one.
func adoptLegacySet(d *rooted.Dir) error {
	var plain []string
	for _, name := range ReportFiles {
		if fi, err := d.Lstat(name); err == nil && fi.Mode().IsRegular() {
			plain = append(plain, name)
		}
	}
	if len(plain) == 0 {
		return nil
	}
	set, err := d.MkdirTemp(setsDir, "set-")
	if err != nil {
		return err
	}
	for _, name := range plain {
		if err := d.Rename(name, filepath.Join(set, name)); err != nil {
			return err
		}
	}
	return d.SwapLink(currentLink, filepath.Join("sets", filepath.Base(set)))
}

// cleanSets removes every set but the current one and leftover temporary
// links and files: what a killed run left behind. A link among them is
// removed, never followed.
func cleanSets(d *rooted.Dir) error {
	cur, _ := d.Readlink(currentLink)
	entries, err := d.ReadDir(setsDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if filepath.Join("sets", e.Name()) != cur {
			d.RemoveAll(filepath.Join(setsDir, e.Name())) // a link is removed, not followed
		}
	}
	// Every atomic writer of a run (the set's, the plots' of
	// thermal.soak) writes "."+name+".tmp*" beside its file: a hidden temp
	// file in the directory is always a killed run's.
	removeMatching(d, ".aihat", "current.tmp*")
	patterns := []string{".aihat-probe*", ".*.tmp*"}
	for _, name := range ReportFiles {
		// Ours and the older writer's ("."+name+".tmp*") leftovers only.
		patterns = append(patterns, name+".tmp*", "."+name+".tmp*")
	}
	removeMatching(d, ".", patterns...)
	return nil
}

// removeMatching removes the entries of the directory rel whose names
// match one of patterns.
func removeMatching(d *rooted.Dir, rel string, patterns ...string) {
	entries, _ := d.ReadDir(rel)
	for _, e := range entries {
		for _, pattern := range patterns {
			if ok, _ := filepath.Match(pattern, e.Name()); ok {
				d.Remove(filepath.Join(rel, e.Name()))
				break
			}
		}
	}
}

// IsTempName says whether a file name is one the report writers use for
// work in progress (tests and the kill script check none survive).
func IsTempName(name string) bool {
	return strings.Contains(name, ".tmp") || strings.HasPrefix(name, ".aihat-probe")
}
