package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/eeprom"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/safefile"
	"github.com/aihat/aihat/pkg/stage"
	"github.com/spf13/cobra"
)

// EEPROMSourceOptions choose where an image is read from.
type EEPROMSourceOptions struct {
	File  string
	NVMem string
	Bus   int
	Addr  string
}

// EEPROMDumpOptions are `aihat eeprom dump`'s flags.
type EEPROMDumpOptions struct {
	EEPROMSourceOptions
	JSON bool
}

// EEPROMMakeOptions are `aihat eeprom make`'s flags.
type EEPROMMakeOptions struct {
	Settings string
	Out      string
	V1       bool
	DTB      string
	Custom   []string
}

// EEPROMWriteOptions are `aihat eeprom write`'s flags.
type EEPROMWriteOptions struct {
	Image      string
	Yes        bool
	VerifyOnly bool
	WPGPIO     int
	Bus        int
	Addr       string
}

func newCmdEEPROM(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eeprom",
		Short: "HAT+ ID EEPROM: dump, verify, make and write images (eepdump/eepmake compatible)",
	}
	cmd.AddCommand(newCmdEEPROMDump(f), newCmdEEPROMVerify(f), newCmdEEPROMMake(f), newCmdEEPROMWrite(f))
	return cmd
}

func addSourceFlags(cmd *cobra.Command, o *EEPROMSourceOptions) {
	cmd.Flags().StringVar(&o.File, "file", "", "read the image from this file (.eep, or a whole-chip dump)")
	cmd.Flags().StringVar(&o.NVMem, "nvmem", "", "read the kernel's at24 nvmem file, e.g. /sys/bus/i2c/devices/0-0050/eeprom (under --root)")
	cmd.Flags().IntVar(&o.Bus, "bus", -1, "read the chip on this I2C bus (default: the plan's hat.bus)")
	cmd.Flags().StringVar(&o.Addr, "addr", "", "7-bit I2C address of the chip (default: the plan's hat.addr, 0x50)")
}

func parseAddr(s string, def uint16) (uint16, error) {
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseUint(s, 0, 16)
	if err != nil || v < 0x03 || v > 0x77 {
		return 0, usageErrorf("--addr %q: want a 7-bit I2C address 0x03-0x77", s)
	}
	return uint16(v), nil
}

// readSource reads the image the flags name.
func readSource(ctx context.Context, f *Factory, o EEPROMSourceOptions) (eeprom.Source, error) {
	n := 0
	for _, set := range []bool{o.File != "", o.NVMem != "", o.Bus >= 0 || o.Addr != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return eeprom.Source{}, usageErrorf("--file, --nvmem and --bus/--addr name different sources: give one")
	}
	if o.File != "" {
		b, err := safefile.ReadFile(o.File, safefile.NVMemMax)
		if err != nil {
			return eeprom.Source{}, usageErrorf("--file: %v", err)
		}
		return eeprom.Source{Name: o.File, Data: b}, nil
	}
	p, err := f.Plan()
	if err != nil {
		return eeprom.Source{}, err
	}
	b, err := f.Board()
	if err != nil {
		return eeprom.Source{}, err
	}
	if o.NVMem != "" {
		data, err := fs.ReadFile(b.FS(), strings.TrimPrefix(o.NVMem, "/"))
		if err != nil {
			return eeprom.Source{}, fmt.Errorf("read %s: %w (is the at24 driver bound to the HAT EEPROM?)", o.NVMem, err)
		}
		return eeprom.Source{Name: o.NVMem, Data: data}, nil
	}
	if o.Bus >= 0 || o.Addr != "" {
		bus := p.HAT.Bus
		if o.Bus >= 0 {
			bus = o.Bus
		}
		addr, err := parseAddr(o.Addr, p.HAT.Addr)
		if err != nil {
			return eeprom.Source{}, err
		}
		return eeprom.ReadBus(ctx, b, bus, addr)
	}
	return eeprom.ReadBoard(ctx, b, p.HAT)
}

