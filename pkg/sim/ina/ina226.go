// Package ina models a TI INA226 current/power monitor's registers for the
// simulated I2C bus: 16-bit big-endian registers behind an 8-bit pointer,
// current and power computed from the shunt voltage and the calibration
// the host writes, as the datasheet specifies.
package ina

import (
	"math"
	"sync"
)

// Source returns the rail's bus voltage (V) and current (A) now.
type Source func() (volts, amps float64)

// INA226 is the register model.
type INA226 struct {
	mu       sync.Mutex
	src      Source
	shuntOhm float64
	ptr      byte
	config   uint16
	cal      uint16
	mask     uint16
	alert    uint16
}

// Register addresses and reset values.
const (
	regConfig = 0x00
	regShunt  = 0x01
	regBus    = 0x02
	regPower  = 0x03
	regCur    = 0x04
	regCal    = 0x05
	regMask   = 0x06
	regAlert  = 0x07
	regManuf  = 0xFE
	regDie    = 0xFF

	ConfigReset = 0x4127
	ManufID     = 0x5449
	DieID       = 0x2260
)

// NewINA226 returns a chip measuring src through a shunt of shuntOhm Ω.
func NewINA226(shuntOhm float64, src Source) *INA226 {
	return &INA226{src: src, shuntOhm: shuntOhm, config: ConfigReset}
}

// Tx implements the simulated bus's device: the first written byte sets
// the register pointer, two more bytes write the register; a read returns
// the pointed register, MSB first (repeating for longer reads).
func (c *INA226) Tx(w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(w) > 0 {
		c.ptr = w[0]
	}
	if len(w) >= 3 {
		c.write(c.ptr, uint16(w[1])<<8|uint16(w[2]))
	}
	if len(r) > 0 {
		v := c.read(c.ptr)
		for i := range r {
			if i%2 == 0 {
				r[i] = byte(v >> 8)
			} else {
				r[i] = byte(v)
			}
		}
	}
	return nil
}

func (c *INA226) write(reg byte, v uint16) {
	switch reg {
	case regConfig:
		if v&0x8000 != 0 { // reset
			c.config, c.cal, c.mask, c.alert = ConfigReset, 0, 0, 0
			return
		}
		c.config = v | 0x4000
	case regCal:
		c.cal = v & 0x7fff
	case regMask:
		c.mask = v
	case regAlert:
		c.alert = v
	}
}

// raw returns the shunt and bus registers for the source now.
func (c *INA226) raw() (shunt int16, bus uint16) {
	volts, amps := c.src()
	s := math.Round(amps * c.shuntOhm / 2.5e-6)
	s = math.Max(-32768, math.Min(32767, s))
	b := math.Round(volts / 1.25e-3)
	b = math.Max(0, math.Min(0x7fff, b))
	return int16(s), uint16(b)
}

func (c *INA226) read(reg byte) uint16 {
	switch reg {
	case regConfig:
		return c.config
	case regShunt:
		s, _ := c.raw()
		return uint16(s)
	case regBus:
		_, b := c.raw()
		return b
	case regCur:
		s, _ := c.raw()
		return uint16(c.current(s))
	case regPower:
		s, b := c.raw()
		p := math.Abs(float64(c.current(s))) * float64(b) / 20000
		return uint16(math.Min(0xffff, math.Floor(p)))
	case regCal:
		return c.cal
	case regMask:
		return c.mask
	case regAlert:
		return c.alert
	case regManuf:
		return ManufID
	case regDie:
		return DieID
	}
	return 0
}

// current is the current register: shunt × CAL / 2048 (0 until the host
// writes a calibration, as on the real chip).
func (c *INA226) current(shunt int16) int16 {
	v := math.Trunc(float64(shunt) * float64(c.cal) / 2048)
	return int16(math.Max(-32768, math.Min(32767, v)))
}
