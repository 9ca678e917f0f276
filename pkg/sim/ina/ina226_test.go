package ina

import (
	"testing"
)

func rd(t *testing.T, c *INA226, reg byte) uint16 {
	t.Helper()
	r := make([]byte, 2)
	if err := c.Tx([]byte{reg}, r); err != nil {
		t.Fatal(err)
	}
	return uint16(r[0])<<8 | uint16(r[1])
}

func wr(t *testing.T, c *INA226, reg byte, v uint16) {
	t.Helper()
	if err := c.Tx([]byte{reg, byte(v >> 8), byte(v)}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestINA226Registers(t *testing.T) {
	c := NewINA226(0.010, func() (float64, float64) { return 5.0, 2.0 })
	if rd(t, c, 0xfe) != 0x5449 || rd(t, c, 0xff) != 0x2260 || rd(t, c, 0x00) != ConfigReset {
		t.Fatal("identity or reset config")
	}
	// shunt 2 A × 10 mΩ = 20 mV = 8000 × 2.5 µV; bus 5 V = 4000 × 1.25 mV
	if rd(t, c, 0x01) != 8000 || rd(t, c, 0x02) != 4000 {
		t.Fatalf("shunt %d bus %d", rd(t, c, 0x01), rd(t, c, 0x02))
	}
	// No calibration yet: current and power read 0, as on the chip.
	if rd(t, c, 0x04) != 0 || rd(t, c, 0x03) != 0 {
		t.Fatal("current before calibration")
	}
	wr(t, c, 0x05, 2048) // current LSB = shunt LSB / R × 1: 8000 counts
	if got := rd(t, c, 0x04); got != 8000 {
		t.Fatalf("current %d, want 8000", got)
	}
	if got := rd(t, c, 0x03); got != 8000*4000/20000 {
		t.Fatalf("power %d, want 1600", got)
	}
	wr(t, c, 0x05, 0xffff) // bit 15 is read-only
	if rd(t, c, 0x05) != 0x7fff {
		t.Fatal("calibration bit 15")
	}
	wr(t, c, 0x00, 0x8000) // reset
	if rd(t, c, 0x05) != 0 || rd(t, c, 0x00) != ConfigReset {
		t.Fatal("reset")
	}
}

func TestINA226NegativeAndClamp(t *testing.T) {
	amps := -1.0
	c := NewINA226(0.010, func() (float64, float64) { return 45, amps })
	if int16(rd(t, c, 0x01)) != -4000 {
		t.Fatalf("reverse shunt %d", int16(rd(t, c, 0x01)))
	}
	if rd(t, c, 0x02) != 0x7fff {
		t.Fatal("bus voltage above range must clamp")
	}
	amps = 100 // 1 V across the shunt: clamps at full scale
	if int16(rd(t, c, 0x01)) != 32767 {
		t.Fatal("shunt clamp")
	}
}
