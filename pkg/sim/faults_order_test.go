package sim

import (
	"bytes"
	"errors"
	"io/fs"
	"reflect"
	"testing"

	"github.com/aihat/aihat/pkg/eeprom"
)

// snapshot is what a board built from a set of faults shows the stages:
// its state, every file it renders and what the EEPROM chip holds.
func snapshot(t *testing.T, faults ...string) (State, map[string]string, []byte) {
	t.Helper()
	b, err := New(Options{Seed: 7, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	files := map[string]string{}
	fs.WalkDir(b.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, err := fs.ReadFile(b.FS(), p); err == nil {
				files[p] = string(data)
			}
		}
		return nil
	})
	bus, err := b.I2C(0)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	var chip []byte
	buf := make([]byte, 4096)
	if bus.Tx(0x50, []byte{0, 0}, buf) == nil {
		chip = buf
	}
	return *b.State(), files, chip
}

// The same faults named in any order build the same board: before, naming
// eeprom-bad-crc before eeprom-wrong-product lost the CRC fault.
func TestFaultOrderDoesNotMatter(t *testing.T) {
	cat := Catalogue()
	for i, a := range cat {
		for _, c := range cat[i+1:] {
			sa, fa, ea := snapshot(t, a.Name, c.Name)
			sb, fb, eb := snapshot(t, c.Name, a.Name)
			if !reflect.DeepEqual(sa, sb) || !reflect.DeepEqual(fa, fb) || !bytes.Equal(ea, eb) {
				t.Errorf("--fault %s --fault %s builds another board than the reverse order", a.Name, c.Name)
			}
		}
	}
}

// Both EEPROM faults named together are both on the chip, in either order:
// a well-formed image for the wrong product with a flipped bit.
func TestBadCRCAndWrongProductBothShow(t *testing.T) {
	for _, order := range [][]string{{"eeprom-bad-crc", "eeprom-wrong-product"}, {"eeprom-wrong-product", "eeprom-bad-crc"}} {
		_, _, chip := snapshot(t, order...)
		im := eeprom.Decode(chip)
		crc := false
		for _, p := range im.Problems {
			crc = crc || errors.Is(p, eeprom.ErrCRC)
		}
		if !crc {
			t.Errorf("%v: no CRC problem on the chip", order)
		}
		if im.Vendor == nil || im.Vendor.Product != "AI HAT+" {
			t.Errorf("%v: product %+v, want the wrong product \"AI HAT+\"", order, im.Vendor)
		}
	}
}
