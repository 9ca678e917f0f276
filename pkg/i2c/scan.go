// Package i2c holds bus helpers on top of periph's i2c.Bus: probing
// addresses the way i2cdetect does, and comparing what answers with the
// devices a plan expects.
package i2c

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3/i2c"
)

// QuickWriter is a bus that can send an SMBus quick write (the address
// alone). periph's buses cannot (an empty Tx returns without touching the
// bus), so the board's buses add it; without it Scan reads a byte instead.
type QuickWriter interface {
	QuickWrite(addr uint16) error
}

// State of one address after a probe.
type State int

// Address states, as i2cdetect prints them: "--", an address, "UU".
const (
	Absent State = iota
	Present
	Busy
)

func (s State) String() string {
	switch s {
	case Present:
		return "present"
	case Busy:
		return "busy"
	}
	return "absent"
}

// Probe says how an address is probed.
type Probe int

// Probe methods.
const (
	// ProbeQuick is an SMBus quick write.
	ProbeQuick Probe = iota
	// ProbeRead reads one byte.
	ProbeRead
)

func (p Probe) String() string {
	if p == ProbeRead {
		return "read byte"
	}
	return "quick write"
}

// First and Last bound the default scan range: i2cdetect skips the
// reserved addresses 0x00-0x02 and 0x78-0x7f.
const (
	First uint16 = 0x03
	Last  uint16 = 0x77
)

// ProbeFor returns i2cdetect's default probe for addr: a read byte for
// 0x30-0x37 and 0x50-0x5f (a quick write can corrupt some EEPROMs there,
// and write-protect others), a quick write elsewhere.
func ProbeFor(addr uint16) Probe {
	if (addr >= 0x30 && addr <= 0x37) || (addr >= 0x50 && addr <= 0x5f) {
		return ProbeRead
	}
	return ProbeQuick
}

// Result is one address that did not read as absent, or every address
// when the caller asks for the full map.
type Result struct {
	Addr  uint16
	State State
	Probe Probe
}

// BusyChecker reports whether an error from a probe means "claimed by a
// driver" (UU) rather than "no device".
type BusyChecker func(error) bool

// Scan probes every address from first to last and returns those that
// answered or are busy. Errors other than a NAK are not expected from a
// probe on Linux (the kernel maps NAK to ENXIO/EREMOTEIO), so any error
// counts as absent, as i2cdetect does; isBusy may single out "UU".
func Scan(bus i2c.Bus, first, last uint16, isBusy BusyChecker) ([]Result, error) {
	if first > last || last > 0x7f {
		return nil, fmt.Errorf("scan range 0x%02x-0x%02x is not within 0x00-0x7f", first, last)
	}
	qw, canQuick := bus.(QuickWriter)
	var found []Result
	for a := first; a <= last; a++ {
		p := ProbeFor(a)
		if p == ProbeQuick && !canQuick {
			p = ProbeRead
		}
		var err error
		if p == ProbeQuick {
			err = qw.QuickWrite(a)
		} else {
			var b [1]byte
			err = bus.Tx(a, nil, b[:])
		}
		switch {
		case err == nil:
			found = append(found, Result{Addr: a, State: Present, Probe: p})
		case isBusy != nil && isBusy(err):
			found = append(found, Result{Addr: a, State: Busy, Probe: p})
		}
	}
	return found, nil
}

// IsBusy is the BusyChecker for the board's buses.
func IsBusy(target error) BusyChecker {
	return func(err error) bool { return errors.Is(err, target) }
}
