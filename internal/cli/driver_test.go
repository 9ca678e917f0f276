package cli

import (
	"strings"
	"testing"
)

func TestDriverCheckCommand(t *testing.T) {
	tests := []cliCase{
		{"sim passes", []string{"driver", "check", "--target", "sim"}, 0, "/dev/hailo0"},
		{"sim pcie-gen2 fails", []string{"driver", "check", "--target", "sim", "--fault", "pcie-gen2"}, 1, "Gen 2"},
		{"sim devnode-perms fails", []string{"driver", "check", "--target", "sim", "--fault", "devnode-perms"}, 1, "51-hailo-udev.rules"},
		{"healthy 6.12 fixture passes", []string{"driver", "check", "--target", "fixture", "--root", repoPath("testdata", "rootfs", "healthy-6.12")}, 0, "/dev/h1x-0"},
		{"healthy 6.6 fixture passes", []string{"driver", "check", "--target", "fixture", "--root", repoPath("testdata", "rootfs", "healthy-6.6")}, 0, "/dev/hailo0"},
		{"driver-not-loaded fixture fails", []string{"driver", "check", "--target", "fixture", "--root", repoPath("testdata", "rootfs", "driver-not-loaded")}, 1, "built only for kernel 6.6.74+rpt-rpi-2712"},
		{"gen2 marginal plan passes", []string{"driver", "check", "--target", "fixture", "--root", repoPath("testdata", "rootfs", "pcie-gen2"), "--plan", repoPath("testdata", "rootfs", "gen2-marginal.yaml")}, 0, "PASS (marginal)"},
		{"gen2 marginal plan strict fails", []string{"driver", "check", "--strict", "--target", "fixture", "--root", repoPath("testdata", "rootfs", "pcie-gen2"), "--plan", repoPath("testdata", "rootfs", "gen2-marginal.yaml")}, 1, ""},
	}
	runCases(t, tests)
}

func TestDriverUdevRuleCommand(t *testing.T) {
	code, out, _ := runCLI(t, "driver", "udev-rule")
	if code != 0 || !strings.Contains(out, `SUBSYSTEM=="hailo1x", KERNEL=="h1x-[0-9]*", MODE="0666"`) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestDriverSystemdUnitCommand(t *testing.T) {
	tests := []cliCase{
		{"binary on sim uses the sim's node", []string{"--target", "sim", "--exec", "/usr/local/bin/infer"}, 0, "DeviceAllow=/dev/hailo0 rw"},
		{"binary on 6.12 fixture uses h1x-0", []string{"--target", "fixture", "--root", repoPath("testdata", "rootfs", "healthy-6.12"), "--exec", "/usr/local/bin/infer"}, 0, `BindsTo=dev-h1x\x2d0.device`},
		{"container", []string{"--target", "sim", "--image", "ghcr.io/x/infer:1", "--device", "/dev/h1x-0"}, 0, "--device /dev/h1x-0 ghcr.io/x/infer:1"},
		{"neither exec nor image", []string{"--target", "sim"}, 64, ""},
		{"bad device", []string{"--target", "sim", "--exec", "/bin/x", "--device", "h1x-0"}, 64, ""},
		{"relative exec", []string{"--target", "sim", "--exec", "infer"}, 64, ""},
		{"bad runtime", []string{"--target", "sim", "--image", "i", "--runtime", "lxc"}, 64, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, append([]string{"driver", "systemd-unit"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, stderr)
			}
			if !strings.Contains(out, tc.out) {
				t.Fatalf("stdout lacks %q:\n%s", tc.out, out)
			}
		})
	}
}
