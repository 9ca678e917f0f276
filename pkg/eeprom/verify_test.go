package eeprom

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/safefile"
	"github.com/aihat/aihat/pkg/sim"
	"github.com/aihat/aihat/pkg/stage"
)

func runVerify(t *testing.T, mutate func(*sim.Board, *plan.Plan), faults ...string) (*stage.Env, *report.Step) {
	t.Helper()
	b, err := sim.New(sim.Options{Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(b, p)
	}
	env := stage.NewEnv(b, p)
	step := &report.Step{Name: "eeprom.verify"}
	if err := VerifySpec().Run(context.Background(), env, step); err != nil {
		t.Fatalf("stage error: %v", err)
	}
	return env, step
}

func failed(step *report.Step) map[string]report.Measurement {
	out := map[string]report.Measurement{}
	for _, m := range step.Measurements {
		if m.Outcome != report.Pass {
			out[m.Name] = m
		}
	}
	return out
}

func TestVerifyPassesOnHealthySimAndSetsFacts(t *testing.T) {
	env, step := runVerify(t, nil)
	if f := failed(step); len(f) != 0 {
		t.Fatalf("failing: %+v", f)
	}
	want := stage.HATIdentity{Vendor: "Raspberry Pi Ltd", Product: "AI HAT+ 2", ProductID: 0x0010,
		ProductVer: 0x0002, UUID: "5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31", Overlay: "hailo-ai-hat2"}
	if got := env.Findings.HAT; got == nil || *got != want {
		t.Errorf("findings %+v, want %+v", got, want)
	}
	names := map[string]bool{}
	for _, m := range step.Measurements {
		names[m.Name] = true
	}
	for _, n := range []string{"present", "image.problems", "image.crc_errors", "format_version", "vendor", "product", "product_id", "product_ver", "uuid", "overlay"} {
		if !names[n] {
			t.Errorf("no %s measurement", n)
		}
	}
}

// stationPlan names the identity a station programs into its HATs (the
// sim's image); the default plan names none (no primary source shows it),
// so a wrong product is only a failure against a plan that knows.
func stationPlan(_ *sim.Board, p *plan.Plan) {
	p.Limits["eeprom.verify.product"] = plan.LimitSpec{Equals: "AI HAT+ 2"}
	p.Limits["eeprom.verify.product_id"] = plan.LimitSpec{Equals: "0x0010"}
}

func TestVerifyFailsEachFaultOnItsOwnMeasurement(t *testing.T) {
	tests := []struct {
		fault, measurement, code, inMsg string
	}{
		{"eeprom-blank", "image.problems", "EEPROM_BLANK", "blank EEPROM (all 0xFF)"},
		{"eeprom-bad-crc", "image.crc_errors", "EEPROM_CRC", "atom 0 (vendor)"},
		{"eeprom-wrong-product", "product", "EEPROM_PRODUCT", `want == AI HAT+ 2`},
		{"eeprom-wrong-product", "product_id", "EEPROM_PRODUCT_ID", `want == 0x0010`},
		{"eeprom-nak", "present", "EEPROM_NAK", "NAK"},
	}
	for _, tc := range tests {
		t.Run(tc.fault+"/"+tc.measurement, func(t *testing.T) {
			_, step := runVerify(t, stationPlan, tc.fault)
			m, ok := failed(step)[tc.measurement]
			if !ok || m.Outcome != report.Fail {
				t.Fatalf("%s did not fail; failing: %+v", tc.measurement, failed(step))
			}
			if m.Code != tc.code || !strings.Contains(m.Message, tc.inMsg) {
				t.Fatalf("code %q message %q, want %s mentioning %q", m.Code, m.Message, tc.code, tc.inMsg)
			}
		})
	}
}

func TestVerifyWPStuckDoesNotBreakReading(t *testing.T) {
	if _, step := runVerify(t, nil, "eeprom-wp-stuck"); len(failed(step)) != 0 {
		t.Fatalf("failing: %+v", failed(step))
	}
}

func TestVerifyIdentityMismatchesNameTheExpectedValue(t *testing.T) {
	_, step := runVerify(t, func(_ *sim.Board, p *plan.Plan) {
		p.Limits["eeprom.verify.vendor"] = plan.LimitSpec{Equals: "ACME"}
		p.Limits["eeprom.verify.product_ver"] = plan.LimitSpec{Equals: "0x0003"}
		p.Limits["eeprom.verify.format_version"] = plan.LimitSpec{Equals: 1}
		p.Limits["eeprom.verify.overlay"] = plan.LimitSpec{Equals: "other"}
		p.Limits["eeprom.verify.uuid"] = plan.LimitSpec{Pattern: "^0000"}
	})
	f := failed(step)
	for name, want := range map[string]string{"vendor": `want == ACME`, "product_ver": `want == 0x0003`, "format_version": "want == 1",
		"overlay": `want == other`, "uuid": `=~ ^0000`} {
		if m, ok := f[name]; !ok || !strings.Contains(m.Message, want) || m.Code == "" {
			t.Errorf("%s: %+v, want a coded failure mentioning %q", name, m, want)
		}
	}
}

// With the default plan (no identity named) a HAT programmed for another
// product passes: its identity is recorded, not judged, and the firmware's
// view still has to agree with the EEPROM.
func TestVerifyRecordsIdentityTheDefaultPlanDoesNotName(t *testing.T) {
	_, step := runVerify(t, nil, "eeprom-wrong-product")
	if len(failed(step)) != 0 {
		t.Fatalf("failing: %+v", failed(step))
	}
	got := map[string]any{}
	for _, m := range step.Measurements {
		got[m.Name] = m.Value
	}
	if got["product"] != "AI HAT+" || got["product_id"] != "0x0011" {
		t.Fatalf("recorded product %v id %v", got["product"], got["product_id"])
	}
}

func TestVerifyUUIDPatternMatches(t *testing.T) {
	_, step := runVerify(t, func(_ *sim.Board, p *plan.Plan) {
		p.Limits["eeprom.verify.uuid"] = plan.LimitSpec{Pattern: "^5f3c2a10-"}
	})
	if len(failed(step)) != 0 {
		t.Fatalf("failing: %+v", failed(step))
	}
}

// The firmware's view (proc/device-tree/hat) is compared with the EEPROM
// in overlay.check only (hat.matches_eeprom): eeprom.verify judges the
// EEPROM and leaves the node alone, so a mismatch fails one measurement.
func TestVerifyLeavesTheFirmwaresViewToOverlayCheck(t *testing.T) {
	_, step := runVerify(t, func(b *sim.Board, _ *plan.Plan) {
		b.State().HatNode["product_id"] = "0x0099"
	})
	if f := failed(step); len(f) != 0 {
		t.Fatalf("failing: %+v", f)
	}
	for _, m := range step.Measurements {
		if strings.HasPrefix(m.Name, "dt.") {
			t.Errorf("eeprom.verify measured the hat node: %+v", m)
		}
	}
}

// nvmemBoard is the sim with the plan's nvmem file failing as err says.
type nvmemBoard struct {
	*sim.Board
	name string
	err  error
	data []byte
}

func (b nvmemBoard) FS() fs.FS { return nvmemFS{b} }

type nvmemFS struct{ b nvmemBoard }

func (f nvmemFS) Open(name string) (fs.File, error) {
	if name != f.b.name {
		return f.b.Board.FS().Open(name)
	}
	if f.b.err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: f.b.err}
	}
	return safefile.FS(fstest.MapFS{name: {Data: f.b.data}}).Open(name)
}

