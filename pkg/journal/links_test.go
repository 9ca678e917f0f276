package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/rooted"
)

// A link planted at journal.jsonl (or journal.prev.jsonl) pointing at a
// host file: the journal refuses to append through it, and the previous
// journal's rename moves the link itself, so the host file is never
// written.
func TestPlantedJournalLinksAreNeverWrittenThrough(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	canary := filepath.Join(out, "canary")
	os.WriteFile(canary, []byte("canary\n"), 0o644)
	check := func() {
		t.Helper()
		if b, _ := os.ReadFile(canary); string(b) != "canary\n" {
			t.Fatalf("canary now holds %q", b)
		}
	}
	link := filepath.Join(dir, FileName)
	os.Symlink(canary, link)
	_, err := Create(link, Clocks{})
	if !errors.Is(err, rooted.ErrLink) || !strings.Contains(err.Error(), link) {
		t.Fatalf("Create through a link: %v", err)
	}
	check()
	// Start keeps the planted link as journal.prev.jsonl (a rename of the
	// link, not of its target) and starts a real journal.
	os.Symlink(canary, filepath.Join(dir, PrevFileName))
	j, err := Start(dir, Clocks{}, &report.Run{Schema: report.Schema})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if fi, err := os.Lstat(link); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
		t.Fatalf("journal: %v %v", fi, err)
	}
	check()
}

// A journal.jsonl that is a link (planted: aihat never makes one) is not
// read through: render, status and resume refuse it, naming it, and the
// file it points at outside the report directory is never read.
func TestAPlantedJournalLinkIsNotRead(t *testing.T) {
	outside := t.TempDir()
	canary := filepath.Join(outside, "secret")
	if err := os.WriteFile(canary, []byte(`{"kind":"params","secret":"canary"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.Symlink(canary, path); err != nil {
		t.Fatal(err)
	}
	_, err := ScanFile(path, func(Record) error {
		t.Fatal("a record was read through the link")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("ScanFile: %v, want an error naming the link", err)
	}
	if _, _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("ReadFile: %v", err)
	}
	if _, err := Held(path); err == nil {
		t.Fatal("Held opened the link")
	}
}
