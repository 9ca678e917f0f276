package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aihat/aihat/pkg/eeprom"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/session"
	"github.com/spf13/cobra"
)

// EEPROMSourceOptions choose where an image is read from.
type EEPROMSourceOptions = session.EEPROMSource

// EEPROMDumpOptions are `aihat eeprom dump`'s flags.
type EEPROMDumpOptions struct {
	EEPROMSourceOptions
	Output string // text (eepdump's) or json
	JSON   bool   // --json: the older spelling of -o json
}

// EEPROMMakeOptions are `aihat eeprom make`'s flags.
type EEPROMMakeOptions struct {
	Settings string
	Out      string
	V1       bool
	DTB      string
	Custom   []string
}

// EEPROMWriteOptions are `aihat eeprom write`'s flags: the confirmation
// and what pkg/eeprom's Write takes.
type EEPROMWriteOptions struct {
	Yes bool
	eeprom.WriteOptions
}

func newCmdEEPROM(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eeprom",
		Short: "HAT+ ID EEPROM: dump, verify, make and write images (eepdump/eepmake compatible)",
	}
	cmd.AddCommand(newCmdEEPROMDump(f), newCmdEEPROMVerify(f), newCmdEEPROMMake(f), newCmdEEPROMWrite(f, nil))
	return cmd
}

func addSourceFlags(cmd *cobra.Command, o *EEPROMSourceOptions) {
	cmd.Flags().StringVar(&o.File, "file", "", "read the image from this file (.eep, or a whole-chip dump)")
	cmd.Flags().StringVar(&o.NVMem, "nvmem", "", "read the kernel's at24 nvmem file, e.g. /sys/bus/i2c/devices/0-0050/eeprom (under --root)")
	cmd.Flags().IntVar(&o.Bus, "bus", -1, "read the chip on this I2C bus (default: the plan's hat.bus)")
	cmd.Flags().StringVar(&o.Addr, "addr", "", "7-bit I2C address of the chip (default: the plan's hat.addr, 0x50)")
}

