package plan

// I2CPlan lists the devices expected on each I2C bus.
type I2CPlan struct {
	Buses []I2CBus `yaml:"buses"`
}

// I2CBus is one bus and the devices that must answer on it.
type I2CBus struct {
	Bus    int         `yaml:"bus"`
	Name   string      `yaml:"name,omitempty"`
	Expect []I2CDevice `yaml:"expect"`
	// AllowUnexpected makes devices that answer but are not listed pass
	// (they are recorded either way).
	AllowUnexpected bool `yaml:"allow_unexpected,omitempty"`
}

// I2CDevice is an expected device by 7-bit address.
type I2CDevice struct {
	Addr uint16 `yaml:"addr"`
	Name string `yaml:"name"`
	// Optional devices are recorded when present but do not fail when absent.
	Optional bool `yaml:"optional,omitempty"`
}
