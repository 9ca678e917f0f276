// Package simi2c is an I2C bus of simulated chips that implements periph's
// i2c.Bus, so device code written for a real /dev/i2c-N runs unchanged
// against the simulated board. It counts the bytes that would cross the
// wire, so access patterns (chunked reads, page writes) can be measured.
package simi2c

import (
	"errors"
	"fmt"
	"sync"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"
)

// ErrNAK is returned by a Device that does not acknowledge, and by the bus
// for an address where no device answers, as the Linux i2c-dev driver
// reports it (ENXIO / EREMOTEIO).
var ErrNAK = errors.New("no acknowledge (NAK)")

// Device is a chip on the bus. Tx is one transaction addressed to it:
// write w, then, when r is not empty, a repeated start and read into r.
// A device that returns ErrNAK did not acknowledge its address.
type Device interface {
	Tx(w, r []byte) error
}

// Traffic counts what crossed the bus.
type Traffic struct {
	Transactions int
	// Bytes on the wire: one address byte per (repeated) start, plus the
	// data bytes written and read.
	WireBytes    int
	BytesWritten int
	BytesRead    int
	NAKs         int
}

// Bus is a simulated I2C bus.
type Bus struct {
	n       int
	mu      sync.Mutex
	devices map[uint16]Device
	traffic Traffic
}

// NewBus returns an empty bus numbered n (as in /dev/i2c-n).
func NewBus(n int) *Bus { return &Bus{n: n, devices: map[uint16]Device{}} }

// Attach puts d on the bus at the 7-bit address addr.
func (b *Bus) Attach(addr uint16, d Device) {
	b.mu.Lock()
	b.devices[addr] = d
	b.mu.Unlock()
}

// Detach removes the device at addr.
func (b *Bus) Detach(addr uint16) {
	b.mu.Lock()
	delete(b.devices, addr)
	b.mu.Unlock()
}

// Device returns the device at addr, or nil.
func (b *Bus) Device(addr uint16) Device {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.devices[addr]
}

// Traffic returns the counters so far.
func (b *Bus) Traffic() Traffic {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.traffic
}

// ResetTraffic zeroes the counters.
func (b *Bus) ResetTraffic() {
	b.mu.Lock()
	b.traffic = Traffic{}
	b.mu.Unlock()
}

// String implements conn.Resource.
func (b *Bus) String() string { return fmt.Sprintf("sim-i2c-%d", b.n) }

// Tx implements i2c.Bus.
func (b *Bus) Tx(addr uint16, w, r []byte) error {
	b.mu.Lock()
	d := b.devices[addr]
	b.traffic.Transactions++
	b.traffic.WireBytes++ // address byte of the first start
	b.mu.Unlock()
	if addr > 0x7f {
		return fmt.Errorf("i2c-%d: address 0x%x is not a 7-bit address", b.n, addr)
	}
	if d == nil {
		b.count(0, 0, true)
		return fmt.Errorf("i2c-%d addr 0x%02x: %w", b.n, addr, ErrNAK)
	}
	if err := d.Tx(w, r); err != nil {
		b.count(0, 0, errors.Is(err, ErrNAK))
		return fmt.Errorf("i2c-%d addr 0x%02x: %w", b.n, addr, err)
	}
	b.count(len(w), len(r), false)
	if len(w) > 0 && len(r) > 0 {
		b.mu.Lock()
		b.traffic.WireBytes++ // address byte of the repeated start
		b.mu.Unlock()
	}
	return nil
}

func (b *Bus) count(w, r int, nak bool) {
	b.mu.Lock()
	b.traffic.BytesWritten += w
	b.traffic.BytesRead += r
	b.traffic.WireBytes += w + r
	if nak {
		b.traffic.NAKs++
	}
	b.mu.Unlock()
}

// SetSpeed implements i2c.Bus; the simulated bus runs at any speed.
func (b *Bus) SetSpeed(physic.Frequency) error { return nil }

// Close implements io.Closer; the bus stays usable (the board owns it).
func (b *Bus) Close() error { return nil }

var _ i2c.BusCloser = (*Bus)(nil)

// QuickWrite probes addr with an SMBus quick write (address only): the
// device sees an empty transaction and acknowledges or not.
func (b *Bus) QuickWrite(addr uint16) error { return b.Tx(addr, nil, nil) }

// DeviceFunc adapts a function to a Device (a chip that always answers,
// a register model written inline in a test).
type DeviceFunc func(w, r []byte) error

// Tx implements Device.
func (f DeviceFunc) Tx(w, r []byte) error { return f(w, r) }
