package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOverlayCheckCommand(t *testing.T) {
	tests := []cliCase{
		{"sim passes", []string{"overlay", "check", "--target", "sim"}, 0, "dt.pcie1.status"},
		{"sim pciex1-not-applied fails", []string{"overlay", "check", "--target", "sim", "--fault", "pciex1-not-applied"}, 1, "is under [pi4], which does not apply to a Pi 5"},
		{"sim config-malformed fails", []string{"overlay", "check", "--target", "sim", "--fault", "config-malformed", "-o", "json"}, 1, "config.txt:55"},
		{"healthy fixture passes", []string{"overlay", "check", "--target", "fixture", "--root", repoPath("testdata", "rootfs", "healthy-6.12")}, 0, "hat.uuid"},
		{"stock config.txt fixture passes", []string{"overlay", "check", "--target", "fixture", "--root", repoPath("testdata", "rootfs", "stock-config")}, 0, "hat.present"},
		{"fixture pciex1 under pi4 fails", []string{"overlay", "check", "--target", "fixture", "--root", repoPath("testdata", "rootfs", "pciex1-under-pi4")}, 1, "[pi4]"},
		{"extra argument", []string{"overlay", "check", "x"}, 64, ""},
	}
	runCases(t, tests)
}

// overlay check alone reads no EEPROM, so the hat node is judged against a
// plan that names the HAT's identity (a station's; the default names none).
func TestOverlayCheckJSONHasCodesAndRemedies(t *testing.T) {
	station := filepath.Join(t.TempDir(), "station.yaml")
	if err := os.WriteFile(station, []byte("limits:\n  eeprom.verify.product: {equals: AI HAT+ 2}\n  eeprom.verify.product_id: {equals: \"0x0010\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "overlay", "check", "--target", "sim", "--fault", "hat-node-mismatch", "--plan", station, "-o", "json")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var r struct {
		FailureCodes []string `json:"failure_codes"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if strings.Join(r.FailureCodes, " ") != "HAT_NODE_MISMATCH" {
		t.Fatalf("failure codes %v", r.FailureCodes)
	}
}
