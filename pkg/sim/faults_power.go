package sim

func powerFaults() []Fault {
	return []Fault{
		{
			Name:   "undervoltage",
			Breaks: "a weak supply: the 5 V input sags below 4.75 V under load, rpi_volt alarms and get_throttled sets under-voltage (power.rails, power.flags)",
			Apply: func(b *Board) {
				b.state.SupplyV = 4.80
				b.state.SupplyOhm = 0.07
			},
		},
		{
			Name:   "brownout-burst",
			Breaks: "the supply sags 0.35 V only during NPU power bursts (60 ms every 2 s): the minimum of EXT5V and HAT_5V falls below 4.75 V while a 1 s mean stays near 5 V (power.rails)",
			Apply: func(b *Board) {
				b.state.BurstSagV = 0.35
			},
		},
		{
			Name:   "rail-out-of-range",
			Breaks: "the HAT's 5 V input rail reads 8 % high, above its 5.25 V maximum (power.rails, HAT_5V)",
			Apply: func(b *Board) {
				b.state.RailScale["HAT_5V"] = 1.08
			},
		},
		{
			Name:   "ina-missing",
			Breaks: "the INA226 on the HAT's 5 V input does not answer at bus 1 0x40 (power.rails, monitor present)",
			Apply: func(b *Board) {
				b.OnBoot(func(b *Board) { b.buses[1].Detach(HATMonitorAddr) })
			},
		},
	}
}
