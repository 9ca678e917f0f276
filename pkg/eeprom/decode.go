package eeprom

import (
	"encoding/binary"
	"fmt"
)

// Decode parses an image (an .eep file, or a whole chip read back with its
// 0xFF padding). It never fails: the returned image holds what decoded and
// Problems lists everything wrong, in the order found.
func Decode(b []byte) *Image {
	im := &Image{}
	limit, ok := im.decodeHeader(b)
	if !ok {
		return im
	}
	pos := im.decodeAtoms(b, limit)
	im.checkEnd(b, pos, limit)
	return im
}

// problem records one problem with the image.
func (im *Image) problem(kind error, atom, off int, format string, args ...any) {
	im.Problems = append(im.Problems, &Problem{Kind: kind, Atom: atom, Offset: off, Detail: fmt.Sprintf(format, args...)})
}

// decodeHeader reads the image header; limit is where the atoms must
// end. ok is false when there is no header to decode at all.
func (im *Image) decodeHeader(b []byte) (limit int, ok bool) {
	prob := im.problem
	if len(b) == 0 {
		prob(ErrEmpty, -1, 0, "the source is 0 B long")
		return 0, false
	}
	if allFF(b) {
		prob(ErrBlank, -1, 0, "%d B read, none programmed", len(b))
		return 0, false
	}
	if len(b) < HeaderSize {
		prob(ErrTruncated, -1, 0, "header needs %d B, only %d B present", HeaderSize, len(b))
		return 0, false
	}
	im.Signature = binary.LittleEndian.Uint32(b)
	im.Version = b[4]
	im.Reserved = b[5]
	im.NumAtoms = binary.LittleEndian.Uint16(b[6:])
	im.EEPLen = binary.LittleEndian.Uint32(b[8:])
	if string(b[:4]) != Signature {
		prob(ErrSignature, -1, 0, "found % x", b[:4])
	}
	if im.Version != VersionHAT && im.Version != VersionHATPlus {
		prob(ErrVersion, -1, 4, "version %d (known: 1 = HAT, 2 = HAT+)", im.Version)
	}
	limit = len(b)
	switch {
	case im.EEPLen < HeaderSize:
		prob(ErrLength, -1, 8, "header length %d B is shorter than the header", im.EEPLen)
	case uint64(im.EEPLen) > uint64(len(b)):
		prob(ErrTruncated, -1, 8, "header length %d B but only %d B of data", im.EEPLen, len(b))
	default:
		limit = int(im.EEPLen)
	}
	return limit, true
}

// decodeAtoms reads the header's count of atoms up to limit, stopping at
// the first whose length cannot be trusted; it returns where the last
// one read ends.
func (im *Image) decodeAtoms(b []byte, limit int) (pos int) {
	pos = HeaderSize
	ord := atomOrder{seen: map[AtomType]int{}}
	for i := 0; i < int(im.NumAtoms); i++ {
		a, ok := im.readAtom(b, i, pos, limit)
		if !ok {
			break
		}
		ord.check(im, i, &a)
		im.decodeAtom(i, &a, im.problem)
		im.Atoms = append(im.Atoms, a)
		pos = a.Offset + AtomHeaderSize + int(a.DLen)
	}
	return pos
}

// readAtom reads atom i's header, data and CRC at pos.
func (im *Image) readAtom(b []byte, i, pos, limit int) (Atom, bool) {
	prob := im.problem
	if pos+AtomHeaderSize > limit {
		prob(ErrTruncated, i, pos, "atom header needs %d B, %d B left (header says %d atoms)", AtomHeaderSize, limit-pos, im.NumAtoms)
		return Atom{}, false
	}
	a := Atom{
		Type:   AtomType(binary.LittleEndian.Uint16(b[pos:])),
		Count:  binary.LittleEndian.Uint16(b[pos+2:]),
		DLen:   binary.LittleEndian.Uint32(b[pos+4:]),
		Offset: pos,
	}
	if a.DLen < CRCSize {
		prob(ErrAtomData, i, pos, "dlen %d B cannot hold the 2 B CRC", a.DLen)
		return a, false
	}
	if uint64(a.DLen) > uint64(limit-pos-AtomHeaderSize) {
		prob(ErrTruncated, i, pos, "%v atom's dlen %d B, only %d B left", a.Type, a.DLen, limit-pos-AtomHeaderSize)
		return a, false
	}
	end := pos + AtomHeaderSize + int(a.DLen)
	a.Data = append([]byte(nil), b[pos+AtomHeaderSize:end-CRCSize]...)
	a.CRC = binary.LittleEndian.Uint16(b[end-CRCSize:])
	calc := crc16(b[pos : end-CRCSize])
	a.CRCOK = calc == a.CRC
	if !a.CRCOK {
		prob(ErrCRC, i, pos, "%v atom: stored 0x%04x, computed 0x%04x", a.Type, a.CRC, calc)
	}
	return a, true
}

// atomOrder checks the atoms' count fields, order and uniqueness as they
// are read.
type atomOrder struct {
	seen map[AtomType]int // type → 1 + index of its first atom
	last AtomType         // the last standard (vendor to power) atom's type
}

