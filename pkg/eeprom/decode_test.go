package eeprom

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func good(t *testing.T) []byte {
	t.Helper()
	return read(t, "hatplus-custom-power.eep")
}

// fixCRC recomputes the CRC of the atom at off.
func fixCRC(b []byte, off int) {
	dlen := int(binary.LittleEndian.Uint32(b[off+4:]))
	end := off + 8 + dlen
	binary.LittleEndian.PutUint16(b[end-2:], crc16(b[off:end-2]))
}

func TestDecodeReportsEachProblemAndKeepsDecoding(t *testing.T) {
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		kind   error
	}{
		{"empty", func([]byte) []byte { return nil }, ErrEmpty},
		{"blank", func(b []byte) []byte { return bytes.Repeat([]byte{0xff}, 4096) }, ErrBlank},
		{"short header", func(b []byte) []byte { return b[:7] }, ErrTruncated},
		{"bad signature", func(b []byte) []byte { b[0] = 'X'; return b }, ErrSignature},
		{"unknown version", func(b []byte) []byte { b[4] = 7; return b }, ErrVersion},
		{"length past the data", func(b []byte) []byte { return b[:100] }, ErrTruncated},
		{"atom count past the data", func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[6:], 9)
			return b
		}, ErrTruncated},
		{"crc mismatch", func(b []byte) []byte { b[30] ^= 0x80; return b }, ErrCRC},
		{"trailing bytes", func(b []byte) []byte { return append(b, 1, 2, 3) }, ErrTrailing},
		{"header length short", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[8:], 5)
			return b
		}, ErrLength},
		{"count field wrong", func(b []byte) []byte {
			// atom 1 (DT) starts after the 12 B header and the 75 B vendor atom
			binary.LittleEndian.PutUint16(b[12+75+2:], 5)
			fixCRC(b, 12+75)
			return b
		}, ErrAtomCount},
		{"duplicate vendor", func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[12+75:], uint16(AtomVendor))
			fixCRC(b, 12+75)
			return b
		}, ErrDuplicate},
		{"vendor not first", func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[12:], uint16(AtomDT))
			fixCRC(b, 12)
			return b
		}, ErrOrder},
		{"unknown atom type", func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[12+75:], 0x0042)
			fixCRC(b, 12+75)
			return b
		}, ErrAtomType},
		{"gpio in hat+", func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[12+75:], uint16(AtomGPIO))
			fixCRC(b, 12+75)
			return b
		}, ErrAtomType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im := Decode(tc.mutate(good(t)))
			if !im.Has(tc.kind) {
				t.Fatalf("problems %v, want one of kind %q", im.Problems, tc.kind)
			}
			for _, p := range im.Problems {
				var pp *Problem
				if !errors.As(p, &pp) || p.Error() == "" {
					t.Fatalf("problem %v is not a typed *Problem", p)
				}
			}
		})
	}
}

func TestDuplicateVendorIsReported(t *testing.T) {
	b := good(t)
	binary.LittleEndian.PutUint16(b[12+75:], uint16(AtomVendor))
	fixCRC(b, 12+75)
	im := Decode(b)
	if !im.Has(ErrDuplicate) {
		t.Fatalf("problems %v, want a duplicate vendor atom", im.Problems)
	}
}

func TestCRCMismatchStillDecodesTheRest(t *testing.T) {
	b := good(t)
	b[30] ^= 0x80
	im := Decode(b)
	if im.Vendor == nil || len(im.Custom) != 2 || im.CurrentSupplymA == nil || *im.CurrentSupplymA != 3000 || im.Overlay() != "acme-sensor" {
		t.Fatalf("decoded %+v", im)
	}
}

func TestPaddedChipReadIsClean(t *testing.T) {
	b := append(read(t, "aihat2-hatplus.eep"), bytes.Repeat([]byte{0xff}, 4000)...)
	if im := Decode(b); !im.OK() {
		t.Fatalf("problems %v: 0xFF padding of a full-chip read is not a problem", im.Problems)
	}
}

func TestJSONShape(t *testing.T) {
	var out bytes.Buffer
	if err := WriteJSON(&out, Decode(good(t))); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{`"version": 2`, `"numatoms": 5`, `"eeplen": 172`, `"type": 1`, `"crc_ok": true`,
		`"uuid": "12345678-9abc-4def-8123-456789abcdef"`, `"product_id": 4660`, `"product_ver": 2`,
		`"overlay": "acme-sensor"`, `"deadbeefc001c0de"`, `"current_supply_ma": 3000`, `"problems": []`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %s:\n%s", want, s)
		}
	}
	for _, absent := range []string{"gpio_bank0", "gpio_bank1", "blob_len"} {
		if strings.Contains(s, absent) {
			t.Errorf("JSON has %s for an absent atom", absent)
		}
	}
	out.Reset()
	WriteJSON(&out, Decode(read(t, "v1-dtbo-embedded.eep")))
	if s := out.String(); !strings.Contains(s, `"blob_len": 385`) || !strings.Contains(s, `"blob_sha256": "`) || !strings.Contains(s, `"function": "INPUT"`) {
		t.Errorf("v1 JSON:\n%s", s)
	}
}
