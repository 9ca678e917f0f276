package rooted

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plant makes dir/name a link to a directory outside holding a canary.
func plant(t *testing.T, dir, name string) (outside string) {
	t.Helper()
	outside = t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "canary"), []byte("canary"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	return outside
}

func untouched(t *testing.T, outside string) {
	t.Helper()
	entries, err := os.ReadDir(outside)
	if err != nil || len(entries) != 1 || entries[0].Name() != "canary" {
		t.Fatalf("outside dir changed: %v %v", entries, err)
	}
	if b, err := os.ReadFile(filepath.Join(outside, "canary")); err != nil || string(b) != "canary" {
		t.Fatalf("canary changed: %q %v", b, err)
	}
}

func TestLinksAreRefusedWhereAihatWrites(t *testing.T) {
	dir := t.TempDir()
	outside := plant(t, dir, "a")
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f, _ := os.Create(filepath.Join(dir, "plain"))
	f.Close()
	os.Symlink(filepath.Join(outside, "canary"), filepath.Join(dir, "flink"))
	ops := map[string]func() error{
		"mkdirall":  func() error { return d.MkdirAll("a/b", DirMode) },
		"mkdir":     func() error { return d.Mkdir("a", DirMode) },
		"create":    func() error { _, err := d.Create("a/x", FileMode); return err },
		"append":    func() error { _, err := d.OpenAppend("flink", FileMode); return err },
		"removeall": func() error { return d.RemoveAll("a/canary") },
		"rename":    func() error { return d.Rename("plain", "a/plain") },
		"readdir":   func() error { _, err := d.ReadDir("a"); return err },
		"swaplink":  func() error { return d.SwapLink("a/l", "x") },
	}
	for name, op := range ops {
		err := op()
		if !errors.Is(err, ErrLink) || !strings.Contains(err.Error(), filepath.Join(dir, "a")) && !strings.Contains(err.Error(), "flink") {
			t.Errorf("%s: err = %v, want a LinkError naming the link", name, err)
		}
	}
	// A link where aihat deletes is removed, not followed.
	if err := d.RemoveAll("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Fatalf("link not removed: %v", err)
	}
	untouched(t, outside)
}

func TestSwapLinkReplacesALinkWithoutFollowingIt(t *testing.T) {
	dir := t.TempDir()
	outside := plant(t, dir, "latest")
	os.Symlink(filepath.Join(outside, "canary"), filepath.Join(dir, "latest.tmp"+itoa(os.Getpid())))
	d, _ := Open(dir)
	defer d.Close()
	if err := d.SwapLink("latest", "run"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.Readlink(filepath.Join(dir, "latest")); got != "run" {
		t.Fatalf("latest -> %q", got)
	}
	untouched(t, outside)
}

func TestFilesAndDirsAreNotWorldWritable(t *testing.T) {
	dir := t.TempDir()
	d, _ := Open(dir)
	defer d.Close()
	old := setUmask(0)
	defer setUmask(old)
	if err := d.MkdirAll("s/r", DirMode); err != nil {
		t.Fatal(err)
	}
	f, name, err := d.CreateTemp("s/r", ".x", ".tmp")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for p, want := range map[string]os.FileMode{"s": 0o755, "s/r": 0o755, name: 0o644} {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", p, fi.Mode().Perm(), want, err)
		}
	}
}

func TestValidElem(t *testing.T) {
	for _, bad := range []string{"", ".", "..", "a/b", "a\x00b", "a\nb", "\x7f"} {
		if ValidElem(bad) == nil {
			t.Errorf("ValidElem(%q) = nil", bad)
		}
	}
	if err := ValidElem("SN-1.2_3"); err != nil {
		t.Error(err)
	}
}