func newCmdEEPROMDump(f *Factory) *cobra.Command {
	opts := &EEPROMDumpOptions{}
	cmd := &cobra.Command{
		Use:   "dump",
		Short: "Decode and print a HAT EEPROM image as eepdump does (or --json); exit 1 when it has problems",
		Long: `Read a HAT / HAT+ ID EEPROM image and print what it holds. The text form shows
the same facts as the reference eepdump and can be fed back to 'aihat eeprom make';
--json prints one stable object. Problems (bad signature, CRC mismatches, blank chip,
...) are listed and make the command exit 1 after printing what decoded.

Sources: --file F, --nvmem PATH (the kernel's at24 eeprom file), --bus N --addr 0x50;
default: the plan's nvmem file when present, else the plan's bus and address.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			src, err := readSource(cmd.Context(), f, opts.EEPROMSourceOptions)
			if err != nil {
				return err
			}
			im := eeprom.Decode(src.Data)
			if opts.JSON {
				err = eeprom.WriteJSON(f.IO.Out, im)
			} else {
				err = eeprom.WriteText(f.IO.Out, im)
			}
			if err != nil {
				return err
			}
			if !im.OK() {
				return &ExitError{Code: report.ExitFail, Err: fmt.Errorf("%s: %d problem(s): %v", src.Name, len(im.Problems), im.Problems[0])}
			}
			return nil
		},
	}
	addSourceFlags(cmd, &opts.EEPROMSourceOptions)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON object instead of eepdump's text")
	return cmd
}

func newCmdEEPROMVerify(f *Factory) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check the HAT EEPROM decodes cleanly and carries the plan's identity (step eeprom.verify)",
		Long: `Read the HAT+ ID EEPROM and check: the image decodes without problems, every atom's
CRC-16 holds, and the format version, vendor, product, product id and version, UUID
(or UUID pattern) and overlay name match the plan's hat: section. Cross-checks
/proc/device-tree/hat (what the firmware read at boot) when present.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := f.Env()
			if err != nil {
				return err
			}
			steps := tableStep("eeprom.verify")
			if file != "" {
				data, err := safefile.ReadFile(file, safefile.NVMemMax)
				if err != nil {
					return usageErrorf("--file: %v", err)
				}
				steps[0].Func = func(ctx context.Context, env *stage.Env, step *report.Step) error {
					step.Logf("read %d B from %s", len(data), file)
					eeprom.Check(env, step, eeprom.Decode(data), file)
					return nil
				}
			}
			return f.RunSteps(cmd.Context(), env, steps)
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "verify this image file instead of the board's EEPROM")
	return cmd
}

