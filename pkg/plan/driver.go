package plan

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DriverPlan is the kernel driver, device node and PCIe link expected.
type DriverPlan struct {
	// Module is the kernel module that must be loaded (hailo1x_pci for the
	// Hailo-10H, hailo_pci for Hailo-8/8L).
	Module string `yaml:"module"`
	// Chip names the accelerator in generated udev rules and units; the
	// check is the limit driver.check.pcie.chip.
	Chip string `yaml:"chip,omitempty"`
	// PCIIDs is the table of accelerators known by PCI vendor/device id.
	PCIIDs []PCIID `yaml:"pci_ids,omitempty"`
	// PCIAddresses are where the external port's device appears
	// (0001:01:00.0 on current kernels, 0000:01:00.0 on older ones);
	// informational, the device is found by id wherever it is.
	PCIAddresses []string `yaml:"pci_addresses,omitempty"`
	// LinkSpeedGTs, LinkWidth and Gen2 moved to limits
	// (driver.check.pcie.link_speed, .pcie.link_width); kept only to name
	// the new keys when an old plan sets them.
	LinkSpeedGTs float64 `yaml:"link_speed_gts,omitempty"`
	LinkWidth    int     `yaml:"link_width,omitempty"`
	Gen2         string  `yaml:"gen2,omitempty"`
	// DevNodes are the accepted device node names under /dev, per driver
	// generation.
	DevNodes []DevNodeSpec `yaml:"devnodes,omitempty"`
	// Group and Mode are what the udev rule gives the device node ("" group:
	// root's, with Mode open to all).
	Group string `yaml:"group,omitempty"`
	Mode  string `yaml:"mode,omitempty"`
	// UdevRule is the rules file that sets the node's mode and group.
	UdevRule string `yaml:"udev_rule,omitempty"`
}

// PCIID names an accelerator by its PCI ids.
type PCIID struct {
	Vendor HexID  `yaml:"vendor"`
	Device HexID  `yaml:"device"`
	Chip   string `yaml:"chip"`
	Module string `yaml:"module,omitempty"`
}

// DevNodeSpec is a device node the driver creates.
type DevNodeSpec struct {
	Name string `yaml:"name"` // "h1x-0", under dev/
	// Class is the sysfs class (udev SUBSYSTEM) of the node.
	Class string `yaml:"class"`
	// Kernel is the udev KERNEL match for the class's nodes ("h1x-*").
	Kernel string `yaml:"kernel"`
	// Driver says which driver versions create it (informational).
	Driver string `yaml:"driver,omitempty"`
}

// Lookup returns the table entry for vendor:device.
func (d DriverPlan) Lookup(vendor, device uint16) (PCIID, bool) {
	for _, id := range d.PCIIDs {
		if uint16(id.Vendor) == vendor && uint16(id.Device) == device {
			return id, true
		}
	}
	return PCIID{}, false
}

// Vendors returns the distinct vendor ids of the table.
func (d DriverPlan) Vendors() []uint16 {
	var out []uint16
	seen := map[uint16]bool{}
	for _, id := range d.PCIIDs {
		if v := uint16(id.Vendor); !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Check reports a driver section that cannot be used.
func (d DriverPlan) Check() error {
	if d.Module == "" {
		return fmt.Errorf("plan driver.module is empty: name the kernel module (hailo1x_pci for a Hailo-10H)")
	}
	if d.Mode != "" {
		if _, err := d.ModeBits(); err != nil {
			return err
		}
	}
	return nil
}

// ModeBits parses Mode ("0666").
func (d DriverPlan) ModeBits() (uint32, error) {
	var m uint32
	s := strings.TrimSpace(d.Mode)
	if s == "" {
		return 0o666, nil
	}
	if _, err := fmt.Sscanf(s, "%o", &m); err != nil || m > 0o777 {
		return 0, fmt.Errorf("plan driver.mode = %q: want an octal mode like 0660", d.Mode)
	}
	return m, nil
}

// HexID is a 16-bit id written in hex in the plan (0x1e60), as lspci and
// sysfs show it.
type HexID uint16

// MarshalYAML keeps the id in hex when the plan is printed.
func (h HexID) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprintf("0x%04x", uint16(h))}, nil
}
