package eeprom

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/devicetree"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/safefile"
	"github.com/aihat/aihat/pkg/stage"
)

// Source says where an image came from, for messages.
type Source struct {
	Name string // e.g. "/dev/i2c-0 addr 0x50" or a file path
	Data []byte
}

// ReadBoard reads the HAT EEPROM the way the plan says: the kernel's nvmem
// file when it exists, else the I2C bus.
func ReadBoard(ctx context.Context, b board.Board, h plan.HATPlan) (Source, error) {
	if h.NVMem == "" {
		return ReadBus(ctx, b, h.Bus, h.Addr)
	}
	data, err := fs.ReadFile(b.FS(), h.NVMem)
	switch {
	case err == nil:
		return Source{Name: "/" + h.NVMem, Data: data}, nil
	case errors.Is(err, fs.ErrNotExist):
		return ReadBus(ctx, b, h.Bus, h.Addr) // no at24 driver bound: ask the chip
	}
	ne := &NVMemError{Path: "/" + h.NVMem, Err: err}
	if !errors.Is(err, fs.ErrPermission) {
		return Source{Name: ne.Path}, ne // not an EEPROM's file: the plan or the tree is wrong
	}
	// The at24 driver lets only root read the file; a user in the i2c
	// group may still read the chip on the bus.
	src, berr := ReadBus(ctx, b, h.Bus, h.Addr)
	if berr == nil || ctx.Err() != nil {
		return src, berr
	}
	ne.Bus = berr
	return Source{Name: ne.Path}, ne
}

// NVMemError is the kernel's EEPROM file (the plan's hat.nvmem) that
// exists but could not be read: not this user's to read, over the largest
// EEPROM, or not a regular file. It names the file and the cause, never
// "check the HAT is seated": the chip was found, the file failed.
type NVMemError struct {
	Path string
	Err  error
	Bus  error // the I2C read tried after a permission error, when it failed too
}

func (e *NVMemError) Error() string {
	var s string
	switch {
	case errors.Is(e.Err, fs.ErrPermission):
		s = fmt.Sprintf("the kernel's EEPROM file %s exists but this user may not read it (%v): the at24 driver lets only root read it; run as root (sudo)", e.Path, e.Err)
	case errors.Is(e.Err, safefile.ErrTooLarge):
		s = fmt.Sprintf("the kernel's EEPROM file %s is larger than any HAT EEPROM (%v): check that the plan's hat.nvmem names the HAT's at24 eeprom file", e.Path, e.Err)
	default:
		s = fmt.Sprintf("the kernel's EEPROM file %s cannot be read (%v): check that the plan's hat.nvmem names the HAT's at24 eeprom file", e.Path, e.Err)
	}
	if e.Bus != nil {
		s += fmt.Sprintf("; reading the chip on the I2C bus instead failed too: %v", e.Bus)
	}
	return s
}

func (e *NVMemError) Unwrap() error { return e.Err }

// ReadBus reads the whole 24C32 at addr on I2C bus n.
func ReadBus(ctx context.Context, b board.Board, n int, addr uint16) (Source, error) {
	name := fmt.Sprintf("/dev/i2c-%d addr 0x%02x", n, addr)
	bus, err := b.I2C(n)
	if err != nil {
		return Source{Name: name}, &BusOpenError{Bus: n, Err: err}
	}
	defer bus.Close()
	d := &Device{Bus: bus, Addr: addr, BusName: fmt.Sprintf("/dev/i2c-%d", n), Clock: b.Clock()}
	data, err := d.ReadAll(ctx)
	if err != nil {
		return Source{Name: name}, err
	}
	return Source{Name: name, Data: data}, nil
}

// BusOpenError is an I2C bus that could not be opened at all (as opposed
// to a chip that does not answer on it).
type BusOpenError struct {
	Bus int
	Err error
}

func (e *BusOpenError) Error() string {
	// The board's error already says "open /dev/i2c-N".
	return fmt.Sprintf("%v (the HAT ID bus i2c_vc needs dtparam=i2c_vc=on, or read the at24 nvmem file with --nvmem)", e.Err)
}