func newCmdEEPROMMake(f *Factory) *cobra.Command {
	opts := &EEPROMMakeOptions{}
	cmd := &cobra.Command{
		Use:   "make SETTINGS -o IMAGE",
		Short: "Make an EEPROM image from an eepmake settings file (byte-identical to eepmake)",
		Long: `Parse an eepmake settings file and write the image. --v1 makes an original-HAT
(format 1) image, --dtb adds a compiled overlay to it (eepmake's third argument), and
--custom adds custom data atoms from files (eepmake -c). Errors name the line.
For this command -o (or --out) names the image file to write.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("eeprom make takes one SETTINGS file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Settings = args[0]
			// -o is the global --output flag; for make it names the image.
			if fl := cmd.Flag("output"); opts.Out == "" && fl != nil && fl.Changed {
				opts.Out = f.Global.Output
			}
			if opts.Out == "" {
				return usageErrorf("-o IMAGE is required: where to write the image")
			}
			if opts.DTB != "" && !opts.V1 {
				return usageErrorf("--dtb is for original-HAT images (--v1); a HAT+ names its overlay with dt_blob \"name\" in the settings file")
			}
			text, err := safefile.ReadFile(opts.Settings, safefile.DefaultMax)
			if err != nil {
				return usageErrorf("%v", err)
			}
			mo := eeprom.MakeOptions{V1: opts.V1}
			if opts.DTB != "" {
				if mo.DTBlob, err = safefile.ReadFile(opts.DTB, safefile.DeviceTreeMax); err != nil {
					return usageErrorf("--dtb: %v", err)
				}
			}
			for _, c := range opts.Custom {
				b, err := safefile.ReadFile(c, safefile.DefaultMax)
				if err != nil {
					return usageErrorf("--custom: %v", err)
				}
				mo.Custom = append(mo.Custom, b)
			}
			s, img, err := eeprom.Make(bytes.NewReader(text), opts.Settings, mo)
			if err != nil {
				return err
			}
			for _, w := range s.Warnings {
				fmt.Fprintf(f.IO.ErrOut, "warning: %s\n", w)
			}
			if s.GeneratedUUID {
				fmt.Fprintf(f.IO.ErrOut, "product_uuid was all zeros: generated UUID=%s (put it in the settings file to keep it)\n", s.Image.Vendor.UUID)
			}
			if err := os.WriteFile(opts.Out, img, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "wrote %s: %d B, format %d, %d atoms\n", opts.Out, len(img), s.Image.Version, eeprom.Decode(img).NumAtoms)
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "", "image file to write (.eep); -o IMAGE works too")
	cmd.Flags().BoolVar(&opts.V1, "v1", false, "make an original-HAT (format 1) image, as eepmake -v1")
	cmd.Flags().StringVar(&opts.DTB, "dtb", "", "compiled overlay (.dtbo) for the DT atom (format 1 only)")
	cmd.Flags().StringSliceVar(&opts.Custom, "custom", nil, "file(s) whose bytes become custom data atoms, as eepmake -c")
	return cmd
}

func newCmdEEPROMWrite(f *Factory) *cobra.Command {
	opts := &EEPROMWriteOptions{}
	cmd := &cobra.Command{
		Use:   "write IMAGE --yes",
		Short: "Program an image into the HAT EEPROM over I2C, then read back and compare",
		Long: `Write IMAGE to the HAT's 24C32 in 32-byte page writes with acknowledge polling,
then read it back and compare. The write-protect line (--wp-gpio, or the plan's
hat.wp_gpio; active level hat.wp_active) is driven to allow writes and asserted again
afterwards, even on error or Ctrl-C. Refuses without --yes or when IMAGE does not
decode cleanly. --verify-only compares without writing.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("eeprom write takes one IMAGE file, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Image = args[0]
			if !opts.Yes && !opts.VerifyOnly {
				return usageErrorf("eeprom write overwrites the HAT's ID EEPROM: add --yes to confirm (or --verify-only to compare)")
			}
			img, err := safefile.ReadFile(opts.Image, safefile.NVMemMax)
			if err != nil {
				return usageErrorf("%v", err)
			}
			im := eeprom.Decode(img)
			if !im.OK() {
				return usageErrorf("%s does not decode cleanly, refusing to write it: %v", opts.Image, errors.Join(problemErrs(im)...))
			}
			img = img[:im.EEPLen] // never write a file's padding
			wpSet := cmd.Flags().Changed("wp-gpio")
			if wpSet && (opts.WPGPIO < 0 || opts.WPGPIO > maxHeaderGPIO) {
				return usageErrorf("--wp-gpio %d: the header GPIO chip has lines 0-%d", opts.WPGPIO, maxHeaderGPIO)
			}
			return eepromWrite(cmd.Context(), f, opts, wpSet, img)
		},
	}
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "confirm overwriting the EEPROM")
	cmd.Flags().BoolVar(&opts.VerifyOnly, "verify-only", false, "only read back and compare with IMAGE")
	cmd.Flags().IntVar(&opts.WPGPIO, "wp-gpio", -1, "header GPIO wired to the EEPROM's WP pin (default: the plan's hat.wp_gpio)")
	cmd.Flags().IntVar(&opts.Bus, "bus", -1, "I2C bus (default: the plan's hat.bus)")
	cmd.Flags().StringVar(&opts.Addr, "addr", "", "7-bit I2C address (default: the plan's hat.addr)")
	return cmd
}

