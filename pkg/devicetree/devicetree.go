// Package devicetree reads the live device tree the firmware handed the
// kernel, as the kernel exposes it: one directory per node, one file per
// property, under proc/device-tree (a link to sys/firmware/devicetree/base,
// which is read when proc is not there). Properties are raw bytes:
// NUL-separated string lists or big-endian 32-bit cells.
package devicetree

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Roots are where the live tree is found, in order of preference.
var Roots = []string{"proc/device-tree", "sys/firmware/devicetree/base"}

// Tree is the live device tree of a board's filesystem.
type Tree struct {
	fsys fs.FS
	root string
}

// Open finds the live tree in fsys. It fails when neither root exists.
func Open(fsys fs.FS) (*Tree, error) {
	for _, r := range Roots {
		if fi, err := fs.Stat(fsys, r); err == nil && fi.IsDir() {
			return &Tree{fsys: fsys, root: r}, nil
		}
	}
	return nil, fmt.Errorf("no live device tree under /%s or /%s (is this a device-tree board? is --root a Pi root filesystem?)", Roots[0], Roots[1])
}

// Root is the directory the tree was found at.
func (t *Tree) Root() string { return t.root }

// Path returns the filesystem path of a node or property ("hat/vendor").
func (t *Tree) Path(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return t.root
	}
	return t.root + "/" + p
}

// HasNode reports whether the node at p exists.
func (t *Tree) HasNode(p string) bool {
	fi, err := fs.Stat(t.fsys, t.Path(p))
	return err == nil && fi.IsDir()
}

// Property returns the raw bytes of the property at p ("hat/vendor").
func (t *Tree) Property(p string) ([]byte, error) {
	b, err := fs.ReadFile(t.fsys, t.Path(p))
	if err != nil {
		return nil, fmt.Errorf("read device-tree property /%s: %w", t.Path(p), err)
	}
	return b, nil
}

// String returns a property as one string (the first of its list).
func (t *Tree) String(p string) (string, error) {
	b, err := t.Property(p)
	if err != nil {
		return "", err
	}
	l := Strings(b)
	if len(l) == 0 {
		return "", nil
	}
	return l[0], nil
}

// StringList returns a property as a string list (compatible).
func (t *Tree) StringList(p string) ([]string, error) {
	b, err := t.Property(p)
	if err != nil {
		return nil, err
	}
	return Strings(b), nil
}

// Cells returns a property as big-endian 32-bit cells.
func (t *Tree) Cells(p string) ([]uint32, error) {
	b, err := t.Property(p)
	if err != nil {
		return nil, err
	}
	c, err := Cells(b)
	if err != nil {
		return nil, fmt.Errorf("/%s: %w", t.Path(p), err)
	}
	return c, nil
}

// IsNotExist reports whether err means a node or property is absent.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// Strings decodes a property as a list of NUL-terminated strings. A
// trailing NUL ends the last string; an empty property is an empty list;
// a final string without its NUL is kept.
func Strings(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	s = strings.TrimSuffix(s, "\x00")
	return strings.Split(s, "\x00")
}

// Cells decodes a property as big-endian 32-bit cells. An empty property
// has no cells; a length that is not a multiple of 4 is an error.
func Cells(b []byte) ([]uint32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("property is %d B, not a whole number of 4-byte cells", len(b))
	}
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	return out, nil
}

// IsPrintable reports whether b looks like a string list (printable text
// separated and terminated by NULs), as dtc decides when it decompiles.
func IsPrintable(b []byte) bool {
	if len(b) == 0 || b[len(b)-1] != 0 || b[0] == 0 {
		return false
	}
	prevNUL := false
	for _, c := range b[:len(b)-1] {
		if c == 0 {
			if prevNUL {
				return false
			}
			prevNUL = true
			continue
		}
		prevNUL = false
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// Format renders a property as dtc prints it: "a", "b" for strings, <0x1
// 0x2> for cells, [de ad] for other bytes, nothing for an empty property.
func Format(b []byte) string {
	switch {
	case len(b) == 0:
		return ""
	case IsPrintable(b):
		l := Strings(b)
		q := make([]string, len(l))
		for i, s := range l {
			q[i] = fmt.Sprintf("%q", s)
		}
		return strings.Join(q, ", ")
	case len(b)%4 == 0:
		c, _ := Cells(b)
		parts := make([]string, len(c))
		for i, v := range c {
			parts[i] = fmt.Sprintf("0x%x", v)
		}
		return "<" + strings.Join(parts, " ") + ">"
	}
	parts := make([]string, len(b))
	for i, v := range b {
		parts[i] = fmt.Sprintf("%02x", v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// HATFields are the identity properties the firmware copies from the HAT
// EEPROM's vendor atom into the hat node, in the order they are reported.
var HATFields = []string{"vendor", "product", "product_id", "product_ver", "uuid"}

// HAT returns the hat node's identity properties by name (HATFields),
// with ids as "0x%04x" (NormID) and the UUID in lower case, so callers
// compare them with what an EEPROM or a plan says. Absent properties are
// absent from the map; ok is false when there is no hat node.
func (t *Tree) HAT() (props map[string]string, ok bool) {
	if !t.HasNode("hat") {
		return nil, false
	}
	props = map[string]string{}
	for _, k := range HATFields {
		v, err := t.String("hat/" + k)
		if err != nil {
			continue
		}
		switch k {
		case "product_id", "product_ver":
			v = NormID(v)
		case "uuid":
			v = strings.ToLower(v)
		}
		props[k] = v
	}
	return props, true
}

// NormID writes a 16-bit id as the firmware and the EEPROM tools do,
// "0x0010", whether it came as "0x10", "0x0010" or "16"; text that is not
// a number is returned trimmed, to be reported as found.
func NormID(s string) string {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return s
	}
	return fmt.Sprintf("0x%04x", v)
}
