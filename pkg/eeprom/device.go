package eeprom

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/clock"
	"github.com/aihat/aihat/pkg/interrupt"
	"periph.io/x/conn/v3/i2c"
)

// Chip geometry and timing of a 24C32, the HAT+ ID EEPROM.
const (
	DefaultSize     = 4096 // B
	DefaultPageSize = 32   // B
	// ReadChunk is how much one read transaction moves: large enough that
	// the 2-byte address and the start bytes cost < 1 % of the payload,
	// within what i2c-dev accepts in one message (8192 B).
	ReadChunk = 1024 // B
	// DefaultWriteTimeout bounds one page's self-timed write cycle (5 ms
	// typical for a 24C32) while acknowledge polling waits for it.
	DefaultWriteTimeout = 25 * time.Millisecond
	pollInterval        = 500 * time.Microsecond
)

// Device is a 24Cxx EEPROM on an I2C bus.
type Device struct {
	Bus      i2c.Bus
	Addr     uint16
	BusName  string // for messages, e.g. "/dev/i2c-0"
	Size     int    // B; 0 = DefaultSize
	PageSize int    // B; 0 = DefaultPageSize
	Clock    clock.Clock
	// WriteTimeout bounds the acknowledge polling after each page write.
	WriteTimeout time.Duration
}

func (d *Device) size() int {
	if d.Size > 0 {
		return d.Size
	}
	return DefaultSize
}

func (d *Device) page() int {
	if d.PageSize > 0 {
		return d.PageSize
	}
	return DefaultPageSize
}

func (d *Device) clk() clock.Clock {
	if d.Clock != nil {
		return d.Clock
	}
	return clock.Real()
}

func (d *Device) where() string {
	name := d.BusName
	if name == "" {
		name = "i2c"
	}
	return fmt.Sprintf("%s addr 0x%02x", name, d.Addr)
}

// ReadAt reads n bytes from offset off with sequential reads: a 16-bit
// address write and a repeated-start read of up to ReadChunk bytes each.
func (d *Device) ReadAt(ctx context.Context, off, n int) ([]byte, error) {
	if off < 0 || n < 0 || off+n > d.size() {
		return nil, fmt.Errorf("read %d B at %d: outside the %d B array", n, off, d.size())
	}
	out := make([]byte, n)
	for pos := 0; pos < n; pos += ReadChunk {
		if err := ctx.Err(); err != nil {
			return out[:pos], err
		}
		end := min(pos+ReadChunk, n)
		a := off + pos
		if err := d.Bus.Tx(d.Addr, []byte{byte(a >> 8), byte(a)}, out[pos:end]); err != nil {
			return out[:pos], fmt.Errorf("read %s at 0x%04x: %w", d.where(), a, err)
		}
	}
	return out, nil
}

// ReadAll reads the whole array.
func (d *Device) ReadAll(ctx context.Context) ([]byte, error) { return d.ReadAt(ctx, 0, d.size()) }

// WriteResult says what a write did.
type WriteResult struct {
	Bytes    int           // B written
	Pages    int           // page writes issued
	Polls    int           // acknowledge polls that found the chip busy
	Duration time.Duration // wall (or virtual) time
	// PagesDone lists the page numbers written when the write stopped part
	// way (on error); all pages on success.
	PagesDone []int
}

// PageWriteError is a write that stopped part way.
type PageWriteError struct {
	Page      int   // page that failed
	PageSize  int   // bytes per page, to name the page's offset
	PagesDone []int // pages written before it
	Err       error
}

func (e *PageWriteError) Error() string {
	return fmt.Sprintf("page %d (offset 0x%04x) failed after %d page(s) written: %v", e.Page, e.Page*e.PageSize, len(e.PagesDone), e.Err)
}

func (e *PageWriteError) Unwrap() error { return e.Err }

// ErrWriteTimeout is returned when the chip does not acknowledge again
// within WriteTimeout after a page write.
var ErrWriteTimeout = errors.New("write cycle did not end (no acknowledge)")

