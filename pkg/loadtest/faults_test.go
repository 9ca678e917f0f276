package loadtest

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/telemetry"
)

// faultRun runs o on a sim board with one fault, its onset moved by
// tweak into the short run.
func faultRun(t *testing.T, fault string, o RunOptions, tweak func(*sim.LoadtestFaults)) *report.Step {
	t.Helper()
	b, env := simEnv(t, sim.Options{Seed: 3, Faults: []string{fault}})
	if tweak != nil {
		tweak(&b.State().Loadtest)
	}
	step := report.NewStep("loadtest.run", time.Now())
	step.Finish(time.Now(), RunStage(o)(context.Background(), env, step))
	return step
}

// onlyFails checks that the step fails, that every measurement in fails
// fails with its code, and that every other one passes, except those in
// rollup, which may fail too (health_failures: the 10-minute checks see
// what a fault does when one lands in it).
func onlyFails(t *testing.T, step *report.Step, fails map[string]string, rollup ...string) {
	t.Helper()
	if step.Outcome != report.Fail {
		t.Errorf("step %s, want FAIL", step.Outcome)
	}
	for name, code := range fails {
		m, ok := measurement(step, name)
		if !ok || m.Outcome != report.Fail || m.Code != code || m.Message == "" {
			t.Errorf("%s = %+v: want FAIL with %s and a message", name, m, code)
		}
	}
	for _, m := range step.Measurements {
		if _, own := fails[m.Name]; own || m.Outcome == report.Pass {
			continue
		}
		allowed := false
		for _, r := range rollup {
			allowed = allowed || m.Name == r
		}
		if !allowed {
			t.Errorf("%s = %v %s: %s, want PASS (%s)", m.Name, m.Value, m.Unit, m.Outcome, m.Message)
		}
	}
}

func value(t *testing.T, step *report.Step, name string) float64 {
	t.Helper()
	m, ok := measurement(step, name)
	if !ok {
		t.Fatalf("no %s measured", name)
	}
	v, _ := m.Value.(float64)
	return v
}

// TestNpuMemLeakIsCaught: the server's RSS growing 24 MiB/h fails
// server.rss_slope (the server found in the sim's /proc without
// --server-pid); nothing else is flagged.
func TestNpuMemLeakIsCaught(t *testing.T) {
	o := shortSim
	o.Interval = 30 * time.Second
	step := faultRun(t, "npu-mem-leak", o, nil)
	onlyFails(t, step, map[string]string{"server.rss_slope": "LOADTEST_DRIFT"})
	// The model's 24 MiB/h; 2 % covers the ±128 kB noise left in 10-min
	// medians over 2.5 h (at most 0.1 MiB/h of slope).
	if s := value(t, step, "server.rss_slope"); math.Abs(s-sim.DefaultLeakPerHour) > 0.02*sim.DefaultLeakPerHour {
		t.Errorf("server.rss_slope = %.4g B/h, want %d", s, sim.DefaultLeakPerHour)
	}
	found := false
	for _, l := range step.Log {
		found = found || strings.Contains(l, "watched process: hailo-ollama 812")
	}
	if !found {
		t.Errorf("the log does not say which server was watched: %q", step.Log)
	}
}

// TestDriverResetIsCaught: /dev/hailo0 gone from 1 h for 20 min (the
// fault moved into a 3 h run) fails npu_outage with the outage timed to
// the sampling interval, and workload_errors with an attempt a second;
// the health checks at 1:00 and 1:10 see it too.
func TestDriverResetIsCaught(t *testing.T) {
	o := shortSim
	step := faultRun(t, "driver-reset", o, func(f *sim.LoadtestFaults) { f.NodeGoneAt = time.Hour })
	onlyFails(t, step, map[string]string{"npu_outage": "LOADTEST_NPU_OUTAGE", "workload_errors": "LOADTEST_WORKLOAD_ERRORS",
		"health_failures": "LOADTEST_HEALTH"})
	gone := sim.DefaultNodeGoneFor.Seconds()
	// Both ends are sweeps: each within one interval of the truth.
	if d := value(t, step, "npu_outage"); math.Abs(d-gone) > o.Interval.Seconds() {
		t.Errorf("npu_outage = %v s, want %v ± %v", d, gone, o.Interval.Seconds())
	}
	// One failed attempt a second (workload.SimRetryEvery), counted at sweeps.
	if e := value(t, step, "workload_errors"); math.Abs(e-gone) > o.Interval.Seconds() {
		t.Errorf("workload_errors = %v, want %v ± %v", e, gone, o.Interval.Seconds())
	}
	if h := value(t, step, "health_failures"); h != 2 {
		t.Errorf("health_failures = %v, want 2 (the checks at 1:00 and 1:10)", h)
	}
	var began, ended []time.Time
	for _, e := range step.Events {
		if e.Kind == "npu_outage" {
			if strings.HasSuffix(e.Detail, "began") {
				began = append(began, e.Time)
			} else {
				ended = append(ended, e.Time)
			}
		}
	}
	start := sim.EpochStart
	if len(began) != 1 || len(ended) != 1 || began[0].Sub(start) != time.Hour || ended[0].Sub(start) != time.Hour+sim.DefaultNodeGoneFor {
		t.Errorf("npu_outage events began %v ended %v, want one from 1h to 1h20m after %v", began, ended, start)
	}
}

