package bringup

import (
	"context"
	"testing"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
)

// eeprom.verify is registered, runs first in the default plan, passes on
// the healthy sim and fails (not errors) on each EEPROM fault that breaks it.
func TestEEPROMVerifyRegisteredAndFaultsFailIt(t *testing.T) {
	fn, ok := Stages()["eeprom.verify"]
	if !ok {
		t.Fatal("eeprom.verify is not registered")
	}
	steps := []Step{{Name: "eeprom.verify", Func: fn}}
	if r := Run(context.Background(), env(t), steps, Meta{}); r.Steps[0].Outcome != report.Pass {
		t.Fatalf("healthy sim: %s %q", r.Steps[0].Outcome, r.Steps[0].Error)
	}
	for _, f := range []string{"eeprom-blank", "eeprom-bad-crc", "eeprom-wrong-product", "eeprom-nak"} {
		e := env(t, f)
		if f == "eeprom-wrong-product" {
			// A wrong product fails only against a plan that names the
			// product: a station's (the default plan names no identity).
			e.Plan.Limits["eeprom.verify.product"] = plan.LimitSpec{Equals: "AI HAT+ 2"}
			e.Plan.Limits["eeprom.verify.product_id"] = plan.LimitSpec{Equals: "0x0010"}
		}
		r := Run(context.Background(), e, steps, Meta{})
		if s := r.Steps[0]; s.Outcome != report.Fail {
			t.Errorf("%s: %s %q, want FAIL", f, s.Outcome, s.Error)
		}
	}
}
