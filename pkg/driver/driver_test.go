package driver

import (
	"context"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
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

func runStage(t *testing.T, b board.Board, p *plan.Plan) (*report.Step, *stage.Env) {
	t.Helper()
	env := stage.NewEnv(b, p)
	step := report.NewStep("driver.check", time.Time{})
	err := Spec().Run(context.Background(), env, step)
	step.Finish(time.Time{}, err)
	if err != nil {
		t.Fatalf("driver.check errored: %v", err)
	}
	return step, env
}

func failing(s *report.Step) []string {
	var out []string
	for _, m := range s.Measurements {
		if m.Outcome == report.Fail {
			out = append(out, m.Code)
		}
	}
	sort.Strings(out)
	return out
}

func value(s *report.Step, name string) any {
	for _, m := range s.Measurements {
		if m.Name == name {
			return m.Value
		}
	}
	return nil
}

func TestFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		fails   string
		node    string
		version string
	}{
		{"healthy-6.12", "", "/dev/h1x-0", "5.3.0"},
		{"healthy-6.6", "", "/dev/hailo0", "5.1.1"},
		{"stock-config", "", "/dev/h1x-0", "5.3.0"},
		{"driver-not-loaded", CodeNotLoaded, "", ""},
		{"devnode-root-only", CodeNodePerms, "/dev/h1x-0", "5.3.0"},
		{"pcie-gen2", CodeLinkSlow, "/dev/h1x-0", "5.3.0"},
		{"pcie-gen2-dt-capped", CodeLinkSlow, "/dev/h1x-0", "5.3.0"},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			b, err := fixture.New(rootfs(tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			s, env := runStage(t, b, defaultPlan(t))
			if got := strings.Join(failing(s), " "); got != tc.fails {
				t.Fatalf("failing codes %q, want %q; measurements %+v", got, tc.fails, s.Measurements)
			}
			if tc.node != "" && env.Findings.Driver.DevNode != tc.node {
				t.Errorf("devnode = %q, want %q", env.Findings.Driver.DevNode, tc.node)
			}
			if tc.version != "" && value(s, "module.version") != tc.version {
				t.Errorf("module.version = %v, want %s", value(s, "module.version"), tc.version)
			}
			if !strings.HasSuffix(env.Findings.Driver.KernelRelease, "+rpt-rpi-2712") {
				t.Errorf("kernel.release = %q", env.Findings.Driver.KernelRelease)
			}
		})
	}
}

func TestOlderKernelAddressIsFound(t *testing.T) {
	b, _ := fixture.New(rootfs("healthy-6.6"))
	s, env := runStage(t, b, defaultPlan(t))
	if env.Findings.Driver.PCIeAddress != "0000:01:00.0" || value(s, "pcie.link_speed") != 8.0 || value(s, "pcie.link_width") != 1.0 {
		t.Fatalf("address %q speed %v width %v", env.Findings.Driver.PCIeAddress, value(s, "pcie.link_speed"), value(s, "pcie.link_width"))
	}
}

func TestGen2IsMarginalWhenThePlanSaysSo(t *testing.T) {
	p := defaultPlan(t)
	lo, mlo := 5.0, 8.0
	p.Limits["driver.check.pcie.link_speed"] = plan.LimitSpec{Low: &lo, MarginalLow: &mlo, Unit: "GT/s"}
	b, _ := fixture.New(rootfs("pcie-gen2"))
	s, _ := runStage(t, b, p)
	if s.Outcome != report.Pass || !s.Marginal {
		t.Fatalf("outcome %s marginal %v, want a marginal PASS", s.Outcome, s.Marginal)
	}
	// Gen 1 still fails under the marginal policy.
	sb, _ := sim.New(sim.Options{})
	sb.State().PCIe.LinkSpeed = "2.5 GT/s PCIe"
	s, _ = runStage(t, sb, p)
	if got := failing(s); len(got) != 1 || got[0] != CodeLinkSlow {
		t.Fatalf("Gen 1 under gen2: marginal: failing %v", got)
	}
}

