package plan

import "testing"

func TestHATDefaultsAndWPActive(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.HAT.moved()) != 0 || p.HAT.NVMem == "" || p.HAT.WPGPIO != nil {
		t.Fatalf("hat = %+v: eeprom.yaml must add to default.yaml's hat section, not replace it; the default names no unverified identity", p.HAT)
	}
	for in, want := range map[string]bool{"": true, "high": true, "low": false} {
		got, err := HATPlan{WPActive: in}.WPActiveHigh()
		if err != nil || got != want {
			t.Errorf("wp_active %q: %v %v", in, got, err)
		}
	}
	if _, err := (HATPlan{WPActive: "sideways"}).WPActiveHigh(); err == nil {
		t.Error("wp_active sideways accepted")
	}
}
