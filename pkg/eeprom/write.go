package eeprom

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/safefile"
)

// MaxHeaderGPIO is the last line of the Pi 5's header GPIO chip (54 lines).
const MaxHeaderGPIO = 53

// WriteOptions say what `aihat eeprom write` programs and where; nil
// pointers take the plan's hat: section.
type WriteOptions struct {
	// Image is the image file; Write reads it, refuses one that does not
	// decode cleanly and never writes its padding.
	Image      string
	VerifyOnly bool
	// WPGPIO is the header GPIO wired to WP (nil: the plan's hat.wp_gpio).
	WPGPIO *int
	Bus    *int
	Addr   *uint16

	// Out, for WriteStage, receives Write's text as it goes (the
	// command's stdout); nil: the step's log only.
	Out io.Writer
	// Result, for WriteStage, receives Write's own error (nil when the
	// image was written and held), for the command's exit code and line:
	// a read-back or write-protect failure is a failing measurement in
	// the step, not the step's error, so the step's error cannot carry it.
	Result *error
}

// Check says what is wrong with the options (a usage WriteError), before
// any board is opened.
func (o WriteOptions) Check() error {
	if o.WPGPIO != nil && (*o.WPGPIO < 0 || *o.WPGPIO > MaxHeaderGPIO) {
		return writeErr(WriteUsage, "--wp-gpio %d: the header GPIO chip has lines 0-%d", *o.WPGPIO, MaxHeaderGPIO)
	}
	if o.Bus != nil && *o.Bus < 0 {
		return writeErr(WriteUsage, "--bus %d: want a bus number", *o.Bus)
	}
	_, err := LoadImage(o.Image)
	return err
}

// WriteKind classifies why Write did not succeed, for the exit code.
type WriteKind int

// Kinds of write failure.
const (
	// WriteErrored: the chip or the board could not be reached (ERROR).
	WriteErrored WriteKind = iota
	// WriteFailed: the chip was reached and did not hold the image, or WP
	// did not hold (FAIL).
	WriteFailed
	// WriteAborted: interrupted (Ctrl-C); the chip must be rewritten.
	WriteAborted
	// WriteUsage: the image or the options are wrong (usage).
	WriteUsage
)

// WriteError is a Write failure with its kind.
type WriteError struct {
	Kind WriteKind
	Err  error
}

func (e *WriteError) Error() string { return e.Err.Error() }
func (e *WriteError) Unwrap() error { return e.Err }

func writeErr(k WriteKind, format string, args ...any) error {
	return &WriteError{Kind: k, Err: fmt.Errorf(format, args...)}
}

// LoadImage reads an image file for writing: it must decode cleanly, and
// the file's padding past the image's own length is dropped.
func LoadImage(path string) ([]byte, error) {
	img, err := safefile.ReadFile(path, safefile.NVMemMax)
	if err != nil {
		// A file that cannot be read (missing, not this user's, a FIFO or
		// device, over the largest EEPROM) is ERROR, not a usage mistake.
		return nil, &WriteError{Kind: WriteErrored, Err: err}
	}
	im := Decode(img)
	if !im.OK() {
		var errs []error
		for _, p := range im.Problems {
			errs = append(errs, p)
		}
		return nil, writeErr(WriteUsage, "%s does not decode cleanly, refusing to write it: %v", path, errors.Join(errs...))
	}
	return img[:im.EEPLen], nil
}

