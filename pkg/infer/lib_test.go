package infer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// touch creates an empty file (the lookup only needs it to exist).
func touch(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A copied or packaged binary finds the library next to itself first, then
// in ../lib/aihat/ (the layout of a relocatable tree), with no environment.
func TestFindLibraryNextToTheBinaryThenLibAihat(t *testing.T) {
	root := t.TempDir()
	exe := touch(t, filepath.Join(root, "bin", "aihat"))
	lib := touch(t, filepath.Join(root, "lib", "aihat", LibName))
	got, err := findLibrary("", "", exe, t.TempDir())
	if err != nil || got != lib {
		t.Fatalf("got %q, %v; want %s", got, err, lib)
	}
	next := touch(t, filepath.Join(root, "bin", LibName))
	got, err = findLibrary("", "", exe, t.TempDir())
	if err != nil || got != next {
		t.Fatalf("got %q, %v; want %s (next to the binary wins)", got, err, next)
	}
}

// /usr/bin/aihat as a symlink into a relocatable tree looks in that tree.
func TestFindLibraryFollowsTheExecutableSymlink(t *testing.T) {
	root := t.TempDir()
	real := touch(t, filepath.Join(root, "opt", "aihat", "bin", "aihat"))
	lib := touch(t, filepath.Join(root, "opt", "aihat", "lib", "aihat", LibName))
	link := filepath.Join(root, "usr", "bin", "aihat")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	got, err := findLibrary("", "", link, t.TempDir())
	if err != nil || got != lib {
		t.Fatalf("got %q, %v; want %s", got, err, lib)
	}
}

// An explicit ONNXRUNTIME_LIB wins over a packaged copy, and a set but
// missing one is an error naming it rather than a silent fallback.
func TestFindLibraryExplicitEnvironmentWins(t *testing.T) {
	root := t.TempDir()
	exe := touch(t, filepath.Join(root, "bin", "aihat"))
	touch(t, filepath.Join(root, "bin", LibName))
	env := touch(t, filepath.Join(t.TempDir(), "custom", LibName))
	got, err := findLibrary("", env, exe, "")
	if err != nil || got != env {
		t.Fatalf("got %q, %v; want %s", got, err, env)
	}
	missing := filepath.Join(t.TempDir(), "gone", LibName)
	_, err = findLibrary("", missing, exe, "")
	if !errors.Is(err, ErrNoLibrary) || !strings.Contains(err.Error(), "ONNXRUNTIME_LIB "+missing) {
		t.Fatalf("err = %v", err)
	}
}

// With nothing found, the error lists every place in lookup order.
func TestFindLibraryErrorNamesEveryPlace(t *testing.T) {
	root := t.TempDir()
	exe := touch(t, filepath.Join(root, "bin", "aihat"))
	wd := filepath.Join(root, "work")
	got, err := findLibrary("", "", exe, wd)
	if err == nil {
		t.Skipf("this machine has a system copy at %s", got)
	}
	msg := err.Error()
	places := []string{
		filepath.Join(root, "bin", LibName),
		filepath.Join(root, "lib", "aihat", LibName),
		"/usr/lib/aihat/" + LibName,
		filepath.Join(wd, CacheRel()),
		"/usr/lib/aarch64-linux-gnu/" + LibName,
	}
	last := -1
	for _, p := range places {
		i := strings.Index(msg, p)
		if i < 0 {
			t.Fatalf("error does not name %s:\n%s", p, msg)
		}
		if i < last {
			t.Fatalf("%s is out of lookup order in:\n%s", p, msg)
		}
		last = i
	}
	if !strings.Contains(msg, "ONNXRUNTIME_LIB") || !strings.Contains(msg, "--ort-lib") {
		t.Fatalf("error does not name the explicit settings:\n%s", msg)
	}
}
