package sim

import "github.com/aihat/aihat/pkg/sim/ina"

// HATMonitorAddr is where the INA226 on the HAT's 5 V input answers on
// bus 1, and HATShuntOhm its shunt.
const (
	HATMonitorAddr = 0x40
	HATShuntOhm    = 0.010
)

// attachDevices puts the board's chips on its I2C buses:
// bus 0 (i2c_vc, HAT ID pins): the HAT+ ID EEPROM at 0x50;
// bus 1 (i2c_arm, GPIO2/3): an INA226 at 0x40 measuring the HAT's 5 V
// input through a 10 mΩ shunt.
func (b *Board) attachDevices() {
	if b.state.EEPROMPresent {
		b.buses[0].Attach(0x50, b.eeprom)
	}
	b.buses[1].Attach(HATMonitorAddr, ina.NewINA226(HATShuntOhm, b.HATRail))
}
