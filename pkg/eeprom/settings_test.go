package eeprom

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const base = `product_uuid 5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31
product_id 0x0010
product_ver 0x0002
vendor "Raspberry Pi Ltd"
product "AI HAT+ 2"
`

func TestSettingsErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name, text string
		v1         bool
		line       int
		inMsg      string
	}{
		{"gpio key in HAT+", base + "gpio_drive 2\n", false, 6, "original-HAT"},
		{"setgpio in HAT+", base + "setgpio 4 OUTPUT DEFAULT\n", false, 6, "--v1"},
		{"missing vendor", strings.Replace(base, "vendor \"Raspberry Pi Ltd\"\n", "", 1), false, 0, "no vendor line"},
		{"unknown key", base + "colour red\n", false, 6, "unknown key"},
		{"bad product_id", "product_id zz\n" + base, false, 1, "product_id"},
		{"unclosed string", base + "custom_data \"abc\n", false, 6, "not closed"},
		{"odd hex", base + "custom_data\nabc\n", false, 7, "even number"},
		{"two dt_blobs", base + "dt_blob \"a\"\ndt_blob \"b\"\n", false, 7, "line 6"},
		{"current_supply in v1", base + "gpio_drive 0\ncurrent_supply 5\n", true, 7, "HAT+ key"},
		{"v1 without GPIO map", base, true, 0, "GPIO bank 0"},
		{"bad gpio", base + "gpio_drive 0\nsetgpio 99 INPUT UP\n", true, 7, "out of range"},
		{"overlay must be a name", base + "dt_blob\nd00dfeed\n", false, 0, "overlay's name"},
		{"bad escape", base + "custom_data \"\nab\\q\n", false, 7, "bad escape"},
		{"unterminated multi-line", base + "custom_data \"\nabc\n", false, 0, "not closed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSettings(strings.NewReader(tc.text), "hat.txt", MakeOptions{V1: tc.v1})
			var se *SettingsError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SettingsError", err)
			}
			if se.Line != tc.line || !strings.Contains(se.Msg, tc.inMsg) || se.File != "hat.txt" {
				t.Fatalf("err = %v, want line %d mentioning %q", err, tc.line, tc.inMsg)
			}
		})
	}
}

func TestHashInsideQuotesIsKept(t *testing.T) {
	s, err := ParseSettings(strings.NewReader(strings.Replace(base, `"AI HAT+ 2"`, `"AI HAT+ #2"  # comment`, 1)+`custom_data "a#b" # c`+"\n"), "x", MakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Image.Vendor.Product != "AI HAT+ #2" || string(s.Image.Custom[0]) != "a#b" {
		t.Fatalf("product %q custom %q", s.Image.Vendor.Product, s.Image.Custom[0])
	}
}

func TestMultiLineStringWithEscapes(t *testing.T) {
	s, err := ParseSettings(strings.NewReader(base+"custom_data \"\nline1\nback\\\\slash\\0ignored\nend\\\"\n"), "x", MakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(s.Image.Custom[0]); got != "line1\nback\\slash\x00end" {
		t.Fatalf("custom = %q", got)
	}
	// The dump writes it back in the same form and it parses again.
	_, img, _ := Make(strings.NewReader(base+"custom_data \"\nline1\nback\\\\slash\\0ignored\nend\\\"\n"), "x", MakeOptions{})
	var dump bytes.Buffer
	WriteText(&dump, Decode(img))
	_, again, err := Make(&dump, "dump", MakeOptions{})
	if err != nil || !bytes.Equal(again, img) {
		t.Fatalf("dump does not round-trip: %v\n%s", err, dump.String())
	}
}

func TestZeroUUIDIsGenerated(t *testing.T) {
	text := strings.Replace(base, "5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31", "00000000-0000-0000-0000-000000000000", 1)
	s, err := ParseSettings(strings.NewReader(text), "x", MakeOptions{Rand: bytes.NewReader(bytes.Repeat([]byte{0xff}, 16))})
	if err != nil {
		t.Fatal(err)
	}
	if !s.GeneratedUUID || s.Image.Vendor.UUID.String() != "ffffffff-ffff-4fff-bfff-ffffffffffff" {
		t.Fatalf("uuid %s generated %v, want a version 4 UUID", s.Image.Vendor.UUID, s.GeneratedUUID)
	}
}

func TestDTBFileOnlyForV1(t *testing.T) {
	if _, _, err := Make(strings.NewReader(base), "x", MakeOptions{DTBlob: []byte{1}}); err == nil {
		t.Fatal("a DT blob file for a HAT+ image was accepted")
	}
}

func TestCurrentSupplyZeroIsLeftOut(t *testing.T) {
	_, img, err := Make(strings.NewReader(base+"current_supply 0\n"), "x", MakeOptions{})
	if err != nil || Decode(img).CurrentSupplymA != nil {
		t.Fatalf("err %v, power atom present for 0 mA", err)
	}
}
