package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		{"budget missing run", []string{"power", "budget", "--target", "sim", "--from-run", filepath.Join(dir, "nope.json")}, 64, ""},
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