func TestWrongChipNamesItsDriver(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	b.State().PCIe.Device = 0x2864
	s, _ := runStage(t, b, defaultPlan(t))
	for _, m := range s.Measurements {
		if m.Name == "pcie.chip" {
			if m.Outcome != report.Fail || m.Code != CodeWrongDevice || !strings.Contains(m.Message, "hailo_pci") {
				t.Fatalf("pcie.chip = %+v", m)
			}
			return
		}
	}
	t.Fatal("no pcie.chip measurement")
}

func TestOtherHailoModuleIsNamed(t *testing.T) {
	b, _ := sim.New(sim.Options{Faults: []string{"driver-missing"}})
	b.State().Modules["hailo_pci"] = "4.20.0"
	s, _ := runStage(t, b, defaultPlan(t))
	for _, m := range s.Measurements {
		if m.Name == "module.loaded" && !strings.Contains(m.Message, "hailo_pci (the Hailo-8/8L driver) is loaded instead") {
			t.Fatalf("message %q", m.Message)
		}
	}
}

func TestNoPCIBusIsAnError(t *testing.T) {
	env := stage.NewEnv(mustFixture(t, t.TempDir()), defaultPlan(t))
	err := Spec().Run(context.Background(), env, report.NewStep("driver.check", time.Time{}))
	if err == nil || !strings.Contains(err.Error(), "sys/bus/pci/devices") {
		t.Fatalf("err = %v", err)
	}
}

func mustFixture(t *testing.T, root string) board.Board {
	b, err := fixture.New(root)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDevnodeWithGroupAccessPasses(t *testing.T) {
	b, _ := sim.New(sim.Options{})
	b.State().DevNodes["dev/hailo0"] = sim.DevNode{Mode: 0o660, UID: 0, GID: sim.GIDVideo, Major: 508}
	s, _ := runStage(t, b, defaultPlan(t))
	if s.Outcome != report.Pass {
		t.Fatalf("0660 root:video for a user in video: %s %v", s.Outcome, failing(s))
	}
	b.State().DevNodes["dev/hailo0"] = sim.DevNode{Mode: 0o660, UID: 0, GID: 1234, Major: 508}
	s, _ = runStage(t, b, defaultPlan(t))
	if got := failing(s); len(got) != 1 || got[0] != CodeNodePerms {
		t.Fatalf("0660 root:1234: failing %v", got)
	}
}

func TestModuleAdviceReadsLibModules(t *testing.T) {
	const running = "6.12.47+rpt-rpi-2712"
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"built for another kernel", fstest.MapFS{"lib/modules/6.6.74+rpt-rpi-2712/updates/dkms/hailo1x_pci.ko.xz": {}}, "built only for kernel 6.6.74+rpt-rpi-2712"},
		{"installed but not loaded", fstest.MapFS{"lib/modules/" + running + "/updates/dkms/hailo1x_pci.ko": {}}, "installed for the running kernel"},
		{"not installed", fstest.MapFS{"lib/modules/" + running + "/modules.dep": {}}, "sudo apt install hailo-h10-all"},
		{"no lib/modules", fstest.MapFS{}, "modinfo -F vermagic"},
	}
	for _, tc := range tests {
		step := report.NewStep("driver.check", time.Time{})
		if got := moduleAdvice(tc.files, step, "hailo1x_pci", running); !strings.Contains(got, tc.want) {
			t.Errorf("%s: advice %q lacks %q", tc.name, got, tc.want)
		}
	}
}

func TestVersionIn(t *testing.T) {
	for _, tc := range []struct {
		v, span string
		want    bool
	}{{"5.3.0", "5.3", true}, {"5.1.1", "5.1-5.2", true}, {"5.3.0", "5.1-5.2", false}, {"5.2.0", "5.3", false}, {"odd", "5.3", true}} {
		if got := versionIn(tc.v, tc.span); got != tc.want {
			t.Errorf("versionIn(%s, %s) = %v", tc.v, tc.span, got)
		}
	}
}
