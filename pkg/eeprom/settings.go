package eeprom

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// SettingsError is a problem in a settings file, located by line.
type SettingsError struct {
	File string
	Line int // 0 when the problem is the file as a whole
	Msg  string
}

func (e *SettingsError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Settings is a parsed eepmake settings file.
type Settings struct {
	Image *Image
	// GeneratedUUID is set when the file's product_uuid was all zeros and
	// a random version-4 UUID was made, as eepmake does.
	GeneratedUUID bool
	// Warnings are what eepmake would also only warn about.
	Warnings []string
}

// MakeOptions are eepmake's command-line inputs besides the settings file.
type MakeOptions struct {
	V1     bool     // original-HAT format (eepmake -v1)
	DTBlob []byte   // compiled overlay for the DT atom (eepmake's third argument); format 1 only
	Custom [][]byte // custom atom contents from files (eepmake -c), after the file's own
	Rand   io.Reader
}

// maxSettingsSize bounds what ParseSettings reads: the whole EEPROM is
// 4 KiB, so settings for it are far smaller.
const maxSettingsSize = 1 << 20

// Make parses settings and adds the command-line blobs, returning the
// image and the encoded bytes.
func Make(r io.Reader, name string, o MakeOptions) (*Settings, []byte, error) {
	s, err := ParseSettings(r, name, o)
	if err != nil {
		return nil, nil, err
	}
	if o.DTBlob != nil {
		if !o.V1 {
			return nil, nil, &SettingsError{File: name, Msg: "a DT blob file is for original-HAT images (--v1); a HAT+ names its overlay with dt_blob \"name\" in the settings file"}
		}
		if s.Image.HasDT {
			return nil, nil, &SettingsError{File: name, Msg: "the settings file has a dt_blob and a DT blob file was given: use one"}
		}
		s.Image.HasDT = true
		s.Image.DT = o.DTBlob
	}
	s.Image.Custom = append(s.Image.Custom, o.Custom...)
	b, err := Encode(s.Image)
	if err != nil {
		return nil, nil, &SettingsError{File: name, Msg: err.Error()}
	}
	return s, b, nil
}

type parser struct {
	file  string
	line  int
	o     MakeOptions
	im    *Image
	s     *Settings
	set   map[string]int // key → line it was set on
	blob  *[]byte        // open data blob (dt_blob / custom_data)
	hexOK bool           // the open blob takes hex continuation lines
	inStr bool           // inside a multi-line string
}

func (p *parser) errf(format string, args ...any) error {
	return &SettingsError{File: p.file, Line: p.line, Msg: fmt.Sprintf(format, args...)}
}

// ParseSettings reads the text format eepmake reads. Unlike eepmake it
// keeps '#' inside quoted strings, reports a missing required line instead
// of crashing, and rejects GPIO keys in a HAT+ file.
func ParseSettings(r io.Reader, name string, o MakeOptions) (*Settings, error) {
	ver := uint8(VersionHATPlus)
	if o.V1 {
		ver = VersionHAT
	}
	p := &parser{file: name, o: o, im: &Image{Version: ver, Vendor: &Vendor{}}, set: map[string]int{}}
	p.s = &Settings{Image: p.im}
	br := bufio.NewReader(io.LimitReader(r, maxSettingsSize+1))
	total := 0
	for {
		line, err := br.ReadString('\n')
		total += len(line)
		if total > maxSettingsSize {
			return nil, &SettingsError{File: name, Msg: fmt.Sprintf("larger than %d B: not a settings file", maxSettingsSize)}
		}
		if len(line) > 0 {
			p.line++
			if perr := p.parseLine(line); perr != nil {
				return nil, perr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &SettingsError{File: name, Msg: err.Error()}
		}
	}
	p.line = 0
	if p.inStr {
		return nil, p.errf("a multi-line string is not closed with \\\"")
	}
	for _, k := range []string{"product_uuid", "product_id", "product_ver", "vendor", "product"} {
		if _, ok := p.set[k]; !ok {
			return nil, p.errf("no %s line: the vendor atom needs product_uuid, product_id, product_ver, vendor and product", k)
		}
	}
	if o.V1 && p.im.GPIOBank0 == nil {
		return nil, p.errf("an original-HAT (format 1) image needs a GPIO bank 0 map (gpio_drive, gpio_slew, gpio_hysteresis, back_power)")
	}
	if p.im.GPIOBank0 != nil {
		for _, k := range []string{"gpio_drive", "gpio_slew", "gpio_hysteresis", "back_power"} {
			if _, ok := p.set[k]; !ok {
				p.s.Warnings = append(p.s.Warnings, fmt.Sprintf("%s: GPIO map without %s: using 0", name, k))
			}
		}
	}
	if !o.V1 && p.im.HasDT && len(p.im.DT) > 0 && !isAlnum(p.im.DT[0]) {
		return nil, p.errf("a HAT+ DT atom holds the overlay's name only (dt_blob \"name\")")
	}
	if p.im.Vendor.UUID == (UUID{}) {
		rd := o.Rand
		if rd == nil {
			rd = rand.Reader
		}
		if _, err := io.ReadFull(rd, p.im.Vendor.UUID[:]); err != nil {
			return nil, p.errf("product_uuid is all zeros and no random UUID could be made: %v", err)
		}
		p.im.Vendor.UUID[6] = p.im.Vendor.UUID[6]&0x0f | 0x40
		p.im.Vendor.UUID[8] = p.im.Vendor.UUID[8]&0x3f | 0x80
		p.s.GeneratedUUID = true
	}
	return p.s, nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// stripComment cuts the line at the first '#' outside double quotes.
func stripComment(s string) string {
	in := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			in = !in
		case '#':
			if !in {
				return s[:i]
			}
		}
	}
	return s
}

// parseLine parses one line: a piece of an open multi-line string, or
// "key value", or a hex continuation of an open data blob.
func (p *parser) parseLine(line string) error {
	if p.inStr {
		return p.stringLine(line)
	}
	c := strings.TrimSpace(stripComment(line))
	if c == "" {
		return nil
	}
	if !isAlnum(c[0]) {
		return p.errf("cannot parse %q: a line starts with a key", c)
	}
	cmd, rest := c, ""
	if i := strings.IndexAny(c, " \t"); i >= 0 {
		cmd, rest = c[:i], strings.TrimSpace(c[i+1:])
	}
	// The data keys open a blob and are not recorded as set here: dt_blob
	// records its own line (for the second-dt_blob message), custom_data
	// may repeat.
	switch cmd {
	case "dt_blob":
		return p.dtBlob(rest)
	case "custom_data":
		return p.customData(rest)
	}
	set, known := settingKeys[cmd]
	if !known {
		if p.blob != nil && p.hexOK {
			return p.data(c)
		}
		return p.errf("unknown key %q", cmd)
	}
	if err := set(p, cmd, rest, c); err != nil {
		return err
	}
	if _, ok := p.set[cmd]; !ok {
		p.set[cmd] = p.line
	}
	return nil
}

// settingKeys are the one-line keys: each sets its part of the image
// from the value (rest); line is the whole line, for messages.
var settingKeys = map[string]func(p *parser, cmd, rest, line string) error{
	"product_uuid":          (*parser).productUUID,
	"product_id":            (*parser).productNumber,
	"product_ver":           (*parser).productNumber,
	"vendor":                (*parser).vendorString,
	"product":               (*parser).vendorString,
	"current_supply":        (*parser).currentSupply,
	"gpio_drive":            (*parser).gpioBankSetting,
	"gpio_slew":             (*parser).gpioBankSetting,
	"gpio_hysteresis":       (*parser).gpioBankSetting,
	"back_power":            (*parser).gpioBankSetting,
	"bank1_gpio_drive":      (*parser).gpioBankSetting,
	"bank1_gpio_slew":       (*parser).gpioBankSetting,
	"bank1_gpio_hysteresis": (*parser).gpioBankSetting,
	"setgpio":               (*parser).setGPIO,
	"end":                   (*parser).endBlob,
}

func (p *parser) productUUID(_, rest, _ string) error {
	u, err := ParseUUID(rest)
	if err != nil {
		return p.errf("product_uuid: %v", err)
	}
	p.im.Vendor.UUID = u
	return nil
}

// productNumber sets product_id or product_ver.
func (p *parser) productNumber(cmd, rest, _ string) error {
	v, err := parseHex16(rest)
	if err != nil {
		return p.errf("%s: %v", cmd, err)
	}
	if cmd == "product_id" {
		p.im.Vendor.ProductID = v
	} else {
		p.im.Vendor.ProductVer = v
	}
	return nil
}

// vendorString sets vendor or product.
func (p *parser) vendorString(cmd, rest, _ string) error {
	s, err := quoted(rest)
	if err != nil {
		return p.errf("%s: %v", cmd, err)
	}
	if len(s) > 255 {
		return p.errf("%s: %d B, at most 255 B fit", cmd, len(s))
	}
	if cmd == "vendor" {
		p.im.Vendor.Vendor = s
	} else {
		p.im.Vendor.Product = s
	}
	return nil
}

func (p *parser) currentSupply(_, rest, _ string) error {
	if p.o.V1 {
		return p.errf("current_supply is a HAT+ key: an original HAT (format 1) has no power supply atom")
	}
	v, err := strconv.ParseUint(rest, 10, 32)
	if err != nil {
		return p.errf("current_supply: %q is not a current in mA (0-4294967295)", rest)
	}
	if v != 0 {
		mA := uint32(v)
		p.im.CurrentSupplymA = &mA
	} else {
		p.im.CurrentSupplymA = nil // eepmake leaves a zero supply out
	}
	return nil
}

// v1Only refuses the GPIO map keys in a HAT+ file.
func (p *parser) v1Only(cmd string) error {
	if !p.o.V1 {
		return p.errf("%s is an original-HAT (format 1) key: a HAT+ has no GPIO map (remove the line, or make a format 1 image with --v1)", cmd)
	}
	return nil
}

// gpioBankSetting sets one of a GPIO bank's drive, slew, hysteresis and
// back-power values ("bank1_" names bank 1).
func (p *parser) gpioBankSetting(cmd, rest, _ string) error {
	if err := p.v1Only(cmd); err != nil {
		return err
	}
	max := uint64(2)
	if strings.HasSuffix(cmd, "gpio_drive") {
		max = 8
	}
	v, err := strconv.ParseUint(rest, 16, 8)
	if err != nil || v > max {
		return p.errf("%s: %q is not a value 0-%d", cmd, rest, max)
	}
	g := p.bank(strings.HasPrefix(cmd, "bank1_"))
	switch strings.TrimPrefix(cmd, "bank1_") {
	case "gpio_drive":
		g.Drive = uint8(v)
	case "gpio_slew":
		g.Slew = uint8(v)
	case "gpio_hysteresis":
		g.Hysteresis = uint8(v)
	case "back_power":
		g.BackPower = uint8(v)
	}
	return nil
}

// setGPIO sets one pin's function and pull: "setgpio GPIO FUNCTION PULL".
func (p *parser) setGPIO(cmd, rest, line string) error {
	if err := p.v1Only(cmd); err != nil {
		return err
	}
	f := strings.Fields(rest)
	if len(f) != 3 {
		return p.errf("setgpio: want \"setgpio GPIO FUNCTION PULL\", got %q", line)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < GPIOMin || n >= GPIOCountBank0+GPIOCountBank1 {
		return p.errf("setgpio: GPIO %q out of range %d-%d", f[0], GPIOMin, GPIOCountBank0+GPIOCountBank1-1)
	}
	fn, pull := slices.Index(pinFunctions[:], f[1]), slices.Index(pinPulls[:], f[2]) // the names are unique
	if fn < 0 {
		return p.errf("setgpio: function %q unknown (INPUT, OUTPUT, ALT0-ALT5)", f[1])
	}
	if pull < 0 {
		return p.errf("setgpio: pull %q unknown (DEFAULT, UP, DOWN, NONE)", f[2])
	}
	g := p.bank(n >= GPIOCountBank0)
	if n >= GPIOCountBank0 {
		n -= GPIOCountBank0
	}
	g.Raw[n] = byte(fn) | byte(pull)<<5 | 0x80
	return nil
}

// endBlob closes the open data blob.
func (p *parser) endBlob(_, rest, _ string) error {
	p.blob = nil
	if rest != "" {
		return p.errf("end takes nothing after it, got %q", rest)
	}
	return nil
}

// dtBlob opens the (single) DT atom's data.
func (p *parser) dtBlob(rest string) error {
	if p.im.HasDT {
		return p.errf("a second dt_blob (first on line %d): only one DT atom is allowed", p.set["dt_blob"])
	}
	p.im.HasDT = true
	p.im.DT = []byte{}
	p.blob = &p.im.DT
	p.set["dt_blob"] = p.line
	return p.data(rest)
}

// customData opens a new custom data atom.
func (p *parser) customData(rest string) error {
	p.im.Custom = append(p.im.Custom, []byte{})
	p.blob = &p.im.Custom[len(p.im.Custom)-1]
	return p.data(rest)
}

func (p *parser) bank(one bool) *GPIOMap {
	if one {
		if p.im.GPIOBank1 == nil {
			p.im.GPIOBank1 = &GPIOMap{Bank: 1, Raw: make([]byte, GPIOCountBank1)}
		}
		return p.im.GPIOBank1
	}
	if p.im.GPIOBank0 == nil {
		p.im.GPIOBank0 = &GPIOMap{Bank: 0, Raw: make([]byte, GPIOCountBank0)}
	}
	return p.im.GPIOBank0
}

// data parses a data atom's content: "inline string", a lone '"' that
// opens a multi-line string, or hex digits (possibly continued on the
// following lines until `end` or the next key).
func (p *parser) data(s string) error {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "\"") {
		if s == "\"" {
			p.inStr = true
			p.hexOK = false
			return nil
		}
		str, err := quoted(s)
		if err != nil {
			return p.errf("%v", err)
		}
		for _, c := range []byte(str) {
			if !isPrint(c) {
				return p.errf("bad character 0x%02x in string: use a multi-line string for control characters", c)
			}
		}
		*p.blob = append(*p.blob, str...)
		p.blob, p.hexOK = nil, false
		return nil
	}
	var digits []byte
	for i := 0; i < len(s); i++ {
		switch {
		case isHex(s[i]):
			digits = append(digits, s[i])
		case s[i] == ' ' || s[i] == '\t':
		default:
			return p.errf("%q is not hex data (data is hex digits or a \"quoted string\")", s)
		}
	}
	if len(digits)%2 != 0 {
		return p.errf("data must have an even number of hex digits, this line has %d", len(digits))
	}
	for i := 0; i < len(digits); i += 2 {
		v, _ := strconv.ParseUint(string(digits[i:i+2]), 16, 8)
		*p.blob = append(*p.blob, byte(v))
	}
	p.hexOK = true
	return nil
}

// stringLine is one line of a multi-line string: taken as is (newline
// included), with the escapes \r, \\, \0 (a NUL; the rest of the line is
// ignored) and \" (end of the string).
func (p *parser) stringLine(line string) error {
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\r' {
			continue
		}
		if c != '\\' {
			*p.blob = append(*p.blob, c)
			continue
		}
		if i+1 >= len(line) {
			return p.errf("a '\\' ends the line: escapes are \\r, \\\\, \\0 and \\\"")
		}
		i++
		switch line[i] {
		case 'r':
			*p.blob = append(*p.blob, '\r')
		case '\\':
			*p.blob = append(*p.blob, '\\')
		case '0':
			*p.blob = append(*p.blob, 0)
			return nil
		case '"':
			p.inStr = false
			p.blob = nil
			return nil
		default:
			return p.errf("bad escape \\%c: escapes are \\r, \\\\, \\0 and \\\"", line[i])
		}
	}
	return nil
}

func quoted(s string) (string, error) {
	if len(s) < 2 || s[0] != '"' {
		return "", fmt.Errorf("want a \"quoted string\", got %q", s)
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", fmt.Errorf("string %s is not closed with '\"'", s)
	}
	if tail := strings.TrimSpace(s[end+2:]); tail != "" {
		return "", fmt.Errorf("unexpected %q after the closing quote", tail)
	}
	return s[1 : end+1], nil
}

func parseHex16(s string) (uint16, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	v, err := strconv.ParseUint(t, 16, 16)
	if err != nil || t == "" {
		return 0, fmt.Errorf("%q is not a hex number 0x0000-0xffff", s)
	}
	return uint16(v), nil
}
