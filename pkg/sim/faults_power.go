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
	}
}
