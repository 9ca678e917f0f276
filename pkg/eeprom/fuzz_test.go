package eeprom

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func addFiles(f *testing.F, glob string) {
	names, _ := filepath.Glob(td(glob))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err == nil {
			f.Add(b)
		}
	}
}

// FuzzDecode: Decode never panics, and an image that decodes without
// problems re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	addFiles(f, "*.eep")
	f.Fuzz(func(t *testing.T, b []byte) {
		im := Decode(b)
		var out bytes.Buffer
		WriteText(&out, im)
		WriteJSON(&out, im)
		if !im.OK() || im.Reserved != 0 {
			return
		}
		enc, err := Encode(im)
		if err != nil {
			t.Fatalf("clean image does not encode: %v", err)
		}
		if !bytes.Equal(enc, b[:im.EEPLen]) {
			t.Fatalf("clean image re-encodes differently\n got % x\nwant % x", enc, b[:im.EEPLen])
		}
	})
}

// FuzzSettings: ParseSettings never panics; what it accepts encodes to an
// image that decodes cleanly, and whose dump makes the same image again.
func FuzzSettings(f *testing.F) {
	addFiles(f, "*.txt")
	f.Add([]byte(base + "custom_data \"\nx\\0y\n\\\"\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		for _, v1 := range []bool{false, true} {
			o := MakeOptions{V1: v1, Rand: bytes.NewReader(make([]byte, 16))}
			_, img, err := Make(bytes.NewReader(text), "fuzz.txt", o)
			if err != nil {
				continue
			}
			im := Decode(img)
			if !im.OK() {
				t.Fatalf("made image has problems %v", im.Problems)
			}
			var dump bytes.Buffer
			WriteText(&dump, im)
			_, again, err := Make(&dump, "dump.txt", MakeOptions{V1: v1})
			if err != nil {
				t.Fatalf("dump does not parse: %v\n%s", err, dump.String())
			}
			if !bytes.Equal(again, img) {
				t.Fatalf("dump makes a different image\n%s", dump.String())
			}
		}
	})
}
