package report_test

// The HTML report in a real browser: headless Chromium (Debian's
// chromium-headless-shell or chromium, installed by .ci/run) loads the
// report of a healthy and of a failing simulated run, and of a 24 h
// simulated load test; the DOM it built must have the banner, the failure
// list and one SVG per series, the console must have no errors, and the
// screenshots are kept (REPORT_SCREENSHOTS=DIR keeps them there).

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aihat/aihat/internal/prereq"
	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/telemetry"
)

// chromium finds a headless Chromium; without one the test skips, except
// in CI (CI set), where a missing browser is a failure.
func chromium(t testing.TB) string {
	t.Helper()
	return prereq.Command(t, "chromium-headless-shell", "chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
}

// browse is one page load: the DOM Chromium built, its console errors and
// how long the process took.
type browse struct {
	DOM     string
	Console []string
	Elapsed time.Duration
}

// consoleLine is how Chromium's logging reports a console message (and an
// uncaught exception) on stderr with --enable-logging=stderr --v=0.
var consoleLine = regexp.MustCompile(`(?m)^.*CONSOLE.*$|^.*Uncaught .*$`)

// load runs Chromium on page: --dump-dom prints the DOM after load; with
// shot set, a second run saves a screenshot of the page.
func load(t testing.TB, bin, page, shot string) browse {
	t.Helper()
	args := func(extra ...string) []string {
		return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}, append(extra, "file://"+page)...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args("--dump-dom")...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s --dump-dom %s: %v\n%s", bin, page, err, errOut.String())
	}
	b := browse{DOM: out.String(), Elapsed: time.Since(t0), Console: consoleLine.FindAllString(errOut.String(), -1)}
	if shot != "" {
		cmd := exec.CommandContext(ctx, bin, args("--screenshot="+shot, "--window-size=1100,1400", "--hide-scrollbars")...)
		if o, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("screenshot: %v\n%s", err, o)
		}
		if fi, err := os.Stat(shot); err != nil || fi.Size() == 0 {
			t.Fatalf("no screenshot at %s: %v", shot, err)
		}
	}
	return b
}