// TestLateUndervoltageIsCaught: 4 s brown-outs about every 20 min from
// 1 h (moved into a 2 h run) fail undervoltage_episodes, counted from
// sweeps: at 1 s sampling (the plan's) every one of the three, each once.
// The sim's rpi_volt alarm stays set once tripped, so the health checks
// after the first brown-out fail too.
func TestLateUndervoltageIsCaught(t *testing.T) {
	o := shortSim
	o.Duration, o.Interval = 2*time.Hour, time.Second
	step := faultRun(t, "late-undervoltage", o, func(f *sim.LoadtestFaults) { f.BrownoutOnset = time.Hour })
	onlyFails(t, step, map[string]string{"undervoltage_episodes": "LOADTEST_UNDERVOLTAGE"}, "health_failures")
	// Starts at 1:00, 1:20 and 1:40 plus under 5 min of jitter: all three
	// end before 2:00.
	if n := value(t, step, "undervoltage_episodes"); n != 3 {
		t.Errorf("undervoltage_episodes = %v, want 3", n)
	}
	n := 0
	for _, e := range step.Events {
		if e.Kind != "undervoltage" || !strings.HasSuffix(e.Detail, "began") {
			continue
		}
		n++
		at := e.Time.Sub(sim.EpochStart)
		k := time.Duration(n - 1)
		if lo := time.Hour + k*sim.DefaultBrownoutEvery; at < lo || at > lo+sim.DefaultBrownoutEvery/4 {
			t.Errorf("brown-out %d began at %s, want within a quarter period after %s", n, at, lo)
		}
	}
	if n != 3 {
		t.Errorf("%d undervoltage events began, want 3", n)
	}
}

// TestShortBrownoutSeenThroughTheAlarm: a brown-out that no sweep sees
// live (4 s between sweeps 10 s apart is missed 6 times in 10) is still
// counted when rpi_volt's alarm rises.
func TestShortBrownoutSeenThroughTheAlarm(t *testing.T) {
	f := &faultState{}
	t0 := sim.EpochStart
	sw := func(s int, live, alarm float64) telemetry.Sweep {
		return telemetry.Sweep{T: t0.Add(time.Duration(s) * 10 * time.Second), Values: map[string]float64{liveUV: live, "undervoltage_alarm": alarm}}
	}
	for i, v := range [][2]float64{{0, 0}, {0, 1}, {0, 1}, {1, 1}, {1, 1}, {0, 1}, {0, 0}, {0, 1}, {0, 0}} {
		f.observe(sw(i, v[0], v[1]))
	}
	// The alarm's rise at 1, the live flag at 3-4 (an alarm still set
	// is no new episode), the alarm's rise at 7.
	if len(f.uv) != 3 || f.uv[0].start != t0.Add(10*time.Second) || f.uv[1].start != t0.Add(30*time.Second) || f.uv[2].start != t0.Add(70*time.Second) {
		t.Errorf("episodes %+v, want from sweeps 1, 3 and 7", f.uv)
	}
}

