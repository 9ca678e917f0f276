package metrics

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aihat/aihat/pkg/loadtest"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/aihat/aihat/pkg/telemetry"
	"github.com/aihat/aihat/pkg/workload"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// families is a scrape parsed back from the text format, as Prometheus
// (classic metric names) reads it.
type families map[string]*dto.MetricFamily

func parse(t testing.TB, r io.Reader) families {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("not the Prometheus text format: %v", err)
	}
	return fams
}

// gather writes g in the text format and parses it back.
func gather(t testing.TB, g prometheus.Gatherer) families {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var b bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return parse(t, &b)
}

// value is the sample of family name whose labels are exactly labels
// ("k=v" pairs); ok is false when there is none.
func (f families) value(name string, labels ...string) (float64, bool) {
	mf := f[name]
	if mf == nil {
		return 0, false
	}
	want := strings.Join(labels, ",")
	for _, m := range mf.GetMetric() {
		var got []string
		for _, l := range m.GetLabel() {
			got = append(got, l.GetName()+"="+l.GetValue())
		}
		if strings.Join(got, ",") != want {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func (f families) must(t testing.TB, name string, labels ...string) float64 {
	t.Helper()
	v, ok := f.value(name, labels...)
	if !ok {
		t.Fatalf("no %s{%s} in the scrape", name, strings.Join(labels, ","))
	}
	return v
}

// recorder is a loadtest.Live that keeps what it saw, next to the exporter.
type recorder struct {
	e      *Exporter
	mu     sync.Mutex
	sweeps int
	last   telemetry.Sweep
	health loadtest.Health
}

func (r *recorder) Sweep(sw telemetry.Sweep) {
	r.e.Sweep(sw)
	r.mu.Lock()
	r.sweeps++
	r.last = sw
	r.mu.Unlock()
}
func (r *recorder) Request(q workload.Request) { r.e.Request(q) }
func (r *recorder) Health(h loadtest.Health) {
	r.e.Health(h)
	r.health = h
}

// simRun runs a load test on the sim with the exporter as its Live hook.
func simRun(t testing.TB, d time.Duration, live func(*sim.Board) loadtest.Live) {
	t.Helper()
	b, err := sim.New(sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	env := stage.NewEnv(b, p)
	env.Progress = io.Discard
	step := report.NewStep("loadtest.run", time.Now())
	o := loadtest.RunOptions{LoadtestDurations: plan.LoadtestDurations{Duration: d, Interval: 10 * time.Second,
		HealthEvery: 10 * time.Minute, Warmup: 30 * time.Minute, Window: 10 * time.Minute}, Live: live(b)}
	if err := loadtest.RunStage(o)(context.Background(), env, step); err != nil {
		t.Fatal(err)
	}
}

// TestSimLoadTestFeedsNodeExporterAndAihatFamilies: a 3 h sim load test
// with the exporter as its Live hook ends with every sweep counted and
// the last sweep's values under their node_exporter or aihat_ names.
func TestSimLoadTestFeedsNodeExporterAndAihatFamilies(t *testing.T) {
	var rec *recorder
	simRun(t, 3*time.Hour, func(b *sim.Board) loadtest.Live {
		rec = &recorder{e: New(Options{FS: b.FS(), Target: "sim", Planned: 3 * time.Hour})}
		return rec
	})
	f := gather(t, rec.e.Gatherer())
	last := rec.last.Values
	if got, want := f.must(t, "aihat_sweeps_total"), float64(rec.sweeps); got != want || want != 3*360+1 {
		t.Errorf("aihat_sweeps_total %v, want %v sweeps (3 h at 10 s and the first)", got, want)
	}
	for _, c := range []struct {
		series, name string
		labels       []string
	}{
		{"soc_temp", "node_thermal_zone_temp", []string{"type=cpu-thermal", "zone=0"}},
		{"fan_rpm", "node_hwmon_fan_rpm", []string{"chip=platform_cooling_fan", "sensor=fan1"}},
		{"fan_pwm", "node_hwmon_pwm", []string{"chip=platform_cooling_fan", "sensor=pwm1"}},
		{"mem_available", "node_memory_MemAvailable_bytes", nil},
		{"slab", "node_memory_Slab_bytes", nil},
		{"arm_clock", "aihat_arm_clock_hertz", nil},
		{"undervoltage_alarm", "aihat_undervoltage_alarm", nil},
		{"throttled", "aihat_throttled_raw", nil},
		{"pmic.VDD_CORE.v", "aihat_rail_volts", []string{"rail=VDD_CORE", "source=pmic"}},
		{"pmic.VDD_CORE.a", "aihat_rail_amps", []string{"rail=VDD_CORE", "source=pmic"}},
		{"pmic.VDD_CORE.w", "aihat_rail_watts", []string{"rail=VDD_CORE", "source=pmic"}},
		{"pmic.EXT5V.v", "aihat_rail_volts", []string{"rail=EXT5V", "source=pmic"}},
		{"pmic.total_w", "aihat_pmic_power_watts", nil},
	} {
		want, ok := last[c.series]
		if !ok {
			t.Errorf("the sim's sweep has no %s", c.series)
			continue
		}
		if got := f.must(t, c.name, c.labels...); got != want {
			t.Errorf("%s{%v} = %v, want the last sweep's %s %v", c.name, c.labels, got, c.series, want)
		}
	}
	// Every series of the sim's sweep has a named family.
	if mf := f["aihat_sweep_value"]; mf != nil && len(mf.GetMetric()) > 0 {
		t.Errorf("sim series left unnamed: %v", mf.GetMetric())
	}
	if got := f.must(t, "aihat_sweep_values_dropped_total"); got != 0 {
		t.Errorf("%v values dropped", got)
	}
	if got := f.must(t, "aihat_throttled", "flag=under_voltage_now"); got != 0 {
		t.Errorf("healthy sim: under_voltage_now %v", got)
	}
	if got, want := f.must(t, "aihat_health_checks_total"), float64(rec.health.Checks); got != want || want != 19 {
		t.Errorf("aihat_health_checks_total %v, want %v (3 h every 10 min and the first)", got, want)
	}
	if got := f.must(t, "aihat_health_ok"); got != 1 {
		t.Errorf("aihat_health_ok %v on a healthy sim", got)
	}
	if got, want := f.must(t, "aihat_work_total"), rec.health.Work; got != want || want <= 0 {
		t.Errorf("aihat_work_total %v, want the last health check's %v", got, want)
	}
	if got := f.must(t, "aihat_run_elapsed_seconds"); got != 3*3600 {
		t.Errorf("aihat_run_elapsed_seconds %v, want 10800 (3 h of virtual time)", got)
	}
	if got := f.must(t, "aihat_run_planned_seconds"); got != 3*3600 {
		t.Errorf("aihat_run_planned_seconds %v", got)
	}
	if got, want := f.must(t, "aihat_sweep_timestamp_seconds"), float64(rec.last.T.UnixNano())/1e9; got != want {
		t.Errorf("aihat_sweep_timestamp_seconds %v, want %v", got, want)
	}
	// The board model sends no requests: no request series, no 0 tokens/s.
	for _, name := range []string{"aihat_requests_total", "aihat_request_errors_total", "aihat_request_tokens_per_second"} {
		if mf := f[name]; mf != nil && len(mf.GetMetric()) > 0 {
			t.Errorf("%s on a run without requests: %v", name, mf.GetMetric())
		}
	}
	if got := f.must(t, "aihat_loadtest_info", "model=", "runtime=model", "target=sim"); got != 1 {
		t.Errorf("aihat_loadtest_info %v", got)
	}
	// aihat's own, from client_golang's process collector (Linux /proc).
	// Under qemu-user (make test-arm64) /proc/self/stat is the emulator's
	// stand-in with rss 0: the collector can only report what it reads.
	for _, name := range []string{"process_resident_memory_bytes", "process_open_fds", "go_goroutines"} {
		v := f.must(t, name)
		if name == "process_resident_memory_bytes" && statRSSPages(t) == 0 {
			t.Logf("this /proc/self/stat reports rss 0 (an emulator's): %s = %v not checked", name, v)
			continue
		}
		if v <= 0 {
			t.Errorf("%s = %v", name, v)
		}
	}
}

// statRSSPages is field 24 (rss, in pages) of this process's
// /proc/self/stat, as proc(5) lays it out after the ")" of comm.
func statRSSPages(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 22 {
		t.Fatalf("/proc/self/stat has %d fields after comm", len(f))
	}
	n, _ := strconv.ParseInt(f[21], 10, 64) // field 24: the 22nd after comm (field 2)
	return n
}

func TestThrottleBitsAreDecodedFromTheRawValue(t *testing.T) {
	e := New(Options{})
	// 0x50005: under-voltage and throttled now, and both since boot.
	e.Sweep(telemetry.Sweep{T: time.Unix(0, 0), Values: map[string]float64{"throttled": 0x50005, "throttle.under_voltage_now": 1}})
	f := gather(t, e.Gatherer())
	want := map[string]float64{"under_voltage_now": 1, "arm_freq_capped_now": 0, "throttled_now": 1, "soft_temp_limit_now": 0,
		"under_voltage_occurred": 1, "arm_freq_capped_occurred": 0, "throttled_occurred": 1, "soft_temp_limit_occurred": 0}
	for flag, w := range want {
		if got := f.must(t, "aihat_throttled", "flag="+flag); got != w {
			t.Errorf("%s = %v, want %v", flag, got, w)
		}
	}
	if got := f.must(t, "aihat_throttled_raw"); got != 0x50005 {
		t.Errorf("raw %v", got)
	}
	if n := len(f["aihat_throttled"].GetMetric()); n != len(want) {
		t.Errorf("%d flags, want %d", n, len(want))
	}
}

func TestWatchedProcessAndHwmonRails(t *testing.T) {
	e := New(Options{FS: fstest.MapFS{
		"sys/class/thermal/thermal_zone0/type": {Data: []byte("rp1-thermal\n")},
		"sys/class/thermal/thermal_zone2/type": {Data: []byte("cpu-thermal\n")},
	}})
	e.Sweep(telemetry.Sweep{Values: map[string]float64{"server.rss": 512 << 20, "server.fds": 42, "server.threads": 9,
		"hwmon.ina226.VDD_HAT.w": 3.5, "ina.5V.a": 1.25, "soc_temp": 55.5}})
	f := gather(t, e.Gatherer())
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"aihat_watched_process_resident_memory_bytes", []string{"process=server"}, 512 << 20},
		{"aihat_watched_process_open_fds", []string{"process=server"}, 42},
		{"aihat_watched_process_threads", []string{"process=server"}, 9},
		{"aihat_rail_watts", []string{"rail=ina226.VDD_HAT", "source=hwmon"}, 3.5},
		{"aihat_rail_amps", []string{"rail=5V", "source=ina"}, 1.25},
		// The zone is the cpu-thermal one's number, not always 0.
		{"node_thermal_zone_temp", []string{"type=cpu-thermal", "zone=2"}, 55.5},
	} {
		if got := f.must(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// TestSweepNamesAreCapped: names nobody planned for make at most
// MaxSeries label sets; the rest are counted as dropped, and neither the
// registry nor the name cache grows without bound.
func TestSweepNamesAreCapped(t *testing.T) {
	e := New(Options{MaxSeries: 10})
	sw := telemetry.Sweep{Values: map[string]float64{}}
	for i := range 100 {
		sw.Values[fmt.Sprintf("mystery.%03d", i)] = float64(i)
	}
	sw.Values["bad\xffutf8"] = 1 // no valid label value: dropped, not a panic
	e.Sweep(sw)
	e.Sweep(sw)
	f := gather(t, e.Gatherer())
	if n := len(f["aihat_sweep_value"].GetMetric()); n != 10 {
		t.Errorf("%d aihat_sweep_value series, want the cap 10", n)
	}
	if got := f.must(t, "aihat_sweep_values_dropped_total"); got != 2*91 {
		t.Errorf("dropped %v, want 182 (91 values past the cap or invalid, twice)", got)
	}
	if len(e.setters) > 2*10 {
		t.Errorf("name cache holds %d names, want at most twice the cap", len(e.setters))
	}
	// Past the cap, a source's failures and an event's kind are dropped too.
	e.Sweep(telemetry.Sweep{Failed: []string{"pmic"}, Events: []telemetry.Event{{Kind: "throttle"}}})
	if f := gather(t, e.Gatherer()); f["aihat_source_failures_total"] != nil || f["aihat_events_total"] != nil {
		t.Error("label sets made past the cap")
	}
}

func TestSourceFailuresAndEventsAreCounted(t *testing.T) {
	e := New(Options{})
	for range 3 {
		e.Sweep(telemetry.Sweep{Failed: []string{"pmic"}, Events: []telemetry.Event{{Kind: "source_failing"}, {Kind: "throttle"}}})
	}
	f := gather(t, e.Gatherer())
	if got := f.must(t, "aihat_source_failures_total", "source=pmic"); got != 3 {
		t.Errorf("pmic failures %v", got)
	}
	if got := f.must(t, "aihat_events_total", "kind=throttle"); got != 3 {
		t.Errorf("throttle events %v", got)
	}
}

func TestRequestsByOutcomeLatencyAndTokens(t *testing.T) {
	e := New(Options{Runtime: "ollama", Model: "qwen2:1.5b"})
	for _, q := range []workload.Request{
		{LatencyS: 6.8, TTFTS: 0.3, Tokens: 64, TokensPS: 9.4, Prefill: true, Outcome: "ok"},
		{LatencyS: 7.5, TTFTS: 0.4, Tokens: 64, TokensPS: 8.5, Prefill: true, Outcome: "ok"},
		{LatencyS: 0.001, Outcome: string(workload.ErrRefused)},
		{LatencyS: 120, Outcome: string(workload.ErrTimeout)},
		{Outcome: "something new"}, // counted as other: a bounded label set
	} {
		e.Request(q)
	}
	f := gather(t, e.Gatherer())
	for outcome, want := range map[string]float64{"ok": 2, "refused": 1, "timeout": 1, "other": 1, "http_status": 0, "malformed": 0, "server": 0} {
		if got := f.must(t, "aihat_requests_total", "outcome="+outcome); got != want {
			t.Errorf("requests %s = %v, want %v", outcome, got, want)
		}
	}
	if got := f.must(t, "aihat_request_errors_total", "class=timeout"); got != 1 {
		t.Errorf("timeout errors %v", got)
	}
	if _, ok := f.value("aihat_request_errors_total", "class=ok"); ok {
		t.Error("ok counted as an error class")
	}
	h := f["aihat_request_duration_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 2 || math.Abs(h.GetSampleSum()-14.3) > 1e-9 { // 1e-9: float addition of two values
		t.Errorf("latency histogram: %d requests, sum %v s; want the 2 successful ones, 14.3 s", h.GetSampleCount(), h.GetSampleSum())
	}
	for _, b := range h.GetBucket() {
		var want uint64
		switch {
		case b.GetUpperBound() >= 8:
			want = 2
		case b.GetUpperBound() >= 7:
			want = 1
		}
		if b.GetCumulativeCount() != want {
			t.Errorf("le=%v: %d requests, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
	if got := f.must(t, "aihat_request_ttft_seconds"); got != 2 {
		t.Errorf("ttft count %v", got)
	}
	if got := f.must(t, "aihat_request_tokens_per_second"); got != 8.5 {
		t.Errorf("tokens/s %v, want the last successful request's 8.5", got)
	}
	if got := f.must(t, "aihat_request_tokens_per_second_includes_prefill"); got != 1 {
		t.Errorf("prefill flag %v", got)
	}
	if got := f.must(t, "aihat_generated_tokens_total"); got != 128 {
		t.Errorf("tokens %v", got)
	}
	if got := f.must(t, "aihat_loadtest_info", "model=qwen2:1.5b", "runtime=ollama", "target="); got != 1 {
		t.Errorf("info %v", got)
	}
}

func TestHealthCountersFollowTheRun(t *testing.T) {
	e := New(Options{})
	if _, ok := gather(t, e.Gatherer()).value("aihat_health_ok"); ok {
		t.Error("aihat_health_ok before any health check")
	}
	e.Health(loadtest.Health{Checks: 5, Failures: 2, Bad: []string{"/dev/hailo0 missing"}, Work: 1234})
	f := gather(t, e.Gatherer())
	for name, want := range map[string]float64{"aihat_health_checks_total": 5, "aihat_health_check_failures_total": 2,
		"aihat_health_ok": 0, "aihat_work_total": 1234} {
		if got := f.must(t, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if f["aihat_health_checks_total"].GetType() != dto.MetricType_COUNTER {
		t.Error("aihat_health_checks_total is not a counter")
	}
}

// TestMetricNamesFollowPrometheusConventions: aihat's families carry their
// unit, counters end in _total, and no name is reused with another type.
func TestMetricNamesFollowPrometheusConventions(t *testing.T) {
	e := New(Options{})
	e.Sweep(telemetry.Sweep{Values: map[string]float64{"soc_temp": 50, "x": 1}, Failed: []string{"fan"}, Events: []telemetry.Event{{Kind: "throttle"}}})
	e.Request(workload.Request{Outcome: "ok", LatencyS: 1})
	mfs, err := e.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	units := []string{"_seconds", "_bytes", "_watts", "_volts", "_amps", "_hertz", "_celsius", "_total", "_info", "_fds", "_threads",
		"_raw", "_ok", "_alarm", "_throttled", "_value", "_includes_prefill", "_per_second"}
	for _, mf := range mfs {
		name := mf.GetName()
		if !strings.HasPrefix(name, "aihat_") {
			continue
		}
		if (mf.GetType() == dto.MetricType_COUNTER) != strings.HasSuffix(name, "_total") {
			t.Errorf("%s: type %v; counters and only counters end in _total", name, mf.GetType())
		}
		ok := false
		for _, u := range units {
			ok = ok || strings.HasSuffix(name, u)
		}
		if !ok {
			t.Errorf("%s: no unit or kind suffix", name)
		}
	}
}

func TestServeAnswersScrapesAndPortInUseIsAnError(t *testing.T) {
	e := New(Options{})
	e.Sweep(telemetry.Sweep{Values: map[string]float64{"soc_temp": 50}})
	s, err := Serve("127.0.0.1:0", e.Gatherer())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	f := parse(t, resp.Body)
	resp.Body.Close()
	if got := f.must(t, "node_thermal_zone_temp", "type=cpu-thermal", "zone="); got != 50 {
		t.Errorf("served %v", got)
	}
	if _, err := Serve(s.Addr(), e.Gatherer()); err == nil || !strings.Contains(err.Error(), s.Addr()) {
		t.Errorf("second listen on %s: %v, want an error naming the address", s.Addr(), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Error("still listening after Close")
	}
}

func TestTextfileHasTheFinalStateAndOnlyAihatFamilies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aihat.prom")
	e := New(Options{})
	tf, err := StartTextfile(path, e.Gatherer(), e.Changed)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 500 {
		e.Sweep(telemetry.Sweep{T: time.Unix(int64(i), 0), Values: map[string]float64{"soc_temp": 50, "mem_available": 1 << 30}})
	}
	if err := tf.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f := parse(t, r)
	if got := f.must(t, "aihat_sweeps_total"); got != 500 {
		t.Errorf("textfile sweeps %v, want the final 500", got)
	}
	for name := range f {
		if !strings.HasPrefix(name, "aihat_") {
			t.Errorf("%s in the textfile: node_exporter has it itself and would see it twice", name)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestTextfileErrors(t *testing.T) {
	if err := CheckTextfilePath("/tmp/aihat.txt"); err == nil || !strings.Contains(err.Error(), ".prom") {
		t.Errorf("a .txt path: %v", err)
	}
	if err := CheckTextfilePath("/var/lib/prometheus/node-exporter/aihat.prom"); err != nil {
		t.Error(err)
	}
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "aihat.prom")
	if _, err := StartTextfile(missing, New(Options{}).Gatherer(), func() bool { return true }); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing directory: %v, want an error naming the path", err)
	}
}

// BenchmarkSweep is the hook's cost per sweep of the sim's ~50 series:
// the sampler takes 86 400 sweeps of a sim day in about 5 s, so it must
// stay well under ~10 µs.
func BenchmarkSweep(b *testing.B) {
	rec := &recorder{e: New(Options{})}
	simRun(b, 10*time.Second, func(*sim.Board) loadtest.Live { return rec })
	sw := rec.last
	e := New(Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sw.T = sw.T.Add(time.Second)
		e.Sweep(sw)
	}
	b.ReportMetric(float64(len(sw.Values)), "series/sweep")
}

// TestInvalidNamesDoNotUseUpTheCap: names that can be no label value are
// dropped every time, and a valid name seen again and again makes one
// label set, so the cap is still there for the names that come later.
func TestInvalidNamesDoNotUseUpTheCap(t *testing.T) {
	e := New(Options{MaxSeries: 3})
	bad := telemetry.Sweep{Values: map[string]float64{}}
	for i := range 6 { // as many as the name cache holds (twice the cap)
		bad.Values[fmt.Sprintf("bad\xff%d", i)] = 1
	}
	e.Sweep(bad)
	for range 10 {
		e.Sweep(telemetry.Sweep{Values: map[string]float64{"mystery.a": 1}})
	}
	e.Sweep(telemetry.Sweep{Values: map[string]float64{"mystery.b": 2, "mystery.c": 3}})
	f := gather(t, e.Gatherer())
	for _, s := range []string{"mystery.a", "mystery.b", "mystery.c"} {
		f.must(t, "aihat_sweep_value", "series="+s)
	}
	if got := f.must(t, "aihat_sweep_values_dropped_total"); got != 6 {
		t.Errorf("dropped %v, want the 6 invalid names", got)
	}
}
