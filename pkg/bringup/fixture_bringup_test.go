package bringup

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aihat/aihat/pkg/board/fixture"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// The fixture target end to end: the whole default plan on the Pi 5
// captured trees in testdata/rootfs, with the station plan for a fixture
// root (no INA226 monitor: a replayed I2C capture holds presence, not
// registers).

var (
	fixtureDir  = filepath.Join("..", "..", "testdata", "rootfs")
	stationPlan = filepath.Join("..", "..", "testdata", "power", "pmic-only.yaml")
)

// fixtureFails reads the "Fails:" line of a fixture's FIXTURE.md: the
// measurements ("step/measurement") a full bringup fails, with their codes.
func fixtureFails(t *testing.T, name string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name, "FIXTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(line, "Fails:")
		if !ok {
			continue
		}
		fails := map[string]string{}
		if strings.TrimSpace(rest) == "none" {
			return fails
		}
		for _, item := range strings.Split(rest, ",") {
			f := strings.Fields(item)
			if len(f) != 2 || !strings.Contains(f[0], "/") {
				t.Fatalf("%s/FIXTURE.md: Fails: entry %q is not \"step/measurement CODE\"", name, item)
			}
			fails[f[0]] = f[1]
		}
		return fails
	}
	t.Fatalf("%s/FIXTURE.md has no \"Fails:\" line", name)
	return nil
}

// fixtures lists the trees that have a FIXTURE.md.
func fixtures(t *testing.T) []string {
	t.Helper()
	ms, err := filepath.Glob(filepath.Join(fixtureDir, "*", "FIXTURE.md"))
	if err != nil || len(ms) == 0 {
		t.Fatalf("no fixture trees under %s (%v)", fixtureDir, err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	sort.Strings(names)
	return names
}

// fixtureRuns keeps each fixture's run so the tests that look at the same
// run (the full-bringup table and the per-stage reads) pay for one: a run
// with bench loads ONNX Runtime and a 50M model.
var fixtureRuns = struct {
	sync.Mutex
	m map[string]*report.Run
}{m: map[string]*report.Run{}}

// fixtureRun runs the station plan's stages (all of them, or all but
// bench) on a fixture tree, once per test binary, and checks every one of
// them ran. The returned record is shared: read it, do not change it.
func fixtureRun(t *testing.T, name string, withBench bool) *report.Run {
	t.Helper()
	key := fmt.Sprintf("%s/bench=%v", name, withBench)
	fixtureRuns.Lock()
	defer fixtureRuns.Unlock()
	if r, ok := fixtureRuns.m[key]; ok {
		return r
	}
	r := runFixture(t, name, withBench)
	fixtureRuns.m[key] = r
	return r
}

func runFixture(t *testing.T, name string, withBench bool) *report.Run {
	t.Helper()
	b, err := fixture.New(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(stationPlan, Known())
	if err != nil {
		t.Fatal(err)
	}
	shortBench(t, &p.Bench.Model)
	var names []string
	for _, n := range p.Stages {
		if n != "bench" || withBench {
			names = append(names, n)
		}
	}
	env := stage.NewEnv(b, p)
	steps, err := Resolve(names)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != len(names) {
		var got []string
		for _, s := range steps {
			got = append(got, s.Name)
		}
		t.Fatalf("resolved %v, want every plan stage %v: a stage is not registered", got, names)
	}
	r := Run(context.Background(), env, steps, Meta{})
	if len(r.Steps) != len(names) {
		t.Fatalf("%d steps ran, want %d", len(r.Steps), len(names))
	}
	if r.Target != "fixture" {
		t.Fatalf("the record says target %q, want fixture: a replay must not pass for a live board", r.Target)
	}
	return r
}

// checkFixtureRun asserts that no step errored, that the failing
// measurements are exactly want (with their codes and a remedy), and that
// the only marginal pass is bench's CPU fallback.
func checkFixtureRun(t *testing.T, r *report.Run, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, s := range r.Steps {
		if s.Outcome == report.Error || s.Error != "" {
			t.Errorf("%s: %s: %s", s.Name, s.Outcome, s.Error)
		}
		for _, m := range s.Measurements {
			key := s.Name + "/" + m.Name
			switch m.Outcome {
			case report.Pass:
				if m.Marginal && key != "bench/cpu_fallback" {
					t.Errorf("%s = %v: marginal pass (%s)", key, m.Value, m.Message)
				}
			case report.Skip:
			case report.Fail:
				got[key] = m.Code
				if m.Message == "" {
					t.Errorf("%s fails without a message", key)
				}
			default:
				t.Errorf("%s = %v: %s %s", key, m.Value, m.Outcome, m.Message)
			}
		}
	}
	for k, code := range want {
		if got[k] == "" {
			t.Errorf("%s does not fail; the fixture says it fails with %s", k, code)
		} else if got[k] != code {
			t.Errorf("%s fails with code %q, want %q", k, got[k], code)
		}
	}
	for k, code := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s fails (%s) but the fixture names only %v", k, code, want)
		}
	}
	wantOutcome := report.Pass
	if len(want) > 0 {
		wantOutcome = report.Fail
	}
	if r.Outcome != wantOutcome {
		t.Errorf("run %s, want %s", r.Outcome, wantOutcome)
	}
}

func measurement(t *testing.T, r *report.Run, step, name string) *report.Measurement {
	t.Helper()
	for _, s := range r.Steps {
		if s.Name != step {
			continue
		}
		for i := range s.Measurements {
			if s.Measurements[i].Name == name {
				return &s.Measurements[i]
			}
		}
	}
	t.Fatalf("no measurement %s/%s", step, name)
	return nil
}

// Each fixture fails exactly what its FIXTURE.md names; the healthy ones
// pass. Bench (ONNX Runtime on the host CPU) runs on the healthy trees.
func TestFullBringupOnEachFixtureTree(t *testing.T) {
	for _, name := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			want := fixtureFails(t, name)
			healthy := len(want) == 0
			r := fixtureRun(t, name, healthy)
			checkFixtureRun(t, r, want)
			if !healthy {
				return
			}
			if !r.Marginal || measurement(t, r, "bench", "cpu_fallback").Value != true {
				t.Errorf("run marginal %v: want a marginal PASS from bench's CPU fallback", r.Marginal)
			}
		})
	}
}