func newCmdEEPROMDump(f *Factory) *cobra.Command {
	opts := &EEPROMDumpOptions{}
	cmd := &cobra.Command{
		Use:   "dump",
		Short: "Decode and print a HAT EEPROM image as eepdump does (or -o json); exit 1 when it has problems",
		Long: `Read a HAT / HAT+ ID EEPROM image and print what it holds. The text form shows
the same facts as the reference eepdump and can be fed back to 'aihat eeprom make';
-o json (or --json) prints one stable object. Problems (bad signature, CRC mismatches, blank chip,
...) are listed and make the command exit 1 after printing what decoded.

Sources: --file F, --nvmem PATH (the kernel's at24 eeprom file), --bus N --addr 0x50;
default: the plan's nvmem file when present, else the plan's bus and address.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.JSON {
				if cmd.Flags().Changed("output") && opts.Output != "json" {
					return usageErrorf("--json and -o %s ask for different formats: give one", opts.Output)
				}
				opts.Output = "json"
			}
			src, err := f.Session().ReadEEPROM(cmd.Context(), opts.EEPROMSourceOptions)
			if err != nil {
				return err
			}
			im := eeprom.Decode(src.Data)
			if opts.Output == "json" {
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
	addOutputFlag(cmd, &opts.Output, "text", "json")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "same as -o json")
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
			env, err := f.Session().Env()
			if err != nil {
				return err
			}
			var o eeprom.VerifyOptions // the board's EEPROM
			if file != "" {
				src, err := f.Session().ReadEEPROM(cmd.Context(), session.EEPROMSource{File: file, Bus: -1})
				if err != nil {
					return err // --file: why it cannot be read (usage)
				}
				o.Image = &src
			}
			return f.Session().Run(cmd.Context(), env, session.Step("eeprom.verify", eeprom.VerifyStage(o)))
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "verify this image file instead of the board's EEPROM")
	return cmd
}

func newCmdEEPROMMake(f *Factory) *cobra.Command {
	opts := &EEPROMMakeOptions{}
	cmd := &cobra.Command{
		Use:   "make SETTINGS [IMAGE]",
		Short: "Make an EEPROM image from an eepmake settings file (byte-identical to eepmake)",
		Long: `Parse an eepmake settings file and write the image. --v1 makes an original-HAT
(format 1) image, --dtb adds a compiled overlay to it (eepmake's third argument), and
--custom adds custom data atoms from files (eepmake -c). Errors name the line.
The image file is the second argument, as eepmake's, or --out IMAGE.`,
		Example: "  aihat eeprom make settings.txt hat.eep",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageErrorf("eeprom make takes a SETTINGS file and the IMAGE to write, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Settings = args[0]
			if len(args) == 2 {
				if opts.Out != "" && opts.Out != args[1] {
					return usageErrorf("IMAGE %s and --out %s name different files: give one", args[1], opts.Out)
				}
				opts.Out = args[1]
			}
			if opts.Out == "" {
				return usageErrorf("eeprom make needs the image file to write: eeprom make SETTINGS IMAGE (or --out IMAGE)")
			}
			if opts.DTB != "" && !opts.V1 {
				return usageErrorf("--dtb is for original-HAT images (--v1); a HAT+ names its overlay with dt_blob \"name\" in the settings file")
			}
			text, mo, err := eeprom.MakeFiles{Settings: opts.Settings, DTB: opts.DTB, Custom: opts.Custom, V1: opts.V1}.Read()
			if err != nil {
				return fileOrUsageErrorf(err, "%v", err)
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
	cmd.Flags().StringVar(&opts.Out, "out", "", "image file to write (.eep), instead of the IMAGE argument")
	addTextOutput(cmd, "name the image file as the IMAGE argument or with --out IMAGE")
	cmd.Flags().BoolVar(&opts.V1, "v1", false, "make an original-HAT (format 1) image, as eepmake -v1")
	cmd.Flags().StringVar(&opts.DTB, "dtb", "", "compiled overlay (.dtbo) for the DT atom (format 1 only)")
	cmd.Flags().StringSliceVar(&opts.Custom, "custom", nil, "file(s) whose bytes become custom data atoms, as eepmake -c")
	return cmd
}

// newCmdEEPROMWrite builds `eeprom write`. runF, when not nil, receives
// the options instead of writing (tests of flags → options use it).
func newCmdEEPROMWrite(f *Factory, runF func(*EEPROMWriteOptions) error) *cobra.Command {
	opts := &EEPROMWriteOptions{}
	var wpGPIO, bus int
	var addr string
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
			if cmd.Flags().Changed("wp-gpio") {
				opts.WPGPIO = &wpGPIO
			}
			if cmd.Flags().Changed("bus") {
				opts.Bus = &bus
			}
			if addr != "" {
				a, err := session.ParseAddr(addr, 0)
				if err != nil {
					return err
				}
				opts.Addr = &a
			}
			if runF != nil {
				return runF(opts)
			}
			return eepromWriteRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "confirm overwriting the EEPROM")
	cmd.Flags().BoolVar(&opts.VerifyOnly, "verify-only", false, "only read back and compare with IMAGE")
	cmd.Flags().IntVar(&wpGPIO, "wp-gpio", -1, "header GPIO wired to the EEPROM's WP pin (default: the plan's hat.wp_gpio)")
	cmd.Flags().IntVar(&bus, "bus", -1, "I2C bus (default: the plan's hat.bus)")
	cmd.Flags().StringVar(&addr, "addr", "", "7-bit I2C address (default: the plan's hat.addr)")
	addTextOutput(cmd, "")
	return cmd
}

// eepromWriteRun hands the options to the session, which writes with the
// board and plan and keeps the record, and maps the kind of failure to the exit code.
func eepromWriteRun(ctx context.Context, f *Factory, o *EEPROMWriteOptions) error {
	if err := o.Check(); err != nil {
		return writeExit(err) // a bad image or GPIO is refused before the board is opened
	}
	return writeExit(f.Session().WriteEEPROM(ctx, o.WriteOptions))
}

func writeExit(err error) error {
	var we *eeprom.WriteError
	if !errors.As(err, &we) {
		return err
	}
	switch we.Kind {
	case eeprom.WriteUsage:
		return &UsageError{Err: we.Err}
	case eeprom.WriteFailed:
		return &ExitError{Code: report.ExitFail, Err: we.Err}
	case eeprom.WriteAborted:
		return &ExitError{Code: report.ExitAborted, Err: we.Err}
	}
	return we.Err
}
