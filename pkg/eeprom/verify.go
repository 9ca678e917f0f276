package eeprom

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/aihat/aihat/pkg/board"
	"github.com/aihat/aihat/pkg/devicetree"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
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
	if h.NVMem != "" {
		if data, err := fs.ReadFile(b.FS(), h.NVMem); err == nil {
			return Source{Name: "/" + h.NVMem, Data: data}, nil
		}
	}
	return ReadBus(ctx, b, h.Bus, h.Addr)
}

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

// VerifyStage is eeprom.verify: the image decodes without problems, every
// CRC holds, and the identity matches the plan; it sets the hat.* facts.
func VerifyStage(ctx context.Context, env *stage.Env, step *report.Step) error {
	h := env.Plan.HAT
	src, err := ReadBoard(ctx, env.Board, h)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
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
		m := stage.Measure(env, step, report.Measurement{Name: "present", Value: false, Limits: report.Equal(true)})
		m.Code = "EEPROM_NAK"
		m.Message = fmt.Sprintf("no HAT EEPROM read from %s: %v; check the HAT is seated and the ID EEPROM powered", src.Name, err)
		return nil
	}
	step.Logf("read %d B from %s", len(src.Data), src.Name)
	stage.Measure(env, step, report.Measurement{Name: "present", Value: true, Limits: report.Equal(true)})
	im := Decode(src.Data)
	Check(env, step, im, src.Name)
	return nil
}

// Check adds the measurements for a decoded image against the plan.
func Check(env *stage.Env, step *report.Step, im *Image, source string) {
	h := env.Plan.HAT
	fail := func(m *report.Measurement, code, msg string) {
		if m.Outcome == report.Fail {
			m.Code = code
			m.Message = msg
		}
	}

	var probs []string
	for _, p := range im.Problems {
		probs = append(probs, p.Error())
	}
	m := stage.Measure(env, step, report.Measurement{Name: "image.problems", Value: float64(len(im.Problems)), Unit: "count", Limits: report.AtMost(0)})
	code := "EEPROM_DECODE"
	if im.Has(ErrBlank) {
		code = "EEPROM_BLANK"
	}
	fail(m, code, fmt.Sprintf("%s: %s; want an image that decodes cleanly: program one with `aihat eeprom write IMAGE --yes`", source, strings.Join(probs, "; ")))
	if im.Has(ErrBlank) || im.Has(ErrEmpty) {
		return // nothing else to check
	}
	m = stage.Measure(env, step, report.Measurement{Name: "image.bytes", Value: float64(im.EEPLen), Unit: "B"})
	fail(m, "EEPROM_TOO_LARGE", fmt.Sprintf("%s: the image is %d B, larger than the chip the plan names: it cannot be written whole; use a larger part or a smaller image", source, im.EEPLen))

	bad := 0
	var badAtoms []string
	for i, a := range im.Atoms {
		if !a.CRCOK {
			bad++
			badAtoms = append(badAtoms, fmt.Sprintf("atom %d (%v)", i, a.Type))
		}
	}
	m = stage.Measure(env, step, report.Measurement{Name: "image.crc_errors", Value: float64(bad), Unit: "count", Limits: report.AtMost(0)})
	fail(m, "EEPROM_CRC", fmt.Sprintf("CRC-16 mismatch in %s; want 0 bad atoms: the EEPROM is corrupt, reprogram it", strings.Join(badAtoms, ", ")))

	// format_version 0 in the plan records the version without judging it.
	fv := report.Measurement{Name: "format_version", Value: float64(im.Version)}
	if h.FormatVersion != 0 {
		fv.Limits = report.Equal(float64(h.FormatVersion))
	}
	m = stage.Measure(env, step, fv)
	fail(m, "EEPROM_FORMAT", fmt.Sprintf("format version %d, want %d (1 = original HAT, 2 = HAT+)", im.Version, h.FormatVersion))

	v := im.Vendor
	if v == nil {
		m = stage.Measure(env, step, report.Measurement{Name: "vendor", Value: nil})
		fail(m, "EEPROM_VENDOR", "no vendor atom decoded: the EEPROM carries no identity; program it with `aihat eeprom write IMAGE --yes`")
		return
	}
	// str records a field; it is judged only when the plan names a value
	// (identity fields are optional: see plan.HATPlan).
	str := func(name, code, got, want string) {
		m := report.Measurement{Name: name, Value: got}
		if want != "" {
			m.Limits = report.Equal(want)
		}
		fail(stage.Measure(env, step, m), code, fmt.Sprintf("%s %q, want %q: wrong or misprogrammed HAT EEPROM", name, got, want))
	}
	str("vendor", "EEPROM_VENDOR", v.Vendor, h.Vendor)
	str("product", "EEPROM_PRODUCT", v.Product, h.Product)
	str("product_id", "EEPROM_PRODUCT_ID", hex16(v.ProductID), hexOpt(h.ProductID))
	str("product_ver", "EEPROM_PRODUCT_VER", hex16(v.ProductVer), hexOpt(h.ProductVer))

	uuid := v.UUID.String()
	switch {
	case h.UUID != "":
		str("uuid", "EEPROM_UUID", uuid, strings.ToLower(h.UUID))
	case h.UUIDPattern != "":
		m := stage.Measure(env, step, report.Measurement{Name: "uuid", Value: uuid})
		re, err := regexp.Compile(h.UUIDPattern)
		if err != nil {
			m.Outcome, m.Code, m.Message = report.Error, "EEPROM_UUID", fmt.Sprintf("plan hat.uuid_pattern %q: %v", h.UUIDPattern, err)
		} else if !re.MatchString(uuid) {
			m.Outcome, m.Code, m.Message = report.Fail, "EEPROM_UUID", fmt.Sprintf("uuid %s does not match the pattern %q", uuid, h.UUIDPattern)
		}
	default:
		stage.Measure(env, step, report.Measurement{Name: "uuid", Value: uuid})
	}
	str("overlay", "EEPROM_OVERLAY", im.Overlay(), h.Overlay)

	env.Facts["hat.vendor"] = v.Vendor
	env.Facts["hat.product"] = v.Product
	env.Facts["hat.product_id"] = hex16(v.ProductID)
	env.Facts["hat.product_ver"] = hex16(v.ProductVer)
	env.Facts["hat.uuid"] = uuid
	env.Facts["hat.overlay"] = im.Overlay()

	crossCheckDT(env, step, v, im)
}