// What each stage read from the healthy 6.12 tree: the at24 nvmem image,
// both bus captures, the real PMIC capture, the throttle flags and hwmon,
// and the thermal zone and PMIC sampled by the bench.
func TestHealthyFixtureReadsEveryStagesFiles(t *testing.T) {
	r := fixtureRun(t, "healthy-6.12", true)
	checkFixtureRun(t, r, nil)
	for _, c := range []struct {
		step, name string
		want       any
	}{
		{"eeprom.verify", "product", "AI HAT+ 2"},
		{"eeprom.verify", "uuid", "5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31"},
		{"overlay.check", "hat.matches_eeprom", true},
		{"i2c.scan", "bus0.0x50.present", true},
		{"i2c.scan", "bus1.devices", 0.0},
		{"i2c.scan", "bus1.0x40.present", false},
		{"power.flags", "throttled_raw", "0x0"},
		{"power.flags", "rpi_volt_alarm", false},
		{"bench", "temp_max", 52.15},
	} {
		if got := measurement(t, r, c.step, c.name).Value; got != c.want {
			t.Errorf("%s/%s = %v (%T), want %v", c.step, c.name, got, got, c.want)
		}
	}
	near := func(step, name string, want, tol float64) {
		t.Helper()
		v, ok := measurement(t, r, step, name).Value.(float64)
		if !ok || math.Abs(v-want) > tol {
			t.Errorf("%s/%s = %v, want %g ± %g", step, name, v, want, tol)
		}
	}
	near("power.rails", "VDD_CORE.a_max", 10.87674, 1e-4) // the real capture's VDD_CORE_A
	near("power.rails", "EXT5V.v_min", 5.06788, 1e-4)
	near("bench", "power_max", 10.8, 0.05) // Σ V×A over the capture's rails
	if v := measurement(t, r, "bench", "samples").Value.(float64); v < 2 {
		t.Errorf("bench took %v samples of the fixture's thermal zone, want at least 2", v)
	}
	var log string
	for _, s := range r.Steps {
		if s.Name == "eeprom.verify" {
			log = strings.Join(s.Log, "\n")
		}
	}
	if !strings.Contains(log, "4096 B from /sys/bus/i2c/devices/0-0050/eeprom") {
		t.Errorf("eeprom.verify did not read the at24 nvmem file; log:\n%s", log)
	}
}

