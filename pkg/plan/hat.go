package plan

// HATPlan is the identity the HAT+ ID EEPROM must carry.
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
}