// TestLoadtestFaultOnsetsFitThePlan: the catalogue's onsets come after
// the default plan's warm-up and, with their length, end inside its run.
func TestLoadtestFaultOnsetsFitThePlan(t *testing.T) {
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	o, err := FromPlan(p.Loadtest)
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string][2]time.Duration{
		"driver-reset":      {sim.DefaultNodeGoneAt, sim.DefaultNodeGoneAt + sim.DefaultNodeGoneFor},
		"late-undervoltage": {sim.DefaultBrownoutOnset, sim.DefaultBrownoutOnset + sim.DefaultBrownoutEvery},
	} {
		if f[0] <= o.Warmup || f[1] >= o.Duration {
			t.Errorf("%s from %s to %s: want after the %s warm-up and inside the %s run", name, f[0], f[1], o.Warmup, o.Duration)
		}
	}
	for _, f := range sim.Catalogue() {
		for _, v := range []string{"npu_outage", "undervoltage_episodes", "rss_slope"} {
			if strings.Contains(f.Breaks, v) && p.Limit("loadtest.run."+v) == nil && p.Limit("loadtest.run.*."+v) == nil {
				t.Errorf("%s names %s, which the plan does not bound", f.Name, v)
			}
		}
	}
}

// TestDiscoverServers: known servers in the board's /proc are found in
// the order hailo-ollama, ollama, hailortcli, then by pid; other
// processes and non-process entries are passed over.
func TestDiscoverServers(t *testing.T) {
	fsys := fstest.MapFS{
		"proc/1/comm":    {Data: []byte("systemd\n")},
		"proc/300/comm":  {Data: []byte("hailortcli\n")},
		"proc/950/comm":  {Data: []byte("ollama\n")},
		"proc/901/comm":  {Data: []byte("ollama\n")},
		"proc/self/comm": {Data: []byte("ollama\n")},
		"proc/meminfo":   {Data: []byte("MemTotal: 1 kB\n")},
	}
	got, err := discoverServers(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []server{{901, "ollama"}, {950, "ollama"}, {300, "hailortcli"}}
	if len(got) != len(want) {
		t.Fatalf("found %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("found %v, want %v", got, want)
		}
	}
	var log []string
	logf := func(f string, a ...any) { log = append(log, f) }
	if pid, label := watchedProcess(fsys, 0, logf); pid != 901 || label != "server" {
		t.Errorf("watched %d %q, want 901 server", pid, label)
	}
	if pid, label := watchedProcess(fsys, 4242, logf); pid != 4242 || label != "server" {
		t.Errorf("--server-pid: watched %d %q, want 4242 server", pid, label)
	}
	// No server, and a /proc that is not this machine's: nothing.
	if pid, _ := watchedProcess(fstest.MapFS{"proc/1/comm": {Data: []byte("systemd\n")}}, 0, logf); pid != 0 {
		t.Errorf("watched %d on a foreign /proc without a server, want none", pid)
	}
}

// TestOwnProcOnlyWhenItIsThisMachines: aihat's own process is the
// fallback only where the board's /proc is this machine's.
func TestOwnProcOnlyWhenItIsThisMachines(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this machine")
	}
	if !ownProcVisible(os.DirFS("/")) {
		t.Error("this machine's /proc not recognised")
	}
	b, _ := sim.New(sim.Options{})
	if ownProcVisible(b.FS()) {
		t.Error("the sim's /proc taken for this machine's")
	}
	if ownProcVisible(fstest.MapFS{"proc/self/stat": {Data: []byte("1 (systemd) S 0")}}) {
		t.Error("another machine's proc/self taken for this one")
	}
}

// TestCatalogueFaultsCaughtInADay: with the catalogue's own onsets and
// the plan's 24 h run and 1 h warm-up (sampled every minute to keep it
// quick), each long-run fault fails its own verdicts.
func TestCatalogueFaultsCaughtInADay(t *testing.T) {
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	o, err := FromPlan(p.Loadtest)
	if err != nil {
		t.Fatal(err)
	}
	o.Interval = time.Minute
	for _, tc := range []struct {
		fault  string
		fails  map[string]string
		rollup []string
	}{
		{"npu-mem-leak", map[string]string{"server.rss_slope": "LOADTEST_DRIFT"}, nil},
		{"driver-reset", map[string]string{"npu_outage": "LOADTEST_NPU_OUTAGE", "workload_errors": "LOADTEST_WORKLOAD_ERRORS", "health_failures": "LOADTEST_HEALTH"}, nil},
		{"late-undervoltage", map[string]string{"undervoltage_episodes": "LOADTEST_UNDERVOLTAGE"}, []string{"health_failures"}},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			onlyFails(t, faultRun(t, tc.fault, o, nil), tc.fails, tc.rollup...)
		})
	}
}