func (e *BusOpenError) Unwrap() error { return e.Err }

// VerifyOptions are what `aihat eeprom verify` gives eeprom.verify.
type VerifyOptions struct {
	// Image, when set, is an image read before the run (eeprom verify
	// --file), verified in place of the board's chip; nil reads the
	// board's EEPROM as the plan's hat section says.
	Image *Source
}

// VerifyStage is eeprom.verify: the image decodes without problems, every
// CRC holds, and the identity meets the plan's limits; it sets
// env.Findings.HAT. VerifyOptions{} reads the board's EEPROM: the table's
// entry.
func VerifyStage(o VerifyOptions) stage.Func {
	if o.Image == nil {
		return verifyBoard
	}
	src := *o.Image
	return func(ctx context.Context, env *stage.Env, step *report.Step) error {
		step.Logf("read %d B from %s", len(src.Data), src.Name)
		Check(env, step, Decode(src.Data), src.Name)
		return nil
	}
}

// verifyBoard is eeprom.verify of the board's EEPROM.
func verifyBoard(ctx context.Context, env *stage.Env, step *report.Step) error {
	h := env.Plan.HAT
	src, err := ReadBoard(ctx, env.Board, h)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ne *NVMemError
		if errors.As(err, &ne) {
			return err // the file failed, not the HAT: the error names it and why
		}
		if errors.Is(err, board.ErrPresenceOnly) {
			return err // the board sees the chip but cannot give its contents (a replayed capture): not a verdict on the HAT
		}
		var boe *BusOpenError
		if errors.As(err, &boe) {
			if checkDTOnly(env, step) {
				step.Logf("cannot read the EEPROM (%v): checked the identity the firmware read at boot (proc/device-tree/hat) only", err)
				return nil
			}
			return err
		}
		stage.Measure(env, step, stage.M{Name: "present", Value: false, Code: "EEPROM_NAK",
			Remedy: fmt.Sprintf("no HAT EEPROM read from %s: %v; check the HAT is seated and the ID EEPROM powered", src.Name, err)})
		return nil
	}
	step.Logf("read %d B from %s", len(src.Data), src.Name)
	stage.Measure(env, step, stage.M{Name: "present", Value: true})
	im := Decode(src.Data)
	Check(env, step, im, src.Name)
	return nil
}

