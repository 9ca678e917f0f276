package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// version runs hailortcli from PATH and prints what it says; here PATH holds
// a script that prints the line hailortcli's version flag prints.
func TestVersionPrintsHailoRTWhenTheCLIAnswers(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\ntest \"$1\" = --version || exit 2\necho 'HailoRT-CLI version 5.1.1'\n"
	if err := os.WriteFile(filepath.Join(dir, "hailortcli"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	code, out, _ := runCLI(t, "version", "--target", "sim")
	if code != 0 || !strings.Contains(out, "hailort: 5.1.1\n") {
		t.Fatalf("exit %d, out:\n%s", code, out)
	}
}

// A missing ONNX Runtime is reported on the onnxruntime line, not an error:
// version must work on a machine with nothing installed.
func TestVersionReportsAMissingLibraryAndExitsZero(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no hailortcli: no hailort line
	missing := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	code, out, stderr := runCLI(t, "version", "--target", "sim", "--ort-lib", missing)
	if code != 0 || !strings.Contains(out, "onnxruntime: not found") || strings.Contains(out, "hailort:") {
		t.Fatalf("exit %d, out:\n%s\nstderr: %s", code, out, stderr)
	}
}

// With the library the Makefile exports, version prints its version.
func TestVersionPrintsTheLoadedOnnxRuntime(t *testing.T) {
	if os.Getenv("ONNXRUNTIME_LIB") == "" {
		t.Skip("ONNXRUNTIME_LIB unset (make test sets it)")
	}
	code, out, _ := runCLI(t, "version", "--target", "sim")
	if code != 0 || !strings.Contains(out, "onnxruntime: 1.24.") {
		t.Fatalf("exit %d, out:\n%s", code, out)
	}
}
