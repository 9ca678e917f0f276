package bringup

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/board/fixture"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// overlayDriverSteps runs overlay.check and driver.check as registered.
func overlayDriverSteps() []Step {
	st := Stages()
	return []Step{{Name: "overlay.check", Func: st["overlay.check"]}, {Name: "driver.check", Func: st["driver.check"]}}
}

func TestOverlayAndDriverPassOnTheHealthySim(t *testing.T) {
	r := Run(context.Background(), env(t), overlayDriverSteps(), Meta{})
	for _, s := range r.Steps {
		if s.Outcome != report.Pass || s.Marginal {
			t.Errorf("%s: %s (marginal %v) error %q", s.Name, s.Outcome, s.Marginal, s.Error)
		}
		for _, m := range s.Measurements {
			if m.Outcome != report.Pass {
				t.Errorf("%s %s = %v: %s %s", s.Name, m.Name, m.Value, m.Outcome, m.Message)
			}
		}
	}
}

// Each fault fails exactly its own measurement(s), with a code and a
// remedy; every other measurement of both stages passes (or is skipped
// because what it needs is the thing the fault broke). eeprom.verify runs
// first where the fault is about the EEPROM's view against the tree's.
func TestEachOverlayAndDriverFaultFailsItsOwnMeasurement(t *testing.T) {
	tests := []struct {
		fault      string
		failing    []string // step/measurement=CODE
		remedy     string   // a phrase of one failing measurement's remedy
		skipped    []string
		withEEPROM bool
	}{
		{fault: "pciex1-not-applied", failing: []string{"driver.check/pcie.present=PCIE_LINK_DOWN", "overlay.check/dt.pcie1.status=DT_NODE_DISABLED"},
			remedy: "is under [pi4], which does not apply to a Pi 5: move it under [all]", skipped: []string{"driver.check/pcie.link_speed", "driver.check/pcie.link_width", "driver.check/devnode.present"}},
		{fault: "overlay-dtbo-missing", failing: []string{"overlay.check/overlay.pineboards-hat-ai.dtbo=OVERLAY_DTBO_MISSING"}, remedy: "or remove the line"},
		{fault: "config-malformed", failing: []string{"overlay.check/config.warnings=CONFIG_MALFORMED"}, remedy: "config.txt:"},
		{fault: "pciex1-gen2", failing: []string{"driver.check/pcie.link_speed=PCIE_LINK_SLOW", "overlay.check/dtparam.pciex1_gen=CONFIG_CONFLICT"}, remedy: "remove the line"},
		{fault: "dt-node-missing", failing: []string{"overlay.check/dt.pcie1.present=DT_NODE_MISSING"}, remedy: "rpi-eeprom-update"},
		// One failing measurement, in one stage: eeprom.verify judges the
		// EEPROM, overlay.check compares the tree's hat node with it.
		{fault: "hat-node-mismatch", failing: []string{"overlay.check/hat.matches_eeprom=HAT_NODE_MISMATCH"}, remedy: "product is \"AI HAT+\", the EEPROM \"AI HAT+ 2\"; product_id is \"0x0004\", the EEPROM \"0x0010\"", withEEPROM: true},
		{fault: "driver-missing", failing: []string{"driver.check/module.loaded=DRIVER_NOT_LOADED"}, remedy: "modprobe hailo1x_pci", skipped: []string{"driver.check/devnode.present"}},
		{fault: "devnode-perms", failing: []string{"driver.check/devnode.accessible=DEVNODE_PERMS"}, remedy: "51-hailo-udev.rules"},
		{fault: "pcie-gen2", failing: []string{"driver.check/pcie.link_speed=PCIE_LINK_SLOW"}, remedy: "reseat"},
		{fault: "pcie-link-down", failing: []string{"driver.check/pcie.present=PCIE_LINK_DOWN"}, remedy: "ribbon cable", skipped: []string{"driver.check/pcie.link_speed", "driver.check/pcie.link_width", "driver.check/devnode.present"}},
	}
	for _, tc := range tests {
		t.Run(tc.fault, func(t *testing.T) {
			steps := overlayDriverSteps()
			if tc.withEEPROM {
				steps = append([]Step{{Name: "eeprom.verify", Func: Stages()["eeprom.verify"]}}, steps...)
			}
			r := Run(context.Background(), env(t, tc.fault), steps, Meta{})
			var failing, skipped []string
			remedy := false
			for _, s := range r.Steps {
				if s.Error != "" {
					t.Fatalf("%s errored: %s", s.Name, s.Error)
				}
				for _, m := range s.Measurements {
					key := s.Name + "/" + m.Name
					switch m.Outcome {
					case report.Pass:
					case report.Skip:
						skipped = append(skipped, key)
					case report.Fail:
						failing = append(failing, key+"="+m.Code)
						if m.Message == "" {
							t.Errorf("%s fails without a message", key)
						}
						remedy = remedy || strings.Contains(m.Message, tc.remedy)
					default:
						t.Errorf("%s outcome %s", key, m.Outcome)
					}
				}
			}
			sort.Strings(failing)
			if strings.Join(failing, " ") != strings.Join(tc.failing, " ") {
				t.Errorf("failing = %v, want %v", failing, tc.failing)
			}
			if !remedy {
				t.Errorf("no failing message has the remedy %q", tc.remedy)
			}
			if strings.Join(skipped, " ") != strings.Join(tc.skipped, " ") {
				t.Errorf("skipped = %v, want %v", skipped, tc.skipped)
			}
			if r.Outcome != report.Fail {
				t.Errorf("run outcome %s, want FAIL", r.Outcome)
			}
		})
	}
}