func problemErrs(im *eeprom.Image) []error {
	var out []error
	for _, p := range im.Problems {
		out = append(out, p)
	}
	return out
}

func eepromWrite(ctx context.Context, f *Factory, o *EEPROMWriteOptions, wpSet bool, img []byte) error {
	p, err := f.Plan()
	if err != nil {
		return err
	}
	b, err := f.Board()
	if err != nil {
		return err
	}
	busN := p.HAT.Bus
	if o.Bus >= 0 {
		busN = o.Bus
	}
	addr, err := parseAddr(o.Addr, p.HAT.Addr)
	if err != nil {
		return err
	}
	activeHigh, err := p.HAT.WPActiveHigh()
	if err != nil {
		return usageErrorf("%v", err)
	}
	var wp *eeprom.WP
	gpio := -1
	if wpSet {
		gpio = o.WPGPIO
	} else if p.HAT.WPGPIO != nil {
		gpio = *p.HAT.WPGPIO
	}
	if gpio >= 0 && !o.VerifyOnly {
		line, err := b.Line(board.HeaderChipLabel, gpio)
		if err != nil {
			return fmt.Errorf("EEPROM WP line GPIO%d: %w", gpio, err)
		}
		wp = &eeprom.WP{Line: line, ActiveHigh: activeHigh}
	}
	bus, err := b.I2C(busN)
	if err != nil {
		return err // the board's error names /dev/i2c-N
	}
	defer bus.Close()
	d := &eeprom.Device{Bus: bus, Addr: addr, BusName: fmt.Sprintf("/dev/i2c-%d", busN), Clock: b.Clock()}
	res, err := d.Program(ctx, img, wp, o.VerifyOnly)
	printWPProof(f.IO.Out, res)
	if res.Verified && !o.VerifyOnly {
		// Written and read back whole, even when a WP verdict fails after.
		fmt.Fprintf(f.IO.Out, "wrote %d B in %d page writes (%d B pages, %d busy polls) to %s addr 0x%02x in %.3f s; read back: identical\n",
			res.Bytes, res.Pages, eeprom.DefaultPageSize, res.Polls, d.BusName, addr, res.Duration.Seconds())
	}
	if err != nil {
		var pe *eeprom.PageWriteError
		if errors.As(err, &pe) {
			if ctx.Err() != nil {
				// Interrupted: the chip holds the new image up to here and
				// the old one after, which is neither.
				return &ExitError{Code: report.ExitAborted, Err: fmt.Errorf("eeprom write interrupted: pages %s hold the new image, the pages after still hold the old contents, so the chip holds neither image and must be rewritten (run eeprom write again); WP asserted again", pageRange(pe.PagesDone, pe.PageSize))}
			}
			return fmt.Errorf("eeprom write stopped: %v; pages written: %s; the chip must be rewritten; WP asserted again", err, pageRange(pe.PagesDone, pe.PageSize))
		}
		if ctx.Err() != nil {
			return &ExitError{Code: report.ExitAborted, Err: fmt.Errorf("eeprom write interrupted before the image was written or verified: %v", err)}
		}
		if errors.Is(err, eeprom.ErrReadBack) || errors.Is(err, eeprom.ErrWritesIgnored) || errors.Is(err, eeprom.ErrWPNotHolding) {
			return &ExitError{Code: report.ExitFail, Err: err}
		}
		if errors.Is(err, eeprom.ErrImageTooLarge) {
			return usageErrorf("%s: %v", o.Image, err)
		}
		return err
	}
	if o.VerifyOnly {
		fmt.Fprintf(f.IO.Out, "verified %d B on %s addr 0x%02x: identical to %s\n", len(img), d.BusName, addr, o.Image)
	}
	return nil
}

// maxHeaderGPIO is the last line of the Pi 5's header GPIO chip (54 lines).
const maxHeaderGPIO = 53

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
func printWPProof(w io.Writer, res eeprom.ProgramResult) {
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
