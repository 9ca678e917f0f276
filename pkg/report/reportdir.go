package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
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
// fixed links and removes what an earlier killed run left behind.
func PrepareDir(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, setsDir), 0o755); err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".aihat-probe*")
	if err != nil {
		return fmt.Errorf("report directory %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err == nil {
		if free := uint64(st.Bavail) * uint64(st.Bsize); free < minFreeBytes {
			return fmt.Errorf("report directory %s has %d KiB free, a report set needs up to %d KiB: free some space or choose another --report-dir", dir, free>>10, minFreeBytes>>10)
		}
	}
	if err := adoptLegacySet(dir); err != nil {
		return err
	}
	for _, name := range ReportFiles {
		if err := ensureLink(dir, name); err != nil {
			return err
		}
	}
	return cleanSets(dir)
}

// WriteDir writes the run's report set into dir and publishes it
// atomically (see PrepareDir for the layout).
func WriteDir(dir string, r *Run) (err error) {
	if err := PrepareDir(dir); err != nil {
		return err
	}
	set, err := os.MkdirTemp(filepath.Join(dir, setsDir), "set-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(set)
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
		if err := writeSynced(filepath.Join(set, name), writers[name]); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	if err := os.Chmod(set, 0o755); err != nil {
		return err
	}
	if err := syncDir(set); err != nil {
		return err
	}
	if err := swapLink(filepath.Join(dir, currentLink), filepath.Join("sets", filepath.Base(set))); err != nil {
		return fmt.Errorf("publish the report set in %s: %w", dir, err)
	}
	return cleanSets(dir)
}

// writeSynced writes a new file and syncs it to the disk.
func writeSynced(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
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

// swapLink points link at target in one rename, the only atomic way to
// replace what a path names.
func swapLink(link, target string) error {
	tmp := fmt.Sprintf("%s.tmp%d", link, os.Getpid())
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(link))
}

// ensureLink makes DIR/name a link into the current set.
func ensureLink(dir, name string) error {
	p := filepath.Join(dir, name)
	want := filepath.Join(currentLink, name)
	if got, err := os.Readlink(p); err == nil && got == want {
		return nil
	}
	if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
		return fmt.Errorf("report directory %s: %s is a directory", dir, name)
	}
	return swapLink(p, want)
}

// adoptLegacySet moves report files written as plain files (by an older
// aihat) into a set of their own, so they stay the current set until the
// next run publishes a new one.
func adoptLegacySet(dir string) error {
	var plain []string
	for _, name := range ReportFiles {
		if fi, err := os.Lstat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
			plain = append(plain, name)
		}
	}
	if len(plain) == 0 {
		return nil
	}
	set, err := os.MkdirTemp(filepath.Join(dir, setsDir), "set-")
	if err != nil {
		return err
	}
	for _, name := range plain {
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(set, name)); err != nil {
			return err
		}
	}
	os.Chmod(set, 0o755)
	return swapLink(filepath.Join(dir, currentLink), filepath.Join("sets", filepath.Base(set)))
}

// cleanSets removes every set but the current one and leftover temporary
// links and files: what a killed run left behind.
func cleanSets(dir string) error {
	cur, _ := os.Readlink(filepath.Join(dir, currentLink))
	entries, err := os.ReadDir(filepath.Join(dir, setsDir))
	if err != nil {
		return err
	}
	for _, e := range entries {
		if filepath.Join("sets", e.Name()) != cur {
			os.RemoveAll(filepath.Join(dir, setsDir, e.Name()))
		}
	}
	// Every atomic writer of a run (the set's, the plots' of
	// thermal.soak) writes "."+name+".tmp*" beside its file: a hidden temp
	// file in the directory is always a killed run's.
	patterns := []string{filepath.Join(dir, ".aihat", "current.tmp*"), filepath.Join(dir, ".aihat-probe*"), filepath.Join(dir, ".*.tmp*")}
	for _, name := range ReportFiles {
		// Ours and the older writer's ("."+name+".tmp*") leftovers only.
		patterns = append(patterns, filepath.Join(dir, name+".tmp*"), filepath.Join(dir, "."+name+".tmp*"))
	}
	for _, pattern := range patterns {
		m, _ := filepath.Glob(pattern)
		for _, p := range m {
			os.Remove(p)
		}
	}
	return nil
}

// syncDir makes a rename or create in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, unix.EINVAL) {
		return err
	}
	return nil
}

// IsTempName says whether a file name is one the report writers use for
// work in progress (tests and the kill script check none survive).
func IsTempName(name string) bool {
	return strings.Contains(name, ".tmp") || strings.HasPrefix(name, ".aihat-probe")
}
