package driver

import (
	"strings"
	"testing"
)

func TestUdevRuleFromThePlan(t *testing.T) {
	p := defaultPlan(t)
	rule, err := UdevRule(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`SUBSYSTEM=="hailo1x", KERNEL=="h1x-[0-9]*", MODE="0666", TAG+="systemd"`,
		`SUBSYSTEM=="hailo_chardev", KERNEL=="hailo[0-9]*", MODE="0666", TAG+="systemd"`,
		"# /etc/udev/rules.d/51-hailo-udev.rules",
	} {
		if !strings.Contains(rule, want) {
			t.Errorf("rule lacks %q:\n%s", want, rule)
		}
	}
	p.Driver.Group, p.Driver.Mode = "video", "0660"
	rule, _ = UdevRule(p)
	if !strings.Contains(rule, `KERNEL=="h1x-[0-9]*", MODE="0660", GROUP="video"`) {
		t.Errorf("group rule:\n%s", rule)
	}
	p.Driver.Mode = "rw-rw----"
	if _, err := UdevRule(p); err == nil {
		t.Error("a non-octal mode was accepted")
	}
}

func TestSystemdUnitForABinary(t *testing.T) {
	p := defaultPlan(t)
	p.Driver.Group = "video"
	u, err := SystemdUnit(p, UnitOptions{Exec: "/usr/local/bin/detect --hef /opt/m.hef", Devices: []string{"/dev/h1x-0"}, User: "pi"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"BindsTo=dev-h1x\\x2d0.device", "ExecStartPre=+/sbin/modprobe hailo1x_pci", "User=pi",
		"SupplementaryGroups=video", "DeviceAllow=/dev/h1x-0 rw", "ExecStart=/usr/local/bin/detect --hef /opt/m.hef",
		"WantedBy=multi-user.target",
	} {
		if !strings.Contains(u, want) {
			t.Errorf("unit lacks %q:\n%s", want, u)
		}
	}
}

func TestSystemdUnitForAContainer(t *testing.T) {
	u, err := SystemdUnit(defaultPlan(t), UnitOptions{Image: "ghcr.io/x/infer:1", Runtime: "docker", Args: []string{"--hef", "/m.hef"}, Devices: []string{"/dev/hailo0"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "ExecStart=/usr/bin/docker run --rm --name %N --device /dev/hailo0 ghcr.io/x/infer:1 --hef /m.hef") ||
		strings.Contains(u, "DeviceAllow") {
		t.Errorf("container unit:\n%s", u)
	}
}

func TestSystemdUnitRejectsBadOptions(t *testing.T) {
	p := defaultPlan(t)
	for name, o := range map[string]UnitOptions{
		"neither":       {Devices: []string{"/dev/h1x-0"}},
		"both":          {Exec: "/bin/x", Image: "i", Devices: []string{"/dev/h1x-0"}},
		"relative exec": {Exec: "detect", Devices: []string{"/dev/h1x-0"}},
		"no device":     {Exec: "/bin/x"},
		"bad device":    {Exec: "/bin/x", Devices: []string{"h1x-0"}},
		"bad runtime":   {Image: "i", Runtime: "lxc", Devices: []string{"/dev/h1x-0"}},
	} {
		if _, err := SystemdUnit(p, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDeviceUnitEscapesLikeSystemd(t *testing.T) {
	for in, want := range map[string]string{
		"/dev/h1x-0":  `dev-h1x\x2d0.device`,
		"/dev/hailo0": "dev-hailo0.device",
	} {
		if got := DeviceUnit(in); got != want {
			t.Errorf("DeviceUnit(%s) = %s, want %s", in, got, want)
		}
	}
}
