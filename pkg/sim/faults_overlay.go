package sim

import "strings"

// overlayFaults break what overlay.check and driver.check look at: each
// changes one thing, as the failure happens on a real board.
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
			Name:   "overlay-dtbo-missing",
			Breaks: "config.txt names hailo-ai-hat2 but boot/firmware/overlays/hailo-ai-hat2.dtbo is not installed (overlay.check)",
			Apply:  func(b *Board) { delete(b.state.Overlays, "hailo-ai-hat2") },
		},
		{
			Name:   "config-malformed",
			Breaks: "config.txt has lines the firmware cannot read (a missing '=', an empty dtparam item) (overlay.check)",
			Apply: func(b *Board) {
				b.state.ConfigTxt += "\n# added by hand\nenable_uart 1\ndtparam=i2c_arm=on,,\n"
			},
		},
		{
			Name:   "dt-node-missing",
			Breaks: "the live device tree has no external PCIe controller node (axi/pcie@1000110000) (overlay.check)",
			Apply: func(b *Board) {
				for p := range b.state.DT {
					if strings.HasPrefix(p, "axi/pcie@1000110000/") {
						delete(b.state.DT, p)
					}
				}
			},
		},
		{
			Name:   "hat-node-mismatch",
			Breaks: "proc/device-tree/hat says another product (AI HAT+, 0x0004) than the EEPROM and the plan (overlay.check)",
			Apply: func(b *Board) {
				if b.state.HatNode != nil {
					b.state.HatNode["product"] = "AI HAT+"
					b.state.HatNode["product_id"] = "0x0004"
				}
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
			Name:   "devnode-perms",
			Breaks: "/dev/hailo0 is crw------- root:root, so a normal user cannot open it (driver.check)",
			Apply: func(b *Board) {
				if n, ok := b.state.DevNodes["dev/hailo0"]; ok {
					n.Mode, n.UID, n.GID = 0o600, 0, 0
					b.state.DevNodes["dev/hailo0"] = n
				}
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
		{
			Name:   "pcie-link-down",
			Breaks: "the PCIe link does not come up: no Hailo device under sys/bus/pci/devices and no /dev/hailo0 (driver.check)",
			Apply: func(b *Board) {
				b.state.PCIe = nil
				delete(b.state.DevNodes, "dev/hailo0")
			},
		},
	}
}
