package board

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"periph.io/x/conn/v3/physic"
)

// A fixture tree has no live I2C bus. It may carry what `i2cdetect -y N`
// printed on a real board, at .aihat/i2c/i2c-N.i2cdetect; the linux target
// then replays that map as bus N: listed addresses acknowledge, "UU"
// addresses are busy, the rest do not answer. The capture holds presence
// only, so the bus answers only the probes a scan makes (an SMBus quick
// write, a zero-length transfer or a 1-byte read) and refuses any other
// transfer to a present chip with ErrReplayPresenceOnly rather than make
// up its data. A chip's contents are read under --root from files: an
// EEPROM's from the at24 nvmem file (sys/bus/i2c/devices/N-00AA/eeprom).

// replayBus answers probes from an i2cdetect map.
type replayBus struct {
	n       int
	capture string            // the capture's path in the fixture tree, for messages
	state   map[uint16]string // "ack" or "busy"
}

// errReplayNAK mirrors the kernel's ENXIO for an address that does not answer.
var errReplayNAK = errors.New("no acknowledge (NAK)")

// ErrReplayPresenceOnly is returned for a transfer other than a scan probe
// to a chip a replayed i2cdetect capture shows present.
var ErrReplayPresenceOnly = errors.New("the capture replays presence only")

func (b *replayBus) String() string { return fmt.Sprintf("replay-i2c-%d", b.n) }

// Tx implements i2c.Bus. A probe (nothing written, at most 1 byte read)
// acknowledges per the capture; its read byte is 0xFF, the level of an
// undriven bus, as the capture does not hold data. Anything else to a
// present chip fails with ErrReplayPresenceOnly.
func (b *replayBus) Tx(addr uint16, w, r []byte) error {
	switch b.state[addr] {
	case "ack":
		if len(w) > 0 || len(r) > 1 {
			return fmt.Errorf("i2c-%d addr 0x%02x: %d-byte write, %d-byte read refused: %w (%s answers a quick write or a 1-byte read); put the chip's contents in /%s to read it under --root",
				b.n, addr, len(w), len(r), ErrReplayPresenceOnly, b.capture, NVMemPath(b.n, addr))
		}
		for i := range r {
			r[i] = 0xff
		}
		return nil
	case "busy":
		return fmt.Errorf("i2c-%d addr 0x%02x: %w", b.n, addr, ErrBusy)
	}
	return fmt.Errorf("i2c-%d addr 0x%02x: %w", b.n, addr, errReplayNAK)
}

// NVMemPath is where the kernel's at24 driver presents the EEPROM at addr
// on I2C bus n (no leading slash, as Board.FS paths are).
func NVMemPath(n int, addr uint16) string {
	return fmt.Sprintf("sys/bus/i2c/devices/%d-%04x/eeprom", n, addr)
}

func (b *replayBus) QuickWrite(addr uint16) error { return b.Tx(addr, nil, nil) }

func (b *replayBus) SetSpeed(physic.Frequency) error { return nil }
func (b *replayBus) Close() error                    { return nil }

// openReplayBus loads bus n's i2cdetect capture from the fixture tree.
func openReplayBus(fsys fs.FS, root string, n int) (*replayBus, error) {
	p := fmt.Sprintf(".aihat/i2c/i2c-%d.i2cdetect", n)
	b, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("open /dev/i2c-%d: no live I2C under --root %s and no capture %s (save `i2cdetect -y %d` there to replay it)", n, root, p, n)
	}
	state, err := ParseI2CDetect(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", root, p, err)
	}
	return &replayBus{n: n, capture: p, state: state}, nil
}

// ParseI2CDetect reads the address map `i2cdetect -y N` prints: a header
// row of column digits, then rows "00:" to "70:" with "--" (no answer),
// "UU" (claimed by a driver), a hex address (answered) or blanks (not
// probed). It returns the addresses that answered ("ack") or are "busy".
func ParseI2CDetect(text string) (map[uint16]string, error) {
	state := map[uint16]string{}
	rows := 0
	for i, line := range strings.Split(text, "\n") {
		head, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		base, err := strconv.ParseUint(strings.TrimSpace(head), 16, 8)
		if err != nil || base%16 != 0 || base > 0x70 {
			return nil, fmt.Errorf("line %d: row label %q is not one of 00: .. 70:", i+1, head)
		}
		rows++
		// Cells are three characters wide: " xx".
		for col := 0; col < 16; col++ {
			start := col * 3
			if start+3 > len(rest) {
				break
			}
			cell := strings.TrimSpace(rest[start : start+3])
			addr := uint16(base) + uint16(col)
			switch {
			case cell == "" || cell == "--":
			case cell == "UU":
				state[addr] = "busy"
			default:
				v, err := strconv.ParseUint(cell, 16, 8)
				if err != nil || uint16(v) != addr {
					return nil, fmt.Errorf("line %d: cell %q at 0x%02x is not \"--\", \"UU\" or its own address", i+1, cell, addr)
				}
				state[addr] = "ack"
			}
		}
	}
	if rows == 0 {
		return nil, errors.New("no i2cdetect rows (00: .. 70:) found")
	}
	return state, nil
}
