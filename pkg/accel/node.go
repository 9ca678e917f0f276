package accel

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/aihat/aihat/pkg/board"
)

// Node is what is known about a device node under dev/.
//
// A fixture tree in git cannot hold a character device, so a node is
// described two ways: (1) the file itself, when fs.Stat says it is a
// character device (a real Pi, the sim) — mode from Mode(), owner from
// Sys().(*syscall.Stat_t) when the filesystem gives one; (2) otherwise a
// descriptor .aihat/dev/<name> in the root (key=value lines: type=char,
// mode=0660, uid=0, gid=44, major=236, minor=0), which wins over a plain
// placeholder file. Only when neither says "char" is a regular file at the
// path reported as "not a character device". The descriptor lives beside
// the .aihat/cmd captured outputs the fixture target replays, and never
// exists on a real root.
type Node struct {
	Path   string // "dev/h1x-0"
	Exists bool
	Char   bool
	Mode   fs.FileMode // permission bits
	// Owner is known (from Stat_t or the descriptor).
	Owner    bool
	UID, GID uint32
	// Source says where the facts came from: "stat" or the descriptor path.
	Source string
}

// String renders the node as ls -l does: "crw-rw---- 0:44".
func (n Node) String() string {
	t := "-"
	if n.Char {
		t = "c"
	}
	s := t + n.Mode.Perm().String()[1:]
	if n.Owner {
		s += fmt.Sprintf(" %d:%d", n.UID, n.GID)
	}
	return s
}

// StatNode looks up dev/<name> in fsys.
func StatNode(fsys fs.FS, name string) Node {
	p := "dev/" + name
	n := Node{Path: p}
	fi, err := fs.Stat(fsys, p)
	if err == nil && fi.Mode()&fs.ModeCharDevice != 0 {
		n.Exists, n.Char, n.Mode, n.Source = true, true, fi.Mode().Perm(), "stat"
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			n.Owner, n.UID, n.GID = true, st.Uid, st.Gid
		}
		return n
	}
	desc := ".aihat/dev/" + name
	if b, derr := fs.ReadFile(fsys, desc); derr == nil {
		if d, ok := parseDescriptor(b); ok {
			d.Path, d.Source = p, desc
			return d
		}
	}
	if err == nil {
		n.Exists, n.Mode, n.Source = true, fi.Mode().Perm(), "stat"
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			n.Owner, n.UID, n.GID = true, st.Uid, st.Gid
		}
	}
	return n
}

func parseDescriptor(b []byte) (Node, bool) {
	n := Node{Exists: true, Owner: true}
	sc := bufio.NewScanner(bytes.NewReader(b))
	seenMode := false
	for sc.Scan() {
		for _, f := range strings.Fields(sc.Text()) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				continue
			}
			switch k {
			case "type":
				n.Char = v == "char"
			case "mode":
				m, err := strconv.ParseUint(v, 8, 32)
				if err != nil || m > 0o777 {
					return Node{}, false
				}
				n.Mode, seenMode = fs.FileMode(m), true
			case "uid", "gid":
				id, err := strconv.ParseUint(v, 10, 32)
				if err != nil {
					return Node{}, false
				}
				if k == "uid" {
					n.UID = uint32(id)
				} else {
					n.GID = uint32(id)
				}
			}
		}
	}
	return n, seenMode
}

// User is who would open the device: the invoking user on a real Pi.
type User struct {
	Name string
	UID  uint32
	GIDs []uint32
}

func (u User) String() string {
	g := make([]string, len(u.GIDs))
	for i, id := range u.GIDs {
		g[i] = strconv.Itoa(int(id))
	}
	name := u.Name
	if name == "" {
		name = "uid " + strconv.Itoa(int(u.UID))
	}
	return fmt.Sprintf("%s (uid %d, groups %s)", name, u.UID, strings.Join(g, " "))
}

// operator is the user a fixture tree or the sim is tested as: Raspberry Pi
// OS's first user, pi (uid 1000), in the groups etc/group lists it in.
const operator = "pi"

// InvokingUser returns whose access to check: on the linux target, this
// process's uid and groups; in a captured tree (the fixture target),
// .aihat/user ("uid=1000 gids=1000,44") when present; else (fixtures, the
// sim) the operator pi with its groups from the root's etc/group.
func InvokingUser(b board.Board) User {
	if _, ok := b.(*board.Linux); ok {
		u := User{UID: uint32(os.Getuid()), GIDs: []uint32{uint32(os.Getgid())}}
		if gs, err := os.Getgroups(); err == nil {
			for _, g := range gs {
				u.GIDs = append(u.GIDs, uint32(g))
			}
		}
		if name := os.Getenv("USER"); name != "" {
			u.Name = name
		}
		return u
	}
	fsys := b.FS()
	if d, err := fs.ReadFile(fsys, ".aihat/user"); err == nil {
		if u, ok := parseUser(d); ok {
			return u
		}
	}
	u := User{Name: operator, UID: 1000, GIDs: []uint32{1000}}
	if g, err := fs.ReadFile(fsys, "etc/group"); err == nil {
		u.GIDs = append(u.GIDs, groupsOf(g, operator)...)
	}
	return u
}

func parseUser(b []byte) (User, bool) {
	u := User{}
	ok := false
	for _, f := range strings.Fields(string(b)) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "name":
			u.Name = v
		case "uid":
			id, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return User{}, false
			}
			u.UID, ok = uint32(id), true
		case "gids", "groups":
			for _, s := range strings.Split(v, ",") {
				if id, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32); err == nil {
					u.GIDs = append(u.GIDs, uint32(id))
				}
			}
		}
	}
	return u, ok
}

// groupsOf returns the gids of the groups in an etc/group file that list
// user as a member.
func groupsOf(group []byte, user string) []uint32 {
	var out []uint32
	for _, line := range strings.Split(string(group), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 {
			continue
		}
		for _, m := range strings.Split(f[3], ",") {
			if strings.TrimSpace(m) == user {
				if id, err := strconv.ParseUint(f[2], 10, 32); err == nil {
					out = append(out, uint32(id))
				}
			}
		}
	}
	return out
}

// GroupName returns the name of gid in the root's etc/group, or "".
func GroupName(fsys fs.FS, gid uint32) string {
	g, err := fs.ReadFile(fsys, "etc/group")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(g), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 3 && f[2] == strconv.Itoa(int(gid)) {
			return f[0]
		}
	}
	return ""
}

// CanOpen reports whether u may open n read-write, by the Unix rules: root
// always; the owner by the owner bits; a group member by the group bits;
// everyone else by the other bits. Without an owner only the other bits
// count.
func CanOpen(n Node, u User) (bool, error) {
	if !n.Exists {
		return false, errors.New("no such node")
	}
	const rw = 0o6
	perm := uint32(n.Mode.Perm())
	if !n.Owner {
		return perm&rw == rw, nil
	}
	if u.UID == 0 {
		return true, nil
	}
	if u.UID == n.UID {
		return (perm>>6)&rw == rw, nil
	}
	for _, g := range u.GIDs {
		if g == n.GID {
			return (perm>>3)&rw == rw, nil
		}
	}
	return perm&rw == rw, nil
}
