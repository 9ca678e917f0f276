package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/sim"
	"github.com/spf13/cobra"
)

// runnablePaths lists every command of the tree that does something, as
// the arguments that reach it ("eeprom", "make").
func runnablePaths(t *testing.T) [][]string {
	t.Helper()
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.Runnable() && len(path) > 0 {
			paths = append(paths, path)
		}
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	f := &Factory{IO: &IOStreams{}, Build: BuildInfo{}}
	walk(NewRootCmd(f), nil)
	if len(paths) < 10 {
		t.Fatalf("only %d commands found: %v", len(paths), paths)
	}
	return paths
}

// -o names a format on every command: a value a command cannot print is a
// usage error naming the formats it can, before anything runs (so a file
// is never created under the name of a format).
func TestOutputIsAFormatOnEveryCommand(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, path := range runnablePaths(t) {
		t.Run(strings.Join(path, "_"), func(t *testing.T) {
			code, out, stderr := runCLI(t, append(path, "-o", "bogus")...)
			if code != 64 || !strings.Contains(stderr, `invalid argument "bogus" for "-o, --output" flag: aihat `+strings.Join(path, " ")+" prints ") {
				t.Fatalf("exit %d, want 64 naming the formats\nstdout %s\nstderr %s", code, out, stderr)
			}
		})
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Fatalf("-o bogus created %v", entries)
	}
}

func TestModelSynthNeverWritesAFileNamedAfterAFormat(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	tiny := []string{"model", "synth", "--layers", "1", "--hidden", "8", "--heads", "2", "--vocab", "10", "--context", "4"}
	code, _, stderr := runCLI(t, append(tiny, "-o", "json")...)
	if code != 64 || !strings.Contains(stderr, "--out FILE") {
		t.Fatalf("-o json: exit %d %q, want 64 pointing at --out", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "json")); err == nil {
		t.Fatal("model synth -o json created a file named json")
	}
	code, out, stderr := runCLI(t, append(tiny, "--out", "m.onnx", "-o", "text")...)
	if st, err := os.Stat(filepath.Join(dir, "m.onnx")); code != 0 || err != nil || st.Size() == 0 || !strings.Contains(out, "wrote m.onnx") {
		t.Fatalf("--out m.onnx: exit %d %v\n%s%s", code, err, out, stderr)
	}
}

func TestEEPROMMakeTakesTheImageAsArgumentOrOut(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	settings := eepTestdata("v1-dtbo-embedded.txt")
	want, _ := os.ReadFile(eepTestdata("v1-dtbo-embedded.eep"))
	if code, _, stderr := runCLI(t, "eeprom", "make", settings, "-o", "a.eep", "--v1", "--dtb", eepTestdata("ov.dtbo")); code != 64 || !strings.Contains(stderr, "IMAGE argument or with --out") {
		t.Fatalf("-o a.eep: exit %d %q", code, stderr)
	}
	if _, err := os.Stat("a.eep"); err == nil {
		t.Fatal("-o wrote an image")
	}
	for _, args := range [][]string{{"b.eep"}, {"--out", "b.eep"}, {"b.eep", "--out", "b.eep"}} {
		os.Remove("b.eep")
		code, _, stderr := runCLI(t, append([]string{"eeprom", "make", settings, "--v1", "--dtb", eepTestdata("ov.dtbo")}, args...)...)
		got, _ := os.ReadFile("b.eep")
		if code != 0 || string(got) != string(want) {
			t.Fatalf("%v: exit %d %q, image equal to eepmake's: %v", args, code, stderr, string(got) == string(want))
		}
	}
	if code, _, stderr := runCLI(t, "eeprom", "make", settings, "b.eep", "--out", "c.eep", "--v1"); code != 64 || !strings.Contains(stderr, "different files") {
		t.Fatalf("IMAGE and --out differ: exit %d %q", code, stderr)
	}
}

