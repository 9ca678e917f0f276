package ina2xx

import (
	"math"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/sim/ina"
	"github.com/aihat/aihat/pkg/sim/simi2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
)

func TestINA226Calibration(t *testing.T) {
	cal, lsb, err := INA226Calibration(0.010, 8)
	if err != nil {
		t.Fatal(err)
	}
	// CAL = floor(0.00512 / ((8 A / 32768) × 0.010 Ω)) = floor(2097.152)
	if cal != 2097 {
		t.Fatalf("cal = %d, want 2097", cal)
	}
	if want := 0.00512 / (2097 * 0.010); math.Abs(lsb-want) > 1e-15 {
		t.Fatalf("current LSB %g, want %g", lsb, want)
	}
	for _, bad := range [][2]float64{{0, 8}, {0.01, 0}, {-1, 1}, {1e-9, 1}, {10, 100}} {
		if _, _, err := INA226Calibration(bad[0], bad[1]); err == nil {
			t.Errorf("shunt %g Ω, %g A: no error", bad[0], bad[1])
		}
	}
}

// TestINA226AgainstSimModel reads the sim's register model through the
// driver: calibration written from the shunt value, values back in SI.
func TestINA226AgainstSimModel(t *testing.T) {
	bus := simi2c.NewBus(1)
	volts, amps := 5.02, 2.75
	bus.Attach(0x40, ina.NewINA226(0.010, func() (float64, float64) { return volts, amps }))
	m, err := NewINA226(bus, 0x40, 0.010, 8)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Read()
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Volts-volts) > 1.25e-3 {
		t.Errorf("volts %g, want %g ± 1.25 mV", r.Volts, volts)
	}
	// one shunt LSB (2.5 µV / 10 mΩ = 0.25 mA) plus one current LSB
	if math.Abs(r.Amps-amps) > 0.25e-3+m.CurrentLSB() {
		t.Errorf("amps %g, want %g", r.Amps, amps)
	}
	if math.Abs(r.Watts-volts*amps) > 25*m.CurrentLSB()+0.01 {
		t.Errorf("watts %g, want %g", r.Watts, volts*amps)
	}
	// The load changes: the next read follows.
	amps = 0.5
	r, _ = m.Read()
	if math.Abs(r.Amps-0.5) > 1e-3 {
		t.Errorf("after change: amps %g, want 0.5", r.Amps)
	}
	// Traffic: ID 2 reads, 2 writes, 3 reads per Read.
	if tr := bus.Traffic(); tr.Transactions != 2+2+3+3 || tr.NAKs != 0 {
		t.Errorf("traffic %+v, want 10 transactions", tr)
	}
}

func TestINA226MissingAndWrongChip(t *testing.T) {
	bus := simi2c.NewBus(1)
	_, err := NewINA226(bus, 0x40, 0.01, 8)
	if err == nil || !strings.Contains(err.Error(), "0x40") || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("missing chip: %v", err)
	}
	// An INA226 where the plan says INA260: the die ID differs.
	bus.Attach(0x41, ina.NewINA226(0.01, func() (float64, float64) { return 5, 1 }))
	if _, err := NewINA260(bus, 0x41); err == nil || !strings.Contains(err.Error(), "another chip") {
		t.Fatalf("wrong chip: %v", err)
	}
}

// TestINA226Playback checks the exact register traffic (big-endian, 8-bit
// pointer) against periph's i2ctest.Playback.
func TestINA226Playback(t *testing.T) {
	pb := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: 0x40, W: []byte{0xfe}, R: []byte{0x54, 0x49}},
		{Addr: 0x40, W: []byte{0xff}, R: []byte{0x22, 0x60}},
		{Addr: 0x40, W: []byte{0x00, 0x41, 0x27}},
		{Addr: 0x40, W: []byte{0x05, 0x08, 0x31}},            // CAL 2097
		{Addr: 0x40, W: []byte{0x02}, R: []byte{0x0f, 0xa0}}, // 4000 × 1.25 mV = 5 V
		{Addr: 0x40, W: []byte{0x04}, R: []byte{0x28, 0x00}}, // 10240 × LSB
		{Addr: 0x40, W: []byte{0x03}, R: []byte{0x08, 0x00}}, // 2048 × 25 × LSB
	}}
	m, err := NewINA226(pb, 0x40, 0.010, 8)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Read()
	if err != nil {
		t.Fatal(err)
	}
	if err := pb.Close(); err != nil {
		t.Fatal(err)
	}
	lsb := 0.00512 / (2097 * 0.010)
	if r.Volts != 4000*1.25e-3 || math.Abs(r.Amps-10240*lsb) > 1e-12 || math.Abs(r.Watts-2048*25*lsb) > 1e-12 {
		t.Fatalf("reading %+v", r)
	}
}

