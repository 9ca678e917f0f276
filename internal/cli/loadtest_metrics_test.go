package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// syncBuffer is stderr read by the test while the command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started is a command running in process, its output read as it goes.
type started struct {
	out    bytes.Buffer
	errOut syncBuffer
	code   chan int
}

func startCLI(ctx context.Context, args ...string) *started {
	s := &started{code: make(chan int, 1)}
	io := &IOStreams{In: strings.NewReader(""), Out: &s.out, ErrOut: &s.errOut}
	go func() { s.code <- MainOn(ctx, workstation, args, io, BuildInfo{Version: "test", Commit: "abc123"}) }()
	return s
}

var metricsURL = regexp.MustCompile(`metrics on (http://127\.0\.0\.1:[0-9]+/metrics)\n`)

// url waits for the line that says where the metrics are served.
func (s *started) url(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := metricsURL.FindStringSubmatch(s.errOut.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-s.code:
			t.Fatalf("exit %d before serving metrics\n%s", code, s.errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no 'metrics on' line on stderr:\n%s", s.errOut.String())
	return ""
}

func (s *started) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-s.code:
		return code
	case <-time.After(60 * time.Second):
		t.Fatalf("still running after 60 s\n%s", s.errOut.String())
	}
	return 0
}

func parseMetrics(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("not the Prometheus text format: %v", err)
	}
	return fams
}

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %s, %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	return parseMetrics(t, resp.Body)
}

// scalar is the value of a family's only sample (gauge or counter).
func scalar(t *testing.T, fams map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	mf := fams[name]
	if mf == nil || len(mf.GetMetric()) != 1 {
		t.Fatalf("%s: want one sample, have %v", name, mf)
	}
	m := mf.GetMetric()[0]
	if m.Counter != nil {
		return m.GetCounter().GetValue()
	}
	return m.GetGauge().GetValue()
}

// TestLoadtestServesLiveMetrics is issue 16's "curl /metrics during a sim
// load test at --time-scale": two virtual hours paced to about 4 s of real
// time, scraped twice while they run; the textfile holds the end.
func TestLoadtestServesLiveMetrics(t *testing.T) {
	prom := filepath.Join(t.TempDir(), "aihat.prom")
	t0 := time.Now()
	run := startCLI(context.Background(), "loadtest", "--target", "sim", "--duration", "2h", "--interval", "10s", "--time-scale", "1800",
		"--metrics-addr", "127.0.0.1:0", "--metrics-textfile", prom, "-o", "json")
	url := run.url(t)

	// Before the first sweep there is no board value to show (not a zero).
	// A scrape is no snapshot (the registry collects its families
	// concurrently), so the families are looked for in a scrape that starts
	// after one that saw the first health check, which follows the first
	// sweep's values.
	for deadline := time.Now().Add(10 * time.Second); scalar(t, scrape(t, url), "aihat_health_checks_total") == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no health check in 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	first := scrape(t, url)
	for _, name := range []string{"node_thermal_zone_temp", "node_hwmon_fan_rpm", "node_memory_MemAvailable_bytes", "node_memory_Slab_bytes",
		"aihat_arm_clock_hertz", "aihat_throttled", "aihat_rail_volts", "aihat_pmic_power_watts", "aihat_sweeps_total",
		"aihat_health_checks_total", "aihat_health_ok", "aihat_request_duration_seconds", "aihat_run_elapsed_seconds",
		"aihat_loadtest_info", "process_resident_memory_bytes", "process_open_fds"} {
		if first[name] == nil {
			t.Errorf("no %s in the scrape", name)
		}
	}
	// Live: a later scrape shows more sweeps and more elapsed time. Scraped
	// until it does (10 s is a hang bound): how many sweeps a stretch of
	// wall time holds depends on the machine's load.
	s1, e1 := scalar(t, first, "aihat_sweeps_total"), scalar(t, first, "aihat_run_elapsed_seconds")
	s2, e2 := s1, e1
	for deadline := time.Now().Add(10 * time.Second); !(s2 > s1 && e2 > e1) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		second := scrape(t, url)
		s2, e2 = scalar(t, second, "aihat_sweeps_total"), scalar(t, second, "aihat_run_elapsed_seconds")
	}
	t.Logf("two scrapes: %v then %v sweeps, %v then %v s elapsed (virtual)", s1, s2, e1, e2)
	if !(s2 > s1) || !(e2 > e1) {
		t.Errorf("not live: sweeps %v then %v, elapsed %v then %v", s1, s2, e1, e2)
	}
	if code := run.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, run.errOut.String())
	}
	t.Logf("2 h sim at --time-scale 1800 with metrics: %s wall", time.Since(t0).Round(time.Millisecond))
	if _, err := http.Get(url); err == nil {
		t.Errorf("%s still answers after the run", url)
	}

	f, err := os.Open(prom)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fams := parseMetrics(t, f)
	if got := scalar(t, fams, "aihat_sweeps_total"); got != 2*360+1 {
		t.Errorf("textfile: %v sweeps, want the run's 721 (2 h at 10 s and the first)", got)
	}
	if got := scalar(t, fams, "aihat_health_checks_total"); got != 13 {
		t.Errorf("textfile: %v health checks, want 13 (2 h every 10 min and the first)", got)
	}
	if fams["node_thermal_zone_temp"] != nil || fams["process_resident_memory_bytes"] != nil {
		t.Error("textfile repeats what node_exporter has itself")
	}
}

