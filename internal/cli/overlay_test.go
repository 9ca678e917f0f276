package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestOverlayCheckCommand(t *testing.T) {
	tests := []cliCase{
		{"sim passes", []string{"overlay", "check", "--target", "sim"}, 0, "overlay.hailo-ai-hat2.configured"},
		{"sim overlay-missing fails", []string{"overlay", "check", "--target", "sim", "--fault", "overlay-missing"}, 1, "no dtoverlay=hailo-ai-hat2 line"},
		{"sim config-malformed fails", []string{"overlay", "check", "--target", "sim", "--fault", "config-malformed", "-o", "json"}, 1, "config.txt:54"},
		{"healthy fixture passes", []string{"overlay", "check", "--target", "linux", "--root", repoPath("testdata", "rootfs", "healthy-6.12")}, 0, "hat.uuid"},
		{"fixture under pi4 fails", []string{"overlay", "check", "--root", repoPath("testdata", "rootfs", "overlay-under-pi4")}, 1, "[pi4]"},
		{"extra argument", []string{"overlay", "check", "x"}, 64, ""},
	}
	runCases(t, tests)
}

func TestOverlayCheckJSONHasCodesAndRemedies(t *testing.T) {
	code, out, _ := runCLI(t, "overlay", "check", "--target", "sim", "--fault", "hat-node-mismatch", "-o", "json")
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
