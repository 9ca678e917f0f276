package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/bringup"
)

// `aihat stages` lists the table's stages in the plan's order with their
// summaries; -o json gives the same as data.
func TestStagesListsTheTableInPlanOrder(t *testing.T) {
	code, out, stderr := runCLI(t, "stages", "--target", "sim", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []bringup.StageInfo
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
		// loadtest.run runs for a day on its own command: the one stage
		// the default bring-up plan leaves out.
		if r.Summary == "" || r.Section == "" || len(r.Measures) == 0 || r.InPlan == (r.Name == "loadtest.run") {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	if got, want := strings.Join(names, " "), strings.Join(bringup.Names(), " "); got != want {
		t.Fatalf("stages = %s, want the table's %s", got, want)
	}

	// A plan that reorders and drops stages: plan order first, the rest
	// after, marked not in the plan.
	p := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(p, []byte("stages: [power.flags, board.identify]\n"), 0o644)
	code, out, stderr = runCLI(t, "stages", "--plan", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	iFlags, iIdent, iBench := strings.Index(out, "power.flags"), strings.Index(out, "board.identify"), strings.Index(out, "bench")
	if iFlags < 0 || iIdent < iFlags || iBench < iIdent || !strings.Contains(out, "get_throttled") {
		t.Fatalf("table not in plan order:\n%s", out)
	}
}

// Help lists the commands in the order NewRootCmd adds them (bringup,
// stages, then the stage commands in table order), not alphabetically.
func TestHelpOrderIsTheTableOrder(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	order := []string{"bringup", "stages", "eeprom", "i2c", "overlay", "driver", "power", "bench", "model", "plan", "sim", "version"}
	last := -1
	for _, c := range order {
		i := strings.Index(out, "\n  "+c+" ")
		if i < 0 || i < last {
			t.Fatalf("%s at %d after %d in help:\n%s", c, i, last, out)
		}
		last = i
	}
}

// Every per-stage command runs the stage the table has under its name.
func TestEveryStageCommandIsInTheTable(t *testing.T) {
	for _, n := range []string{"eeprom.verify", "i2c.scan", "overlay.check", "driver.check", "power.rails", "power.flags", "power.budget"} {
		if _, ok := bringup.Lookup(n); !ok {
			t.Errorf("%s has a command but is not in bringup.Table", n)
		}
	}
}

// Typos are usage errors (exit 64) that list the valid names: a stage in
// --only or the plan, a limit key in the plan.
func TestTyposAreUsageErrorsWithTheValidNames(t *testing.T) {
	dir := t.TempDir()
	tft := filepath.Join(dir, "tft.yaml")
	os.WriteFile(tft, []byte("limits:\n  bench.tft: {high: 2, unit: s}\n"), 0o644)
	absent := filepath.Join(dir, "absent.yaml")
	os.WriteFile(absent, []byte("stages: [board.identify, npu.burnin]\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"only", []string{"bringup", "--target", "sim", "--only", "power.rails,bogus"}, []string{`bogus`, "board.identify", "power.budget", "bench"}},
		{"limit key", []string{"bringup", "--target", "sim", "--plan", tft}, []string{`"bench.tft"`, "bench.ttft", "power.rails.*.v_min"}},
		{"absent stage", []string{"bringup", "--target", "sim", "--plan", absent}, []string{`"npu.burnin"`, "power.rails", "thermal.soak", "loadtest.run"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, tc.args...)
			if code != 64 {
				t.Fatalf("exit %d, want 64\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
			}
			assertOneLineError(t, stderr)
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
