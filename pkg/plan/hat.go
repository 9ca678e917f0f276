package plan

import "fmt"

// HATPlan is the identity the HAT+ ID EEPROM must carry, and how to reach
// the chip.
type HATPlan struct {
	Vendor        string `yaml:"vendor"`
	Product       string `yaml:"product"`
	ProductID     uint16 `yaml:"product_id"`
	ProductVer    uint16 `yaml:"product_ver"`
	UUID          string `yaml:"uuid,omitempty"`
	UUIDPattern   string `yaml:"uuid_pattern,omitempty"`
	FormatVersion int    `yaml:"format_version"`
	Overlay       string `yaml:"overlay"`
	Bus           int    `yaml:"bus"`
	Addr          uint16 `yaml:"addr"`
	// NVMem is the kernel's at24 nvmem file for the chip (relative to the
	// root, e.g. sys/bus/i2c/devices/0-0050/eeprom); when it exists it is
	// read instead of the bus, which the driver then owns.
	NVMem string `yaml:"nvmem,omitempty"`
	// WPGPIO is the header GPIO wired to the EEPROM's write-protect pin,
	// nil when the board has none (writes then need WP tied low by hand).
	WPGPIO *int `yaml:"wp_gpio,omitempty"`
	// WPActive is the level that protects the chip: "high" (a 24C32's WP
	// pin, pulled up on a HAT+) or "low".
	WPActive string `yaml:"wp_active,omitempty"`
}

// WPActiveHigh says whether the WP line protects the chip when high.
func (h HATPlan) WPActiveHigh() (bool, error) {
	switch h.WPActive {
	case "", "high":
		return true, nil
	case "low":
		return false, nil
	}
	return false, fmt.Errorf("hat.wp_active %q: want high or low", h.WPActive)
}
