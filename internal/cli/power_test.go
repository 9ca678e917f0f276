package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPowerCommands(t *testing.T) {
	dir := t.TempDir()
	official := filepath.Join(dir, "official.yaml")
	if err := os.WriteFile(official, []byte("power:\n  budget:\n    supply: {name: \"Raspberry Pi 27W USB-C\", volts: 5.1, max_a: 5}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []cliCase{
		{"rails healthy", []string{"power", "rails", "--target", "sim", "--samples", "20"}, 0, "EXT5V.v_min"},
		{"rails idle", []string{"power", "rails", "--target", "sim", "--load", "idle", "--samples", "5", "--interval", "50ms"}, 0, "HAT_5V.w_mean"},
		{"rails brownout-burst", []string{"power", "rails", "--target", "sim", "--fault", "brownout-burst"}, 1, "short sag during load bursts"},
		{"rails ina-missing", []string{"power", "rails", "--target", "sim", "--fault", "ina-missing"}, 1, "HAT_5V.monitor_present"},
		{"rails bad load", []string{"power", "rails", "--target", "sim", "--load", "gpu"}, 64, ""},
		{"rails bad samples", []string{"power", "rails", "--target", "sim", "--samples", "-1"}, 64, ""},
		{"flags healthy", []string{"power", "flags", "--target", "sim"}, 0, "under_voltage_occurred"},
		{"budget default", []string{"power", "budget", "--target", "sim"}, 0, "9.6 A"},
		{"budget official supply", []string{"power", "budget", "--target", "sim", "--plan", official}, 1, "exceeds Raspberry Pi 27W USB-C"},
		{"rails real capture, fixture target", []string{"power", "rails", "--target", "fixture", "--root", repoPath("testdata", "power", "rootfs", "pi5-loaded"), "--plan", repoPath("testdata", "power", "pmic-only.yaml")}, 0, "10.877 A"},
		{"rails fixture with the default plan misses HAT_5V", []string{"power", "rails", "--target", "fixture", "--root", repoPath("testdata", "power", "rootfs", "pi5-loaded"), "--samples", "2", "--interval", "1ms"}, 1, "HAT_5V.monitor_present"},
		{"flags real format, fixture target", []string{"power", "flags", "--target", "fixture", "--root", repoPath("testdata", "power", "rootfs", "pi5-loaded")}, 0, "rpi_volt_alarm"},
		{"budget missing run", []string{"power", "budget", "--target", "sim", "--from-run", filepath.Join(dir, "nope.json")}, 2, ""}, // a named file that cannot be read: ERROR
	}
	runCases(t, tests)
}

func TestPowerBudgetFromRun(t *testing.T) {
	code, out, _ := runCLI(t, "power", "rails", "--target", "sim", "-o", "json")
	if code != 0 {
		t.Fatalf("rails exit %d", code)
	}
	run := filepath.Join(t.TempDir(), "run.json")
	if err := os.WriteFile(run, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "power", "budget", "--target", "sim", "--from-run", run, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	var rec struct {
		Steps []struct {
			Log          []string
			Measurements []struct {
				Name  string
				Value any
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rec); err != nil || len(rec.Steps) != 1 {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(strings.Join(rec.Steps[0].Log, "\n"), "(measured)") {
		t.Fatalf("no measured component in the log: %v", rec.Steps[0].Log)
	}
	// The measured HAT peak (~16 W) and Pi PMIC power replace the guide's
	// 30 W and 10 W: the worst case drops below 40 W.
	for _, m := range rec.Steps[0].Measurements {
		if m.Name == "worst_case_w" {
			if w, ok := m.Value.(float64); !ok || w >= 40 || w < 15 {
				t.Fatalf("worst_case_w %v", m.Value)
			}
			return
		}
	}
	t.Fatal("no worst_case_w")
}

// Flags become options handed to the run function, checked first, with
// no board opened and the plan left alone (the CLI no longer writes
// Interval.String() into the plan for the stage to parse back).
func TestPowerRailsFlagsToOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want PowerRailsOptions
		code int
	}{
		{[]string{"rails", "--samples", "7", "--interval", "50ms", "--load", "npu"}, PowerRailsOptions{Samples: 7, Interval: 50 * time.Millisecond, Load: "npu"}, 0},
		{[]string{"rails"}, PowerRailsOptions{}, 0},
		{[]string{"rails", "--load", "gpu"}, PowerRailsOptions{}, 64},
		{[]string{"rails", "--interval", "-1s"}, PowerRailsOptions{}, 64},
	} {
		var got *PowerRailsOptions
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
		cmd := newCmdPower(f, func(o *PowerRailsOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		code, _ := exitCode(cmd.Execute())
		if code != tc.code {
			t.Fatalf("%v: exit %d, want %d", tc.args, code, tc.code)
		}
		if tc.code == 0 && (got == nil || *got != tc.want) {
			t.Fatalf("%v: options %+v, want %+v", tc.args, got, tc.want)
		}
		if f.session != nil {
			t.Fatalf("%v: the command opened the board or the plan before its run function", tc.args)
		}
	}
}

// The stage applies the options over the plan without changing the plan.
func TestPowerRailsOptionsDoNotEditThePlan(t *testing.T) {
	code, out, _ := runCLI(t, "power", "rails", "--target", "sim", "--samples", "3", "--interval", "5ms", "-o", "json")
	if code != 0 || !strings.Contains(out, "3 samples every 5ms") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}
