package driver

import (
	"context"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
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
	err := Stage(context.Background(), env, step)
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
	err := Stage(context.Background(), env, report.NewStep("driver.check", time.Time{}))
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

func TestParseLinkSpeedAndGen(t *testing.T) {
	for in, want := range map[string]float64{"8.0 GT/s PCIe": 8, "5.0 GT/s": 5, "2.5 GT/s PCIe": 2.5, "16.0 GT/s PCIe": 16} {
		if v, ok := ParseLinkSpeed(in); !ok || v != want {
			t.Errorf("ParseLinkSpeed(%q) = %v %v", in, v, ok)
		}
	}
	for _, bad := range []string{"", "Unknown", "8.0 Gb/s", "x GT/s"} {
		if _, ok := ParseLinkSpeed(bad); ok {
			t.Errorf("ParseLinkSpeed(%q) ok", bad)
		}
	}
	if Gen(8) != 3 || Gen(5) != 2 || Gen(2.5) != 1 || Gen(0) != 0 {
		t.Error("Gen wrong")
	}
}

func TestStatNodeReadsCharDevicesAndDescriptors(t *testing.T) {
	fsys := fstest.MapFS{
		"dev/h1x-0":          {Mode: fs.ModeDevice | fs.ModeCharDevice | 0o660, Sys: &syscall.Stat_t{Uid: 0, Gid: 44}},
		"dev/hailo0":         {Data: nil, Mode: 0o644}, // a placeholder file
		".aihat/dev/hailo0":  {Data: []byte("type=char mode=0600 uid=0 gid=0 major=508 minor=0\n")},
		"dev/plain":          {Data: []byte("x"), Mode: 0o666},
		".aihat/dev/badmode": {Data: []byte("type=char mode=rw\n")},
	}
	n := StatNode(fsys, "h1x-0")
	if !n.Exists || !n.Char || n.Mode != 0o660 || !n.Owner || n.GID != 44 || n.Source != "stat" {
		t.Fatalf("h1x-0 = %+v", n)
	}
	n = StatNode(fsys, "hailo0")
	if !n.Exists || !n.Char || n.Mode != 0o600 || n.Source != ".aihat/dev/hailo0" {
		t.Fatalf("hailo0 (descriptor over placeholder) = %+v", n)
	}
	n = StatNode(fsys, "plain")
	if !n.Exists || n.Char {
		t.Fatalf("plain file = %+v, want present, not a char device", n)
	}
	if n := StatNode(fsys, "badmode"); n.Exists {
		t.Fatalf("a descriptor with a bad mode described a node: %+v", n)
	}
	if n := StatNode(fsys, "absent"); n.Exists {
		t.Fatalf("absent = %+v", n)
	}
	if s := (Node{Char: true, Mode: 0o660, Owner: true, GID: 44}).String(); s != "crw-rw---- 0:44" {
		t.Fatalf("String = %q", s)
	}
}

func TestCanOpenFollowsUnixPermissions(t *testing.T) {
	pi := User{Name: "pi", UID: 1000, GIDs: []uint32{1000, 44}}
	tests := []struct {
		node Node
		user User
		want bool
	}{
		{Node{Exists: true, Mode: 0o666, Owner: true}, pi, true},
		{Node{Exists: true, Mode: 0o600, Owner: true}, pi, false},
		{Node{Exists: true, Mode: 0o600, Owner: true}, User{UID: 0}, true},
		{Node{Exists: true, Mode: 0o660, Owner: true, GID: 44}, pi, true},
		{Node{Exists: true, Mode: 0o640, Owner: true, GID: 44}, pi, false},   // group read-only
		{Node{Exists: true, Mode: 0o066, Owner: true, UID: 1000}, pi, false}, // owner bits win over group/other
		{Node{Exists: true, Mode: 0o606, Owner: true, GID: 44}, pi, false},   // group bits win over other
		{Node{Exists: true, Mode: 0o666}, pi, true},                          // no owner known: other bits
		{Node{Exists: false, Mode: 0o666}, pi, false},
	}
	for i, tc := range tests {
		if got, _ := CanOpen(tc.node, tc.user); got != tc.want {
			t.Errorf("%d: CanOpen(%v, %v) = %v, want %v", i, tc.node, tc.user, got, tc.want)
		}
	}
}

func TestInvokingUser(t *testing.T) {
	b, _ := fixture.New(rootfs("healthy-6.12"))
	if u := InvokingUser(b); u.UID != 1000 || len(u.GIDs) != 4 || u.GIDs[1] != 44 {
		t.Fatalf("fixture user = %v", u)
	}
	sb, _ := sim.New(sim.Options{})
	u := InvokingUser(sb)
	if u.Name != "pi" || u.UID != 1000 {
		t.Fatalf("sim user = %v", u)
	}
	want := map[uint32]bool{1000: true, sim.GIDVideo: true, sim.GIDI2C: true, sim.GIDGPIO: true}
	for _, g := range u.GIDs {
		delete(want, g)
	}
	if len(want) != 0 {
		t.Fatalf("sim user %v lacks groups %v", u, want)
	}
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
