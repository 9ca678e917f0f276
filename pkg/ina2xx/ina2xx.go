// Package ina2xx reads TI INA219, INA226 and INA260 current/power monitors
// over I2C. INA226 and INA260 are driven here on periph's mmr.Dev8
// (big-endian 16-bit registers behind an 8-bit pointer); INA219 goes
// through periph.io/x/devices/v3/ina219.
package ina2xx

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"sync"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/mmr"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/devices/v3/ina219"
)

// Registers shared by the INA226 and INA260.
const (
	RegConfig      = 0x00
	RegShunt       = 0x01 // INA226: shunt voltage, 2.5 µV/LSB; INA260: current, 1.25 mA/LSB
	RegBus         = 0x02 // bus voltage, 1.25 mV/LSB
	RegPower       = 0x03 // INA226: 25 × current LSB; INA260: 10 mW/LSB
	RegCurrent     = 0x04 // INA226 only: current, current LSB
	RegCalibration = 0x05 // INA226 only
	RegMaskEnable  = 0x06
	RegAlertLimit  = 0x07
	RegManufID     = 0xFE
	RegDieID       = 0xFF
)

// Identity values.
const (
	ManufTI    = 0x5449 // "TI"
	DieINA226  = 0x2260
	DieINA260  = 0x2270
	Config226  = 0x4127 // reset default: 1 average, 1.1 ms conversions, shunt and bus continuous
	Config260  = 0x6127
	busLSBV    = 1.25e-3
	shuntLSBV  = 2.5e-6
	ina260LSBA = 1.25e-3
	ina260PwrW = 10e-3
	// ina226CalScale is the INA226's calibration constant:
	// CAL = 0.00512 / (current_LSB × R_shunt).
	ina226CalScale = 0.00512
)

// Reading is one measurement in SI units.
type Reading struct {
	Volts float64 // bus voltage, V
	Amps  float64 // current through the shunt, A
	Watts float64 // power as the chip computes it, W
}

// Monitor is an opened monitor.
type Monitor interface {
	Read() (Reading, error)
	String() string
}

// Config says which chip sits where and how it is wired.
type Config struct {
	Type     string  // ina219, ina226 or ina260
	Addr     uint16  // 7-bit address
	ShuntOhm float64 // Ω; INA260: internal 0.002 Ω (ignored)
	MaxA     float64 // A, the calibration's full-scale current
}

// Open opens the monitor cfg describes on bus.
func Open(bus i2c.Bus, cfg Config) (Monitor, error) {
	switch strings.ToLower(cfg.Type) {
	case "ina226":
		return NewINA226(bus, cfg.Addr, cfg.ShuntOhm, cfg.MaxA)
	case "ina260":
		return NewINA260(bus, cfg.Addr)
	case "ina219":
		return NewINA219(bus, cfg.Addr, cfg.ShuntOhm, cfg.MaxA)
	}
	return nil, fmt.Errorf("monitor type %q: want ina219, ina226 or ina260", cfg.Type)
}

func newDev(bus i2c.Bus, addr uint16) *mmr.Dev8 {
	return &mmr.Dev8{Conn: &i2c.Dev{Bus: bus, Addr: addr}, Order: binary.BigEndian}
}

func checkID(d *mmr.Dev8, name string, bus i2c.Bus, addr uint16, die uint16) error {
	m, err := d.ReadUint16(RegManufID)
	if err != nil {
		return fmt.Errorf("%s at %s 0x%02x: no answer (%v): check the wiring, the address straps and that the bus is enabled", name, bus, addr, err)
	}
	id, err := d.ReadUint16(RegDieID)
	if err != nil {
		return fmt.Errorf("%s at %s 0x%02x: read die ID: %v", name, bus, addr, err)
	}
	if m != ManufTI || id&0xfff0 != die {
		return fmt.Errorf("%s at %s 0x%02x: IDs 0x%04x/0x%04x, want 0x%04x/0x%04x: another chip answers at this address (fix the plan's type or addr)", name, bus, addr, m, id, ManufTI, die)
	}
	return nil
}

// INA226 is a TI INA226 with an external shunt.
type INA226 struct {
	mu         sync.Mutex
	d          *mmr.Dev8
	name       string
	currentLSB float64 // A per LSB
	Cal        uint16  // calibration register value written
}

// INA226Calibration returns the calibration register value and the
// resulting current LSB (A) for a shunt (Ω) and full-scale current (A).
func INA226Calibration(shuntOhm, maxA float64) (cal uint16, currentLSB float64, err error) {
	if !(shuntOhm > 0) || !(maxA > 0) || math.IsInf(shuntOhm, 0) || math.IsInf(maxA, 0) {
		return 0, 0, fmt.Errorf("INA226 calibration: shunt %g Ω and max current %g A must be positive", shuntOhm, maxA)
	}
	lsb := maxA / 32768
	c := math.Floor(ina226CalScale / (lsb * shuntOhm))
	if c < 1 || c > 0x7fff {
		return 0, 0, fmt.Errorf("INA226 calibration: shunt %g Ω with %g A full scale gives CAL=%g, outside 1..32767 (shunt too small or too large for that range)", shuntOhm, maxA, c)
	}
	cal = uint16(c)
	return cal, ina226CalScale / (c * shuntOhm), nil
}

