package eeprom

import (
	"context"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
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