func (o *atomOrder) check(im *Image, i int, a *Atom) {
	prob, pos := im.problem, a.Offset
	if int(a.Count) != i {
		prob(ErrAtomCount, i, pos+2, "count field %d, want %d", a.Count, i)
	}
	standard := a.Type >= AtomVendor && a.Type <= AtomPower
	if i == 0 && a.Type != AtomVendor {
		prob(ErrOrder, i, pos, "first atom is %v, want vendor", a.Type)
	} else if a.Type < o.last && standard {
		prob(ErrOrder, i, pos, "%v atom after %v atom", a.Type, o.last)
	}
	if standard {
		o.last = a.Type
	}
	if a.Type != AtomCustom && o.seen[a.Type] > 0 {
		prob(ErrDuplicate, i, pos, "second %v atom (first is atom %d)", a.Type, o.seen[a.Type]-1)
	} else if o.seen[a.Type] == 0 {
		o.seen[a.Type] = i + 1
	}
}

// checkEnd checks what follows the atoms read, which end at pos: the
// vendor atom was there, the header's length matches, and the rest of
// the source is erased.
func (im *Image) checkEnd(b []byte, pos, limit int) {
	prob := im.problem
	if im.Vendor == nil && !im.Has(ErrTruncated) {
		prob(ErrMissingVendor, -1, HeaderSize, "the firmware needs a vendor atom to identify the HAT")
	}
	allRead := len(im.Atoms) == int(im.NumAtoms)
	if allRead && pos != limit && int(im.EEPLen) <= len(b) && im.EEPLen >= HeaderSize {
		prob(ErrLength, -1, pos, "header length %d B, atoms end at %d B", im.EEPLen, pos)
	}
	tail := pos
	if limit > tail && allRead {
		tail = limit
	}
	if tail < len(b) && !allFF(b[tail:]) {
		prob(ErrTrailing, -1, tail, "%d B after the image are not erased (0xFF)", len(b)-tail)
	}
}

type probFunc func(kind error, atom, off int, format string, args ...any)

// decodeAtom decodes atom i's data into the image; the first atom of a
// type wins.
func (im *Image) decodeAtom(i int, a *Atom, prob probFunc) {
	switch a.Type {
	case AtomVendor:
		im.decodeVendor(i, a, prob)
	case AtomGPIO, AtomGPIOBank1:
		im.decodeGPIO(i, a, prob)
	case AtomDT:
		if !im.HasDT {
			im.HasDT = true
			im.DT = a.Data
		}
	case AtomCustom:
		im.Custom = append(im.Custom, a.Data)
	case AtomPower:
		im.decodePower(i, a, prob)
	default:
		prob(ErrAtomType, i, a.Offset, "unknown atom type 0x%04x", uint16(a.Type))
	}
}

func (im *Image) decodeVendor(i int, a *Atom, prob probFunc) {
	d := a.Data
	if len(d) < vendorFixed {
		prob(ErrAtomData, i, a.Offset, "vendor atom has %d B, needs at least %d B", len(d), vendorFixed)
		return
	}
	v := &Vendor{
		ProductID:  binary.LittleEndian.Uint16(d[16:]),
		ProductVer: binary.LittleEndian.Uint16(d[18:]),
	}
	for j := 0; j < 16; j++ {
		v.UUID[j] = d[15-j]
	}
	vs, ps := int(d[20]), int(d[21])
	rest := d[vendorFixed:]
	if vs+ps != len(rest) {
		prob(ErrAtomData, i, a.Offset, "vendor atom string lengths %d+%d B, %d B present", vs, ps, len(rest))
	}
	if vs > len(rest) {
		vs = len(rest)
	}
	v.Vendor = string(rest[:vs])
	rest = rest[vs:]
	if ps > len(rest) {
		ps = len(rest)
	}
	v.Product = string(rest[:ps])
	if im.Vendor == nil {
		im.Vendor = v
	}
}

func (im *Image) decodeGPIO(i int, a *Atom, prob probFunc) {
	d := a.Data
	size, bank := gpioBank0Size, 0
	if a.Type == AtomGPIOBank1 {
		size, bank = gpioBank1Size, 1
	}
	if im.Version == VersionHATPlus {
		prob(ErrAtomType, i, a.Offset, "%v atom in a HAT+ (format 2) image", a.Type)
	}
	if len(d) != size {
		prob(ErrAtomData, i, a.Offset, "%v atom has %d B, want %d B", a.Type, len(d), size)
		if len(d) < 2 {
			return
		}
	}
	g := &GPIOMap{Bank: bank, Drive: d[0] & 0x0f, Slew: (d[0] >> 4) & 3, Hysteresis: d[0] >> 6, BackPower: d[1]}
	n := size - 2
	raw := d[2:]
	if len(raw) > n {
		raw = raw[:n]
	}
	g.Raw = append(make([]byte, 0, n), raw...)
	g.Raw = g.Raw[:n:n]
	if bank == 0 && im.GPIOBank0 == nil {
		im.GPIOBank0 = g
	} else if bank == 1 && im.GPIOBank1 == nil {
		im.GPIOBank1 = g
	}
}

func (im *Image) decodePower(i int, a *Atom, prob probFunc) {
	d := a.Data
	if im.Version == VersionHAT {
		prob(ErrAtomType, i, a.Offset, "power supply atom in an original HAT (format 1) image")
	}
	if len(d) != powerSize {
		prob(ErrAtomData, i, a.Offset, "power supply atom has %d B, want %d B", len(d), powerSize)
		return
	}
	if im.CurrentSupplymA == nil {
		v := binary.LittleEndian.Uint32(d)
		im.CurrentSupplymA = &v
	}
}

func allFF(b []byte) bool {
	for _, c := range b {
		if c != 0xff {
			return false
		}
	}
	return true
}