// simRun is a bring-up of the simulated board with faults (bench left
// out: it needs ONNX Runtime and says nothing about the report), then a
// soak: full CPU and NPU load sampled every second for soak of virtual
// time by pkg/telemetry's default sources, kept as the record keeps
// series.
func simRun(t testing.TB, soak time.Duration, faults ...string) *report.Run {
	t.Helper()
	b, err := sim.New(sim.Options{Seed: 1, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	env := stage.NewEnv(b, p)
	var names []string
	for _, n := range p.Stages {
		if n != "bench" {
			names = append(names, n)
		}
	}
	steps, err := bringup.Resolve(names)
	if err != nil {
		t.Fatal(err)
	}
	if soak > 0 {
		steps = append(steps, bringup.Step{Name: "soak", Func: func(ctx context.Context, env *stage.Env, st *report.Step) error {
			return soakStep(ctx, env.Board, st, soak)
		}})
	}
	return bringup.Run(context.Background(), env, steps, bringup.Meta{ToolVersion: "test", Station: "browser-test", Operator: "ci"})
}

func soakStep(ctx context.Context, b board.Board, st *report.Step, soak time.Duration) error {
	b.SetLoad(board.Load{CPU: 1, NPU: 1})
	defer b.SetLoad(board.Load{})
	srcs, notes := telemetry.DefaultSources(b)
	for _, n := range notes {
		st.Logf("telemetry: %s", n)
	}
	s := &telemetry.Sampler{Clock: b.Clock(), Interval: time.Second, Sources: srcs}
	defer s.Close()
	res, err := s.Run(ctx, int(soak/time.Second))
	if err != nil {
		return err
	}
	for _, name := range res.Names() {
		ser := res.Series[name]
		rs := report.Series{Name: ser.Name, Unit: ser.Unit}
		for _, bk := range ser.Envelope.Buckets {
			rs.Buckets = append(rs.Buckets, report.SeriesBucket{T0: bk.Start, T1: bk.End, N: bk.N, Min: bk.Min, Mean: bk.Mean, Max: bk.Max})
		}
		st.Series = append(st.Series, rs)
	}
	for _, e := range res.Events {
		st.Events = append(st.Events, report.Event{Time: e.T, Kind: e.Kind, Detail: e.Detail})
	}
	st.Add(report.Measurement{Name: "sweeps", Value: float64(res.Sweeps), Unit: "count"})
	return nil
}

func writePage(t testing.TB, r *report.Run, name string) string {
	t.Helper()
	dir := t.TempDir()
	if d := os.Getenv("REPORT_SCREENSHOTS"); d != "" {
		dir = d // kept with the screenshots
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(f, r); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func screenshotDir(t *testing.T) string {
	if d := os.Getenv("REPORT_SCREENSHOTS"); d != "" {
		os.MkdirAll(d, 0o755)
		return d
	}
	return t.TempDir()
}

func countSeries(r *report.Run) int {
	n := 0
	for _, s := range r.Steps {
		n += len(s.Series)
	}
	return n
}

func TestReportInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("headless Chromium: not in -short")
	}
	bin := chromium(t)
	shots := screenshotDir(t)
	for _, tc := range []struct {
		name    string
		faults  []string
		outcome string
		// problems are measurements the failure list must name.
		problems []string
	}{
		{"healthy", nil, "PASS", nil},
		{"failing", []string{"eeprom-bad-crc", "brownout-burst"}, "FAIL", []string{"image.crc_errors", "EXT5V.v_min"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := simRun(t, 10*time.Minute, tc.faults...)
			page := writePage(t, r, tc.name+".html")
			got := load(t, bin, page, filepath.Join(shots, "report-"+tc.name+".png"))
			if !regexp.MustCompile(`<header id="banner" class="banner [a-z]+" data-outcome="` + tc.outcome + `">`).MatchString(got.DOM) {
				i := strings.Index(got.DOM, "<header")
				t.Errorf("no %s banner in the DOM: %.200s", tc.outcome, got.DOM[max(i, 0):])
			}
			if !strings.Contains(got.DOM, `id="sim-banner"`) {
				t.Error("no SIMULATED banner")
			}
			rows := strings.Count(got.DOM, `<tr class="problem">`)
			if tc.problems == nil && (rows != 0 || !strings.Contains(got.DOM, "Nothing failed")) {
				t.Errorf("healthy run lists %d problems", rows)
			}
			list := got.DOM[strings.Index(got.DOM, `id="problems"`):strings.Index(got.DOM, `id="summary"`)]
			for _, p := range tc.problems {
				if !strings.Contains(list, p) {
					t.Errorf("failure list lacks %s", p)
				}
			}
			if n, want := strings.Count(got.DOM, "<svg"), countSeries(r); n != want || want == 0 {
				t.Errorf("%d SVG plots in the DOM, want one per series: %d", n, want)
			}
			if len(got.Console) > 0 {
				t.Errorf("console:\n%s", strings.Join(got.Console, "\n"))
			}
			t.Logf("%s: %d series, %d problems, loaded in %v", tc.name, countSeries(r), rows, got.Elapsed.Round(time.Millisecond))
		})
	}
}

// A day of load: the report stays under 2 MB and shows one plot a series
// with no console error. How fast Chromium opens it (the issue's "under
// 2 s beyond an empty page") is a timing target: BenchmarkOpenA24HourReport
// (make bench) measures it.
func TestReportOfA24HourLoadTestIsSmallAndQuickToOpen(t *testing.T) {
	if testing.Short() {
		t.Skip("headless Chromium: not in -short")
	}
	bin := chromium(t)
	r := simRun(t, 24*time.Hour)
	page := writePage(t, r, "soak24h.html")
	fi, _ := os.Stat(page)
	if fi.Size() >= 2_000_000 {
		t.Errorf("report.html of a 24 h run is %d B, want < 2 MB", fi.Size())
	}
	blank := filepath.Join(t.TempDir(), "blank.html")
	os.WriteFile(blank, []byte("<!DOCTYPE html><title>blank</title>"), 0o644)
	base := load(t, bin, blank, "")
	got := load(t, bin, page, filepath.Join(screenshotDir(t), "report-soak24h.png"))
	// The plots, scrolled to: what a day of load looks like.
	load(t, bin, page+"#plots", filepath.Join(screenshotDir(t), "report-soak24h-plots.png"))
	if n, want := strings.Count(got.DOM, "<svg"), countSeries(r); n != want || want == 0 {
		t.Errorf("%d SVG plots, want %d", n, want)
	}
	if len(got.Console) > 0 {
		t.Errorf("console:\n%s", strings.Join(got.Console, "\n"))
	}
	t.Logf("24 h: %d B, %d series, loaded in %v (an empty page: %v)", fi.Size(), countSeries(r), got.Elapsed.Round(time.Millisecond), base.Elapsed.Round(time.Millisecond))
}

// BenchmarkOpenA24HourReport: Chromium loading the report of a day of
// load, beyond what it takes on an empty page (target: under 2 s), as
// ms-beyond-blank/op.
func BenchmarkOpenA24HourReport(b *testing.B) {
	bin := chromium(b)
	page := writePage(b, simRun(b, 24*time.Hour), "soak24h.html")
	blank := filepath.Join(b.TempDir(), "blank.html")
	os.WriteFile(blank, []byte("<!DOCTYPE html><title>blank</title>"), 0o644)
	var extra time.Duration
	for b.Loop() {
		base := load(b, bin, blank, "")
		extra += load(b, bin, page, "").Elapsed - base.Elapsed
	}
	b.ReportMetric(float64(extra.Milliseconds())/float64(b.N), "ms-beyond-blank/op")
}

// The console check can fail: a page that logs an error is caught.
func TestBrowserConsoleCheckCatchesAnError(t *testing.T) {
	if testing.Short() {
		t.Skip("headless Chromium: not in -short")
	}
	bin := chromium(t)
	page := filepath.Join(t.TempDir(), "bad.html")
	os.WriteFile(page, []byte(`<!DOCTYPE html><title>bad</title><script>console.error("report broke"); undefinedFn();</script>`), 0o644)
	got := load(t, bin, page, "")
	if len(got.Console) == 0 {
		t.Fatal("a console.error and an uncaught exception went unnoticed")
	}
}
