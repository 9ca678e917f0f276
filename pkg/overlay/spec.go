package overlay

import "github.com/aihat/aihat/pkg/stage"

// Spec is overlay.check as a stage value for the stage table.
func Spec() stage.Stage {
	return stage.Stage{
		Name:    "overlay.check",
		Summary: "the live device tree (pcie1 okay, link speed, the hat node) and config.txt read as the firmware reads it",
		Section: "overlay",
		Measures: []string{"config.warnings", "dtparam.*", "overlay.*.configured", "overlay.*.dtbo",
			"dt.*.present", "dt.*.compatible", "dt.*.*", "hat.present", "hat.*"},
		Run: checkRun,
	}
}
