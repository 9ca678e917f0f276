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
	"github.com/aihat/aihat/pkg/board/fixture"
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
	err := Spec().Run(context.Background(), env, step)
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
		// Stock Raspberry Pi OS config.txt, no AI HAT line: the live tree decides.
		{"stock-config", "", ""},
		{"driver-not-loaded", "", ""},
		{"pciex1-under-pi4", "dt.pcie1.status=DT_NODE_DISABLED", "dtparam=pciex1 at /boot/firmware/config.txt:54 is under [pi4]"},
		{"pciex1-gen2-line", "dtparam.pciex1_gen=CONFIG_CONFLICT", "/boot/firmware/config.txt:53 sets dtparam=pciex1_gen=2"},
		{"no-hat-node", "hat.present=HAT_NODE_MISSING", "force_eeprom_read=0"},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			b, err := fixture.New(rootfs(tc.fixture))
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

// The stock config.txt has no line for the HAT: nothing about the HAT is
// measured from it, the hat node's identity is recorded (the default plan
// names none to judge), and the stock overlays' blobs are checked.
func TestStockConfigIsReportedNotRequired(t *testing.T) {
	b, _ := fixture.New(rootfs("stock-config"))
	s := mustRun(t, b)
	for _, name := range []string{"dtparam.pciex1", "overlay.hailo-ai-hat2.configured", "dtparam.pciex1_gen"} {
		if find(s, name) != nil {
			t.Errorf("%s measured: the default plan requires no config.txt line", name)
		}
	}
	if m := find(s, "overlay.vc4-kms-v3d.dtbo"); m == nil || m.Outcome != report.Pass {
		t.Errorf("stock overlay blob = %+v", m)
	}
	if m := find(s, "hat.product"); m == nil || m.Value != "AI HAT+ 2" || m.Limits != nil {
		t.Errorf("hat.product = %+v, want recorded and not judged", m)
	}
	if m := find(s, "dt.pcie1.status"); m == nil || m.Value != "okay" || m.Outcome != report.Pass {
		t.Errorf("dt.pcie1.status = %+v", m)
	}
}

