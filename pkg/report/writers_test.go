package report

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aihat/aihat/internal/prereq"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sampleRun has one of everything a writer must render: pass, marginal,
// failure with a code, a step that could not run, a skipped step, and
// text that needs escaping in XML and Markdown.
func sampleRun() *Run {
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	id := NewStep("board.identify", t0)
	id.Add(Measurement{Name: "model", Value: "Raspberry Pi 5 Model B Rev 1.0"})
	id.Logf("serial from proc/device-tree/serial-number")
	id.Finish(t0.Add(20*time.Millisecond), nil)

	pw := NewStep("power.rails", t0.Add(20*time.Millisecond))
	pw.Add(Measurement{Name: "EXT5V_V.min", Value: 4.81, Unit: "V", Limits: Between(4.75, 5.25).WithMarginal(4.85, 5.2)})
	pw.Add(Measurement{Name: "HAT_5V.max_current", Value: 2.5, Unit: "A", Limits: AtMost(2), Code: "POWER_OVERCURRENT",
		Message: "2.5 A above 2 A: check the <HAT> & its \"supply\" | cable"})
	pw.Add(Measurement{Name: "uv_alarm", Value: false, Limits: Equal(false)})
	pw.Finish(t0.Add(1020*time.Millisecond), nil)

	ee := NewStep("eeprom.verify", t0.Add(1020*time.Millisecond))
	ee.Finish(t0.Add(1030*time.Millisecond), os.ErrPermission)

	sk := NewStep("bench", t0.Add(1030*time.Millisecond))
	sk.Finish(t0.Add(1030*time.Millisecond), nil)

	r := &Run{ToolVersion: "1.2.3", Target: "sim", Serial: "4d65822107fcfd52", Station: "line 3 station", Operator: "ada",
		Started: t0, Steps: []*Step{id, pw, ee, sk}}
	r.ID = "4d65822107fcfd52-20260101T080000Z"
	r.Finish(t0.Add(1030 * time.Millisecond))
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from golden file (run with -update if intended):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestWritersMatchGolden(t *testing.T) {
	for _, f := range Formats {
		t.Run(string(f), func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, sampleRun(), f, TableOptions{}); err != nil {
				t.Fatal(err)
			}
			ext := map[Format]string{FormatTable: "txt", FormatJSON: "json", FormatJUnit: "xml", FormatMarkdown: "md", FormatHTML: "html"}[f]
			golden(t, "sample."+ext, b.Bytes())
		})
	}
}

func TestTableShowsVerdictsAndRemedies(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sampleRun(), TableOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"PASS (marginal)", "4.81 V", "[4.75, 5.25] V (marginal < 4.85) (marginal > 5.2)",
		"FAIL power.rails.HAT_5V.max_current: 2.5 A above 2 A",
		"ERROR eeprom.verify: permission denied",
		"RESULT: SIMULATED ERROR (target sim, serial 4d65822107fcfd52",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes without Color")
	}
	b.Reset()
	WriteTable(&b, sampleRun(), TableOptions{Color: true})
	if !strings.Contains(b.String(), ansiRed+"FAIL"+ansiReset) {
		t.Errorf("no red FAIL with Color:\n%q", b.String())
	}
}

