package hailortcli

import "testing"

// hailortcli's --version line (format from hailo-ai/hailort's
// hailortcli.cpp; 4.19.0, 4.24.0 and 5.1.1 appear in posted board logs).
func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{
		"HailoRT-CLI version 4.19.0\n": "4.19.0",
		"HailoRT-CLI version 5.1.1":    "5.1.1",
		"libhailort version (4.20.0) does not match HailoRT-CLI version (4.19.0)\n": "",
		"": "",
	} {
		if got := ParseVersion(in); got != want {
			t.Errorf("ParseVersion(%q) = %q, want %q", in, got, want)
		}
	}
}