// Check adds the measurements for a decoded image, judged by the plan's
// limits eeprom.verify.*, and records the identity in env.Findings.HAT.
func Check(env *stage.Env, step *report.Step, im *Image, source string) {
	var probs []string
	for _, p := range im.Problems {
		probs = append(probs, p.Error())
	}
	code := "EEPROM_DECODE"
	if im.Has(ErrBlank) {
		code = "EEPROM_BLANK"
	}
	stage.Measure(env, step, stage.M{Name: "image.problems", Value: float64(len(im.Problems)), Unit: "count", Code: code,
		Remedy: fmt.Sprintf("%s: %s; want an image that decodes cleanly: program one with `aihat eeprom write IMAGE --yes`", source, strings.Join(probs, "; "))})
	if im.Has(ErrBlank) || im.Has(ErrEmpty) {
		return // nothing else to check
	}
	stage.Measure(env, step, stage.M{Name: "image.bytes", Value: float64(im.EEPLen), Unit: "B", Code: "EEPROM_TOO_LARGE",
		Remedy: fmt.Sprintf("%s: the image is %d B, larger than the chip the plan names: it cannot be written whole; use a larger part or a smaller image", source, im.EEPLen)})

	bad := 0
	var badAtoms []string
	for i, a := range im.Atoms {
		if !a.CRCOK {
			bad++
			badAtoms = append(badAtoms, fmt.Sprintf("atom %d (%v)", i, a.Type))
		}
	}
	stage.Measure(env, step, stage.M{Name: "image.crc_errors", Value: float64(bad), Unit: "count", Code: "EEPROM_CRC",
		Remedy: fmt.Sprintf("CRC-16 mismatch in %s; want 0 bad atoms: the EEPROM is corrupt, reprogram it", strings.Join(badAtoms, ", "))})

	stage.Measure(env, step, stage.M{Name: "format_version", Value: float64(im.Version), Code: "EEPROM_FORMAT",
		Remedy: fmt.Sprintf("format version %d, want %s (1 = original HAT, 2 = HAT+)", im.Version, env.Plan.Limit(step.Name+".format_version"))})

	v := im.Vendor
	if v == nil {
		stage.Measure(env, step, stage.M{Name: "vendor", Value: nil, Code: "EEPROM_VENDOR",
			Remedy: "no vendor atom decoded: the EEPROM carries no identity; program it with `aihat eeprom write IMAGE --yes`"})
		return
	}
	// Each identity field is recorded; it is judged only when the plan
	// has a limit for it (identity limits are optional: see the default
	// plan's defaults/eeprom.yaml).
	field := func(name, code string, got any) {
		stage.Measure(env, step, stage.M{Name: name, Value: got, Code: code,
			Remedy: fmt.Sprintf("%s %q, want %s: wrong or misprogrammed HAT EEPROM", name, got, env.Plan.Limit(step.Name+"."+name))})
	}
	field("vendor", "EEPROM_VENDOR", v.Vendor)
	field("product", "EEPROM_PRODUCT", v.Product)
	field("product_id", "EEPROM_PRODUCT_ID", hex16(v.ProductID))
	field("product_ver", "EEPROM_PRODUCT_VER", hex16(v.ProductVer))
	field("uuid", "EEPROM_UUID", v.UUID.String())
	field("overlay", "EEPROM_OVERLAY", im.Overlay())

	env.Findings.HAT = &stage.HATIdentity{Vendor: v.Vendor, Product: v.Product, ProductID: v.ProductID, ProductVer: v.ProductVer,
		UUID: v.UUID.String(), Overlay: im.Overlay()}
}

// checkDTOnly checks the identity the firmware read at boot
// (proc/device-tree/hat) against the plan's identity limits when the
// EEPROM itself cannot be read; false when that node is absent. It does
// not set env.Findings.HAT: overlay.check then holds the node to the
// plan, not to itself.
func checkDTOnly(env *stage.Env, step *report.Step) bool {
	tree, props, ok := hatNode(env)
	if !ok {
		return false
	}
	for _, k := range devicetree.HATFields {
		var got any
		if v, ok := props[k]; ok {
			got = v
		} else if env.Plan.Limit(step.Name+"."+k) == nil {
			continue // nothing to read, nothing to judge
		}
		remedy := fmt.Sprintf("/%s is %q, want %s: the firmware read another identity from the HAT EEPROM", tree.Path("hat/"+k), got, env.Plan.Limit(step.Name+"."+k))
		if got == nil {
			remedy = fmt.Sprintf("/%s is missing, want %s: the firmware read an incomplete HAT EEPROM", tree.Path("hat/"+k), env.Plan.Limit(step.Name+"."+k))
		}
		stage.Measure(env, step, stage.M{Name: "dt." + k, Key: step.Name + "." + k, Value: got, Code: "EEPROM_DT_MISMATCH", Remedy: remedy})
	}
	return true
}

func hex16(v uint16) string { return fmt.Sprintf("0x%04x", v) }

// hexOpt is an optional plan id as hex16, "" when the plan names none.
func hexOpt(v *uint16) string {
	if v == nil {
		return ""
	}
	return hex16(*v)
}

// hatNode reads the firmware's hat node from the live device tree
// (proc/device-tree, or sys/firmware/devicetree/base where proc is not
// mounted); ok is false when there is none.
func hatNode(env *stage.Env) (*devicetree.Tree, map[string]string, bool) {
	tree, err := devicetree.Open(env.Board.FS())
	if err != nil {
		return nil, nil, false
	}
	props, ok := tree.HAT()
	return tree, props, ok
}
