package plan

import "fmt"

// HATPlan is the identity the HAT+ ID EEPROM must carry, and how to reach
// the chip. Every identity field is optional: an empty string or an absent
// id is read and recorded but not judged, so a plan names only what it
// knows (a station that programs its own HATs names all of it; the default
// plan names none, because no primary source shows the AI HAT+ 2's
// EEPROM contents, and a real board must never fail on a guess).
type HATPlan struct {
	Vendor      string  `yaml:"vendor,omitempty"`
	Product     string  `yaml:"product,omitempty"`
	ProductID   *uint16 `yaml:"product_id,omitempty"`
	ProductVer  *uint16 `yaml:"product_ver,omitempty"`
	UUID        string  `yaml:"uuid,omitempty"`
	UUIDPattern string  `yaml:"uuid_pattern,omitempty"`
	// FormatVersion is the EEPROM format: 1 the original HAT, 2 HAT+
	// (the HAT+ specification); 0 does not judge it.
	FormatVersion int `yaml:"format_version,omitempty"`
	// Overlay is the overlay name the EEPROM embeds, compared with the
	// EEPROM only: a HAT+ needs no dtoverlay line in config.txt, the
	// firmware applies what the EEPROM (or its hat_map) names.
	Overlay string `yaml:"overlay,omitempty"`
	Bus     int    `yaml:"bus"`
	Addr    uint16 `yaml:"addr"`
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

// U16 is a helper for plans built in code: a pointer to v.
func U16(v uint16) *uint16 { return &v }

// HasIdentity says whether the plan names any identity field to judge.
func (h HATPlan) HasIdentity() bool {
	return h.Vendor != "" || h.Product != "" || h.ProductID != nil || h.ProductVer != nil || h.UUID != "" || h.UUIDPattern != "" || h.Overlay != ""
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
