package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestThermalSectionIsCheckedWhenThePlanLoads(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"thermal:\n  duration: soon\n", "thermal.duration soon: want a duration above 0s"},
		{"thermal:\n  load: gpu\n", "thermal.load"},
		{"thermal:\n  fan:\n    trips:\n      - {temp_c: 60, pwm: 75}\n      - {temp_c: 50, pwm: 125}\n", "trips must rise"},
		{"thermal:\n  fan:\n    trips:\n      - {temp_c: 60, pwm: 300}\n", "p.yaml:4: thermal.fan.trips[0].pwm 300: want a PWM duty from 0 to 255"},
		{"thermal:\n  policy:\n    min_duty: 2\n", "min_duty"},
	} {
		path := filepath.Join(t.TempDir(), "p.yaml")
		os.WriteFile(path, []byte(tc.text), 0o644)
		_, err := Load(path, testKnown)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "p.yaml:") {
			t.Errorf("%q: err %v, want %q with the file and line", tc.text, err, tc.want)
		}
	}
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Thermal.check(); err != nil {
		t.Fatalf("default thermal section: %v", err)
	}
}
