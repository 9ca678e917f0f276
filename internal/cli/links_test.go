package cli

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// plantedCanary is a directory outside the report directory holding one
// file; canaryUntouched fails when anything in it changed.
func plantedCanary(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "canary"), []byte("HOST SECRET\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func canaryUntouched(t *testing.T, out string) {
	t.Helper()
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 || entries[0].Name() != "canary" {
		t.Fatalf("outside the report directory now: %v", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "canary")); string(b) != "HOST SECRET\n" {
		t.Fatalf("canary now holds %q", b)
	}
}

// A link planted in a shared report directory where aihat makes its
// directories fails the run before it starts (exit 2), naming the link,
// and nothing outside is written or deleted.
func TestReportDirPlantedLinksFailTheRunNamingThem(t *testing.T) {
	for _, at := range []string{".aihat", ".aihat/sets", "SN1", "SN1/.aihat"} {
		t.Run(at, func(t *testing.T) {
			dir, out := t.TempDir(), plantedCanary(t)
			os.MkdirAll(filepath.Join(dir, filepath.Dir(at)), 0o755)
			if err := os.Symlink(out, filepath.Join(dir, at)); err != nil {
				t.Fatal(err)
			}
			// DIR/.aihat is the flat layout's (the station layout keeps
			// a set per run directory, which is new); a link at the
			// run's own DIR/SN1/.aihat is planted in a flat DIR/SN1.
			args := []string{"i2c", "scan", "--target", "sim", "--report-dir", dir, "--report-dir-flat"}
			switch at {
			case "SN1":
				args = []string{"i2c", "scan", "--target", "sim", "--serial", "SN1", "--report-dir", dir}
			case "SN1/.aihat":
				os.MkdirAll(filepath.Join(dir, "SN1"), 0o755)
				args = []string{"i2c", "scan", "--target", "sim", "--report-dir", filepath.Join(dir, "SN1"), "--report-dir-flat"}
			}
			code, _, stderr := runCLI(t, args...)
			if code != 2 || !strings.Contains(stderr, filepath.Join(dir, at)) || !strings.Contains(stderr, "symbolic link") {
				t.Fatalf("exit %d, stderr %q: want 2 and the link named", code, stderr)
			}
			canaryUntouched(t, out)
		})
	}
}

// DIR/latest is aihat's own link: one planted pointing outside is
// replaced; links at the report files' names in a flat directory are
// replaced by aihat's links into its set, and one at journal.jsonl is
// moved aside as journal.prev.jsonl (a rename of the link), never written
// through.
func TestReportDirPlantedLatestAndFileLinksAreReplacedNotFollowed(t *testing.T) {
	dir, out := t.TempDir(), plantedCanary(t)
	os.Symlink(out, filepath.Join(dir, "latest"))
	code, _, stderr := runCLI(t, "i2c", "scan", "--target", "sim", "--serial", "SN1", "--report-dir", dir)
	if code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	if l, _ := os.Readlink(filepath.Join(dir, "latest")); !strings.HasPrefix(l, "SN1/") {
		t.Fatalf("latest -> %s", l)
	}
	flat := t.TempDir()
	for _, f := range []string{"run.json", "junit.xml", "report.md", "report.html", "metrics.txt"} {
		os.Symlink(filepath.Join(out, "canary"), filepath.Join(flat, f))
	}
	if code, _, stderr := runCLI(t, "i2c", "scan", "--target", "sim", "--report-dir", flat, "--report-dir-flat"); code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(flat, "run.json")); err != nil || strings.Contains(string(b), "SECRET") {
		t.Fatalf("run.json: %v", err)
	}
	os.Rename(filepath.Join(flat, "journal.jsonl"), filepath.Join(flat, "kept"))
	os.Symlink(filepath.Join(out, "canary"), filepath.Join(flat, "journal.prev.jsonl"))
	os.Symlink(filepath.Join(out, "canary"), filepath.Join(flat, "journal.jsonl"))
	if code, _, _ := runCLI(t, "i2c", "scan", "--target", "sim", "--report-dir", flat, "--report-dir-flat"); code != 0 {
		t.Fatalf("journal link: exit %d", code)
	}
	canaryUntouched(t, out)
}

// A captured tree whose serial-number and model are links to a host file:
// the run reads neither into its record.
func TestFixtureLinkOutOfTheTreeIsNotReadIntoTheRecord(t *testing.T) {
	root, out, dir := filepath.Join(t.TempDir(), "tree"), plantedCanary(t), t.TempDir()
	if b, err := exec.Command("cp", "-a", repoPath("testdata", "rootfs", "healthy-6.12"), root).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, b)
	}
	for _, p := range []string{"proc/device-tree/serial-number", "proc/device-tree/model"} {
		os.Remove(filepath.Join(root, p))
		if err := os.Symlink(filepath.Join(out, "canary"), filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	_, stdout, stderr := runCLI(t, "driver", "check", "--target", "fixture", "--root", root, "--report-dir", dir, "-o", "json")
	if strings.Contains(stdout+stderr, "SECRET") {
		t.Fatalf("the host file was read: %s %s", stdout, stderr)
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), "SECRET") {
				t.Errorf("%s holds the host file", p)
			}
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(dir, "noserial")); err != nil {
		t.Errorf("the serial behind the link was not refused: %v", err)
	}
	canaryUntouched(t, out)
}
