package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
)

// simEnv is a sim board built from so and a stage env on it with the
// default plan, its progress discarded.
func simEnv(t *testing.T, so sim.Options) (*sim.Board, *stage.Env) {
	t.Helper()
	b, err := sim.New(so)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	env := stage.NewEnv(b, p)
	env.Progress = io.Discard
	return b, env
}

func simRun(t *testing.T, o RunOptions, setup func(*sim.Board)) (*report.Step, time.Duration) {
	return simRunSeed(t, 1, o, setup)
}

func simRunSeed(t *testing.T, seed int64, o RunOptions, setup func(*sim.Board)) (*report.Step, time.Duration) {
	t.Helper()
	b, env := simEnv(t, sim.Options{Seed: seed})
	if setup != nil {
		setup(b)
	}
	step := report.NewStep("loadtest.run", time.Now())
	t0 := time.Now()
	err := RunStage(o)(context.Background(), env, step)
	step.Finish(time.Now(), err)
	return step, time.Since(t0)
}

func measurement(step *report.Step, name string) (report.Measurement, bool) {
	for _, m := range step.Measurements {
		if m.Name == name {
			return m, true
		}
	}
	return report.Measurement{}, false
}

// shortSim is 3 h of virtual time at 10 s sampling: enough windows after
// the warm-up for every slope, fast enough for make test.
var shortSim = RunOptions{LoadtestDurations: plan.LoadtestDurations{Duration: 3 * time.Hour, Interval: 10 * time.Second,
	HealthEvery: 10 * time.Minute, Warmup: 30 * time.Minute, Window: 10 * time.Minute}}

func TestHealthySimPasses(t *testing.T) {
	step, wall := simRun(t, shortSim, nil)
	t.Logf("3 h of sim at 10 s: %s wall", wall)
	if step.Outcome != report.Pass {
		t.Fatalf("outcome %s: %+v\n%v", step.Outcome, step.Measurements, step.Log)
	}
	for name, want := range map[string]float64{"sweeps": 3*360 + 1, "health_checks": 19, "health_failures": 0} {
		m, ok := measurement(step, name)
		if !ok || m.Value.(float64) != want {
			t.Errorf("%s = %+v, want %v", name, m, want)
		}
	}
	for _, name := range []string{"mem_available_slope", "slab_slope", "fan_rpm_full_slope", "server.rss_slope", "server.fds_slope",
		"npu_outage", "workload_errors", "undervoltage_episodes"} {
		m, ok := measurement(step, name)
		if !ok || m.Limits == nil || m.Outcome != report.Pass {
			t.Errorf("%s = %+v: want a judged PASS", name, m)
		}
	}
	if len(step.Series) == 0 {
		t.Error("no series recorded")
	}
}

// TestMissingDeviceNodeFailsHealth: with /dev/hailo0 gone every health
// check fails, each recorded with its time, and the run goes on to the end.
func TestMissingDeviceNodeFailsHealth(t *testing.T) {
	step, _ := simRun(t, shortSim, func(b *sim.Board) { delete(b.State().DevNodes, "dev/hailo0") })
	m, _ := measurement(step, "health_failures")
	if m.Value != 19.0 || m.Outcome != report.Fail || step.Outcome != report.Fail {
		t.Errorf("health_failures %+v, step %s: want 19 (one at the start, then every 10 min through 3 h), FAIL", m, step.Outcome)
	}
	n := 0
	for _, e := range step.Events {
		if e.Kind == "health_failed" {
			n++
		}
	}
	if n != 19 {
		t.Errorf("%d health_failed events, want 19", n)
	}
	if s, _ := measurement(step, "sweeps"); s.Value != 3*360+1.0 {
		t.Errorf("sweeps %v: the run should go on after a failed check", s.Value)
	}
}

func TestTooShortIsSkippedNotPassed(t *testing.T) {
	o := shortSim
	o.Duration = 40 * time.Minute
	step, _ := simRun(t, o, nil)
	m, ok := measurement(step, "mem_available_slope")
	if !ok || m.Outcome == report.Pass {
		t.Errorf("mem_available_slope after 10 min past warm-up: %+v, want not judged", m)
	}
}

// TestNoFalseAlarmsOver30HealthySeeds: a healthy sim board is never
// flagged, whatever its seed (the false-alarm check: zero of 30).
func TestNoFalseAlarmsOver30HealthySeeds(t *testing.T) {
	o := shortSim
	o.Interval = 30 * time.Second // 361 sweeps a run keeps 30 runs quick under -race
	alarms := 0
	for seed := int64(1); seed <= 30; seed++ {
		step, _ := simRunSeed(t, seed, o, nil)
		// The fault verdicts are judged on every healthy run, not left out.
		for _, name := range []string{"server.rss_slope", "npu_outage", "workload_errors", "undervoltage_episodes"} {
			if m, ok := measurement(step, name); !ok || m.Limits == nil {
				t.Errorf("seed %d: %s not judged: %+v", seed, name, m)
			}
		}
		if step.Outcome != report.Pass {
			alarms++
			for _, m := range step.Measurements {
				if m.Outcome != report.Pass {
					t.Errorf("seed %d: %s = %v %s: %s", seed, m.Name, m.Value, m.Unit, m.Message)
				}
			}
		}
	}
	if alarms != 0 {
		t.Errorf("%d of 30 healthy seeds flagged, want 0", alarms)
	}
}

// TestOllamaRuntimeCountsRequests: the ollama runtime's requests are
// counted and failed ones classed; on the sim the run's clock is virtual,
// so only a few real requests land in it.
func TestOllamaRuntimeCountsRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		fmt.Fprintln(w, `{"response":"Hi","done":false}`)
		fmt.Fprintln(w, `{"response":"","done":true,"eval_count":5,"eval_duration":1000000}`)
	}))
	defer srv.Close()
	o := shortSim
	o.Runtime, o.Endpoint, o.Model = "ollama", srv.URL, "gemma3"
	o.Interval = time.Second // 10 801 sweeps: long enough in wall time for requests
	step, _ := simRun(t, o, nil)
	m, ok := measurement(step, "requests")
	if !ok || !(m.Value.(float64) > 0) {
		t.Errorf("requests %+v: want some", m)
	}
	if w, _ := measurement(step, "work"); !(w.Value.(float64) >= 5) || w.Unit != "token" {
		t.Errorf("work %+v: want ≥ 5 tokens", w)
	}
}

// TestFanDegradeIsCaught: the sim's fan-degrade fault (2 % of full speed
// lost an hour) fails fan_rpm_full_slope; nothing else is flagged.
func TestFanDegradeIsCaught(t *testing.T) {
	_, env := simEnv(t, sim.Options{Seed: 3, Faults: []string{"fan-degrade"}})
	step := report.NewStep("loadtest.run", time.Now())
	o := shortSim
	o.Interval = 30 * time.Second
	step.Finish(time.Now(), RunStage(o)(context.Background(), env, step))
	for _, m := range step.Measurements {
		want := report.Pass
		if m.Name == "fan_rpm_full_slope" {
			want = report.Fail
		}
		if m.Outcome != want {
			t.Errorf("%s = %v %s: %s, want %s", m.Name, m.Value, m.Unit, m.Outcome, want)
		}
	}
	if m, ok := measurement(step, "fan_rpm_full_slope"); !ok || m.Code != "LOADTEST_DRIFT" {
		t.Errorf("fan_rpm_full_slope %+v: want LOADTEST_DRIFT", m)
	}
}
