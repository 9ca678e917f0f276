package sim

import "strings"

func overlayFaults() []Fault {
	return []Fault{
		{
			Name:   "overlay-missing",
			Breaks: "config.txt has no dtoverlay line for the HAT's overlay (overlay.check)",
			Apply: func(b *Board) {
				b.state.ConfigTxt = strings.Replace(b.state.ConfigTxt, "dtoverlay=hailo-ai-hat2\n", "", 1)
			},
		},
		{
			Name:   "driver-missing",
			Breaks: "the hailo1x_pci kernel module is not loaded and /dev/hailo0 is absent (driver.check)",
			Apply: func(b *Board) {
				delete(b.state.Modules, "hailo1x_pci")
				delete(b.state.DevNodes, "dev/hailo0")
			},
		},
		{
			Name:   "pcie-gen2",
			Breaks: "the PCIe link trained at Gen 2 (5.0 GT/s) instead of Gen 3 (driver.check)",
			Apply: func(b *Board) {
				if b.state.PCIe != nil {
					b.state.PCIe.LinkSpeed = "5.0 GT/s PCIe"
				}
			},
		},
	}
}
