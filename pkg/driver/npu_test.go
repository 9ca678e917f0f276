package driver

import (
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/board/fixture"
	"github.com/aihat/aihat/pkg/sim"
)

// TestNPUIdentityIsRecorded: on the simulated AI HAT+ 2 (HailoRT 5.x),
// driver.check records the NPU's architecture and firmware from `hailortcli
// fw-control identify`, leaves out the fields the device leaves empty, and
// hands the architecture to later stages.
func TestNPUIdentityIsRecorded(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	s, env := runStage(t, b, defaultPlan(t))
	if v := value(s, "npu.arch"); v != "HAILO10H" {
		t.Fatalf("npu.arch = %v", v)
	}
	if v := value(s, "npu.firmware_version"); v != "5.1.1" {
		t.Fatalf("npu.firmware_version = %v", v)
	}
	for _, m := range s.Measurements {
		if m.Name == "npu.serial" || m.Name == "npu.part_number" || m.Name == "npu.product_name" {
			t.Errorf("%s recorded although the device has none", m.Name)
		}
	}
	if n := env.Findings.NPU; n == nil || n.Arch != "HAILO10H" || n.Firmware != "5.1.1" {
		t.Fatalf("findings %+v", env.Findings.NPU)
	}
}

// TestNPUIdentityAbsentWithoutHailoRT: a fixture root without a canned
// hailortcli answer records no identity and says why, without failing.
func TestNPUIdentityAbsentWithoutHailoRT(t *testing.T) {
	b, _ := fixture.New(rootfs("healthy-6.12"))
	s, env := runStage(t, b, defaultPlan(t))
	for _, m := range s.Measurements {
		if strings.HasPrefix(m.Name, "npu.") {
			t.Errorf("%s recorded without hailortcli", m.Name)
		}
	}
	if env.Findings.NPU != nil || !strings.Contains(strings.Join(s.Log, "\n"), "NPU identity not read") {
		t.Fatalf("findings %+v log %v", env.Findings.NPU, s.Log)
	}
}
