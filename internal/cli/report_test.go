package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportRenderPrintsAStoredRunInEveryFormat(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runCLI(t, "i2c", "scan", "--target", "sim", "--report-dir", dir, "--report-dir-flat"); code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	runJSON := filepath.Join(dir, "run.json")
	for format, want := range map[string]string{
		"html":  `<header id="banner" class="banner pass"`,
		"md":    "# aihat run ",
		"junit": "<testsuites>",
		"json":  `"schema": "aihat.run/v2"`,
	} {
		code, out, stderr := runCLI(t, "report", "render", runJSON, "--format", format)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("render --format %s: exit %d, stderr %s, output lacks %q", format, code, stderr, want)
		}
	}
	code, _, stderr := runCLI(t, "report", "render", runJSON, "--format", "pdf")
	if code != 64 || !strings.Contains(stderr, "html") {
		t.Errorf("--format pdf: exit %d %s, want a usage error naming the formats", code, stderr)
	}
	code, _, stderr = runCLI(t, "report", "render", filepath.Join(dir, "nope.json"))
	if code != 2 || !strings.Contains(stderr, "nope.json") {
		t.Errorf("missing file: exit %d %s, want 2 naming it", code, stderr)
	}
}

func TestReportRenderOfADirectoryWithoutJournalAddsTheHTML(t *testing.T) {
	src := filepath.Join(t.TempDir(), "r")
	if code, _, stderr := runCLI(t, "i2c", "scan", "--target", "sim", "--report-dir", src, "--report-dir-flat"); code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	// A directory as an older aihat left it: plain run.json, no journal.
	old := t.TempDir()
	b, _ := os.ReadFile(filepath.Join(src, "run.json"))
	os.WriteFile(filepath.Join(old, "run.json"), b, 0o644)
	code, _, stderr := runCLI(t, "report", "render", old, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(old, "report.html"))
	if err != nil || !strings.Contains(string(page), "</html>") {
		t.Fatalf("report.html: %v", err)
	}
	station := filepath.Join(t.TempDir(), "station")
	if code, _, stderr := runCLI(t, "i2c", "scan", "--target", "sim", "--report-dir", station); code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "report", "render", station)
	if code != 2 || !strings.Contains(stderr, filepath.Join(station, "latest")) {
		t.Errorf("station root: exit %d %s, want 2 pointing at latest", code, stderr)
	}
	if code, _, stderr := runCLI(t, "report", "render", filepath.Join(station, "latest"), "-o", "json"); code != 0 {
		t.Errorf("render latest: exit %d %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "report", "render", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "journal.jsonl") || !strings.Contains(stderr, "run.json") {
		t.Errorf("empty dir: exit %d %s", code, stderr)
	}
}

func TestReportDiffShowsWhatMovedBeyondTheTolerance(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good")
	bad := filepath.Join(t.TempDir(), "bad")
	if code, _, stderr := runCLI(t, "eeprom", "verify", "--target", "sim", "--report-dir", good, "--report-dir-flat"); code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	if code, _, _ := runCLI(t, "eeprom", "verify", "--target", "sim", "--fault", "eeprom-bad-crc", "--report-dir", bad, "--report-dir-flat"); code != 1 {
		t.Fatalf("eeprom-bad-crc: exit %d, want 1", code)
	}
	code, out, stderr := runCLI(t, "report", "diff", good, bad)
	if code != 1 || !strings.Contains(out, "eeprom.verify.image.crc_errors") || !strings.Contains(out, "PASS → FAIL") {
		t.Errorf("diff: exit %d %s\n%s", code, stderr, out)
	}
	code, out, _ = runCLI(t, "report", "diff", good, good)
	if code != 0 || !strings.Contains(out, "no measurement moved beyond 5 %") {
		t.Errorf("self diff: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "report", "diff", "--html", good, bad)
	if code != 1 || !strings.Contains(out, `<td class="moved">`) {
		t.Errorf("--html: exit %d\n%s", code, out)
	}
	if code, _, stderr := runCLI(t, "report", "diff", "--tolerance", "5", good, bad); code != 64 {
		t.Errorf("--tolerance 5: exit %d %s, want 64", code, stderr)
	}
}