// When the kernel's EEPROM file exists but cannot be read, eeprom.verify's
// error names the file and the cause (the permission, the size), not "check
// the HAT is seated": the chip is there, the file failed. (Permission is
// simulated: the tests run as root, whom mode bits do not stop.)
func TestVerifyNamesAnUnreadableOrOversizeNVMemFile(t *testing.T) {
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	nv := p.HAT.NVMem
	cases := []struct {
		name   string
		b      func(*sim.Board) nvmemBoard
		want   []string
		passes bool
	}{
		{"oversize", func(s *sim.Board) nvmemBoard {
			return nvmemBoard{Board: s, name: nv, data: make([]byte, safefile.NVMemMax+1)}
		}, []string{"/" + nv, "larger than any HAT EEPROM", "file too large"}, false},
		{"permission, bus fails too", func(s *sim.Board) nvmemBoard {
			return nvmemBoard{Board: s, name: nv, err: fs.ErrPermission}
		}, []string{"/" + nv, "permission denied", "only root", "sudo", "I2C bus"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			faults := []string{}
			if strings.HasPrefix(tc.name, "permission") {
				faults = append(faults, "eeprom-nak")
			}
			s, err := sim.New(sim.Options{Faults: faults})
			if err != nil {
				t.Fatal(err)
			}
			env := stage.NewEnv(tc.b(s), p)
			step := &report.Step{Name: "eeprom.verify"}
			err = VerifySpec().Run(context.Background(), env, step)
			if err == nil {
				t.Fatalf("no error; measurements %+v", step.Measurements)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "seated") {
				t.Errorf("error %q blames the HAT's seating", err)
			}
		})
	}
	// Permission on the file but the bus readable (a user in the i2c
	// group): the chip is read on the bus and the step passes.
	s, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env := stage.NewEnv(nvmemBoard{Board: s, name: nv, err: fs.ErrPermission}, p)
	step := &report.Step{Name: "eeprom.verify"}
	if err := VerifySpec().Run(context.Background(), env, step); err != nil {
		t.Fatalf("bus fallback: %v", err)
	}
	if f := failed(step); len(f) != 0 {
		t.Fatalf("bus fallback failing: %+v", f)
	}
}
