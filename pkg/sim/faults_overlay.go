package sim

import "strings"

// overlayFaults break what overlay.check looks at (config.txt, the
// overlays, the live device tree), some of them driver.check's link too:
// each changes one thing, as the failure happens on a real board.
func overlayFaults() []Fault {
	return []Fault{
		{
			Name:   "pciex1-not-applied",
			Breaks: "the firmware does not enable the external PCIe port from the HAT's EEPROM (firmware older than the HAT) and the dtparam=pciex1 added by hand sits under [pi4], which does not apply to a Pi 5: pcie1 is disabled, no device on the bus (overlay.check: dt.pcie1.status; driver.check: pcie.present)",
			Apply: func(b *Board) {
				b.state.ConfigTxt += "[pi4]\ndtparam=pciex1\n[all]\n"
				b.state.DT["axi/pcie@1000110000/status"] = []byte("disabled\x00")
				b.state.PCIe = nil
				delete(b.state.DevNodes, "dev/hailo0")
			},
		},
		{
			Name:   "overlay-dtbo-missing",
			Breaks: "config.txt names dtoverlay=pineboards-hat-ai (copied from a guide for another AI board) but boot/firmware/overlays/pineboards-hat-ai.dtbo is not installed, so the firmware skips it (overlay.check)",
			Apply: func(b *Board) {
				b.state.ConfigTxt += "dtoverlay=pineboards-hat-ai\n"
				delete(b.state.Overlays, "pineboards-hat-ai")
			},
		},
		{
			Name:   "config-malformed",
			Breaks: "config.txt has lines the firmware cannot read: \"enable_uart 1\" (a space for '=') and a bare \"disable-bt\" (an overlay name without dtoverlay=, as in a real posted config.txt) (overlay.check)",
			Apply: func(b *Board) {
				b.state.ConfigTxt += "\n# added by hand\nenable_uart 1\ndisable-bt\n"
			},
		},
		{
			Name:   "pciex1-gen2",
			Breaks: "config.txt sets dtparam=pciex1_gen=2 (a habit from NVMe guides), so the live tree caps pcie1 at Gen 2 and the link trains at 5.0 GT/s (overlay.check: dtparam.pciex1_gen; driver.check: pcie.link_speed)",
			Apply: func(b *Board) {
				b.state.ConfigTxt += "dtparam=pciex1_gen=2\n"
				b.state.DT["axi/pcie@1000110000/max-link-speed"] = []byte{0, 0, 0, 2}
				if b.state.PCIe != nil {
					b.state.PCIe.LinkSpeed = "5.0 GT/s PCIe"
				}
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
			Breaks: "proc/device-tree/hat says another product (AI HAT+, 0x0004) than the EEPROM reads now (the EEPROM was reprogrammed since boot, or another HAT was read): overlay.check after eeprom.verify, and eeprom.verify's dt cross-check",
			Apply: func(b *Board) {
				if b.state.HatNode != nil {
					b.state.HatNode["product"] = "AI HAT+"
					b.state.HatNode["product_id"] = "0x0004"
				}
			},
		},
	}
}