func TestINA226NegativeCurrent(t *testing.T) {
	pb := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: 0x45, W: []byte{0xfe}, R: []byte{0x54, 0x49}},
		{Addr: 0x45, W: []byte{0xff}, R: []byte{0x22, 0x61}}, // die revision in the low nibble
		{Addr: 0x45, W: []byte{0x00, 0x41, 0x27}},
		{Addr: 0x45, W: []byte{0x05, 0x08, 0x31}},
		{Addr: 0x45, W: []byte{0x02}, R: []byte{0x0f, 0xa0}},
		{Addr: 0x45, W: []byte{0x04}, R: []byte{0xff, 0x00}}, // -256
		{Addr: 0x45, W: []byte{0x03}, R: []byte{0x00, 0x10}},
	}}
	m, err := NewINA226(pb, 0x45, 0.010, 8)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Read()
	if err != nil {
		t.Fatal(err)
	}
	if r.Amps >= 0 {
		t.Fatalf("amps %g, want negative (reverse current)", r.Amps)
	}
}

func TestINA260Playback(t *testing.T) {
	pb := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: 0x40, W: []byte{0xfe}, R: []byte{0x54, 0x49}},
		{Addr: 0x40, W: []byte{0xff}, R: []byte{0x22, 0x70}},
		{Addr: 0x40, W: []byte{0x00, 0x61, 0x27}},
		{Addr: 0x40, W: []byte{0x01}, R: []byte{0x07, 0xd0}}, // 2000 × 1.25 mA = 2.5 A
		{Addr: 0x40, W: []byte{0x02}, R: []byte{0x0f, 0xa0}}, // 5 V
		{Addr: 0x40, W: []byte{0x03}, R: []byte{0x04, 0xe2}}, // 1250 × 10 mW = 12.5 W
	}}
	m, err := Open(pb, Config{Type: "INA260", Addr: 0x40})
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Read()
	if err != nil {
		t.Fatal(err)
	}
	if err := pb.Close(); err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Amps-2.5) > 1e-12 || math.Abs(r.Volts-5) > 1e-12 || math.Abs(r.Watts-12.5) > 1e-9 {
		t.Fatalf("reading %+v", r)
	}
}

// TestINA219ThroughPeriph drives periph's ina219 driver: the calibration
// from the shunt value, the config, then one Sense.
func TestINA219ThroughPeriph(t *testing.T) {
	pb := &i2ctest.Playback{DontPanic: true, Ops: []i2ctest.IO{
		{Addr: 0x41, W: []byte{0x05, 0x10, 0x62}}, // 0.04096 / (97.656 µA × 0.1 Ω) = 4194
		{Addr: 0x41, W: []byte{0x00, 0x1f, 0xff}},
		{Addr: 0x41, W: []byte{0x01}, R: []byte{0x0f, 0xa0}}, // shunt 40 mV
		{Addr: 0x41, W: []byte{0x02}, R: []byte{0x27, 0x10}}, // (10000 >> 3) × 4 mV = 5 V
		{Addr: 0x41, W: []byte{0x04}, R: []byte{0x0f, 0xa0}}, // 4000 × 97.656 µA = 0.39 A
		{Addr: 0x41, W: []byte{0x03}, R: []byte{0x00, 0x64}},
	}}
	m, err := Open(pb, Config{Type: "ina219", Addr: 0x41, ShuntOhm: 0.1, MaxA: 3.2})
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Read()
	if err != nil {
		t.Fatal(err)
	}
	if err := pb.Close(); err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Volts-5) > 1e-9 || math.Abs(r.Amps-4000*97656e-9) > 1e-9 {
		t.Fatalf("reading %+v", r)
	}
}

func TestOpenUnknownType(t *testing.T) {
	if _, err := Open(simi2c.NewBus(1), Config{Type: "ina3221"}); err == nil || !strings.Contains(err.Error(), "ina3221") {
		t.Fatalf("err %v", err)
	}
}
