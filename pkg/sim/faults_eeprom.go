package sim

import "encoding/binary"

func eepromFaults() []Fault {
	return []Fault{
		{
			Name:   "eeprom-blank",
			Breaks: "the HAT's ID EEPROM is erased (all 0xFF): no identity, no overlay (eeprom.verify)",
			Apply: func(b *Board) {
				img := make([]byte, 4096)
				for i := range img {
					img[i] = 0xff
				}
				b.state.EEPROMImage = img
				b.state.HatNode = nil // the firmware found no HAT
			},
		},
		{
			Name:    "eeprom-bad-crc",
			Breaks:  "one bit of the vendor atom's data is flipped, so its CRC-16 no longer holds (eeprom.verify)",
			Damages: true, // flips a bit of whatever image the other faults leave
			Apply: func(b *Board) {
				img := append([]byte(nil), b.state.EEPROMImage...)
				// Header is 12 bytes, atom header 8: byte 20 is the first
				// UUID byte of the vendor atom.
				if len(img) > 20 {
					img[20] ^= 0x01
				}
				b.state.EEPROMImage = img
				b.state.HatNode = nil // the firmware rejects a bad atom
			},
		},
		{
			Name:   "eeprom-wrong-product",
			Breaks: "the EEPROM was programmed for another product (product \"AI HAT+\", id 0x0011), with valid CRCs (eeprom.verify: product, product_id, against a plan that names the product; the default plan names none and records it)",
			Apply: func(b *Board) {
				b.state.EEPROMImage = retitle(b.state.EEPROMImage, "AI HAT+", 0x0011)
				if b.state.HatNode != nil {
					b.state.HatNode["product"] = "AI HAT+"
					b.state.HatNode["product_id"] = "0x0011"
				}
			},
		},
		{
			Name:   "eeprom-wp-stuck",
			Breaks: "the EEPROM's WP pin is tied high on the board: writes are acknowledged but never stored (eeprom write: read-back)",
			Apply: func(b *Board) {
				b.state.EEPROMStuck = true
			},
		},
		{
			Name:   "eeprom-nak",
			Breaks: "the ID EEPROM does not answer at 0x50 on i2c-0 (unseated HAT, unpowered chip) (eeprom.verify: present)",
			Apply: func(b *Board) {
				b.state.EEPROMPresent = false
				b.state.HatNode = nil
			},
		},
	}
}

// retitle rewrites a HAT+ image's vendor atom with another product string
// and id, recomputing the atom's CRC-16 and the header length: a
// well-formed image for the wrong product.
func retitle(img []byte, product string, id uint16) []byte {
	const hdr, ahdr = 12, 8
	if len(img) < hdr+ahdr+22 {
		return img
	}
	dlen := int(binary.LittleEndian.Uint32(img[hdr+4:]))
	end := hdr + ahdr + dlen
	if dlen < 24 || end > len(img) {
		return img
	}
	data := append([]byte(nil), img[hdr+ahdr:end-2]...)
	vs := int(data[20])
	if 22+vs > len(data) {
		return img
	}
	binary.LittleEndian.PutUint16(data[16:], id)
	data = append(data[:22+vs], product...)
	data[21] = byte(len(product))
	var atom []byte
	atom = append(atom, img[hdr:hdr+4]...)
	atom = binary.LittleEndian.AppendUint32(atom, uint32(len(data)+2))
	atom = append(atom, data...)
	atom = binary.LittleEndian.AppendUint16(atom, arcCRC(atom))
	eeplen := int(binary.LittleEndian.Uint32(img[8:]))
	if eeplen < end || eeplen > len(img) {
		eeplen = end
	}
	out := append([]byte(nil), img[:hdr]...)
	out = append(out, atom...)
	out = append(out, img[end:eeplen]...)
	binary.LittleEndian.PutUint32(out[8:], uint32(len(out)))
	return out
}

// arcCRC is CRC-16/ARC, the HAT EEPROM atom checksum. The sim keeps its
// own copy rather than calling pkg/eeprom: it is the hardware the codec is
// tested against, so a CRC bug in the codec must not hide in the sim too.
func arcCRC(b []byte) uint16 {
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
