package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// capturedCPUInfo is a /proc/cpuinfo someone posted from their board.
func capturedCPUInfo(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(repoPath("testdata", "captures", "proc_cpuinfo", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recordTarget is the target the run record on stdout names.
func recordTarget(t *testing.T, out string) string {
	t.Helper()
	var run struct{ Target string }
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("stdout is not a JSON run record: %v\n%s", err, out)
	}
	return run.Target
}

func TestTargetAutoChoosesLinuxOnAPi5(t *testing.T) {
	hosts := map[string]Host{
		"device tree": {Arch: "arm64", FS: fstest.MapFS{
			"proc/device-tree/model": {Data: []byte("Raspberry Pi 5 Model B Rev 1.0\x00")}}},
		"sysfs device tree only": {Arch: "arm64", FS: fstest.MapFS{
			"sys/firmware/devicetree/base/model": {Data: []byte("Raspberry Pi 5 Model B Rev 1.1\x00")}}},
		"cpuinfo only (a container)": {Arch: "arm64", FS: fstest.MapFS{
			"proc/cpuinfo": {Data: capturedCPUInfo(t, "pi5-bookworm-feedback129.txt")}}},
	}
	for name, h := range hosts {
		t.Run(name, func(t *testing.T) {
			// power flags reads files and runs vcgencmd: harmless on any
			// host, and it writes a run record naming its target.
			_, out, stderr := runOn(t, h, "power", "flags", "-o", "json")
			if !strings.Contains(stderr, "notice: --target auto chose linux") || !strings.Contains(stderr, "Raspberry Pi 5 Model B") {
				t.Fatalf("stderr = %q, want the notice naming the model it found", stderr)
			}
			if got := recordTarget(t, out); got != "linux" {
				t.Fatalf("record target %q, want linux", got)
			}
		})
	}
}

func TestTargetAutoOnAnArmHostThatIsNotAPi5IsAnError(t *testing.T) {
	hosts := map[string]struct {
		host Host
		says string
	}{
		"arm64, nothing names the board": {Host{Arch: "arm64", FS: fstest.MapFS{}}, "no device-tree model"},
		"arm64 Pi 4 (real cpuinfo)": {Host{Arch: "arm64", FS: fstest.MapFS{
			"proc/cpuinfo": {Data: capturedCPUInfo(t, "pi4-arm64-glances2616.txt")}}}, "Raspberry Pi 4 Model B Rev 1.5"},
		"32-bit userland on a Pi 4": {Host{Arch: "arm", FS: fstest.MapFS{
			"proc/device-tree/model": {Data: []byte("Raspberry Pi 4 Model B Rev 1.4\x00")}}}, "Raspberry Pi 4 Model B Rev 1.4"},
	}
	for name, tc := range hosts {
		t.Run(name, func(t *testing.T) {
			code, out, stderr := runOn(t, tc.host, "power", "flags", "-o", "json")
			if code != 2 {
				t.Fatalf("exit %d, want 2 (ERROR)\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
			}
			assertOneLineError(t, stderr)
			for _, want := range []string{"--target sim", "not a Raspberry Pi 5", tc.says} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q lacks %q", stderr, want)
				}
			}
			if out != "" || strings.Contains(stderr, "chose sim") {
				t.Fatalf("it ran anyway: stdout %q stderr %q", out, stderr)
			}
		})
	}
	// Said explicitly, the simulator runs there.
	if code, out, stderr := runOn(t, Host{Arch: "arm64", FS: fstest.MapFS{}}, "power", "flags", "--target", "sim", "-o", "json"); code != 0 || recordTarget(t, out) != "sim" {
		t.Fatalf("--target sim on arm64: exit %d, stderr %q", code, stderr)
	}
}

func TestTargetAutoOnAWorkstationSimulatesWithANotice(t *testing.T) {
	code, out, stderr := runOn(t, workstation, "power", "flags", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "notice: --target auto chose sim") || !strings.Contains(stderr, "amd64 host is not a Raspberry Pi 5") {
		t.Fatalf("stderr = %q, want the notice and why", stderr)
	}
	if got := recordTarget(t, out); got != "sim" {
		t.Fatalf("record target %q, want sim", got)
	}
}

// A captured tree is never chosen by auto, even one that names a Pi 5:
// replaying is asked for by name, so a record never calls a replay linux.
func TestTargetAutoNeverChoosesAFixtureTree(t *testing.T) {
	pi5Tree := repoPath("testdata", "i2c", "pi5-bookworm")
	code, out, stderr := runOn(t, workstation, "i2c", "scan", "--root", pi5Tree)
	if code != 64 || out != "" {
		t.Fatalf("exit %d, want 64; stdout %q", code, out)
	}
	assertOneLineError(t, stderr)
	if !strings.Contains(stderr, "--target fixture --root "+pi5Tree) {
		t.Fatalf("stderr = %q, want the remedy spelled out", stderr)
	}
	code, out, stderr = runOn(t, workstation, "i2c", "scan", "--target", "fixture", "--root", pi5Tree, "-o", "json")
	if code != 0 || recordTarget(t, out) != "fixture" || strings.Contains(stderr, "notice") {
		t.Fatalf("--target fixture: exit %d, stderr %q", code, stderr)
	}
}