// TestLoadtestMetricsStopOnInterrupt: Ctrl-C (the context ending) ends the
// run and the server with it.
func TestLoadtestMetricsStopOnInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := startCLI(ctx, "loadtest", "--target", "sim", "--duration", "24h", "--interval", "10s", "--time-scale", "600",
		"--metrics-addr", "127.0.0.1:0")
	url := run.url(t)
	scrape(t, url)
	cancel()
	if code := run.wait(t); code != 3 {
		t.Errorf("exit %d after Ctrl-C, want 3 (ABORTED)\n%s", code, run.errOut.String())
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("%s still answers after the interrupted run", url)
	}
}

// TestLoadtestMetricsPortInUse: the address is taken, so the run does not
// start; the error names the address and the remedy.
func TestLoadtestMetricsPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	code, out, errOut := runCLI(t, "loadtest", "--target", "sim", "--duration", "1h", "--interval", "10s", "--metrics-addr", addr)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (ERROR)\n%s%s", code, out, errOut)
	}
	assertOneLineError(t, errOut)
	if !strings.Contains(errOut, addr) || !strings.Contains(errOut, "choose another port") {
		t.Errorf("error does not name %s and the remedy: %q", addr, errOut)
	}
	if strings.Contains(errOut, "loadtest.run:") || out != "" {
		t.Errorf("the run started:\n%s%s", out, errOut)
	}
}

func TestLoadtestMetricsUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--metrics-addr", "9101"}, 64, "HOST:PORT"},
		{[]string{"--metrics-addr", "127.0.0.1:http-alt"}, 64, "HOST:PORT"},
		{[]string{"--metrics-addr", "127.0.0.1:70000"}, 64, "HOST:PORT"},
		{[]string{"--metrics-textfile", filepath.Join(dir, "aihat.txt")}, 64, ".prom"},
		{[]string{"--metrics-textfile", filepath.Join(dir, "missing", "aihat.prom")}, 2, "must exist"},
	} {
		code, _, errOut := runCLI(t, append([]string{"loadtest", "--target", "sim", "--duration", "1h", "--interval", "10s"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.says) {
			t.Errorf("%v: exit %d %q, want exit %d saying %q", c.args, code, errOut, c.code, c.says)
		}
		assertOneLineError(t, errOut)
	}
}

// TestLoadtestMetricsCountOllamaRequests: with --runtime ollama, each
// request reaches the metrics through the load test's Live hook. The
// server answers in hailo-ollama's shape (eval_count and total_duration
// only), so tokens/s is flagged as including prefill.
func TestLoadtestMetricsCountOllamaRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/generate" {
			http.NotFound(w, r)
			return
		}
		time.Sleep(5 * time.Millisecond)
		fmt.Fprintln(w, `{"model":"qwen2:1.5b","response":"An","done":false}`)
		fmt.Fprintln(w, `{"model":"qwen2:1.5b","response":"","done":true,"eval_count":64,"total_duration":6800000000}`)
	}))
	defer srv.Close()
	run := startCLI(context.Background(), "loadtest", "--target", "sim", "--duration", "1h", "--interval", "10s", "--time-scale", "1200",
		"--warmup", "1h", // no slopes judged: the exit code is the run's health alone
		"--runtime", "ollama", "--endpoint", srv.URL, "--model", "qwen2:1.5b", "--metrics-addr", "127.0.0.1:0")
	url := run.url(t)
	var fams map[string]*dto.MetricFamily
	ok := func() float64 {
		for _, m := range fams["aihat_requests_total"].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == "ok" {
					return m.GetCounter().GetValue()
				}
			}
		}
		return 0
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		fams = scrape(t, url)
		if ok() >= 3 && fams["aihat_request_tokens_per_second"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 3 successful requests counted in 10 s: %v", fams["aihat_requests_total"])
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := fams["aihat_request_duration_seconds"].GetMetric()[0].GetHistogram().GetSampleCount(); n == 0 {
		t.Error("latency histogram empty after successful requests")
	}
	if got := scalar(t, fams, "aihat_request_tokens_per_second"); math.Abs(got-64/6.8) > 1e-9 { // 1e-9: one float division
		t.Errorf("tokens/s %v, want 64 tokens / 6.8 s total", got)
	}
	if got := scalar(t, fams, "aihat_request_tokens_per_second_includes_prefill"); got != 1 {
		t.Errorf("includes_prefill %v, want 1 (no eval_duration)", got)
	}
	if code := run.wait(t); code != 0 {
		t.Fatalf("exit %d\n%s", code, run.errOut.String())
	}
}
