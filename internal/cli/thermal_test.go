package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/thermal"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestThermalSoakFlagsToOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want ThermalSoakOptions
		code int
	}{
		{[]string{"soak", "--load", "cpu", "--duration", "10m", "--idle", "30s", "--cooldown", "1m", "--interval", "2s", "--ambient", "22.5", "--duty", "0.5", "--no-governor"},
			ThermalSoakOptions{Load: "cpu", Duration: 10 * time.Minute, Idle: 30 * time.Second, Cooldown: time.Minute, Interval: 2 * time.Second, AmbientC: 22.5, HasAmbient: true, Duty: 0.5, NoGovernor: true}, 0},
		{[]string{"soak"}, ThermalSoakOptions{}, 0},
		// --ambient 0 is a room at 0 °C, not "not given".
		{[]string{"soak", "--ambient", "0"}, ThermalSoakOptions{HasAmbient: true}, 0},
		{[]string{"soak", "--load", "gpu"}, ThermalSoakOptions{}, 64},
		{[]string{"soak", "--duty", "1.5"}, ThermalSoakOptions{}, 64},
		{[]string{"soak", "--duration", "-1m"}, ThermalSoakOptions{}, 64},
		{[]string{"soak", "--ambient", "300"}, ThermalSoakOptions{}, 64},
	} {
		var got *ThermalSoakOptions
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
		cmd := newCmdThermal(f, func(o *ThermalSoakOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		code, _ := exitCode(cmd.Execute())
		if code != tc.code {
			t.Fatalf("%v: exit %d, want %d", tc.args, code, tc.code)
		}
		if tc.code == 0 && (got == nil || !reflect.DeepEqual(*got, tc.want)) {
			t.Fatalf("%v: options %+v, want %+v", tc.args, got, tc.want)
		}
		if f.session != nil {
			t.Fatalf("%v: the command opened the board or the plan before its run function", tc.args)
		}
	}
}

// The acceptance: a soak on the sim with --report-dir writes the
// plots, listed as attachments in the record.
func TestThermalSoakWritesPlotsIntoTheReportDir(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runCLI(t, "thermal", "soak", "--target", "sim", "--report-dir", dir, "--report-dir-flat")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "thermal.soak load 3m0s") {
		t.Errorf("no per-minute progress line on stderr:\n%s", stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Steps []struct {
			Attachments []struct{ Path, MediaType string } `json:"attachments"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(repoPath("docs", "run.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("run.json with the soak's series, events and attachments: %v", err)
	}
	if len(r.Steps) != 1 || len(r.Steps[0].Attachments) != 2 {
		t.Fatalf("attachments %+v", r.Steps)
	}
	for _, a := range r.Steps[0].Attachments {
		if fi, err := os.Stat(filepath.Join(dir, a.Path)); err != nil || fi.Size() < 1000 {
			t.Fatalf("%s: %v", a.Path, err)
		}
	}
}

func TestThermalFaultsFailBringup(t *testing.T) {
	for fault, code := range map[string]string{"fan-stall": "FAN_STALL", "poor-thermal-contact": "THERMAL_NPU_HOT", "hot-enclosure": "THERMAL_IDLE_HOT"} {
		exit, out, _ := runCLI(t, "bringup", "--target", "sim", "--fault", fault, "--only", "thermal.soak", "-o", "json")
		if exit != 1 || !strings.Contains(out, `"`+code+`"`) {
			t.Errorf("%s: exit %d, want 1 with %s\n%s", fault, exit, code, out)
		}
	}
}

func TestThermalFanConfigPrintsDtparamsWithComments(t *testing.T) {
	code, out, _ := runCLI(t, "thermal", "fan-config", "--curve", "plan")
	if code != 0 || !strings.Contains(out, "dtparam=fan_temp2=67500\t# level 3 starts at 67.5 °C") || !strings.Contains(out, "dtparam=fan_temp3_speed=250") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "thermal", "fan-config")
	if code != 0 || !strings.Contains(out, "dtparam=fan_temp0=60000") || !strings.Contains(out, "dtparam=fan_temp3_speed=255") {
		t.Fatalf("policy curve: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "thermal", "fan-config", "--curve", "loud"); code != 64 {
		t.Fatalf("--curve loud: exit %d", code)
	}
	code, out, _ = runCLI(t, "thermal", "policy")
	if code != 0 || !strings.Contains(out, "above 80 °C") {
		t.Fatalf("policy: exit %d\n%s", code, out)
	}
}

// The live line (mpb) shows the soak's state and completes at the end.
func TestLiveSoakLineShowsTheState(t *testing.T) {
	var buf bytes.Buffer
	live := liveSoakLine(context.Background(), &buf)
	for i := 0; i <= 10; i++ {
		live(thermal.Status{Phase: "load", Elapsed: time.Duration(i) * time.Minute, Planned: 10 * time.Minute, SoCC: 50 + float64(i), ARMHz: 2.4e9, FanRPM: 3900, FanPWM: 125, Throughput: 120, Unit: "inference/s", Duty: 1})
	}
	// No pause between updates: the last state reaches the screen in the
	// frame mpb draws when the bar completes, however few it drew before.
	live(thermal.Status{Elapsed: 10 * time.Minute, Planned: 10 * time.Minute, Done: true})
	out := buf.String()
	if !strings.Contains(out, "SoC 60.0 °C") || !strings.Contains(out, "fan 3900 rpm (PWM 125)") || !strings.Contains(out, "120 inference/s") {
		t.Fatalf("live line:\n%q", out)
	}
}
