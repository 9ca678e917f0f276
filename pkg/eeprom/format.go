package eeprom

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// Sizes of the fixed parts of the format, in bytes.
const (
	HeaderSize     = 12
	AtomHeaderSize = 8
	CRCSize        = 2
	vendorFixed    = 22 // UUID 16, pid 2, pver 2, vslen 1, pslen 1
	gpioBank0Size  = 30 // flags, power, 28 pins
	gpioBank1Size  = 20 // flags, power, 18 pins
	powerSize      = 4
)

// Signature is the header's magic, "R-Pi" as stored.
const Signature = "R-Pi"

// Format versions.
const (
	VersionHAT     = 1 // original HAT (eepmake -v1)
	VersionHATPlus = 2 // HAT+
)

// GPIO numbering of the two banks a GPIO map atom describes.
const (
	GPIOMin        = 2
	GPIOCountBank0 = 28
	GPIOCountBank1 = 18
)

// AtomType is an atom's type field.
type AtomType uint16

// Atom types.
const (
	AtomVendor    AtomType = 0x0001
	AtomGPIO      AtomType = 0x0002
	AtomDT        AtomType = 0x0003
	AtomCustom    AtomType = 0x0004
	AtomGPIOBank1 AtomType = 0x0005
	AtomPower     AtomType = 0x0006
)

// String names the type as eepdump does.
func (t AtomType) String() string {
	switch t {
	case 0:
		return "invalid"
	case AtomVendor:
		return "vendor"
	case AtomGPIO:
		return "GPIO map"
	case AtomDT:
		return "DT overlay"
	case AtomCustom:
		return "manufacturer custom data"
	case AtomGPIOBank1:
		return "GPIO map bank 1"
	case AtomPower:
		return "power supply"
	}
	return fmt.Sprintf("unknown (0x%04x)", uint16(t))
}

// Atom is one atom as found in an image.
type Atom struct {
	Type   AtomType
	Count  uint16
	DLen   uint32 // data length + 2 (the CRC)
	Offset int    // of the atom header in the image, in bytes
	Data   []byte
	CRC    uint16 // as stored
	CRCOK  bool
}

// UUID is a product UUID in canonical (printed) byte order. The image
// stores these 16 bytes reversed.
type UUID [16]byte

// String formats the UUID as 8-4-4-4-12 lowercase hex.
func (u UUID) String() string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ParseUUID reads an 8-4-4-4-12 hex UUID.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	parts := strings.Split(s, "-")
	if len(parts) != 5 || len(parts[0]) != 8 || len(parts[1]) != 4 || len(parts[2]) != 4 || len(parts[3]) != 4 || len(parts[4]) != 12 {
		return u, fmt.Errorf("UUID %q is not in the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", s)
	}
	b, err := hex.DecodeString(strings.Join(parts, ""))
	if err != nil {
		return u, fmt.Errorf("UUID %q: not hexadecimal", s)
	}
	copy(u[:], b)
	return u, nil
}

// Vendor is the vendor info atom.
type Vendor struct {
	UUID       UUID
	ProductID  uint16
	ProductVer uint16
	Vendor     string
	Product    string
}

// GPIO pin functions and pulls as the reference tools name them, indexed
// by the pin byte's function bits (0-2) and pull bits (5-6).
var (
	pinFunctions = [8]string{"INPUT", "OUTPUT", "ALT5", "ALT4", "ALT0", "ALT1", "ALT2", "ALT3"}
	pinPulls     = [4]string{"DEFAULT", "UP", "DOWN", "NONE"}
)

// Pin is one GPIO map entry.
type Pin struct {
	GPIO     int
	Function string
	Pull     string
}

// GPIOMap is a GPIO map atom (bank 0: GPIO 0-27, bank 1: GPIO 28-45).
type GPIOMap struct {
	Bank       int
	Drive      uint8 // 0 = default, 1-8 = 2-16 mA
	Slew       uint8
	Hysteresis uint8
	BackPower  uint8 // bank 0 only
	Raw        []byte
}

// Pins returns the pins the board uses (bit 7 set), in GPIO order.
func (g *GPIOMap) Pins() []Pin {
	var out []Pin
	base := 0
	if g.Bank == 1 {
		base = GPIOCountBank0
	}
	for i, b := range g.Raw {
		if b&0x80 == 0 {
			continue
		}
		out = append(out, Pin{GPIO: base + i, Function: pinFunctions[b&7], Pull: pinPulls[(b>>5)&3]})
	}
	return out
}

