package sim

// driverFaults break what driver.check looks at (the module, the device
// node, the PCIe link): each changes one thing, as the failure happens on
// a real board.
func driverFaults() []Fault {
	return []Fault{
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
