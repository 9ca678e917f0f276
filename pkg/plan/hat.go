package plan

import "fmt"

// HATPlan is how to reach the HAT+ ID EEPROM. The identity it must carry
// is judged by limits (eeprom.verify.vendor, .product, .product_id,
// .product_ver, .uuid, .overlay, .format_version); the identity fields
// here moved there and are kept only to name the new key when an old plan
// sets them.
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

// moved lists the old identity fields a plan sets, with their new limit
// keys.
func (h HATPlan) moved() [][2]string {
	var out [][2]string
	add := func(set bool, old, key string) {
		if set {
			out = append(out, [2]string{"hat." + old, key})
		}
	}
	add(h.Vendor != "", "vendor", "eeprom.verify.vendor: {equals: ...}")
	add(h.Product != "", "product", "eeprom.verify.product: {equals: ...}")
	add(h.ProductID != nil, "product_id", `eeprom.verify.product_id: {equals: "0x...."}`)
	add(h.ProductVer != nil, "product_ver", `eeprom.verify.product_ver: {equals: "0x...."}`)
	add(h.UUID != "", "uuid", "eeprom.verify.uuid: {equals: ...}")
	add(h.UUIDPattern != "", "uuid_pattern", "eeprom.verify.uuid: {pattern: ...}")
	add(h.Overlay != "", "overlay", "eeprom.verify.overlay: {equals: ...}")
	add(h.FormatVersion != 0, "format_version", "eeprom.verify.format_version: {equals: 2}")
	return out
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
