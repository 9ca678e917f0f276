package cli

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// copyTree copies a fixture root into a temporary directory a test may
// then break.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// runWithin runs the CLI and fails the test if it does not return in time:
// the defects were a hang until SIGKILL and an out-of-memory crash.
func runWithin(t *testing.T, d time.Duration, args ...string) (int, string, string) {
	t.Helper()
	type result struct {
		code        int
		out, stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, out, stderr := runCLI(t, args...)
		done <- result{code, out, stderr}
	}()
	select {
	case r := <-done:
		return r.code, r.out, r.stderr
	case <-time.After(d):
		t.Fatalf("aihat %s did not return within %v", strings.Join(args, " "), d)
	}
	return 0, "", ""
}

func TestHostileFixtureRootsNeitherHangNorCrash(t *testing.T) {
	healthy := repoPath("testdata", "rootfs", "healthy-6.12")
	tests := []struct {
		name   string
		break_ func(root string) error
		step   string // the step that must fail or error on the broken file ("" when it is informational)
		file   string // and name it
	}{
		{"model is a link to /dev/zero", func(root string) error {
			p := filepath.Join(root, "proc/device-tree/model")
			os.Remove(p)
			return os.Symlink("/dev/zero", p)
		}, "board.identify", "proc/device-tree/model"},
		{"config.txt is a FIFO", func(root string) error {
			p := filepath.Join(root, "boot/firmware/config.txt")
			os.Remove(p)
			return syscall.Mkfifo(p, 0o644)
		}, "overlay.check", "config.txt"},
		// Informational: the run goes on, the log names the file.
		{"a procfs file of 1 MiB", func(root string) error {
			p := filepath.Join(root, "proc/sys/kernel/osrelease")
			return os.WriteFile(p, make([]byte, 1<<20), 0o644)
		}, "", "osrelease: file too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := copyTree(t, healthy)
			if err := tc.break_(root); err != nil {
				t.Fatal(err)
			}
			// The bound is generous for a loaded CI machine; the defect
			// was a hang forever.
			code, out, stderr := runWithin(t, 60*time.Second, "bringup", "--target", "fixture", "--root", root,
				"--plan", repoPath("testdata", "power", "pmic-only.yaml"), "--only", "board.identify,overlay.check,power.rails,power.flags", "-o", "json")
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Fatalf("stack trace:\n%s", stderr)
			}
			if tc.step != "" && code != 2 && code != 1 {
				t.Fatalf("exit %d, want the run to report the broken file (1 or 2)\nstdout %s\nstderr %s", code, out, stderr)
			}
			if !strings.Contains(out, tc.file) {
				t.Fatalf("the record does not name %s:\n%s", tc.file, out)
			}
			if tc.step == "" {
				return
			}
			var run struct {
				Steps []struct{ Name, Outcome string }
			}
			if err := json.Unmarshal([]byte(out), &run); err != nil {
				t.Fatal(err)
			}
			for _, st := range run.Steps {
				if st.Name == tc.step && st.Outcome != "ERROR" && st.Outcome != "FAIL" {
					t.Errorf("%s is %s, want it to report the broken file", st.Name, st.Outcome)
				}
			}
		})
	}
}
