package overlay

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
)

func rootfs(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "rootfs", name)
}

func defaultPlan(t *testing.T) *plan.Plan {
	t.Helper()
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, b board.Board, p *plan.Plan) (*report.Step, error) {
	t.Helper()
	env := stage.NewEnv(b, p)
	step := report.NewStep("overlay.check", time.Time{})
	err := Stage(context.Background(), env, step)
	step.Finish(time.Time{}, err)
	return step, err
}

func mustRun(t *testing.T, b board.Board) *report.Step {
	t.Helper()
	s, err := run(t, b, defaultPlan(t))
	if err != nil {
		t.Fatalf("overlay.check errored: %v", err)
	}
	return s
}

func failing(s *report.Step) []string {
	var out []string
	for _, m := range s.Measurements {
		if m.Outcome == report.Fail {
			out = append(out, m.Name+"="+m.Code)
		}
	}
	sort.Strings(out)
	return out
}

func find(s *report.Step, name string) *report.Measurement {
	for i := range s.Measurements {
		if s.Measurements[i].Name == name {
			return &s.Measurements[i]
		}
	}
	return nil
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		fixture, fails, inMsg string
	}{
		{"healthy-6.12", "", ""},
		{"healthy-6.6", "", ""},
		{"driver-not-loaded", "", ""},
		{"overlay-under-pi4", "overlay.hailo-ai-hat2.configured=OVERLAY_NOT_CONFIGURED", "/boot/firmware/config.txt:54 is under [pi4]"},
		{"no-hat-node", "hat.present=HAT_NODE_MISSING", "force_eeprom_read=0"},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			b, err := board.NewLinux(rootfs(tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			s := mustRun(t, b)
			if got := strings.Join(failing(s), " "); got != tc.fails {
				t.Fatalf("failing %q, want %q", got, tc.fails)
			}
			for _, m := range s.Measurements {
				if m.Outcome == report.Fail && !strings.Contains(m.Message, tc.inMsg) {
					t.Errorf("%s message %q lacks %q", m.Name, m.Message, tc.inMsg)
				}
			}
		})
	}
}

// healthy-6.6 has the live tree only under sys/firmware/devicetree/base,
// the older node name, and its HAT lines in an included file.
func TestOlderLayoutIsRead(t *testing.T) {
	b, _ := board.NewLinux(rootfs("healthy-6.6"))
	s := mustRun(t, b)
	if m := find(s, "dtparam.pciex1_gen"); m == nil || m.Value != "3" {
		t.Fatalf("pciex1_gen = %+v", m)
	}
	log := strings.Join(s.Log, "\n")
	for _, want := range []string{"config.txt, hailo.txt", "sys/firmware/devicetree/base", "axi/pcie@110000", "hailo.txt:5"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestLegacyBootConfigPath(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte(s), 0o644)
	}
	write("boot/config.txt", "dtparam=pciex1\ndtoverlay=hailo-ai-hat2\n")
	write("boot/overlays/hailo-ai-hat2.dtbo", "\xd0\x0d\xfe\xed")
	write("proc/device-tree/model", "Raspberry Pi 5 Model B Rev 1.0\x00")
	p := defaultPlan(t)
	p.Overlay.Nodes = nil
	p.Overlay.HATNode = false
	b, _ := board.NewLinux(root)
	s, err := run(t, b, p)
	if err != nil || s.Outcome != report.Pass {
		t.Fatalf("legacy layout: %v %s %v", err, s.Outcome, failing(s))
	}
	os.Remove(filepath.Join(root, "boot/config.txt"))
	if _, err := run(t, b, p); err == nil || !strings.Contains(err.Error(), "config.txt") {
		t.Fatalf("no config.txt: err = %v", err)
	}
}

func TestCorruptDTBOAndDisabledNode(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	b.State().Overlays["hailo-ai-hat2"] = []byte("not a blob")
	b.State().DT["axi/pcie@1000110000/status"] = []byte("disabled\x00")
	s := mustRun(t, b)
	got := strings.Join(failing(s), " ")
	if got != "dt.pcie1.status=DT_NODE_DISABLED overlay.hailo-ai-hat2.dtbo=OVERLAY_DTBO_MISSING" {
		t.Fatalf("failing %q", got)
	}
	if m := find(s, "overlay.hailo-ai-hat2.dtbo"); !strings.Contains(m.Message, "corrupt") {
		t.Fatalf("message %q", m.Message)
	}
}

func TestDTParamSetOff(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	b.State().ConfigTxt += "dtparam=pciex1=off\n"
	s := mustRun(t, b)
	m := find(s, "dtparam.pciex1")
	if m.Outcome != report.Fail || !strings.Contains(m.Message, "pciex1=off") || !strings.Contains(m.Message, "config.txt:") {
		t.Fatalf("dtparam.pciex1 = %+v", m)
	}
}

func TestUUIDPatternWhenThePlanHasNoUUID(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	p := defaultPlan(t)
	p.HAT.UUID = ""
	p.HAT.UUIDPattern = `^[0-9a-f]{8}-`
	if s, _ := run(t, b, p); s.Outcome != report.Pass {
		t.Fatalf("matching pattern: %v", failing(s))
	}
	p.HAT.UUIDPattern = `^ffff`
	s, _ := run(t, b, p)
	if got := failing(s); len(got) != 1 || got[0] != "hat.uuid=HAT_NODE_MISMATCH" {
		t.Fatalf("failing %v", got)
	}
}

func TestNoDeviceTreeIsAnError(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "boot/firmware"), 0o755)
	os.WriteFile(filepath.Join(root, "boot/firmware/config.txt"), []byte("dtparam=pciex1\n"), 0o644)
	b, _ := board.NewLinux(root)
	if _, err := run(t, b, defaultPlan(t)); err == nil || !strings.Contains(err.Error(), "device tree") {
		t.Fatalf("err = %v", err)
	}
}

func TestDTParamUnderAnotherBoardsSection(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	b.State().ConfigTxt = strings.Replace(b.State().ConfigTxt, "[all]\n# AI HAT+ 2: external PCIe port on, HAT overlay\ndtparam=pciex1\n", "[cm5]\ndtparam=pciex1\n[all]\n", 1)
	s := mustRun(t, b)
	m := find(s, "dtparam.pciex1")
	if m.Outcome != report.Fail || !strings.Contains(m.Message, "dtparam=pciex1 at /boot/firmware/config.txt:") || !strings.Contains(m.Message, "under [cm5]") {
		t.Fatalf("dtparam.pciex1 = %+v", m)
	}
}