// With the default plan a fixture root has no INA226 to read (bus 1 is
// empty): power.rails fails the monitor, and nothing else does.
func TestDefaultPlanOnAFixtureMissesTheMonitor(t *testing.T) {
	b, err := fixture.New(filepath.Join(fixtureDir, "healthy-6.12"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	p.Power.Samples, p.Power.Interval = 2, "1ms"
	env := stage.NewEnv(b, p)
	steps, err := Resolve([]string{"eeprom.verify", "i2c.scan", "power.rails", "power.flags"})
	if err != nil {
		t.Fatal(err)
	}
	r := Run(context.Background(), env, steps, Meta{})
	checkFixtureRun(t, r, map[string]string{"power.rails/HAT_5V.monitor_present": "INA_MISSING"})
}

// Without the nvmem file the EEPROM falls back to the bus, and a replayed
// capture refuses the read instead of inventing a blank chip.
func TestEEPROMUnderARootWithoutNVMemNamesTheFile(t *testing.T) {
	root := t.TempDir()
	capture, err := os.ReadFile(filepath.Join("..", "..", "testdata", "i2c", "pi5-bookworm", ".aihat", "i2c", "i2c-0.i2cdetect"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(capture), "50: 50") {
		t.Fatalf("the pi5-bookworm capture no longer shows 0x50 answering:\n%s", capture)
	}
	if err := os.MkdirAll(filepath.Join(root, ".aihat", "i2c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ".aihat", "i2c", "i2c-0.i2cdetect"), capture, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := fixture.New(root)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	env := stage.NewEnv(b, p)
	steps, err := Resolve([]string{"eeprom.verify"})
	if err != nil {
		t.Fatal(err)
	}
	r := Run(context.Background(), env, steps, Meta{})
	// A refused read is "could not test" (ERROR), not a verdict on the HAT.
	st := r.Steps[0]
	if st.Outcome != report.Error {
		t.Fatalf("eeprom.verify = %s, want ERROR (the capture cannot tell what the chip holds)", st.Outcome)
	}
	msg := st.Error
	for _, s := range []string{"replays presence only", "/sys/bus/i2c/devices/0-0050/eeprom"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q lacks %q", msg, s)
		}
	}
	for _, s := range r.Steps {
		for _, mm := range s.Measurements {
			if mm.Name == "image.problems" {
				t.Errorf("an image was decoded from the replay bus (%v): it made data up", mm.Value)
			}
		}
	}
}

// healthy-6.6 has its device tree only under sys/firmware/devicetree/base:
// overlay.check still compares the firmware's hat node there with the
// EEPROM eeprom.verify read.
func TestHatNodeUnderSysfsIsComparedWithTheEEPROM(t *testing.T) {
	r := fixtureRun(t, "healthy-6.6", true)
	if got := measurement(t, r, "overlay.check", "hat.matches_eeprom").Value; got != true {
		t.Fatalf("hat.matches_eeprom = %v, want the hat node under sys/firmware/devicetree/base to match the EEPROM", got)
	}
}
