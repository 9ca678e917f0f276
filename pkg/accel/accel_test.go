package accel

import (
	"io/fs"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/aihat/aihat/pkg/board/fixture"
	"github.com/aihat/aihat/pkg/sim"
)

func rootfs(name string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "rootfs", name)
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
