package plan

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePlan(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultPlanIsValidAndForAIHATPlus2(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	// No primary source shows the AI HAT+ 2's EEPROM identity, so the
	// default plan judges none of it (a real board is never failed on a
	// guess), and requires no config.txt line (the firmware sets a HAT+
	// up from its EEPROM).
	for _, f := range []string{"vendor", "product", "product_id", "product_ver", "uuid", "overlay"} {
		if p.Limit("eeprom.verify."+f) != nil {
			t.Errorf("the default plan judges eeprom.verify.%s: %+v", f, p.Limit("eeprom.verify."+f))
		}
	}
	if l := p.Limit("board.identify.model"); l == nil || l.Pattern != "^Raspberry Pi 5" {
		t.Fatalf("board.identify.model = %+v", l)
	}
	if l := p.Limit("eeprom.verify.format_version"); l == nil || l.Equals != 2 {
		t.Fatalf("eeprom.verify.format_version = %+v (the HAT+ specification requires 2)", l)
	}
	if len(p.Overlay.Overlays) != 0 || len(p.Overlay.DTParams) != 0 || !p.Overlay.HATNode {
		t.Fatalf("default overlay plan requires config.txt lines or no hat node: %+v", p.Overlay)
	}
	if len(p.I2C.Buses) == 0 || p.I2C.Buses[0].Expect[0].Addr != 0x50 {
		t.Fatalf("default plan does not expect the HAT EEPROM at 0x50 on bus 0: %+v", p.I2C)
	}
	if p.Stages[0] != "board.identify" {
		t.Fatalf("first stage = %s", p.Stages[0])
	}
}

func TestOverrideMergesLimitsAndReplacesScalars(t *testing.T) {
	path := writePlan(t, `
hat:
  addr: 0x51
limits:
  test.voltage:
    low: 4.75
    high: 5.25
    marginal_low: 4.9
    unit: V
`)
	p, err := Load(path, Known{})
	if err != nil {
		t.Fatal(err)
	}
	if p.HAT.Addr != 0x51 {
		t.Fatalf("addr = %#x, want the override", p.HAT.Addr)
	}
	if p.HAT.Bus != 0 || p.HAT.NVMem == "" {
		t.Fatalf("hat = %+v: an override of one field must keep the others", p.HAT)
	}
	l := p.Limit("test.voltage")
	if l == nil || *l.Low != 4.75 || *l.High != 5.25 || *l.MarginalLow != 4.9 || p.Unit("test.voltage") != "V" {
		t.Fatalf("limit = %+v", l)
	}
	if p.Limit("not.planned") != nil {
		t.Fatal("unplanned key has limits")
	}
}

// testKnown stands in for the stage table (pkg/bringup imports this
// package): the default plan's stages, every limit key but a typo.
var testKnown = Known{
	Stages:       []string{"board.identify", "eeprom.verify", "i2c.scan", "overlay.check", "driver.check", "power.rails", "power.flags", "power.budget", "bench", "thermal.soak"},
	AcceptsLimit: func(k string) bool { return k != "bench.tft" },
	LimitKeys:    []string{"bench.ttft"},
}

func TestOverrideErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		want       string
	}{
		{"unknown field", "hat:\n  vendor: x\n  colour: red\n", 3, "colour"},
		{"wrong type", "hat:\n  product_id: lots\n", 2, "product_id"},
		{"syntax", "hat:\n  vendor: [unclosed\n", 0, ""},
		{"bounds out of order", "limits:\n  a.b:\n    low: 5\n    high: 4\n", 2, "low (5) is above high (4)"},
		{"marginal outside", "limits:\n  a.b:\n    low: 1\n    high: 4\n    marginal_high: 5\n", 2, "marginal_high (5) is above high (4)"},
		{"unknown unit", "limits:\n  a.b:\n    high: 4\n    unit: furlongs\n", 2, `unknown unit "furlongs"`},
		{"unknown stage", "stages:\n  - board.identify\n  - coffee.brew\n", 3, `unknown stage "coffee.brew"`},
		{"no stages", "stages: []\n", 1, "runs no stage"},
		{"unknown limit key", "name: x\nlimits:\n  bench.tft: {high: 1, unit: s}\n", 3, `unknown key "bench.tft"`},
		{"equals with bounds", "limits:\n  a.b:\n    equals: 3\n    low: 1\n", 2, "equals cannot be combined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writePlan(t, tc.text)
			_, err := Load(path, testKnown)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *plan.Error", err, err)
			}
			if pe.File != path {
				t.Errorf("file = %s, want %s", pe.File, path)
			}
			if tc.line != 0 && pe.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tc.line, err)
			}
			if tc.line == 0 && pe.Line == 0 {
				t.Errorf("syntax error without a line: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), Known{})
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("err = %v, want the path named", err)
	}
}

