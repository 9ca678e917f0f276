package sim

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
			Name:   "eeprom-bad-crc",
			Breaks: "one bit of the vendor atom's data is flipped, so its CRC-16 no longer holds (eeprom.verify)",
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
	}
}
