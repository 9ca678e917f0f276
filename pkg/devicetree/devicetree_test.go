package devicetree

import (
	"reflect"
	"testing"
	"testing/fstest"
)

func TestStringsDecodesNULSeparatedLists(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\x00", []string{""}},
		{"okay\x00", []string{"okay"}},
		{"raspberrypi,5-model-b\x00brcm,bcm2712\x00", []string{"raspberrypi,5-model-b", "brcm,bcm2712"}},
		{"no-terminator", []string{"no-terminator"}},
		{"a\x00\x00b\x00", []string{"a", "", "b"}},
	}
	for _, tc := range tests {
		if got := Strings([]byte(tc.in)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Strings(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCellsDecodesBigEndian(t *testing.T) {
	got, err := Cells([]byte{0, 0, 0x13, 0x88, 0xde, 0xad, 0xbe, 0xef})
	if err != nil || !reflect.DeepEqual(got, []uint32{5000, 0xdeadbeef}) {
		t.Fatalf("Cells = %v, %v", got, err)
	}
	if c, err := Cells(nil); err != nil || len(c) != 0 {
		t.Fatalf("empty property: %v, %v", c, err)
	}
	if _, err := Cells([]byte{1, 2, 3}); err == nil {
		t.Fatal("3-byte property decoded as cells")
	}
}

func TestFormatLikeDtc(t *testing.T) {
	tests := map[string]string{
		"":                                 "",
		"okay\x00":                         `"okay"`,
		"a\x00b\x00":                       `"a", "b"`,
		"\x00\x00\x00\x03":                 "<0x3>",
		"\x00\x00\x13\x88\x00\x00\x00\x01": "<0x1388 0x1>",
		"\x01\x02":                         "[01 02]",
	}
	for in, want := range tests {
		if got := Format([]byte(in)); got != want {
			t.Errorf("Format(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestOpenFallsBackToSysFirmware(t *testing.T) {
	fsys := fstest.MapFS{
		"sys/firmware/devicetree/base/model":                          {Data: []byte("Raspberry Pi 5 Model B Rev 1.1\x00")},
		"sys/firmware/devicetree/base/axi/pcie@110000/compatible":     {Data: []byte("brcm,bcm2712-pcie\x00")},
		"sys/firmware/devicetree/base/axi/pcie@110000/max-link-speed": {Data: []byte{0, 0, 0, 2}},
		"sys/firmware/devicetree/base/axi/pcie@110000/empty-property": {Data: nil},
	}
	tr, err := Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Root() != "sys/firmware/devicetree/base" || !tr.HasNode("axi/pcie@110000") || tr.HasNode("hat") {
		t.Fatalf("root %s, nodes wrong", tr.Root())
	}
	if s, _ := tr.String("model"); s != "Raspberry Pi 5 Model B Rev 1.1" {
		t.Fatalf("model = %q", s)
	}
	if c, err := tr.Cells("axi/pcie@110000/max-link-speed"); err != nil || c[0] != 2 {
		t.Fatalf("max-link-speed = %v %v", c, err)
	}
	if l, err := tr.StringList("axi/pcie@110000/empty-property"); err != nil || len(l) != 0 {
		t.Fatalf("empty property = %q %v", l, err)
	}
	if _, err := tr.String("hat/vendor"); !IsNotExist(err) {
		t.Fatalf("absent property: %v", err)
	}
	if _, err := Open(fstest.MapFS{"etc/hostname": {Data: []byte("pi\n")}}); err == nil {
		t.Fatal("Open found a tree where there is none")
	}
}

func TestOpenPrefersProc(t *testing.T) {
	fsys := fstest.MapFS{
		"proc/device-tree/model":             {Data: []byte("proc\x00")},
		"sys/firmware/devicetree/base/model": {Data: []byte("sys\x00")},
	}
	tr, err := Open(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := tr.String("model"); s != "proc" {
		t.Fatalf("model from %s", s)
	}
}

func TestHATNormalisesIdentity(t *testing.T) {
	tree, err := Open(fstest.MapFS{
		"proc/device-tree/hat/vendor":      {Data: []byte("Raspberry Pi Ltd\x00")},
		"proc/device-tree/hat/product":     {Data: []byte("AI HAT+ 2\x00")},
		"proc/device-tree/hat/product_id":  {Data: []byte("0x10\x00")},
		"proc/device-tree/hat/product_ver": {Data: []byte("2\x00")},
		"proc/device-tree/hat/uuid":        {Data: []byte("5F3C2A10-8E44-4D6B-9A1F-0C2B7E9D4A31\x00")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := tree.HAT()
	want := map[string]string{"vendor": "Raspberry Pi Ltd", "product": "AI HAT+ 2", "product_id": "0x0010", "product_ver": "0x0002", "uuid": "5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31"}
	if !ok || len(got) != len(want) {
		t.Fatalf("HAT() = %v, %v", got, ok)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	empty, _ := Open(fstest.MapFS{"proc/device-tree/model": {Data: []byte("Raspberry Pi 5\x00")}})
	if _, ok := empty.HAT(); ok {
		t.Error("HAT() found a node in a tree without one")
	}
	if NormID("not-a-number ") != "not-a-number" || NormID("16") != "0x0010" {
		t.Error("NormID")
	}
}