// WriteAt writes data at off in page-aligned page writes (the address and
// up to PageSize bytes that stay within one page), and after each one
// polls for the acknowledge that ends the chip's write cycle, up to
// WriteTimeout. Pages whose content already matches are not skipped: a
// write writes.
func (d *Device) WriteAt(ctx context.Context, off int, data []byte) (WriteResult, error) {
	var res WriteResult
	clk := d.clk()
	start := clk.Now()
	if off < 0 || off+len(data) > d.size() {
		return res, fmt.Errorf("write %d B at %d: outside the %d B array", len(data), off, d.size())
	}
	page := d.page()
	timeout := d.WriteTimeout
	if timeout <= 0 {
		timeout = DefaultWriteTimeout
	}
	buf := make([]byte, 2+page)
	for pos := 0; pos < len(data); {
		a := off + pos
		n := min(page-a%page, len(data)-pos)
		pg := a / page
		if err := ctx.Err(); err != nil {
			return res, &PageWriteError{Page: pg, PageSize: page, PagesDone: res.PagesDone, Err: err}
		}
		w := buf[:2+n]
		w[0], w[1] = byte(a>>8), byte(a)
		copy(w[2:], data[pos:pos+n])
		if err := d.Bus.Tx(d.Addr, w, nil); err != nil {
			return res, &PageWriteError{Page: pg, PageSize: page, PagesDone: res.PagesDone, Err: fmt.Errorf("write %s at 0x%04x: %w", d.where(), a, err)}
		}
		res.Pages++
		polls, err := d.ackPoll(ctx, clk, timeout)
		res.Polls += polls
		if err != nil {
			return res, &PageWriteError{Page: pg, PageSize: page, PagesDone: res.PagesDone, Err: err}
		}
		res.PagesDone = append(res.PagesDone, pg)
		res.Bytes += n
		pos += n
		res.Duration = clk.Since(start)
	}
	res.Duration = clk.Since(start)
	return res, nil
}

// ackPoll addresses the chip until it acknowledges (its write cycle is
// over) or the timeout passes. Each poll is a 1-byte current-address read:
// a busy chip does not acknowledge its address. (An empty transaction
// would be cheaper, but i2c-dev adapters such as the Pi 5's DesignWare
// cannot send one, and periph's Tx treats it as a no-op.)
func (d *Device) ackPoll(ctx context.Context, clk clock.Clock, timeout time.Duration) (int, error) {
	t0 := clk.Now()
	busy := 0
	var probe [1]byte
	for {
		err := d.Bus.Tx(d.Addr, nil, probe[:])
		if err == nil {
			return busy, nil
		}
		busy++
		if clk.Since(t0) >= timeout {
			return busy, fmt.Errorf("%s: %w within %v: %v", d.where(), ErrWriteTimeout, timeout, err)
		}
		if cerr := clk.Sleep(ctx, pollInterval); cerr != nil {
			return busy, cerr
		}
	}
}

// Compare reads back len(want) bytes from offset 0 and returns the offsets
// of the first differing byte and the count of differing bytes (-1, 0 when
// equal).
func (d *Device) Compare(ctx context.Context, want []byte) (first, diff int, err error) {
	got, err := d.ReadAt(ctx, 0, len(want))
	if err != nil {
		return -1, 0, err
	}
	first = -1
	for i := range want {
		if got[i] != want[i] {
			if first < 0 {
				first = i
			}
			diff++
		}
	}
	return first, diff, nil
}

// WP drives the EEPROM's write-protect input through a board GPIO line.
type WP struct {
	Line board.Line
	// ActiveHigh: the chip is protected when the line is high (a 24C32's
	// WP pin); false for boards that invert it.
	ActiveHigh bool
}

func (w *WP) level(protect bool) int {
	if protect == w.ActiveHigh {
		return 1
	}
	return 0
}

// Unprotect drives the line to the level that enables writes.
func (w *WP) Unprotect() error {
	if err := w.Line.Set(w.level(false)); err != nil {
		return fmt.Errorf("drive the EEPROM WP line to enable writes: %w", err)
	}
	return nil
}

