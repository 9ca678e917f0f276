package driver

import "github.com/aihat/aihat/pkg/stage"

// Spec is driver.check as a stage value for the stage table.
func Spec() stage.Stage {
	return stage.Stage{
		Name:    "driver.check",
		Summary: "kernel module loaded, the Hailo device on PCIe with link speed and width, the device node and its access",
		Section: "driver",
		Measures: []string{"kernel.release", "module.loaded", "module.version",
			"pcie.present", "pcie.address", "pcie.driver", "pcie.chip", "pcie.link_speed", "pcie.max_link_speed", "pcie.link_width",
			"devnode.present", "devnode.path", "devnode.char_device", "devnode.accessible", "npu.*"},
		Run: checkRun,
	}
}
