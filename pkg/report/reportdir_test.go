package report

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// listAll returns every path under dir, links shown as "name -> target".
func listAll(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if fi.Mode()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			rel += " -> " + target
		}
		out = append(out, rel)
		return nil
	})
	sort.Strings(out)
	return out
}

func TestWriteDirPublishesOneCompleteSetAndCleansUp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	first := sampleRun()
	first.ID = "SN1-first"
	if err := WriteDir(dir, first); err != nil {
		t.Fatal(err)
	}
	second := sampleRun()
	second.ID = "SN1-second"
	// What a run killed while writing leaves: a half-written set and a
	// temporary link.
	os.MkdirAll(filepath.Join(dir, setsDir, "set-killed"), 0o755)
	os.WriteFile(filepath.Join(dir, setsDir, "set-killed", RunJSONFile), []byte("{"), 0o644)
	os.Symlink("sets/set-killed", filepath.Join(dir, currentLink+".tmp999"))
	if err := WriteDir(dir, second); err != nil {
		t.Fatal(err)
	}
	for _, name := range ReportFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "SN1-second") {
			t.Errorf("%s is not from the second run", name)
		}
	}
	all := listAll(t, dir)
	sets := 0
	for _, p := range all {
		if IsTempName(filepath.Base(p)) || strings.Contains(p, "set-killed") {
			t.Errorf("left behind: %s", p)
		}
		if strings.HasPrefix(p, setsDir+"/") && strings.Count(p, "/") == 2 {
			sets++
		}
	}
	if sets != 1 {
		t.Errorf("%d sets kept, want only the current one: %v", sets, all)
	}
	back, err := ReadJSONFile(filepath.Join(dir, RunJSONFile))
	if err != nil || back.ID != "SN1-second" {
		t.Fatalf("read back through the link: %v %v", back, err)
	}
}

// A directory written by an older aihat (plain files) keeps its set as the
// current one until a new set is published.
func TestPrepareDirAdoptsPlainFiles(t *testing.T) {
	dir := t.TempDir()
	old := sampleRun()
	old.ID = "SN0-old"
	for name, w := range map[string]func(*os.File) error{
		RunJSONFile:  func(f *os.File) error { return WriteJSON(f, old) },
		JUnitFile:    func(f *os.File) error { return WriteJUnit(f, old) },
		MarkdownFile: func(f *os.File) error { return WriteMarkdown(f, old) },
	} {
		f, _ := os.Create(filepath.Join(dir, name))
		w(f)
		f.Close()
	}
	if err := PrepareDir(dir); err != nil {
		t.Fatal(err)
	}
	// An older aihat wrote no report.html: the three it wrote are kept.
	for _, name := range []string{RunJSONFile, JUnitFile, MarkdownFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !strings.Contains(string(b), "SN0-old") {
			t.Errorf("%s lost the older set: %v", name, err)
		}
	}
}

func TestPrepareDirRefusesAnUnwritableDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		// root writes anywhere; a file where the directory belongs fails
		// for everyone.
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, nil, 0o644)
		if err := PrepareDir(filepath.Join(f, "reports")); err == nil || !strings.Contains(err.Error(), f) {
			t.Fatalf("err = %v, want an error naming %s", err, f)
		}
		return
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o555)
	defer os.Chmod(dir, 0o755)
	if err := PrepareDir(dir); err == nil || !strings.Contains(err.Error(), "not writable") {
		t.Fatalf("err = %v", err)
	}
}

// A plot a killed thermal.soak was writing ("."+name+".tmp*") is removed
// by the next run like the set's own work files.
func TestPrepareDirRemovesAKilledRunsHiddenTempFiles(t *testing.T) {
	dir := t.TempDir()
	leftover := filepath.Join(dir, ".thermal.soak.svg.tmp3769484676")
	os.WriteFile(leftover, []byte("<svg"), 0o644)
	keep := filepath.Join(dir, "thermal.soak.svg")
	os.WriteFile(keep, []byte("<svg/>"), 0o644)
	if err := PrepareDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); err == nil {
		t.Fatal("the killed run's temp file is still there")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatal("a finished plot was removed")
	}
}
