package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A file the user named that cannot be read is ERROR, exit 2 as the README
// says, with a line naming the path and the cause; a malformed one stays a
// usage error (64). Permission itself cannot be shown here when the tests
// run as root (mode 000 does not stop root), so a missing file, a
// directory and a FIFO stand in for "exists but cannot be read" and the
// chmod case runs only as a user (see safefile's
// TestUnreadableFileNamesThePermission).
func TestUnreadableNamedFileIsExit2NamingIt(t *testing.T) {
	tmp := t.TempDir()
	missing := filepath.Join(tmp, "missing.eep")
	fifo := filepath.Join(tmp, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(tmp, "bad.yaml")
	os.WriteFile(bad, []byte("stages: [\n"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"verify --file missing", []string{"eeprom", "verify", "--target", "sim", "--file", missing}, 2, missing + ": no such file"},
		{"verify --file directory", []string{"eeprom", "verify", "--target", "sim", "--file", tmp}, 2, tmp + ": is a directory"},
		{"verify --file FIFO", []string{"eeprom", "verify", "--target", "sim", "--file", fifo}, 2, fifo + ": not a regular file"},
		{"dump --file /dev/zero", []string{"eeprom", "dump", "--target", "sim", "--file", "/dev/zero"}, 2, "/dev/zero: not a regular file"},
		{"make settings missing", []string{"eeprom", "make", missing, filepath.Join(tmp, "out.eep")}, 2, missing},
		{"write image FIFO", []string{"eeprom", "write", "--target", "sim", "--verify-only", fifo}, 2, fifo + ": not a regular file"},
		{"--plan missing", []string{"stages", "--plan", missing}, 2, missing},
		{"--plan FIFO", []string{"bringup", "--target", "sim", "--plan", fifo}, 2, fifo},
		{"--from-run FIFO", []string{"power", "budget", "--target", "sim", "--from-run", fifo}, 2, fifo},
		{"--plan malformed", []string{"bringup", "--target", "sim", "--plan", bad}, 64, bad},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Fatalf("exit %d, want %d and %q\nstdout:\n%s\nstderr:\n%s", code, tc.code, tc.want, out, errOut)
			}
		})
	}
}