// With the EEPROM's identity in the findings (eeprom.verify ran first),
// the hat node is checked against it as one measurement that names every
// field that differs; ids compare as numbers whatever their rendering.
func TestHATNodeIsCrossCheckedAgainstTheEEPROMFindings(t *testing.T) {
	e := env(t)
	e.Findings.HAT = &stage.HATIdentity{Vendor: "Raspberry Pi Ltd", Product: "AI HAT+ 2", ProductID: 16, ProductVer: 2,
		UUID: "00000000-0000-0000-0000-000000000000"}
	r := Run(context.Background(), e, overlayDriverSteps()[:1], Meta{})
	var failing []string
	for _, m := range r.Steps[0].Measurements {
		if m.Outcome == report.Fail {
			failing = append(failing, m.Name)
			if !strings.Contains(m.Message, "EEPROM read in this run") || !strings.Contains(m.Message, "uuid is") || strings.Contains(m.Message, "product_id is") {
				t.Errorf("%s message %q does not name the EEPROM as the source and only the uuid as differing", m.Name, m.Message)
			}
		}
	}
	if strings.Join(failing, " ") != "hat.matches_eeprom" {
		t.Fatalf("failing = %v, want only hat.matches_eeprom", failing)
	}
}

// The healthy fixture trees pass both stages; overlay.check's reading of
// the live tree explains driver.check's slow link when the device tree
// caps the controller.
func TestOverlayAndDriverOnFixtureTrees(t *testing.T) {
	tests := []struct {
		fixture string
		failing string
		inMsg   string
	}{
		{"healthy-6.12", "", ""},
		{"healthy-6.6", "", ""},
		{"stock-config", "", ""},
		{"pcie-gen2", "driver.check/pcie.link_speed", "reseat the ribbon cable"},
		{"pcie-gen2-dt-capped", "driver.check/pcie.link_speed", "set dtparam=pciex1_gen=3"},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			b, err := fixture.New(filepath.Join("..", "..", "testdata", "rootfs", tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			p, _ := plan.Default()
			r := Run(context.Background(), stage.NewEnv(b, p), overlayDriverSteps(), Meta{})
			var failing []string
			for _, s := range r.Steps {
				for _, m := range s.Measurements {
					if m.Outcome == report.Fail {
						failing = append(failing, s.Name+"/"+m.Name)
						if !strings.Contains(m.Message, tc.inMsg) {
							t.Errorf("%s message %q lacks %q", m.Name, m.Message, tc.inMsg)
						}
					} else if m.Outcome != report.Pass {
						t.Errorf("%s %s: %s", s.Name, m.Name, m.Outcome)
					}
				}
			}
			if strings.Join(failing, " ") != tc.failing {
				t.Fatalf("failing %v, want %q", failing, tc.failing)
			}
		})
	}
}