// NewINA226 checks the chip's identity, configures it and writes the
// calibration derived from the shunt.
func NewINA226(bus i2c.Bus, addr uint16, shuntOhm, maxA float64) (*INA226, error) {
	cal, lsb, err := INA226Calibration(shuntOhm, maxA)
	if err != nil {
		return nil, err
	}
	d := newDev(bus, addr)
	if err := checkID(d, "INA226", bus, addr, DieINA226); err != nil {
		return nil, err
	}
	if err := d.WriteUint16(RegConfig, Config226); err != nil {
		return nil, fmt.Errorf("INA226 at %s 0x%02x: write config: %v", bus, addr, err)
	}
	if err := d.WriteUint16(RegCalibration, cal); err != nil {
		return nil, fmt.Errorf("INA226 at %s 0x%02x: write calibration: %v", bus, addr, err)
	}
	return &INA226{d: d, name: fmt.Sprintf("INA226 at %s 0x%02x", bus, addr), currentLSB: lsb, Cal: cal}, nil
}

func (m *INA226) String() string { return m.name }

// CurrentLSB is the current register's weight in A.
func (m *INA226) CurrentLSB() float64 { return m.currentLSB }

// Read reads bus voltage, current and power.
func (m *INA226) Read() (Reading, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	bus, err := m.d.ReadUint16(RegBus)
	if err != nil {
		return Reading{}, fmt.Errorf("%s: read bus voltage: %v", m.name, err)
	}
	cur, err := m.d.ReadUint16(RegCurrent)
	if err != nil {
		return Reading{}, fmt.Errorf("%s: read current: %v", m.name, err)
	}
	pwr, err := m.d.ReadUint16(RegPower)
	if err != nil {
		return Reading{}, fmt.Errorf("%s: read power: %v", m.name, err)
	}
	return Reading{
		Volts: float64(bus) * busLSBV,
		Amps:  float64(int16(cur)) * m.currentLSB,
		Watts: float64(pwr) * 25 * m.currentLSB,
	}, nil
}

// INA260 is a TI INA260 with its internal 2 mΩ shunt: fixed scales, no
// calibration.
type INA260 struct {
	mu   sync.Mutex
	d    *mmr.Dev8
	name string
}

// NewINA260 checks the chip's identity and configures it.
func NewINA260(bus i2c.Bus, addr uint16) (*INA260, error) {
	d := newDev(bus, addr)
	if err := checkID(d, "INA260", bus, addr, DieINA260); err != nil {
		return nil, err
	}
	if err := d.WriteUint16(RegConfig, Config260); err != nil {
		return nil, fmt.Errorf("INA260 at %s 0x%02x: write config: %v", bus, addr, err)
	}
	return &INA260{d: d, name: fmt.Sprintf("INA260 at %s 0x%02x", bus, addr)}, nil
}

func (m *INA260) String() string { return m.name }

// Read reads bus voltage, current and power.
func (m *INA260) Read() (Reading, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, err := m.d.ReadUint16(RegShunt)
	if err != nil {
		return Reading{}, fmt.Errorf("%s: read current: %v", m.name, err)
	}
	bus, err := m.d.ReadUint16(RegBus)
	if err != nil {
		return Reading{}, fmt.Errorf("%s: read bus voltage: %v", m.name, err)
	}
	pwr, err := m.d.ReadUint16(RegPower)
	if err != nil {
		return Reading{}, fmt.Errorf("%s: read power: %v", m.name, err)
	}
	return Reading{
		Volts: float64(bus) * busLSBV,
		Amps:  float64(int16(cur)) * ina260LSBA,
		Watts: float64(pwr) * ina260PwrW,
	}, nil
}

// INA219 wraps periph's driver.
type INA219 struct {
	d    *ina219.Dev
	name string
}

// NewINA219 opens an INA219 through periph.io/x/devices/v3/ina219.
func NewINA219(bus i2c.Bus, addr uint16, shuntOhm, maxA float64) (*INA219, error) {
	if !(shuntOhm > 0) || !(maxA > 0) {
		return nil, fmt.Errorf("INA219 at %s 0x%02x: shunt %g Ω and max current %g A must be positive", bus, addr, shuntOhm, maxA)
	}
	d, err := ina219.New(bus, &ina219.Opts{
		Address:       int(addr),
		SenseResistor: physic.ElectricResistance(math.Round(shuntOhm * float64(physic.Ohm))),
		MaxCurrent:    physic.ElectricCurrent(math.Round(maxA * float64(physic.Ampere))),
	})
	if err != nil {
		return nil, fmt.Errorf("INA219 at %s 0x%02x: %v: check the wiring and the address straps", bus, addr, err)
	}
	return &INA219{d: d, name: fmt.Sprintf("INA219 at %s 0x%02x", bus, addr)}, nil
}

func (m *INA219) String() string { return m.name }

// Read reads bus voltage, current and power.
func (m *INA219) Read() (Reading, error) {
	p, err := m.d.Sense()
	if err != nil {
		return Reading{}, fmt.Errorf("%s: %v", m.name, err)
	}
	return Reading{
		Volts: float64(p.Voltage) / float64(physic.Volt),
		Amps:  float64(p.Current) / float64(physic.Ampere),
		Watts: float64(p.Power) / float64(physic.Watt),
	}, nil
}
