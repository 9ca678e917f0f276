package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A rail the plan bounds whose voltage line pmic_read_adc leaves out (or
// garbles) gives ERROR rows naming the rail and the missing reading, and
// the run is not PASS (exit 2): before, its voltage limits went silently
// unjudged and the run passed. The same capture intact passes.
func TestPowerRailWithoutItsVoltageIsAnError(t *testing.T) {
	root := copyTree(t, repoPath("testdata", "power", "rootfs", "pi5-loaded"))
	adc := filepath.Join(root, ".aihat", "cmd", "vcgencmd_pmic_read_adc")
	b, err := os.ReadFile(adc)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.Contains(l, "3V3_SYS_V"):
			continue // missing
		case strings.Contains(l, "1V8_SYS_V"):
			l = "   1V8_SYS_V volt(10)=#garbled#"
		}
		kept = append(kept, l)
	}
	if err := os.WriteFile(adc, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	planFile := repoPath("testdata", "power", "pmic-only.yaml")
	code, out, errOut := runCLI(t, "power", "rails", "--target", "fixture", "--root", root, "--plan", planFile)
	if code != 2 {
		t.Fatalf("exit %d, want 2 (ERROR)\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"3V3_SYS.v_min", "1V8_SYS.v_max", "no voltage for rail 3V3_SYS", "no voltage for rail 1V8_SYS"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not name %q\n%s", want, out)
		}
	}
	if strings.Contains(out, "RESULT: PASS") {
		t.Errorf("the run passed\n%s", out)
	}
}
