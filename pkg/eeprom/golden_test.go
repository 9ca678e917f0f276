package eeprom

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden JSON dumps under testdata/eeprom")

func td(name string) string { return filepath.Join("..", "..", "testdata", "eeprom", name) }

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(td(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var cleanImages = []string{"aihat2-hatplus", "aihat2-hatplus-padded4k", "hatplus-custom-power", "v1-gpio-map", "v1-dtbo-embedded"}

// Every image dumps to exactly what the reference eepdump wrote for it.
func TestDumpMatchesEepdump(t *testing.T) {
	for _, name := range append(cleanImages, "hatplus-bad-vendor-crc") {
		t.Run(name, func(t *testing.T) {
			im := Decode(read(t, name+".eep"))
			want := string(read(t, name+".eepdump.txt"))
			var got bytes.Buffer
			if err := WriteText(&got, im); err != nil {
				t.Fatal(err)
			}
			// Our dump adds problems as trailing comments; eepdump does not.
			g := got.String()
			if i := strings.Index(g, "# PROBLEM: "); i >= 0 {
				g = g[:i]
			}
			if g != want {
				t.Errorf("dump differs from eepdump's\n--- got\n%s\n--- want\n%s", g, want)
			}
		})
	}
}

func TestCleanImagesDecodeWithoutProblems(t *testing.T) {
	for _, name := range cleanImages {
		im := Decode(read(t, name+".eep"))
		if !im.OK() {
			t.Errorf("%s: problems %v", name, im.Problems)
		}
	}
}

func TestDecodeFactsOfAIHAT2(t *testing.T) {
	im := Decode(read(t, "aihat2-hatplus.eep"))
	v := im.Vendor
	if v == nil || v.UUID.String() != "5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31" || v.ProductID != 0x10 || v.ProductVer != 2 ||
		v.Vendor != "Raspberry Pi Ltd" || v.Product != "AI HAT+ 2" {
		t.Fatalf("vendor = %+v", v)
	}
	if im.Version != 2 || im.Overlay() != "hailo-ai-hat2" || im.CurrentSupplymA != nil || im.GPIOBank0 != nil {
		t.Fatalf("image = %+v", im)
	}
}

// Each settings file makes the reference eepmake's image byte for byte.
func TestMakeMatchesEepmake(t *testing.T) {
	tests := []struct {
		settings, image string
		v1              bool
		dtb             string
	}{
		{"aihat2-hatplus.txt", "aihat2-hatplus.eep", false, ""},
		{"hatplus-custom-power.txt", "hatplus-custom-power.eep", false, ""},
		{"v1-gpio-map.txt", "v1-gpio-map.eep", true, ""},
		{"v1-dtbo-embedded.txt", "v1-dtbo-embedded.eep", true, "ov.dtbo"},
	}
	for _, tc := range tests {
		t.Run(tc.settings, func(t *testing.T) {
			o := MakeOptions{V1: tc.v1}
			if tc.dtb != "" {
				o.DTBlob = read(t, tc.dtb)
			}
			_, got, err := Make(bytes.NewReader(read(t, tc.settings)), tc.settings, o)
			if err != nil {
				t.Fatal(err)
			}
			if want := read(t, tc.image); !bytes.Equal(got, want) {
				t.Fatalf("image differs from eepmake's\n got % x\nwant % x", got, want)
			}
		})
	}
}

// Decoding then encoding gives the same bytes; the dump parses back to the
// same image.
func TestRoundTrip(t *testing.T) {
	for _, name := range cleanImages {
		t.Run(name, func(t *testing.T) {
			raw := read(t, name+".eep")
			im := Decode(raw)
			enc, err := Encode(im)
			if err != nil {
				t.Fatal(err)
			}
			want := raw[:im.EEPLen]
			if !bytes.Equal(enc, want) {
				t.Fatalf("re-encoded differs\n got % x\nwant % x", enc, want)
			}
			var dump bytes.Buffer
			WriteText(&dump, im)
			_, again, err := Make(&dump, name+".dump", MakeOptions{V1: im.Version == VersionHAT})
			if err != nil {
				t.Fatalf("dump does not parse back: %v", err)
			}
			if !bytes.Equal(again, want) {
				t.Fatalf("dump → make differs\n got % x\nwant % x", again, want)
			}
		})
	}
}

func TestBadVendorCRCIsAProblem(t *testing.T) {
	im := Decode(read(t, "hatplus-bad-vendor-crc.eep"))
	if !im.Has(ErrCRC) || len(im.Problems) != 1 {
		t.Fatalf("problems = %v, want one CRC mismatch", im.Problems)
	}
	var p *Problem
	if !errors.As(im.Problems[0], &p) || p.Atom != 0 || !strings.Contains(p.Error(), "computed 0x51a1") {
		t.Fatalf("problem = %v, want atom 0 computed 0x51a1", im.Problems[0])
	}
	if im.Vendor == nil || im.Vendor.Product != "Special Sensor Board" || len(im.Custom) != 2 {
		t.Fatalf("still decodes what it can: %+v", im)
	}
}

func TestBlankImage(t *testing.T) {
	im := Decode(read(t, "blank-4k.eep"))
	if !im.Has(ErrBlank) || !strings.Contains(im.Problems[0].Error(), "blank EEPROM (all 0xFF)") {
		t.Fatalf("problems = %v", im.Problems)
	}
}

func TestCRC16IsARC(t *testing.T) {
	if got := crc16([]byte("123456789")); got != 0xbb3d {
		t.Fatalf("crc16 check = 0x%04x, want 0xbb3d", got)
	}
}

func readFile(name string) ([]byte, error) { return os.ReadFile(td(name)) }

// The --json dump of every reference image is stable (golden files under
// testdata/eeprom/*.json; regenerate with go test -run JSONGolden -update).
func TestJSONGolden(t *testing.T) {
	for _, name := range append(cleanImages, "hatplus-bad-vendor-crc", "blank-4k") {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			if err := WriteJSON(&got, Decode(read(t, name+".eep"))); err != nil {
				t.Fatal(err)
			}
			path := td(name + ".json")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("JSON dump differs from %s\n--- got\n%s\n--- want\n%s", path, got.String(), want)
			}
		})
	}
}