// Protect asserts write protection again and releases the line.
func (w *WP) Protect() error {
	err := w.Line.Set(w.level(true))
	if cerr := w.Line.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore the EEPROM WP line: %w", err)
	}
	return nil
}

// WithWritesEnabled runs fn with the WP line (if any) driven to allow
// writes, and asserts protection again afterwards whatever happens: on
// error, on a cancelled context, on a panic, and on a second Ctrl-C that
// ends the process while fn runs (through interrupt.OnForce).
func WithWritesEnabled(ctx context.Context, wp *WP, fn func() error) (err error) {
	if wp == nil || wp.Line == nil {
		return fn()
	}
	if err := wp.Unprotect(); err != nil {
		wp.Line.Close()
		return err
	}
	release := interrupt.OnForce(ctx, func() { wp.Line.Set(wp.level(true)) })
	defer func() {
		release()
		if perr := wp.Protect(); perr != nil && err == nil {
			err = perr
		}
	}()
	return fn()
}

// ProgramResult is what Program did.
type ProgramResult struct {
	WriteResult
	Verified bool
	// ProbeOffset is the byte the write-protect and write tests toggle
	// (and restore): the chip's last byte.
	ProbeOffset int
	// WPHolds: a test write with WP asserted left the chip unchanged. Nil
	// when there is no WP line to test.
	WPHolds *bool
	// WritesTake: a test write with writes enabled changed the chip (and
	// the byte was restored). Nil when not tested (verify only, or the
	// write stopped before).
	WritesTake *bool
}

// Errors of Program that mean the chip or its WP wiring is wrong (FAIL),
// not that the write could not be attempted.
var (
	// ErrReadBack is a read-back that does not match what was written.
	ErrReadBack = errors.New("read-back differs from the image")
	// ErrWritesIgnored: the chip acknowledges writes and never stores
	// them, even when it already holds the image (so the read-back alone
	// would pass).
	ErrWritesIgnored = errors.New("the chip ignores writes")
	// ErrWPNotHolding: with WP asserted a write still changed the chip.
	ErrWPNotHolding = errors.New("write protection does not hold")
	// ErrImageTooLarge: the image does not fit the chip.
	ErrImageTooLarge = errors.New("image larger than the chip")
)

// Program writes img at offset 0 with writes enabled through wp, then
// reads back and compares. When verifyOnly it only compares.
//
// A write also proves the write-protect wiring both ways: with a WP line,
// a test write with WP asserted must leave the chip unchanged, and with
// writes enabled a test write must change it (the byte is restored).
// Without the second test, writing the image a chip already holds would
// pass on a chip whose WP is stuck.
func (d *Device) Program(ctx context.Context, img []byte, wp *WP, verifyOnly bool) (ProgramResult, error) {
	res := ProgramResult{ProbeOffset: d.size() - 1}
	if len(img) > d.size() {
		return res, fmt.Errorf("%s: %w: %d B into %d B", d.where(), ErrImageTooLarge, len(img), d.size())
	}
	if !verifyOnly {
		if wp != nil && wp.Line != nil {
			holds, err := d.protectedWriteHolds(ctx, wp, res.ProbeOffset)
			if err != nil {
				wp.Line.Close()
				return res, err
			}
			res.WPHolds = &holds
		}
		err := WithWritesEnabled(ctx, wp, func() error {
			var err error
			if res.WriteResult, err = d.WriteAt(ctx, 0, img); err != nil {
				return err
			}
			took, err := d.writeTakes(ctx, res.ProbeOffset)
			if err == nil {
				res.WritesTake = &took
			}
			return err
		})
		if err != nil {
			return res, err
		}
	}
	first, diff, err := d.Compare(ctx, img)
	if err != nil {
		return res, fmt.Errorf("read back: %w", err)
	}
	if diff > 0 {
		hint := ""
		if !verifyOnly {
			hint = ": the chip ignored the writes — is it write-protected (WP pulled up; drive it with --wp-gpio) or is WP tied high on the board?"
		}
		return res, fmt.Errorf("%s: %w: %d of %d B differ, first at offset 0x%04x%s", d.where(), ErrReadBack, diff, len(img), first, hint)
	}
	res.Verified = true
	if res.WritesTake != nil && !*res.WritesTake {
		return res, fmt.Errorf("%s: %w: a test write at 0x%04x with writes enabled left it unchanged, so the image only matches because the chip already held it — is WP tied high on the board?", d.where(), ErrWritesIgnored, res.ProbeOffset)
	}
	if res.WPHolds != nil && !*res.WPHolds {
		return res, fmt.Errorf("%s: %w: a test write at 0x%04x with WP asserted changed the chip (restored since) — is --wp-gpio the pin wired to WP, and hat.wp_active its level?", d.where(), ErrWPNotHolding, res.ProbeOffset)
	}
	return res, nil
}