// Image is a HAT EEPROM's content: its header, its atoms as found, the
// decoded facts, and the problems decoding found.
type Image struct {
	Signature uint32
	Version   uint8
	Reserved  uint8
	NumAtoms  uint16
	EEPLen    uint32

	Atoms []Atom

	Vendor    *Vendor
	GPIOBank0 *GPIOMap
	GPIOBank1 *GPIOMap
	// HasDT says there is a DT atom; DT is its data: an overlay name (HAT+)
	// or a compiled overlay blob (original HAT).
	HasDT  bool
	DT     []byte
	Custom [][]byte
	// CurrentSupplymA is the power supply atom (HAT+), nil when absent.
	CurrentSupplymA *uint32

	Problems []*Problem
}

// OK says the image decoded without problems.
func (im *Image) OK() bool { return len(im.Problems) == 0 }

// Overlay is the DT atom's data as an overlay name, or "" when the DT atom
// is absent or holds a compiled blob.
func (im *Image) Overlay() string {
	if !im.HasDT || len(im.DT) == 0 || isFDT(im.DT) {
		return ""
	}
	s := strings.TrimRight(string(im.DT), "\x00")
	for _, c := range []byte(s) {
		if !isPrint(c) {
			return ""
		}
	}
	return s
}

func isFDT(b []byte) bool {
	return len(b) >= 4 && b[0] == 0xd0 && b[1] == 0x0d && b[2] == 0xfe && b[3] == 0xed
}

// crc16 is CRC-16/ARC (poly 0x8005 reflected, init 0), the checksum the
// reference eeplib computes bit by bit.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c)
		for i := 0; i < 8; i++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xa001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// Encode writes the image as eepmake does: header, vendor atom, GPIO bank
// 0, DT, custom atoms, GPIO bank 1, power supply; atom counts and the
// header's atom count and length computed afresh. A nil Vendor encodes
// an all-zero vendor atom.
func Encode(im *Image) ([]byte, error) {
	ver := im.Version
	if ver == 0 {
		ver = VersionHATPlus
	}
	out := make([]byte, HeaderSize, 256)
	copy(out, Signature)
	out[4] = ver
	var n uint16
	add := func(t AtomType, data []byte) {
		start := len(out)
		out = binary.LittleEndian.AppendUint16(out, uint16(t))
		out = binary.LittleEndian.AppendUint16(out, n)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(data)+CRCSize))
		out = append(out, data...)
		out = binary.LittleEndian.AppendUint16(out, crc16(out[start:]))
		n++
	}
	v := im.Vendor
	if v == nil {
		v = &Vendor{}
	}
	if len(v.Vendor) > 255 || len(v.Product) > 255 {
		return nil, fmt.Errorf("vendor and product strings are limited to 255 bytes (vendor %d B, product %d B)", len(v.Vendor), len(v.Product))
	}
	vd := make([]byte, 0, vendorFixed+len(v.Vendor)+len(v.Product))
	for i := 15; i >= 0; i-- {
		vd = append(vd, v.UUID[i])
	}
	vd = binary.LittleEndian.AppendUint16(vd, v.ProductID)
	vd = binary.LittleEndian.AppendUint16(vd, v.ProductVer)
	vd = append(vd, byte(len(v.Vendor)), byte(len(v.Product)))
	vd = append(vd, v.Vendor...)
	vd = append(vd, v.Product...)
	add(AtomVendor, vd)
	if g := im.GPIOBank0; g != nil {
		add(AtomGPIO, g.encode(gpioBank0Size))
	}
	if im.HasDT {
		add(AtomDT, im.DT)
	}
	for _, c := range im.Custom {
		add(AtomCustom, c)
	}
	if g := im.GPIOBank1; g != nil {
		add(AtomGPIOBank1, g.encode(gpioBank1Size))
	}
	if im.CurrentSupplymA != nil {
		add(AtomPower, binary.LittleEndian.AppendUint32(nil, *im.CurrentSupplymA))
	}
	binary.LittleEndian.PutUint16(out[6:], n)
	binary.LittleEndian.PutUint32(out[8:], uint32(len(out)))
	return out, nil
}

func (g *GPIOMap) encode(size int) []byte {
	b := make([]byte, size)
	b[0] = g.Drive&0x0f | (g.Slew&3)<<4 | (g.Hysteresis&3)<<6
	b[1] = g.BackPower
	copy(b[2:], g.Raw)
	return b
}