// A simulated run says so wherever its result is read: the table's RESULT
// line (so grep "RESULT: PASS" never matches it), the JSON record, a JUnit
// suite property and the Markdown title. A real board's run says none of it.
func TestEveryWriterSaysASimulatedRunIsSimulated(t *testing.T) {
	want := map[Format][]string{
		FormatTable:    {"RESULT: SIMULATED ERROR (target sim", SimulatedNote},
		FormatJSON:     {`"target": "sim",` + "\n" + `  "simulated": true,`},
		FormatJUnit:    {`<property name="simulated" value="true"></property>`},
		FormatMarkdown: {"# aihat run 4d65822107fcfd52-20260101T080000Z: SIMULATED ERROR\n", "> " + SimulatedNote},
		FormatHTML:     {"<h1>SIMULATED ERROR</h1>", `<div id="sim-banner" class="simnote">SIMULATED: these readings come from the simulated Pi 5`},
	}
	for _, f := range Formats {
		sim, real := sampleRun(), sampleRun()
		real.Target = "linux"
		real.Finish(real.Ended)
		var bs, br bytes.Buffer
		if err := Write(&bs, sim, f, TableOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := Write(&br, real, f, TableOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, w := range want[f] {
			if !strings.Contains(bs.String(), w) {
				t.Errorf("%s of a sim run lacks %q:\n%s", f, w, bs.String())
			}
		}
		if strings.Contains(strings.ToLower(br.String()), "simulated") {
			t.Errorf("%s of a linux run mentions simulation:\n%s", f, br.String())
		}
	}
}

func TestARecordWithoutTheSimulatedFieldStillReadsAsSimulated(t *testing.T) {
	// A sim record written before "simulated" existed: target sim only.
	path := filepath.Join(t.TempDir(), "old.json")
	os.WriteFile(path, []byte(`{"schema":"aihat.run/v1","id":"x","target":"sim","outcome":"PASS","steps":[]}`), 0o644)
	r, err := ReadJSONFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !r.IsSimulated() {
		t.Fatal("a target sim record is not taken as simulated")
	}
	var b bytes.Buffer
	WriteTable(&b, r, TableOptions{})
	if !strings.Contains(b.String(), "RESULT: SIMULATED PASS") {
		t.Fatalf("table:\n%s", b.String())
	}
}

// caseProps matches a testcase's own properties (not the suite's).
var caseProps = regexp.MustCompile(`(?s)(<testcase [^>]*>)\s*<properties>.*?</properties>`)

func TestJUnitValidatesAgainstSchema(t *testing.T) {
	// testdata/JUnit.xsd is the Ant/Jenkins schema, copied from
	// shared/testdata/junit; JUnit-testcase-properties.xsd is it with
	// testcases allowed their own <properties>. junit.xml must validate
	// against that one, and against the Ant schema once the testcase
	// properties are taken out: they are the only departure.
	xsd := filepath.Join("testdata", "JUnit-testcase-properties.xsd")
	ant := filepath.Join("testdata", "JUnit.xsd")
	prereq.Command(t, "libxml2-utils", "xmllint")
	runs := map[string]*Run{"sample": sampleRun(), "empty": func() *Run {
		r := &Run{Target: "sim", Started: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		r.Finish(r.Started)
		return r
	}()}
	for name, r := range runs {
		path := filepath.Join(t.TempDir(), name+".xml")
		f, _ := os.Create(path)
		if err := WriteJUnit(f, r); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out, err := exec.Command("xmllint", "--noout", "--schema", xsd, path).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: junit.xml does not validate: %v\n%s", name, err, out)
		}
		b, _ := os.ReadFile(path)
		stripped := caseProps.ReplaceAll(b, []byte("$1"))
		if name == "sample" && bytes.Equal(stripped, b) {
			t.Fatal("sample: no testcase properties to take out")
		}
		os.WriteFile(path, stripped, 0o644)
		out, err = exec.Command("xmllint", "--noout", "--schema", ant, path).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: without testcase properties, junit.xml does not validate against the Ant schema: %v\n%s", name, err, out)
		}
	}
}

func TestJUnitCounts(t *testing.T) {
	var b bytes.Buffer
	WriteJUnit(&b, sampleRun())
	out := b.String()
	for _, want := range []string{
		`tests="6" failures="1" errors="1" skipped="1"`,
		`<failure message="2.5 A above 2 A: check the &lt;HAT&gt; &amp; its &#34;supply&#34; | cable" type="POWER_OVERCURRENT">`,
		`<error message="permission denied" type="ERROR">`,
		`<property name="serial" value="4d65822107fcfd52"></property>`,
		`<property name="station" value="line 3 station"></property>`,
		`<property name="target" value="sim"></property>`,
		`<property name="tool_version" value="1.2.3"></property>`,
		`timestamp="2026-01-01T08:00:00"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("junit lacks %s", want)
		}
	}
}

func TestWriteDirAndReadBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports", "nested")
	r := sampleRun()
	if err := WriteDir(dir, r); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != ".aihat,junit.xml,metrics.txt,report.html,report.md,run.json" {
		t.Fatalf("report dir holds %v (temporary files left behind?)", names)
	}
	back, err := ReadJSONFile(filepath.Join(dir, RunJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != r.ID || back.Outcome != r.Outcome || len(back.Steps) != len(r.Steps) ||
		back.Steps[1].Measurements[0].Value != 4.81 || back.Steps[1].Duration != time.Second {
		t.Fatalf("read back %+v", back)
	}
}

func TestReadJSONFileRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage.json": "{not json",
		"other.json":   `{"schema":"something/v9"}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := ReadJSONFile(p); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want an error naming the file", name, err)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"table", "json", "junit", "markdown", "md"} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil || !strings.Contains(err.Error(), "yaml") {
		t.Errorf("yaml accepted or error unclear: %v", err)
	}
}

func TestStampPrefixesWholeLinesOnly(t *testing.T) {
	var b bytes.Buffer
	t0 := time.Date(2026, 1, 1, 8, 0, 1, 234_000_000, time.UTC)
	w := Stamp(&b, func() time.Time { return t0 })
	io.WriteString(w, "first ha")
	if b.Len() != 0 {
		t.Fatalf("half a line written: %q", b.String())
	}
	io.WriteString(w, "lf\nbar 10%\rbar 20%\n\n")
	want := "2026-01-01T08:00:01.234Z first half\n2026-01-01T08:00:01.234Z bar 10%\n2026-01-01T08:00:01.234Z bar 20%\n"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
}

// Plain progress lines fit the terminal: a long one is wrapped at word
// boundaries, its continuation indented, its beginning kept; short lines
// and width 0 pass through unchanged.
func TestWrapFitsEachProgressLineToTheWidth(t *testing.T) {
	var b bytes.Buffer
	w := Wrap(&b, 40)
	io.WriteString(w, "short\nthermal.soak load 3m0s: SoC 58.6 °C, ARM 2.40 GHz, fan 2363 rpm")
	if b.String() != "short\n" {
		t.Fatalf("half a line written: %q", b.String())
	}
	io.WriteString(w, "\n")
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[1], "thermal.soak load") {
		t.Fatalf("not wrapped, or the beginning moved: %q", lines)
	}
	var words []string
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n > 40 {
			t.Errorf("line %d is %d wide: %q", i, n, l)
		}
		if i > 1 && !strings.HasPrefix(l, "  ") {
			t.Errorf("continuation %q not indented", l)
		}
		words = append(words, strings.Fields(l)...)
	}
	if got := strings.Join(words, " "); got != "short thermal.soak load 3m0s: SoC 58.6 °C, ARM 2.40 GHz, fan 2363 rpm" {
		t.Errorf("words lost or changed: %q", got)
	}
	// A live line's redraw ("\r" + text + clear to the end) is already
	// fitted to the terminal: it goes through at once, untouched.
	b.Reset()
	redraw := "\rloadtest.run 10m0s/1h0m0s (16.7 %) ETA 1s | health 2 checks, 0 failed\x1b[K"
	io.WriteString(w, redraw)
	if b.String() != redraw {
		t.Errorf("a redraw was held back or changed: %q", b.String())
	}
	if Wrap(&b, 0) != io.Writer(&b) {
		t.Error("width 0 must leave the writer as it is")
	}
}

func TestProgressTeesTheStepLogOnlyWhileTheStepRuns(t *testing.T) {
	var b bytes.Buffer
	p := &Progress{W: &b, Verbose: true}
	s := NewStep("x.y", time.Time{})
	p.StepStarted(s)
	s.Logf("read %d B", 32)
	s.Add(Measurement{Name: "v", Value: 1.0})
	s.Finish(time.Time{}.Add(1500*time.Millisecond), nil)
	p.StepEnded(s)
	s.Logf("after the end")
	want := "start x.y\n  x.y: read 32 B\nend   x.y PASS in 1.5s (1 measurement)\n"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	q := &Progress{W: &b}
	q.StepStarted(s)
	s.Logf("quiet")
	q.StepEnded(s)
	if b.String() != "== x.y\n   x.y PASS\n" {
		t.Fatalf("quiet: %q", b.String())
	}
}
