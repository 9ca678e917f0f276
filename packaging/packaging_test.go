// Package packaging holds the Debian package's files; its tests check the
// load-test unit with systemd's own verifier and the unit's start-or-resume
// script with a recording stand-in for aihat.
package packaging

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/prereq"
)

const unitFile = "aihat-loadtest@.service"

// needTool finds a tool from the systemd package (prereq: a skip outside
// CI, a failure in it).
func needTool(t *testing.T, name string) string {
	t.Helper()
	return prereq.Command(t, "systemd", name)
}

// verify runs systemd-analyze verify on unit text installed as an instance
// (aihat-loadtest@soak1.service) with ExecStart pointing at the repository's
// script, and returns its combined output and error. --man=no: the man page
// is checked where it is installed (scripts/deb-test.sh runs man -w aihat).
func verify(t *testing.T, text string) (string, error) {
	t.Helper()
	script, err := filepath.Abs("aihat-loadtest-run")
	if err != nil {
		t.Fatal(err)
	}
	text = strings.ReplaceAll(text, "/usr/lib/aihat/aihat-loadtest-run", script)
	dir := t.TempDir()
	path := filepath.Join(dir, "aihat-loadtest@soak1.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(needTool(t, "systemd-analyze"), "verify", "--man=no", path)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// systemd-analyze verify exits 0 even for directives it ignores, so any
// output at all fails the unit.
func TestLoadtestUnitPassesSystemdAnalyzeVerify(t *testing.T) {
	text, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := verify(t, string(text)); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// The check above can fail: a misspelt Restart= value and a missing
// ExecStart binary are both reported.
func TestSystemdAnalyzeVerifyCatchesBrokenUnits(t *testing.T) {
	text, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	for name, broken := range map[string]string{
		"bad Restart":     strings.Replace(string(text), "Restart=on-failure", "Restart=on-fail", 1),
		"missing program": strings.Replace(string(text), "/usr/lib/aihat/aihat-loadtest-run", "/nonexistent/aihat-loadtest-run", 1),
	} {
		if out, err := verify(t, broken); err == nil && strings.TrimSpace(out) == "" {
			t.Errorf("%s: systemd-analyze verify reported nothing", name)
		}
	}
}

// unitKeys parses a unit into section.key -> values (keys may repeat).
func unitKeys(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: not key=value: %q", path, line)
			}
			keys[section+"."+k] = append(keys[section+"."+k], v)
		}
	}
	return keys
}

// What makes the unit a resumable long run: restarted on failure but not
// after a FAIL verdict or a usage error, a SIGTERM stop (exit 3) is clean,
// state kept per instance, enabled at boot so a reboot resumes it.
func TestLoadtestUnitRestartsAndResumes(t *testing.T) {
	k := unitKeys(t, unitFile)
	for key, want := range map[string]string{
		"Service.Restart":                  "on-failure",
		"Service.RestartPreventExitStatus": "1 64",
		"Service.SuccessExitStatus":        "3",
		"Service.StateDirectory":           "aihat/loadtest/%i",
		"Service.ExecStart":                "/usr/lib/aihat/aihat-loadtest-run /var/lib/aihat/loadtest/%i",
		"Install.WantedBy":                 "multi-user.target",
	} {
		if got := strings.Join(k[key], "|"); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}

// runScript runs aihat-loadtest-run on dir with a stand-in aihat that
// records its arguments, and returns the exit code, the recorded
// arguments ("" when aihat was not run) and the script's output.
func runScript(t *testing.T, dir string, env ...string) (int, string, string) {
	t.Helper()
	bin := t.TempDir()
	argsFile := filepath.Join(bin, "args")
	stub := "#!/bin/sh\nprintf '%s ' \"$@\" > " + argsFile + "\n"
	if err := os.WriteFile(filepath.Join(bin, "aihat"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", "aihat-loadtest-run", dir)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "AIHAT=" + filepath.Join(bin, "aihat")}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(argsFile)
	return code, strings.TrimSpace(string(args)), out.String()
}

func TestLoadtestRunStartsResumesAndStops(t *testing.T) {
	dir := t.TempDir()
	code, args, out := runScript(t, dir)
	if code != 0 || args != "loadtest --duration 24h --report-dir "+dir+" --report-dir-flat" {
		t.Fatalf("empty dir: exit %d, aihat %q\n%s", code, args, out)
	}
	code, args, _ = runScript(t, dir, "AIHAT_LOADTEST_DURATION=2h", "AIHAT_LOADTEST_ARGS=--target linux --plan /etc/aihat/station.yaml")
	if code != 0 || args != "loadtest --duration 2h --report-dir "+dir+" --report-dir-flat --target linux --plan /etc/aihat/station.yaml" {
		t.Fatalf("settings: exit %d, aihat %q", code, args)
	}
	// Files of a start killed before its journal: start again.
	if err := os.MkdirAll(filepath.Join(dir, ".aihat"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, args, out = runScript(t, dir); code != 0 || !strings.HasPrefix(args, "loadtest --duration") {
		t.Fatalf("no journal: exit %d, aihat %q\n%s", code, args, out)
	}
	// A journal is a run cut off: resume it.
	if err := os.WriteFile(filepath.Join(dir, "journal.jsonl"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, args, out = runScript(t, dir)
	if code != 0 || args != "loadtest --resume "+dir {
		t.Fatalf("journal: exit %d, aihat %q\n%s", code, args, out)
	}
	// run.json is written at the end: a finished run is not run again.
	if err := os.WriteFile(filepath.Join(dir, "run.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, args, out = runScript(t, dir)
	if code != 0 || args != "" || !strings.Contains(out, "finished") {
		t.Fatalf("finished: exit %d, aihat %q\n%s", code, args, out)
	}
	code, args, out = runScript(t, filepath.Join(dir, "missing"))
	if code != 64 || args != "" || !strings.Contains(out, "not a directory") {
		t.Fatalf("missing dir: exit %d, aihat %q\n%s", code, args, out)
	}
}