// Write programs (or, with VerifyOnly, compares) the image into the HAT
// EEPROM on b: page writes with acknowledge polling, the WP line driven
// and asserted again afterwards, the write-protect proof and the read-back.
// It prints what it did on out, also when a WP verdict fails after a
// verified write.
func Write(ctx context.Context, b board.Board, h plan.HATPlan, o WriteOptions, out io.Writer) error {
	if err := o.Check(); err != nil {
		return err
	}
	img, err := LoadImage(o.Image)
	if err != nil {
		return err
	}
	busN := h.Bus
	if o.Bus != nil {
		busN = *o.Bus
	}
	addr := h.Addr
	if o.Addr != nil {
		addr = *o.Addr
	}
	activeHigh, err := h.WPActiveHigh()
	if err != nil {
		return &WriteError{Kind: WriteUsage, Err: err}
	}
	var wp *WP
	gpio := -1
	if o.WPGPIO != nil {
		gpio = *o.WPGPIO
	} else if h.WPGPIO != nil {
		gpio = *h.WPGPIO
	}
	if gpio >= 0 && !o.VerifyOnly {
		line, err := b.Line(board.HeaderChipLabel, gpio)
		if err != nil {
			return fmt.Errorf("EEPROM WP line GPIO%d: %w", gpio, err)
		}
		wp = &WP{Line: line, ActiveHigh: activeHigh}
	}
	bus, err := b.I2C(busN)
	if err != nil {
		return err // the board's error names /dev/i2c-N
	}
	defer bus.Close()
	d := &Device{Bus: bus, Addr: addr, BusName: fmt.Sprintf("/dev/i2c-%d", busN), Clock: b.Clock()}
	res, err := d.Program(ctx, img, wp, o.VerifyOnly)
	printWPProof(out, res)
	if res.Verified && !o.VerifyOnly {
		// Written and read back whole, even when a WP verdict fails after.
		fmt.Fprintf(out, "wrote %d B in %d page writes (%d B pages, %d busy polls) to %s addr 0x%02x in %.3f s; read back: identical\n",
			res.Bytes, res.Pages, DefaultPageSize, res.Polls, d.BusName, addr, res.Duration.Seconds())
	}
	if err != nil {
		var pe *PageWriteError
		if errors.As(err, &pe) {
			if ctx.Err() != nil {
				// Interrupted: the chip holds the new image up to here and
				// the old one after, which is neither.
				return writeErr(WriteAborted, "eeprom write interrupted: pages %s hold the new image, the pages after still hold the old contents, so the chip holds neither image and must be rewritten (run eeprom write again); WP asserted again", pageRange(pe.PagesDone, pe.PageSize))
			}
			return fmt.Errorf("eeprom write stopped: %v; pages written: %s; the chip must be rewritten; WP asserted again", err, pageRange(pe.PagesDone, pe.PageSize))
		}
		if ctx.Err() != nil {
			return writeErr(WriteAborted, "eeprom write interrupted before the image was written or verified: %v", err)
		}
		if errors.Is(err, ErrReadBack) || errors.Is(err, ErrWritesIgnored) || errors.Is(err, ErrWPNotHolding) {
			return &WriteError{Kind: WriteFailed, Err: err}
		}
		if errors.Is(err, ErrImageTooLarge) {
			return writeErr(WriteUsage, "%s: %v", o.Image, err)
		}
		return err
	}
	if o.VerifyOnly {
		fmt.Fprintf(out, "verified %d B on %s addr 0x%02x: identical to %s\n", len(img), d.BusName, addr, o.Image)
	}
	return nil
}

// pageRange names the pages a stopped write completed, with their offsets.
func pageRange(p []int, size int) string {
	switch len(p) {
	case 0:
		return "none"
	case 1:
		return fmt.Sprintf("%d (0x%04x-0x%04x)", p[0], p[0]*size, (p[0]+1)*size-1)
	}
	return fmt.Sprintf("%d-%d (%d pages, 0x%04x-0x%04x)", p[0], p[len(p)-1], len(p), p[0]*size, (p[len(p)-1]+1)*size-1)
}

// printWPProof says what the write-protect and write tests showed.
func printWPProof(w io.Writer, res ProgramResult) {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	if res.WPHolds != nil {
		fmt.Fprintf(w, "WP test: a write at 0x%04x with WP asserted left the chip unchanged: %s\n", res.ProbeOffset, yes(*res.WPHolds))
	}
	if res.WritesTake != nil {
		fmt.Fprintf(w, "write test: a write at 0x%04x with writes enabled changed the chip (restored): %s\n", res.ProbeOffset, yes(*res.WritesTake))
	}
}
