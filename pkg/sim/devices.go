package sim

// attachDevices puts the board's chips on its I2C buses:
// bus 0 (i2c_vc, HAT ID pins): the HAT+ ID EEPROM at 0x50;
// bus 1 (i2c_arm, GPIO2/3): monitors the plan may list.
func (b *Board) attachDevices() {
	if b.state.EEPROMPresent {
		b.buses[0].Attach(0x50, b.eeprom)
	}
}