func TestEmptyOverrideChangesNothing(t *testing.T) {
	p, err := Load(writePlan(t, "# nothing\n"), Known{})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := Default()
	if len(p.Stages) != len(d.Stages) {
		t.Fatal("empty override changed the stages")
	}
}

func TestYAMLRoundTrips(t *testing.T) {
	p, _ := Default()
	y, err := p.YAML()
	if err != nil {
		t.Fatal(err)
	}
	q, err := Load(writePlan(t, string(y)), Known{})
	if err != nil {
		t.Fatalf("the printed plan does not load: %v\n%s", err, y)
	}
	if q.HAT != p.HAT || len(q.Stages) != len(p.Stages) {
		t.Fatal("printed plan differs after loading")
	}
}

func TestLoadRejectsUnknownChoicesWithTheirLine(t *testing.T) {
	for _, tt := range []struct{ yaml, want string }{
		{"hat:\n  wp_active: sideways\n", "x.yaml:2: hat.wp_active: \"sideways\", want one of high, low"},
		{"driver:\n  gen2: maybe\n", "x.yaml:2: driver.gen2 moved to limits: set limits: driver.check.pcie.link_speed"},
		{"hat:\n  product: X\n", "x.yaml:2: hat.product moved to limits: set limits: eeprom.verify.product"},
		{"board:\n  model: Raspberry Pi 5\n", `x.yaml:2: board.model moved to limits: set limits: board.identify.model: {pattern: "^Raspberry Pi 5"}`},
		{"power:\n  rails:\n    - {name: EXT5V, min_v: 4.75}\n", "x.yaml:2: power.rails EXT5V min_v/max_v/max_a/marginal_v moved to limits: set limits: power.rails.EXT5V.v_min"},
		{"power:\n  fail_flags: [throttled_now]\n", "x.yaml:2: power.fail_flags moved"},
		{"limits:\n  a.b: {pattern: \"[\"}\n", "x.yaml:2: limit a.b: pattern: error parsing regexp"},
		{"bench:\n  quant: int3\n", "x.yaml:2: bench.quant"},
		{"bench:\n  runtime: tensorrt\n", "x.yaml:2: bench.runtime"},
		{"bench:\n  cpu_fallback: fail\n", "x.yaml:2: bench.cpu_fallback moved to limits"},
	} {
		path := filepath.Join(t.TempDir(), "x.yaml")
		if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, Known{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.yaml, err, tt.want)
		}
	}
}

// Every file in defaults/ is merged, in the listed order: a file dropped
// there without a line in defaultFiles would be silently ignored.
func TestEveryDefaultsFileIsListed(t *testing.T) {
	files, err := fs.Glob(defaultsFS, "defaults/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(files, " ") != strings.Join(defaultFiles, " ") {
		t.Fatalf("defaults/ holds %v, defaultFiles lists %v", files, defaultFiles)
	}
}

// A limit keyed with a "*" segment bounds every measurement it matches;
// an exact key wins over it.
func TestWildcardLimitKeys(t *testing.T) {
	p, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	one, two := 1.0, 2.0
	p.Limits = map[string]LimitSpec{
		"overlay.check.dt.*.present": {Equals: true},
		"power.rails.*.v_min":        {Low: &one, Unit: "V"},
		"power.rails.EXT5V.v_min":    {Low: &two, Unit: "V"},
	}
	if l := p.Limit("overlay.check.dt.pcie1.present"); l == nil || l.Equals != true {
		t.Errorf("dt.pcie1.present: %+v", l)
	}
	if l := p.Limit("overlay.check.dt.pcie1.status"); l != nil {
		t.Errorf("a pattern matched another measurement: %+v", l)
	}
	if l := p.Limit("power.rails.EXT5V.v_min"); l == nil || *l.Low != 2 {
		t.Errorf("exact key lost to the pattern: %+v", l)
	}
	if l := p.Limit("power.rails.3V3_SYS.v_min"); l == nil || *l.Low != 1 || p.Unit("power.rails.3V3_SYS.v_min") != "V" {
		t.Errorf("pattern: %+v", l)
	}
}
