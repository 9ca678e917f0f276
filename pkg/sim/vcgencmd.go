package sim

import (
	"fmt"
	"strings"
)

// vcgencmd renders the firmware's answers in the formats a Pi 5 prints.
func (b *Board) vcgencmd(args []string) ([]byte, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("vcgencmd: no command given")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sync()
	now := b.clk.Now()
	m := b.model
	switch args[0] {
	case "measure_temp":
		if len(args) > 1 && args[1] != "" {
			return nil, fmt.Errorf("vcgencmd measure_temp %s: error=1 error_msg=\"Invalid arguments\"", args[1])
		}
		return []byte(fmt.Sprintf("temp=%.1f'C\n", b.socTemp())), nil
	case "measure_clock":
		if len(args) < 2 {
			return nil, fmt.Errorf("vcgencmd measure_clock: error=2 error_msg=\"Invalid arguments\"")
		}
		switch args[1] {
		case "arm":
			// The firmware's measured clock is a little off the nominal.
			return []byte(fmt.Sprintf("frequency(0)=%d\n", int64(m.armHz)+23808)), nil
		case "core":
			return []byte("frequency(1)=910007424\n"), nil
		}
		return []byte(fmt.Sprintf("frequency(0)=0\n")), nil
	case "get_throttled":
		return []byte(fmt.Sprintf("throttled=0x%x\n", m.throttledBits(now))), nil
	case "pmic_read_adc":
		return []byte(b.pmicReadADC(args[1:])), nil
	case "version":
		return []byte(fmt.Sprintf("%s \nCopyright (c) 2012 Broadcom\nversion 69471177 (release) (embedded)\n", b.state.Firmware)), nil
	case "measure_volts":
		return []byte(fmt.Sprintf("volt=%.4fV\n", m.railVolts(pmicRails[7], now))), nil
	}
	return nil, fmt.Errorf("vcgencmd %s: error=2 error_msg=\"Command not registered\"", args[0])
}

// pmicReadADC renders `vcgencmd pmic_read_adc [channel]`: currents first,
// then voltages, two leading spaces, 8 decimals, as the Pi 5 firmware does.
func (b *Board) pmicReadADC(filter []string) string {
	now := b.clk.Now()
	m := b.model
	want := func(name string) bool {
		if len(filter) == 0 {
			return true
		}
		for _, f := range filter {
			if strings.EqualFold(f, name) {
				return true
			}
		}
		return false
	}
	var sb strings.Builder
	for _, r := range pmicRails {
		if want(r.name + "_A") {
			fmt.Fprintf(&sb, "%12s current(%d)=%.8fA\n", r.name+"_A", r.achan, m.railAmps(r, now))
		}
	}
	for _, r := range pmicRails {
		if want(r.name + "_V") {
			fmt.Fprintf(&sb, "%12s volt(%d)=%.8fV\n", r.name+"_V", r.vchan, m.railVolts(r, now))
		}
	}
	if want("EXT5V_V") {
		fmt.Fprintf(&sb, "%12s volt(%d)=%.8fV\n", "EXT5V_V", 24, m.inputVolts(now))
	}
	if want("BATT_V") {
		fmt.Fprintf(&sb, "%12s volt(%d)=%.8fV\n", "BATT_V", 25, 0.0)
	}
	return sb.String()
}
