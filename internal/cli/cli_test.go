package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aihat/aihat/pkg/sim"
)

// runCLI runs aihat as main does, on a workstation (so that --target auto
// does not depend on the machine running the tests), and returns exit
// code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runOn(t, workstation, args...)
}

// workstation is an x86-64 host that is not a Raspberry Pi.
var workstation = Host{Arch: "amd64", FS: fstest.MapFS{}}

// runOn runs aihat as main does on host.
func runOn(t *testing.T, host Host, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	code := MainOn(context.Background(), host, shortArgs(t, args), io, BuildInfo{Version: "test", Commit: "abc123"})
	return code, out.String(), errOut.String()
}

func repoPath(elem ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), "..", ".."}, elem...)...)
}

// cliCase is one invocation and what it must do: exit code and a string
// its stdout must contain.
type cliCase struct {
	name string
	args []string
	code int
	out  string
}

// runCases runs each case as a subtest.
func runCases(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, stderr)
			}
			if !strings.Contains(out, tc.out) {
				t.Fatalf("stdout lacks %q:\n%s", tc.out, out)
			}
		})
	}
}

func assertOneLineError(t *testing.T, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
		t.Fatalf("stack trace on stderr:\n%s", stderr)
	}
	if !strings.HasPrefix(stderr, "aihat: ") {
		t.Fatalf("stderr = %q, want one line starting with 'aihat: '", stderr)
	}
}

func TestExitCodesOfRealInvocations(t *testing.T) {
	emptyDir := t.TempDir()
	badPlan := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(badPlan, []byte("hat:\n  colour: red\n"), 0o644)
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"version", []string{"version", "--target", "sim"}, 0, ""},
		{"unknown flag", []string{"bringup", "--frobnicate"}, 64, "unknown flag"},
		{"unknown command", []string{"frobnicate"}, 64, "unknown command"},
		{"extra argument", []string{"bringup", "extra"}, 64, "takes no arguments"},
		{"missing root", []string{"i2c", "scan", "--target", "fixture", "--root", filepath.Join(emptyDir, "nope")}, 64, "--root"},
		{"fixture without a root", []string{"i2c", "scan", "--target", "fixture"}, 64, "--root DIR"},
		{"root with auto", []string{"i2c", "scan", "--root", emptyDir}, 64, "--target fixture --root"},
		{"root with linux", []string{"i2c", "scan", "--target", "linux", "--root", emptyDir}, 64, "--target fixture --root"},
		{"root with sim", []string{"i2c", "scan", "--target", "sim", "--root", emptyDir}, 64, "--target fixture --root"},
		{"bad target", []string{"i2c", "scan", "--target", "mars"}, 64, "--target"},
		{"bad plan", []string{"plan", "show", "--plan", badPlan}, 64, "bad.yaml:2"},
		{"unknown fault", []string{"bringup", "--target", "sim", "--fault", "gremlins"}, 64, "unknown fault"},
		{"fault on linux", []string{"bringup", "--target", "linux", "--fault", "fan-stall"}, 64, "--fault"},
		{"fault on fixture", []string{"bringup", "--target", "fixture", "--root", emptyDir, "--fault", "fan-stall"}, 64, "--fault"},
		{"bad output", []string{"i2c", "scan", "--target", "sim", "-o", "yaml"}, 64, "-o"},
		{"scan sim passes", []string{"i2c", "scan", "--target", "sim"}, 0, ""},
		{"absurd sample count", []string{"power", "rails", "--target", "sim", "--samples", "9223372036854775807"}, 64, "--samples"},
		{"report dir under a file", []string{"power", "flags", "--target", "sim", "--report-dir", badPlan + "/reports"}, 2, "report directory"},
		{"scan without EEPROM capture errors", []string{"i2c", "scan", "--target", "fixture", "--root", emptyDir}, 2, ""},
		{"scan no-hat fixture fails", []string{"i2c", "scan", "--target", "fixture", "--root", repoPath("testdata", "i2c", "no-hat")}, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if tc.inStderr != "" {
				assertOneLineError(t, stderr)
				if !strings.Contains(stderr, tc.inStderr) {
					t.Fatalf("stderr = %q, want it to mention %q", stderr, tc.inStderr)
				}
			}
		})
	}
}

func TestVersionPrintsCommitAndGo(t *testing.T) {
	code, out, _ := runCLI(t, "version", "--target", "sim")
	for _, want := range []string{"aihat test", "commit:  abc123", "go:      go"} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestScanJSONOnAFixtureRoot(t *testing.T) {
	code, out, stderr := runCLI(t, "i2c", "scan", "--target", "fixture", "--root", repoPath("testdata", "i2c", "pi5-bookworm"), "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var run struct {
		Schema  string
		Target  string
		Outcome string
		Steps   []struct {
			Name         string
			Measurements []struct {
				Name  string
				Value any
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if run.Schema != "aihat.run/v2" || run.Target != "fixture" || run.Outcome != "PASS" || run.Steps[0].Name != "i2c.scan" {
		t.Fatalf("run = %+v", run)
	}
}

func TestBringupWritesTheReportDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	code, out, stderr := runCLI(t, "bringup", "--target", "sim", "--report-dir", dir, "--serial", "SN1", "--station", "st-3")
	if code != 0 {
		t.Fatalf("healthy sim bringup exit %d\n%s\n%s", code, out, stderr)
	}
	dir = filepath.Join(dir, "latest") // station layout: DIR/<serial>/<run-id>/
	for _, f := range []string{"run.json", "junit.xml", "report.md", "report.html", "metrics.txt"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "run.json"))
	if !bytes.Contains(b, []byte(`"serial": "SN1"`)) || !bytes.Contains(b, []byte(`"station": "st-3"`)) {
		t.Errorf("run.json lacks serial/station:\n%s", b)
	}
	if !strings.Contains(out, "i2c.scan") || !strings.Contains(out, "board.identify") {
		t.Errorf("table lacks the steps:\n%s", out)
	}
}

func TestSimFaultsListsTheCatalogue(t *testing.T) {
	code, out, _ := runCLI(t, "sim", "faults")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range sim.Catalogue() {
		if !strings.Contains(out, f.Name) {
			t.Errorf("sim faults lacks %s", f.Name)
		}
	}
}

func TestPlanShowPrintsTheMergedPlan(t *testing.T) {
	override := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(override, []byte("station_note_is_not_a_field: 1\n"), 0o644)
	if code, _, _ := runCLI(t, "plan", "show", "--plan", override); code != 64 {
		t.Fatalf("unknown top-level key: exit %d, want 64", code)
	}
	os.WriteFile(override, []byte("limits:\n  eeprom.verify.product: {equals: Custom HAT}\n"), 0o644)
	code, out, _ := runCLI(t, "plan", "show", "--plan", override)
	if code != 0 || !strings.Contains(out, "equals: Custom HAT") || !strings.Contains(out, "eeprom.verify.format_version") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestCompletionIsAvailable(t *testing.T) {
	code, out, _ := runCLI(t, "completion", "bash")
	if code != 0 || !strings.Contains(out, "bash completion") {
		t.Fatalf("exit %d, %.80q", code, out)
	}
}