// checkDTOnly checks the plan's identity against proc/device-tree/hat when
// the EEPROM itself cannot be read; false when that node is absent.
func checkDTOnly(env *stage.Env, step *report.Step) bool {
	tree, props, ok := hatNode(env)
	if !ok {
		return false
	}
	h := env.Plan.HAT
	want := map[string]string{"vendor": h.Vendor, "product": h.Product, "product_id": hexOpt(h.ProductID), "product_ver": hexOpt(h.ProductVer), "uuid": strings.ToLower(h.UUID)}
	for _, k := range devicetree.HATFields {
		if want[k] == "" {
			// Not named by the plan: record what the firmware read.
			if v, ok := props[k]; ok {
				env.Facts["hat."+k] = v
				stage.Measure(env, step, report.Measurement{Name: "dt." + k, Value: v})
			}
			continue
		}
		var got any
		if v, ok := props[k]; ok {
			got = v
			env.Facts["hat."+k] = v
		}
		m := stage.Measure(env, step, report.Measurement{Name: "dt." + k, Value: got, Limits: report.Equal(want[k])})
		if m.Outcome == report.Fail {
			m.Code = "EEPROM_DT_MISMATCH"
			if got == nil {
				m.Message = fmt.Sprintf("/%s is missing, want %q: the firmware read an incomplete HAT EEPROM", tree.Path("hat/"+k), want[k])
			} else {
				m.Message = fmt.Sprintf("/%s is %q, want %q: the firmware read another identity from the HAT EEPROM", tree.Path("hat/"+k), got, want[k])
			}
		}
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

// crossCheckDT compares the firmware's view (proc/device-tree/hat/*), when
// present, with what the EEPROM holds.
func crossCheckDT(env *stage.Env, step *report.Step, v *Vendor, im *Image) {
	tree, props, ok := hatNode(env)
	if !ok {
		step.Logf("proc/device-tree/hat absent: the firmware did not apply a HAT at boot (no cross-check)")
		return
	}
	want := map[string]string{
		"vendor":      v.Vendor,
		"product":     v.Product,
		"product_id":  hex16(v.ProductID),
		"product_ver": hex16(v.ProductVer),
		"uuid":        v.UUID.String(),
	}
	for _, k := range devicetree.HATFields {
		got, ok := props[k]
		if !ok {
			continue
		}
		m := stage.Measure(env, step, report.Measurement{Name: "dt." + k, Value: got, Limits: report.Equal(want[k])})
		if m.Outcome == report.Fail {
			m.Code = "EEPROM_DT_MISMATCH"
			m.Message = fmt.Sprintf("/%s is %q but the EEPROM holds %q: the EEPROM changed since boot; reboot so the firmware reads it again", tree.Path("hat/"+k), got, want[k])
		}
	}
}