// writeByte writes one byte and waits for the write cycle. A chip that
// refuses the data (some 24C parts NAK data bytes while WP is asserted)
// returns the bus error; the caller reads back to see what happened.
func (d *Device) writeByte(ctx context.Context, off int, v byte) error {
	if err := d.Bus.Tx(d.Addr, []byte{byte(off >> 8), byte(off), v}, nil); err != nil {
		return err
	}
	timeout := d.WriteTimeout
	if timeout <= 0 {
		timeout = DefaultWriteTimeout
	}
	_, err := d.ackPoll(ctx, d.clk(), timeout)
	return err
}

func (d *Device) readByte(ctx context.Context, off int) (byte, error) {
	b, err := d.ReadAt(ctx, off, 1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// protectedWriteHolds asserts WP, writes the inverse of the byte at off and
// reports whether the chip kept its byte. If it did not, the byte is
// restored with writes enabled. WP is left asserted and the line open.
func (d *Device) protectedWriteHolds(ctx context.Context, wp *WP, off int) (bool, error) {
	if err := wp.Line.Set(wp.level(true)); err != nil {
		return false, fmt.Errorf("assert the EEPROM WP line: %w", err)
	}
	orig, err := d.readByte(ctx, off)
	if err != nil {
		return false, fmt.Errorf("WP test: %w", err)
	}
	werr := d.writeByte(ctx, off, ^orig)
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	got, err := d.readByte(ctx, off)
	if err != nil {
		return false, fmt.Errorf("WP test: read back after a protected write (%v): %w", werr, err)
	}
	if got == orig {
		return true, nil
	}
	if err := wp.Line.Set(wp.level(false)); err != nil {
		return false, fmt.Errorf("drive the EEPROM WP line to restore 0x%04x: %w", off, err)
	}
	rerr := d.writeByte(ctx, off, orig)
	if err := wp.Line.Set(wp.level(true)); err != nil {
		return false, fmt.Errorf("restore the EEPROM WP line: %w", err)
	}
	if rerr != nil {
		return false, fmt.Errorf("WP test: restore the byte at 0x%04x: %w", off, rerr)
	}
	return false, nil
}

// writeTakes writes the inverse of the byte at off with writes enabled,
// reports whether the chip stored it, and restores the byte.
func (d *Device) writeTakes(ctx context.Context, off int) (bool, error) {
	orig, err := d.readByte(ctx, off)
	if err != nil {
		return false, fmt.Errorf("write test: %w", err)
	}
	if err := d.writeByte(ctx, off, ^orig); err != nil {
		return false, fmt.Errorf("write test at 0x%04x: %w", off, err)
	}
	got, err := d.readByte(ctx, off)
	if err != nil {
		return false, fmt.Errorf("write test: %w", err)
	}
	if got == orig {
		return false, nil
	}
	if err := d.writeByte(ctx, off, orig); err != nil {
		return true, fmt.Errorf("write test: restore the byte at 0x%04x: %w", off, err)
	}
	if back, err := d.readByte(ctx, off); err != nil || back != orig {
		return true, fmt.Errorf("write test: the byte at 0x%04x reads 0x%02x after restoring 0x%02x (%v)", off, back, orig, err)
	}
	return true, nil
}