func TestFormatsOfTheCommandsThatAreNotRuns(t *testing.T) {
	type jsonCase struct {
		args  []string
		check func(t *testing.T, v any)
	}
	cases := []jsonCase{
		{[]string{"version"}, func(t *testing.T, v any) {
			m := v.(map[string]any)
			if m["version"] != "test" || m["commit"] != "abc123" || !strings.HasPrefix(m["go"].(string), "go") {
				t.Errorf("version %v", m)
			}
		}},
		{[]string{"plan", "show"}, func(t *testing.T, v any) {
			hat := v.(map[string]any)["hat"].(map[string]any)
			if hat["bus"] != 0.0 || hat["wp_active"] != "high" {
				t.Errorf("plan hat %v", hat)
			}
		}},
		{[]string{"sim", "faults"}, func(t *testing.T, v any) {
			list := v.([]any)
			if len(list) != len(sim.Catalogue()) || list[0].(map[string]any)["name"] != sim.Catalogue()[0].Name {
				t.Errorf("faults %v", list)
			}
		}},
		{[]string{"eeprom", "dump", "--file", eepTestdata("v1-gpio-map.eep")}, func(t *testing.T, v any) {
			if _, ok := v.(map[string]any); !ok {
				t.Errorf("dump %v", v)
			}
		}},
		{[]string{"-o", "json", "i2c", "scan", "--target", "sim"}, func(t *testing.T, v any) { // -o before the command (hwtest's init.sh)
			if v.(map[string]any)["schema"] != "aihat.run/v2" {
				t.Errorf("run %v", v)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			args := tc.args
			if args[0] != "-o" {
				args = append(append([]string{}, args...), "-o", "json")
			}
			code, out, stderr := runCLI(t, args...)
			var v any
			if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil {
				t.Fatalf("exit %d, %v\n%s\n%s", code, err, out, stderr)
			}
			tc.check(t, v)
		})
	}
	// The defaults stay what they were: YAML, a table, eepdump's text.
	if _, out, _ := runCLI(t, "plan", "show"); !strings.Contains(out, "wp_active: high") {
		t.Errorf("plan show default is not YAML:\n%.200s", out)
	}
	if _, out, _ := runCLI(t, "sim", "faults"); !strings.HasPrefix(out, "FAULT") {
		t.Errorf("sim faults default is not the table:\n%.200s", out)
	}
	// --json stays as the old spelling of -o json, and cannot contradict it.
	_, j1, _ := runCLI(t, "eeprom", "dump", "--file", eepTestdata("v1-gpio-map.eep"), "--json")
	_, j2, _ := runCLI(t, "eeprom", "dump", "--file", eepTestdata("v1-gpio-map.eep"), "-o", "json")
	if j1 != j2 || !strings.HasPrefix(j1, "{") {
		t.Errorf("--json and -o json differ")
	}
	if code, _, stderr := runCLI(t, "eeprom", "dump", "--file", eepTestdata("v1-gpio-map.eep"), "--json", "-o", "text"); code != 64 || !strings.Contains(stderr, "--json and -o text") {
		t.Errorf("--json -o text: exit %d %q", code, stderr)
	}
	for _, tc := range []struct{ args, formats string }{
		{"plan show -o junit", "yaml or json"},
		{"version -o table", "text or json"},
		{"sim faults -o yaml", "table or json"},
		{"eeprom dump -o table", "text or json"},
		{"i2c scan -o yaml", "table, json, junit, markdown or html"},
	} {
		code, _, stderr := runCLI(t, strings.Fields(tc.args)...)
		if code != 64 || !strings.Contains(stderr, "prints "+tc.formats) {
			t.Errorf("%s: exit %d %q, want 64 naming %s", tc.args, code, stderr, tc.formats)
		}
	}
}

// version never opens the board: it works where no target can be opened.
func TestVersionDoesNotProbeTheBoard(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	for _, args := range [][]string{
		{"version", "--target", "linux", "--root", missing},
		{"version", "--target", "sim", "--fault", "no-such-fault"},
	} {
		code, out, stderr := runCLI(t, args...)
		if code != 0 || !strings.Contains(out, "aihat test") || stderr != "" {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, stderr)
		}
	}
	code, out, _ := runCLI(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "aihat test (commit abc123, go") {
		t.Errorf("--version: exit %d %q", code, out)
	}
}

// A simulated run says so in every output a station reads; a run on a
// real board's tree says nothing of the kind.
func TestASimulatedRunSaysSoInEveryOutput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	code, out, stderr := runCLI(t, "i2c", "scan", "--target", "sim", "--report-dir", dir, "--report-dir-flat")
	if code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	if !strings.Contains(out, "\nRESULT: SIMULATED PASS (target sim") {
		t.Errorf("table:\n%s", out)
	}
	for file, want := range map[string]string{
		"run.json":    `"simulated": true`,
		"junit.xml":   `<property name="simulated" value="true">`,
		"report.md":   ": SIMULATED PASS\n",
		"report.html": `<div id="sim-banner" class="simnote">SIMULATED:`,
	} {
		b, _ := os.ReadFile(filepath.Join(dir, file))
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q:\n%s", file, want, b)
		}
	}
	for _, format := range []string{"table", "json", "junit", "markdown", "html"} {
		code, out, _ := runCLI(t, "i2c", "scan", "--target", "fixture", "--root", repoPath("testdata", "i2c", "pi5-bookworm"), "-o", format)
		if code != 0 || strings.Contains(strings.ToLower(out), "simulated") {
			t.Errorf("fixture %s: exit %d, mentions simulation:\n%s", format, code, out)
		}
	}
}
