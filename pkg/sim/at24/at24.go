// Package at24 simulates a 24Cxx serial EEPROM (the 24C32 on a HAT+ ID
// bus) as a simi2c.Device that answers exactly as the chip does: a 16-bit
// address pointer, sequential reads across the whole array, page writes
// that wrap inside the page, a self-timed write cycle during which the chip
// does not acknowledge, and a write-protect input that makes it ignore
// writes.
package at24

import (
	"sync"
	"time"

	"github.com/aihat/aihat/pkg/clock"
	"github.com/aihat/aihat/pkg/sim/simi2c"
)

// Options size the chip. The zero value is a 24C32: 4096 bytes, 32-byte
// pages, 5 ms write cycle.
type Options struct {
	Size       int
	PageSize   int
	WriteCycle time.Duration
}

// Chip is one simulated EEPROM.
type Chip struct {
	clk        clock.Clock
	mu         sync.Mutex
	mem        []byte
	page       int
	cycle      time.Duration
	ptr        int
	busyUntil  time.Time
	wp         bool
	ignoreAll  bool // fault: writes never stick, whatever WP says
	pageWrites int
}

// New returns a blank (all 0xFF) chip on clk.
func New(clk clock.Clock, o Options) *Chip {
	if o.Size <= 0 {
		o.Size = 4096
	}
	if o.PageSize <= 0 {
		o.PageSize = 32
	}
	if o.WriteCycle <= 0 {
		o.WriteCycle = 5 * time.Millisecond
	}
	mem := make([]byte, o.Size)
	for i := range mem {
		mem[i] = 0xff
	}
	return &Chip{clk: clk, mem: mem, page: o.PageSize, cycle: o.WriteCycle}
}

// Load replaces the contents from offset 0; the rest of the array keeps its
// bytes. Data longer than the chip is cut.
func (c *Chip) Load(b []byte) {
	c.mu.Lock()
	copy(c.mem, b)
	c.mu.Unlock()
}

// Contents returns a copy of the whole array.
func (c *Chip) Contents() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.mem...)
}

// SetWP drives the write-protect input (true = protected).
func (c *Chip) SetWP(on bool) {
	c.mu.Lock()
	c.wp = on
	c.mu.Unlock()
}

// SetStuck makes the chip acknowledge writes but never store them, as a
// chip with WP tied high on the board does.
func (c *Chip) SetStuck(on bool) {
	c.mu.Lock()
	c.ignoreAll = on
	c.mu.Unlock()
}

// PageWrites counts the write cycles started (page writes that stored).
func (c *Chip) PageWrites() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pageWrites
}

// Size is the array size in bytes.
func (c *Chip) Size() int { return len(c.mem) }

// Tx implements simi2c.Device.
func (c *Chip) Tx(w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.clk.Now().Before(c.busyUntil) {
		return simi2c.ErrNAK // internal write cycle: address not acknowledged
	}
	size := len(c.mem)
	switch {
	case len(w) == 0:
		// current-address read (or a bare address probe)
	case len(w) == 1:
		// Only the high address byte arrived: the chip latches it and
		// waits for the low byte; a following read starts from there.
		c.ptr = (int(w[0]) << 8) % size
	default:
		c.ptr = (int(w[0])<<8 | int(w[1])) % size
		if data := w[2:]; len(data) > 0 {
			c.write(data)
			// A write transaction ends with a stop; the chip cannot also
			// answer a read in the same transaction while it is busy.
			if len(r) > 0 {
				return simi2c.ErrNAK
			}
			return nil
		}
	}
	for i := range r {
		r[i] = c.mem[c.ptr]
		c.ptr = (c.ptr + 1) % size
	}
	return nil
}

// write stores data at the pointer: the address counter's low bits roll
// over inside the page, so bytes past the page end wrap to its start.
func (c *Chip) write(data []byte) {
	if c.wp || c.ignoreAll {
		return // acknowledged but not stored, no write cycle
	}
	base := c.ptr - c.ptr%c.page
	off := c.ptr % c.page
	for _, b := range data {
		c.mem[base+off] = b
		off = (off + 1) % c.page
	}
	c.ptr = base + off
	c.pageWrites++
	c.busyUntil = c.clk.Now().Add(c.cycle)
}
