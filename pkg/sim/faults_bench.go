package sim

func benchFaults() []Fault {
	return []Fault{
		{
			Name:   "hot-enclosure",
			Breaks: "the board sits in a closed enclosure at 62 °C: the SoC idles near 83 °C and throttles as soon as inference starts (bench temp_max and throttled, power.flags)",
			Apply:  func(b *Board) { b.state.AmbientC = 62 },
		},
	}
}
