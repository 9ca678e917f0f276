package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/journal"
)

// A finished run, a directory without a journal, a run still going and
// flags that would change the run: --resume and status say what they see.
func TestLoadtestResumeAndStatusEdges(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"loadtest", "--target", "sim", "--duration", "2h", "--interval", "30s", "--warmup", "30m",
		"--report-dir", dir, "--report-dir-flat"}
	if code, _, errOut := runCLI(t, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, out, _ := runCLI(t, "loadtest", "status", dir)
	if code != 0 || !strings.Contains(out, "state:      finished PASS") || !strings.Contains(out, "241 sweeps journalled") {
		t.Fatalf("status of a finished run: exit %d\n%s", code, out)
	}
	code, out, errOut := runCLI(t, "loadtest", "--resume", dir)
	if code != 0 || out != "" || !strings.Contains(errOut, "nothing to resume") {
		t.Fatalf("resume of a finished run: exit %d %q %q", code, out, errOut)
	}

	// Cut the run's end off: it is now a run killed at its last sweep.
	path := filepath.Join(dir, journal.FileName)
	b, _ := os.ReadFile(path)
	lines := strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
	var kept []string
	for _, l := range lines {
		if strings.Contains(l, `"k":"step"`) || strings.Contains(l, `"k":"end"`) || strings.Contains(l, `"k":"run"`) && len(kept) > 0 {
			break
		}
		kept = append(kept, l)
	}
	os.WriteFile(path, []byte(strings.Join(kept, "")), 0o644)
	os.Remove(filepath.Join(dir, "run.json"))
	code, out, _ = runCLI(t, "loadtest", "status", dir)
	if code != 0 || !strings.Contains(out, "state:      stopped") || !strings.Contains(out, "--resume "+dir) {
		t.Fatalf("status of a killed run: exit %d\n%s", code, out)
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"loadtest", "--resume", filepath.Dir(dir)}, 64, "holds no load test journal"},
		{[]string{"loadtest", "--resume", dir, "--duration", "3h"}, 64, "own parameters"},
		{[]string{"loadtest", "--resume", dir, "--target", "linux"}, 64, "was on sim"},
		{[]string{"loadtest", "--resume", dir, "--report-dir", dir}, 64, "drop --report-dir"},
	} {
		if code, _, errOut := runCLI(t, c.args...); code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q, want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}

	// A run still going holds its journal: a second resume is refused.
	j, err := journal.Create(path, journal.Clocks{})
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "loadtest", "status", dir)
	if !strings.Contains(out, "state:      running") {
		t.Errorf("status of a held journal: %s", out)
	}
	if code, _, errOut := runCLI(t, "loadtest", "--resume", dir); code != 2 || !strings.Contains(errOut, "still going") {
		t.Errorf("resume of a held journal: exit %d %q", code, errOut)
	}
	j.Close()

	// The same parameters again (the unit passes its settings every
	// start) are fine: the run goes on and ends under its first id.
	code, out, errOut = runCLI(t, "loadtest", "--resume", dir, "--duration", "2h", "--target", "sim", "-o", "json")
	if code != 0 || !strings.Contains(out, `"id": "noserial-20260101T080000Z"`) || !strings.Contains(errOut, "same boot_id") {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errOut)
	}
}