// healthy-6.6 has the live tree only under sys/firmware/devicetree/base,
// the older node name, and its PCIe lines in an included file.
func TestOlderLayoutIsRead(t *testing.T) {
	b, _ := fixture.New(rootfs("healthy-6.6"))
	s := mustRun(t, b)
	if m := find(s, "dtparam.pciex1_gen"); m == nil || m.Value != 3.0 || m.Outcome != report.Pass {
		t.Fatalf("pciex1_gen = %+v", m)
	}
	log := strings.Join(s.Log, "\n")
	for _, want := range []string{"config.txt, hailo.txt", "sys/firmware/devicetree/base", "axi/pcie@110000", "hailo.txt:4"} {
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
	write("boot/config.txt", "dtparam=pciex1\ndtoverlay=vc4-kms-v3d\n")
	write("boot/overlays/vc4-kms-v3d-pi5.dtbo", "\xd0\x0d\xfe\xed")
	write("proc/device-tree/model", "Raspberry Pi 5 Model B Rev 1.0\x00")
	p := defaultPlan(t)
	p.Overlay.Nodes = nil
	p.Overlay.HATNode = false
	b, _ := fixture.New(root)
	s, err := run(t, b, p)
	if err != nil || s.Outcome != report.Pass || find(s, "overlay.vc4-kms-v3d.dtbo") == nil {
		t.Fatalf("legacy layout: %v %s %v", err, s.Outcome, failing(s))
	}
	os.Remove(filepath.Join(root, "boot/config.txt"))
	if _, err := run(t, b, p); err == nil || !strings.Contains(err.Error(), "config.txt") {
		t.Fatalf("no config.txt: err = %v", err)
	}
}

func TestCorruptDTBOAndDisabledNode(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	b.State().Overlays["vc4-kms-v3d-pi5"] = []byte("not a blob")
	b.State().DT["axi/pcie@1000110000/status"] = []byte("disabled\x00")
	s := mustRun(t, b)
	got := strings.Join(failing(s), " ")
	if got != "dt.pcie1.status=DT_NODE_DISABLED overlay.vc4-kms-v3d.dtbo=OVERLAY_DTBO_MISSING" {
		t.Fatalf("failing %q", got)
	}
	if m := find(s, "overlay.vc4-kms-v3d.dtbo"); !strings.Contains(m.Message, "corrupt") {
		t.Fatalf("message %q", m.Message)
	}
	if m := find(s, "dt.pcie1.status"); !strings.Contains(m.Message, "did not enable") {
		t.Fatalf("message %q", m.Message)
	}
}

// A disabled pcie1 is explained by the config.txt line that turned it off.
func TestDTParamSetOffExplainsADisabledNode(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	b.State().ConfigTxt += "dtparam=pciex1=off\n"
	b.State().DT["axi/pcie@1000110000/status"] = []byte("disabled\x00")
	s := mustRun(t, b)
	m := find(s, "dt.pcie1.status")
	if m.Outcome != report.Fail || !strings.Contains(m.Message, "pciex1=off") || !strings.Contains(m.Message, "config.txt:") {
		t.Fatalf("dt.pcie1.status = %+v", m)
	}
}

// A PCIe line under another board's section is reported; it fails only
// when the live tree shows the port off, and then the remedy names it.
func TestDTParamUnderAnotherBoardsSection(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	b.State().ConfigTxt += "[cm5]\ndtparam=pciex1\n[all]\n"
	s := mustRun(t, b)
	if s.Outcome != report.Pass || !strings.Contains(strings.Join(s.Log, "\n"), "dtparam=pciex1 at /boot/firmware/config.txt:53 is under [cm5]") {
		t.Fatalf("healthy tree: %s %v\n%s", s.Outcome, failing(s), strings.Join(s.Log, "\n"))
	}
	b.State().DT["axi/pcie@1000110000/status"] = []byte("disabled\x00")
	m := find(mustRun(t, b), "dt.pcie1.status")
	if m.Outcome != report.Fail || !strings.Contains(m.Message, "dtparam=pciex1 at /boot/firmware/config.txt:53 is under [cm5]") {
		t.Fatalf("dt.pcie1.status = %+v", m)
	}
}

// pciex1_gen below the plan's link fails, is marginal when the plan
// accepts Gen 2, is only logged when the live tree overrides it, and an
// impossible value is a conflict too.
func TestPCIeGenLine(t *testing.T) {
	tests := []struct {
		line, treeGen, gen2 string
		outcome             report.Outcome
		marginal            bool
		inMsg               string
	}{
		{"dtparam=pciex1_gen=2", "\x00\x00\x00\x02", "", report.Fail, false, "remove the line"},
		{"dtparam=pciex1_gen=2", "\x00\x00\x00\x02", "marginal", report.Pass, true, "accepted as marginal"},
		{"dtparam=pciex1_gen=2", "\x00\x00\x00\x03", "", report.Pass, false, ""},
		{"dtparam=pciex1_gen=3", "\x00\x00\x00\x03", "", report.Pass, false, ""},
		{"dtparam=pciex1_gen=fast", "\x00\x00\x00\x03", "", report.Fail, false, "takes 1, 2 or 3"},
	}
	for _, tc := range tests {
		t.Run(tc.line+"/"+tc.gen2, func(t *testing.T) {
			b, _ := sim.New(sim.Options{})
			b.State().ConfigTxt += tc.line + "\n"
			b.State().DT["axi/pcie@1000110000/max-link-speed"] = []byte(tc.treeGen)
			p := defaultPlan(t)
			if tc.gen2 != "" {
				// The gen2-marginal plan's limits (testdata/rootfs/gen2-marginal.yaml).
				lo, mlo, hi := 2.0, 3.0, 3.0
				p.Limits["overlay.check.dtparam.pciex1_gen"] = plan.LimitSpec{Low: &lo, MarginalLow: &mlo, High: &hi}
				glo, gmlo := 5.0, 8.0
				p.Limits["driver.check.pcie.link_speed"] = plan.LimitSpec{Low: &glo, MarginalLow: &gmlo, Unit: "GT/s"}
			}
			s, err := run(t, b, p)
			if err != nil {
				t.Fatal(err)
			}
			m := find(s, "dtparam.pciex1_gen")
			if m == nil || m.Outcome != tc.outcome || m.Marginal != tc.marginal || !strings.Contains(m.Message, tc.inMsg) {
				t.Fatalf("dtparam.pciex1_gen = %+v", m)
			}
			if m.Outcome == report.Fail && (m.Code != CodeConfigConflict || !strings.Contains(m.Message, "/boot/firmware/config.txt:52")) {
				t.Fatalf("code %q message %q", m.Code, m.Message)
			}
		})
	}
}

// A plan that lists overlays and dtparams (a HAT without a HAT+ EEPROM)
// still gets them required.
func TestPlanListedOverlaysAndParamsAreRequired(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	p := defaultPlan(t)
	p.Overlay.Overlays = []string{"pineboards-hat-ai"}
	p.Overlay.DTParams = []plan.DTParamSpec{{Names: []string{"pciex1", "nvme"}}}
	s, _ := run(t, b, p)
	got := strings.Join(failing(s), " ")
	if got != "dtparam.pciex1=DTPARAM_MISSING overlay.pineboards-hat-ai.configured=OVERLAY_NOT_CONFIGURED overlay.pineboards-hat-ai.dtbo=OVERLAY_DTBO_MISSING" {
		t.Fatalf("failing %q", got)
	}
}

// A station plan that names the HAT's identity has the hat node judged
// against it when no EEPROM was read in the run.
func TestHATNodeAgainstAStationPlan(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	p := defaultPlan(t)
	p.Limits["eeprom.verify.product"] = plan.LimitSpec{Equals: "AI HAT+ 2"}
	p.Limits["eeprom.verify.product_id"] = plan.LimitSpec{Equals: "0x0010"}
	if s, _ := run(t, b, p); s.Outcome != report.Pass {
		t.Fatalf("matching plan: %v", failing(s))
	}
	p.Limits["eeprom.verify.product_id"] = plan.LimitSpec{Equals: "0x0011"}
	s, _ := run(t, b, p)
	if got := failing(s); len(got) != 1 || got[0] != "hat.product_id=HAT_NODE_MISMATCH" {
		t.Fatalf("failing %v", got)
	}
}

func TestUUIDPatternWhenThePlanHasNoUUID(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	p := defaultPlan(t)
	p.Limits["eeprom.verify.uuid"] = plan.LimitSpec{Pattern: `^[0-9a-f]{8}-`}
	if s, _ := run(t, b, p); s.Outcome != report.Pass {
		t.Fatalf("matching pattern: %v", failing(s))
	}
	p.Limits["eeprom.verify.uuid"] = plan.LimitSpec{Pattern: `^ffff`}
	s, _ := run(t, b, p)
	if got := failing(s); len(got) != 1 || got[0] != "hat.uuid=HAT_NODE_MISMATCH" {
		t.Fatalf("failing %v", got)
	}
}

// os_prefix and overlay_prefix move where the firmware loads overlays
// from; os_prefix counts only where its overlays README exists.
func TestOverlayPrefixes(t *testing.T) {
	for _, tc := range []struct {
		lines, readme, want string
	}{
		{"overlay_prefix=ovl/\n", "", "boot/firmware/ovl/vc4-kms-v3d-pi5.dtbo"},
		{"os_prefix=next/\n", "boot/firmware/next/overlays/README", "boot/firmware/next/overlays/vc4-kms-v3d-pi5.dtbo"},
		{"os_prefix=next/\n", "", "boot/firmware/overlays/vc4-kms-v3d-pi5.dtbo"},
	} {
		b, _ := sim.New(sim.Options{})
		b.State().ConfigTxt = tc.lines + b.State().ConfigTxt
		if tc.readme != "" {
			b.State().ExtraFiles[tc.readme] = "overlays\n"
		}
		delete(b.State().Overlays, "vc4-kms-v3d-pi5")
		s := mustRun(t, b)
		m := find(s, "overlay.vc4-kms-v3d.dtbo")
		if m == nil || m.Outcome != report.Fail || !strings.Contains(m.Message, "/boot/firmware/") {
			t.Fatalf("%q: %+v", tc.lines, m)
		}
		want := "/" + strings.TrimSuffix(tc.want, "-pi5.dtbo") + ".dtbo"
		if !strings.Contains(m.Message, want) {
			t.Errorf("%q: message %q does not look for %s", tc.lines, m.Message, want)
		}
	}
}

func TestNoDeviceTreeIsAnError(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "boot/firmware"), 0o755)
	os.WriteFile(filepath.Join(root, "boot/firmware/config.txt"), []byte("dtparam=pciex1\n"), 0o644)
	b, _ := fixture.New(root)
	if _, err := run(t, b, defaultPlan(t)); err == nil || !strings.Contains(err.Error(), "device tree") {
		t.Fatalf("err = %v", err)
	}
}
