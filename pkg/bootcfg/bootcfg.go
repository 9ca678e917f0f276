// Package bootcfg parses the Raspberry Pi firmware's config.txt the way the
// firmware reads it, following the grammar of Raspberry Pi's config.txt
// documentation (documentation/asciidoc/computers/config_txt/ in
// raspberrypi/documentation): one property=value per line, '#' comment
// lines, blank lines, CRLF or LF line ends; the two directives that are not
// key=value, "include FILE" and "initramfs FILE[,FILE...] ADDRESS"
// (ADDRESS followkernel, 0 or a load address); conditional filters ([all],
// [none], model filters such as [pi5] and [board-type=0x17], [EDID=...],
// [gpioN=0|1], [HDMI:N], [0x<serial>], [tryboot], [partition=N]; a filter
// the documentation does not list is a Note, not a Warning) of which
// filters of one kind replace each other and filters of different kinds
// combine (AND) until [all]; dtoverlay= lines with their parameters (after
// ',' or ':') and dtparam= lines, whose values may hold '=' themselves.
// A line the firmware cannot read is a Warning naming file and line;
// something it reads but that is likely not what was meant is a Note.
// Parsing never fails on content.
package bootcfg

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pos is where a line was read.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Warning is a line the firmware would not understand as written.
type Warning struct {
	Pos
	Msg string
}

func (w Warning) String() string { return w.Pos.String() + ": " + w.Msg }

// Param is one parameter of a dtparam= line or of a dtoverlay= line.
type Param struct {
	Name  string
	Value string // "" for a bare boolean parameter
	// Overlay is the overlay the parameter applies to: the last dtoverlay=
	// before it ("" for the base device tree, also after a blank
	// "dtoverlay=" line, which returns dtparam= lines to the base tree).
	Overlay string
	Pos
	// Section is the conditional filter in force ("" outside any filter,
	// "all" after [all]); non-model filters (gpio, edid, HDMI ...) cannot
	// be evaluated from files and are assumed to apply.
	Section string
}

// On reports whether a boolean parameter is enabled ("", on, true, yes, 1).
func (p Param) On() bool {
	switch strings.ToLower(p.Value) {
	case "", "on", "true", "yes", "1", "okay":
		return true
	}
	return false
}

// Overlay is a dtoverlay= line that applies.
type Overlay struct {
	Name   string
	Params []Param
	Pos
	Section string
}

// Initramfs is an "initramfs FILE[,FILE...] ADDRESS" line that applies.
type Initramfs struct {
	Files []string
	// Addr is "followkernel", "0" or a load address ("0x00800000").
	Addr string
	Pos
	Section string
}

// Setting is any other key=value line that applies.
type Setting struct {
	Key, Value string
	Pos
	Section string
}

// Config is what the firmware would take from config.txt for one board.
type Config struct {
	Overlays  []Overlay
	Params    []Param // dtparam= lines (and their list items), in order
	Settings  []Setting
	Initramfs []Initramfs
	// Files are the files read, config.txt first, then includes.
	Files []string
	// Skipped counts the lines in sections that do not apply.
	Skipped int
	// NotApplied are dtoverlay= lines and dtparams in sections that do not
	// apply to the board (e.g. under [pi4]), to explain why a line that is
	// there does not count.
	NotAppliedOverlays []Overlay
	NotAppliedParams   []Param
	// Warnings are lines the firmware cannot read as written.
	Warnings []Warning
	// Notes are lines the firmware reads, but likely not as meant (a
	// '#' after a value, which the firmware keeps as part of it; a line
	// longer than the 98 characters the firmware reads).
	Notes []Warning
}

// Overlay returns the last applied dtoverlay= line for name.
func (c *Config) Overlay(name string) (Overlay, bool) {
	for i := len(c.Overlays) - 1; i >= 0; i-- {
		if c.Overlays[i].Name == name {
			return c.Overlays[i], true
		}
	}
	return Overlay{}, false
}

// Param returns the last dtparam with one of the names, or a parameter of
// the same name given on a dtoverlay= line of the named overlay.
func (c *Config) Param(names ...string) (Param, bool) {
	for i := len(c.Params) - 1; i >= 0; i-- {
		for _, n := range names {
			if c.Params[i].Name == n {
				return c.Params[i], true
			}
		}
	}
	return Param{}, false
}

// NotApplied returns a dtoverlay= line for name that is in a section that
// does not apply to the board.
func (c *Config) NotApplied(name string) (Overlay, bool) {
	for _, o := range c.NotAppliedOverlays {
		if o.Name == name {
			return o, true
		}
	}
	return Overlay{}, false
}

// NotAppliedParam returns a dtparam with one of the names that is in a
// section that does not apply to the board.
func (c *Config) NotAppliedParam(names ...string) (Param, bool) {
	for _, p := range c.NotAppliedParams {
		for _, n := range names {
			if p.Name == n {
				return p, true
			}
		}
	}
	return Param{}, false
}

// Get returns the last value of a plain setting (e.g. force_eeprom_read).
func (c *Config) Get(key string) (string, bool) {
	for i := len(c.Settings) - 1; i >= 0; i-- {
		if c.Settings[i].Key == key {
			return c.Settings[i].Value, true
		}
	}
	return "", false
}

// Board says which model filters apply.
type Board struct {
	// Name is for messages ("Raspberry Pi 5").
	Name string
	// Filters are the model filters that apply, lower case ("pi5",
	// "board-type=0x17"); every other model filter does not.
	Filters map[string]bool
}

// Pi5 is a Raspberry Pi 5 Model B: [pi5] and [board-type=0x17] apply,
// [pi4], [cm5], [pi500], [cm4] ... do not.
func Pi5() Board {
	return Board{Name: "Raspberry Pi 5", Filters: map[string]bool{"pi5": true, "board-type=0x17": true}}
}

// modelFilters are the filters that name a board; a model filter replaces
// the previous one.
var modelFilters = map[string]bool{
	"pi0": true, "pi0w": true, "pi02": true, "pi1": true, "pi2": true, "pi3": true, "pi3+": true,
	"pi4": true, "pi400": true, "pi5": true, "pi500": true, "pi500+": true,
	"cm1": true, "cm3": true, "cm3+": true, "cm4": true, "cm4s": true, "cm5": true, "none": true,
}

// Reader reads an included file by its path relative to config.txt's
// directory.
type Reader func(name string) ([]byte, error)

// MaxIncludeDepth bounds nested includes.
const MaxIncludeDepth = 8

// Load parses the config file at p in fsys for board b; included files
// are read from p's directory. The error is for config.txt itself being
// unreadable; everything else is a warning.
func Load(fsys fs.FS, p string, b Board) (*Config, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, err
	}
	dir := path.Dir(p)
	read := func(name string) ([]byte, error) {
		name = strings.TrimPrefix(name, "/")
		full := path.Clean(path.Join(dir, name))
		if !fs.ValidPath(full) {
			return nil, fmt.Errorf("%s: not a path under the boot partition", name)
		}
		return fs.ReadFile(fsys, full)
	}
	return Parse(path.Base(p), data, read, b), nil
}

// Parse parses config text named name. read resolves includes (nil: every
// include is a warning).
func Parse(name string, data []byte, read Reader, b Board) *Config {
	p := &parser{cfg: &Config{}, read: read, board: b, model: true, other: map[string]string{}}
	p.file(name, data, 0, nil)
	return p.cfg
}

type parser struct {
	cfg   *Config
	read  Reader
	board Board
	// model is the model filter's verdict; other holds non-model filters
	// in force, by kind.
	model      bool
	modelName  string
	other      map[string]string
	overlayCtx string
}

func (p *parser) warn(pos Pos, format string, args ...any) {
	p.cfg.Warnings = append(p.cfg.Warnings, Warning{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) note(pos Pos, format string, args ...any) {
	p.cfg.Notes = append(p.cfg.Notes, Warning{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// MaxLine is the firmware's line length limit: "any characters past this
// limit will be ignored" (98 characters, 78 in older firmware).
const MaxLine = 98

func (p *parser) applies() bool { return p.model }

func (p *parser) section() string {
	parts := []string{}
	if p.modelName != "" {
		parts = append(parts, p.modelName)
	}
	for _, k := range slices.Sorted(maps.Keys(p.other)) {
		parts = append(parts, p.other[k])
	}
	return strings.Join(parts, " ")
}

func (p *parser) file(name string, data []byte, depth int, stack []string) {
	p.cfg.Files = append(p.cfg.Files, name)
	stack = append(stack, name)
	line := 0
	for len(data) > 0 {
		line++
		var raw []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		p.line(Pos{File: name, Line: line}, raw, depth, stack)
	}
}

// line reads one line of config.txt: a [filter], an initramfs or include
// command, or key=value.
func (p *parser) line(pos Pos, raw []byte, depth int, stack []string) {
	if !utf8.Valid(raw) || strings.ContainsRune(string(raw), 0) {
		p.warn(pos, "line is not text (binary data or invalid UTF-8): the firmware ignores it")
		return
	}
	s := strings.TrimSpace(strings.TrimSuffix(string(raw), "\r"))
	if s == "" || s[0] == '#' {
		return
	}
	if n := utf8.RuneCountInString(s); n > MaxLine {
		p.note(pos, "line is %d characters long: the firmware reads the first %d and ignores the rest", n, MaxLine)
	}
	if s[0] == '[' {
		p.filter(pos, s)
		return
	}
	if p.command(pos, s, depth, stack) {
		return
	}
	key, value, ok := p.keyValue(pos, s)
	if !ok {
		return
	}
	p.setting(pos, key, value)
}

// command reads an initramfs or include line; it is false when s is
// neither.
func (p *parser) command(pos Pos, s string, depth int, stack []string) bool {
	if rest, ok := cutWord(s, "initramfs"); ok {
		p.initramfs(pos, rest)
		return true
	}
	if rest, ok := strings.CutPrefix(s, "initramfs="); ok {
		p.warn(pos, "initramfs=%s: initramfs takes its file and address after a space, not '=' (initramfs initrd.img followkernel)", clip(rest))
		return true
	}
	rest, ok := cutWord(s, "include")
	if !ok || strings.Contains(s, "=") {
		return false
	}
	if rest == "" {
		p.warn(pos, "include without a file name")
		return true
	}
	if !p.applies() {
		p.cfg.Skipped++
		return true
	}
	p.include(pos, rest, depth, stack)
	return true
}

// keyValue splits a key=value line, warning about what the firmware
// would not read as one; ok is false for those.
func (p *parser) keyValue(pos Pos, s string) (key, value string, ok bool) {
	key, value, ok = strings.Cut(s, "=")
	if !ok {
		p.warn(pos, "%q is not key=value: the firmware ignores it", clip(s))
		return "", "", false
	}
	key, value = strings.TrimSpace(key), strings.TrimSpace(value)
	if key == "" {
		p.warn(pos, "%q has no key before '='", clip(s))
		return "", "", false
	}
	if strings.ContainsAny(key, " \t") {
		p.warn(pos, "key %q contains a space: the firmware does not know it", clip(key))
		return "", "", false
	}
	if i := strings.Index(value, "#"); i > 0 && (value[i-1] == ' ' || value[i-1] == '\t') {
		if key == "dtoverlay" || key == "dtparam" {
			// The firmware cannot load an overlay or parameter so named.
			p.warn(pos, "%s=%s: the firmware does not strip inline comments, the value includes %q", key, clip(value), clip(value[i:]))
			return "", "", false
		}
		// A number still reads as its leading digits; a string keeps the
		// comment. Read, so not malformed, but worth a look.
		p.note(pos, "%s=%s: the firmware does not strip inline comments, the value includes %q", key, clip(value), clip(value[i:]))
	}
	return key, value, true
}

// setting takes key=value: an overlay, parameters, or another setting.
func (p *parser) setting(pos Pos, key, value string) {
	if !p.applies() {
		p.cfg.Skipped++
		// Still check the syntax of what would apply on another board.
		switch key {
		case "dtoverlay":
			p.parseOverlay(pos, value, false)
		case "dtparam":
			p.parseParams(pos, value, "dtparam", false)
		}
		return
	}
	switch key {
	case "dtoverlay":
		p.parseOverlay(pos, value, true)
	case "dtparam":
		p.parseParams(pos, value, "dtparam", true)
	default:
		p.cfg.Settings = append(p.cfg.Settings, Setting{Key: key, Value: value, Pos: pos, Section: p.section()})
	}
}

func cutWord(s, word string) (string, bool) {
	if !strings.HasPrefix(s, word) {
		return "", false
	}
	rest := s[len(word):]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// initramfs reads "FILE[,FILE...] ADDRESS": the documented directive that
// is not key=value ("initramfs initrd.img followkernel", Ubuntu's default;
// "initramfs initramf.gz 0x00800000").
func (p *parser) initramfs(pos Pos, rest string) {
	f := strings.Fields(rest)
	switch {
	case len(f) == 0:
		p.warn(pos, "initramfs without a file name and address (initramfs initrd.img followkernel)")
		return
	case len(f) == 1:
		p.warn(pos, "initramfs %s has no address: add followkernel (initramfs %s followkernel)", clip(f[0]), clip(f[0]))
		return
	case len(f) > 2:
		p.warn(pos, "initramfs %s: want one file list and one address, got %d words", clip(rest), len(f))
		return
	}
	addr := strings.ToLower(f[1])
	if addr != "followkernel" && !isNumber(addr) {
		p.warn(pos, "initramfs %s: address %q is not followkernel, 0 or a number", clip(rest), clip(f[1]))
		return
	}
	var files []string
	for _, name := range strings.Split(f[0], ",") {
		if name == "" {
			p.warn(pos, "initramfs %s: empty file name in the list", clip(rest))
			return
		}
		files = append(files, name)
	}
	if !p.applies() {
		p.cfg.Skipped++
		return
	}
	p.cfg.Initramfs = append(p.cfg.Initramfs, Initramfs{Files: files, Addr: f[1], Pos: pos, Section: p.section()})
}

// isNumber accepts a decimal or 0x-prefixed hexadecimal number.
func isNumber(s string) bool {
	digits, base := s, "0123456789"
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		digits, base = h, "0123456789abcdef"
	}
	if digits == "" {
		return false
	}
	for _, r := range digits {
		if !strings.ContainsRune(base, r) {
			return false
		}
	}
	return true
}

// filterKind names a conditional filter's kind (filters of one kind
// replace each other), "" when the documentation has no such filter.
func filterKind(lf string) string {
	name, value, hasValue := strings.Cut(lf, "=")
	switch {
	case lf == "all", lf == "none", modelFilters[lf]:
		return "model"
	case name == "board-type" && hasValue && isNumber(value):
		return "model"
	case name == "edid" && hasValue && value != "":
		return "edid"
	case strings.HasPrefix(name, "gpio") && hasValue && (value == "0" || value == "1") && isNumber(strings.TrimPrefix(name, "gpio")):
		return name // [gpio4=1] and [gpio2=0] combine
	case strings.HasPrefix(lf, "hdmi:") && isNumber(strings.TrimPrefix(lf, "hdmi:")):
		return "hdmi"
	case strings.HasPrefix(lf, "0x") && isNumber(lf), name == "serial" && hasValue && isNumber(value):
		return "serial"
	case lf == "tryboot":
		return "tryboot"
	case name == "partition" && hasValue && isNumber(value):
		return "partition"
	}
	return ""
}

// malformedFilter says whether lf is a documented filter kind with a value
// it cannot take ([gpio4=high], [board-type=pi5], [HDMI:x]).
func malformedFilter(lf string) bool {
	name, _, hasValue := strings.Cut(lf, "=")
	switch {
	case strings.HasPrefix(name, "gpio") && hasValue, name == "board-type", name == "partition", name == "edid", name == "serial":
		return true
	case strings.HasPrefix(lf, "hdmi:"):
		return true
	}
	return false
}

// filter applies a [section] line.
func (p *parser) filter(pos Pos, s string) {
	end := strings.IndexByte(s, ']')
	if end < 0 {
		p.warn(pos, "section %q has no closing ']': the firmware ignores it", clip(s))
		return
	}
	if tail := strings.TrimSpace(s[end+1:]); tail != "" && tail[0] != '#' {
		p.warn(pos, "text after section %s ignored: %q", s[:end+1], clip(tail))
	}
	f := strings.TrimSpace(s[1:end])
	lf := strings.ToLower(f)
	if strings.HasPrefix(lf, "board-type=") {
		// 0x17 and 0x017 name the same board type.
		if v, err := strconv.ParseUint(strings.TrimPrefix(lf, "board-type="), 0, 32); err == nil {
			lf = fmt.Sprintf("board-type=0x%x", v)
		}
	}
	kind := filterKind(lf)
	switch {
	case f == "":
		p.warn(pos, "empty section []")
	case kind == "" && malformedFilter(lf):
		// A documented filter with a value it cannot take.
		p.warn(pos, "[%s] is not a valid conditional filter (documented: [all], [none], [pi5], [cm5], [board-type=0x17], [EDID=...], [gpioN=0|1], [HDMI:N], [0x<serial>], [tryboot], [partition=N])", clip(f))
	case kind == "" && (strings.HasPrefix(lf, "pi") || strings.HasPrefix(lf, "cm")) && !strings.ContainsAny(lf, "=:"):
		// A model filter newer than this list (another board): it does
		// not name a Pi 5 Model B.
		p.note(pos, "[%s] is not a model filter the documentation lists: taken as another board's, so what follows does not apply to a Pi 5", clip(f))
		p.model, p.modelName = false, lf
	case kind == "":
		// Decided by something this parser does not know: assumed to
		// apply, like the other non-model filters, and said so.
		p.note(pos, "[%s] is not a conditional filter the documentation lists: what follows is assumed to apply", clip(f))
		p.other[lf] = f
	case lf == "all":
		p.model, p.modelName = true, "all"
		p.other = map[string]string{}
	case kind == "model":
		p.model, p.modelName = p.board.Filters[lf], lf
	default:
		// EDID, GPIO levels, HDMI port, serial number, tryboot, partition:
		// decided at boot by things a file cannot show; assumed to apply,
		// and shown in the Section of what follows.
		p.other[kind] = f
	}
}

func (p *parser) include(pos Pos, name string, depth int, stack []string) {
	if depth+1 > MaxIncludeDepth {
		p.warn(pos, "include %s: nested deeper than %d files, not read", name, MaxIncludeDepth)
		return
	}
	for _, f := range stack {
		if f == name {
			p.warn(pos, "include %s: include loop (%s), not read again", name, strings.Join(append(stack, name), " → "))
			return
		}
	}
	if p.read == nil {
		p.warn(pos, "include %s: included files cannot be read here", name)
		return
	}
	data, err := p.read(name)
	if err != nil {
		p.warn(pos, "include %s: %v (the firmware skips a missing include)", name, err)
		return
	}
	p.file(name, data, depth+1, stack)
}

// parseOverlay handles dtoverlay=name[,p=v...] and name:p=v,... forms.
func (p *parser) parseOverlay(pos Pos, value string, apply bool) {
	if value == "" {
		if apply {
			p.overlayCtx = "" // back to the base device tree
		}
		return
	}
	name, params := value, ""
	if i := strings.IndexAny(value, ",:"); i >= 0 {
		name, params = value[:i], value[i+1:]
	}
	name = strings.TrimSpace(name)
	if name == "" {
		p.warn(pos, "dtoverlay=%s has no overlay name", clip(value))
		return
	}
	if strings.ContainsAny(name, " \t/=") {
		p.warn(pos, "dtoverlay name %q is not a file name the firmware can load", clip(name))
		return
	}
	var ps []Param
	if params != "" || strings.ContainsAny(value, ",:") {
		ps = p.items(pos, params, "dtoverlay="+name, name)
	}
	if !apply {
		p.cfg.NotAppliedOverlays = append(p.cfg.NotAppliedOverlays, Overlay{Name: name, Params: ps, Pos: pos, Section: p.section()})
		return
	}
	p.overlayCtx = name
	p.cfg.Overlays = append(p.cfg.Overlays, Overlay{Name: name, Params: ps, Pos: pos, Section: p.section()})
}

func (p *parser) parseParams(pos Pos, value, what string, apply bool) {
	if value == "" {
		p.warn(pos, "dtparam= with no parameter")
		return
	}
	ps := p.items(pos, value, what, p.overlayCtx)
	if apply {
		p.cfg.Params = append(p.cfg.Params, ps...)
	} else {
		p.cfg.NotAppliedParams = append(p.cfg.NotAppliedParams, ps...)
	}
}

// items splits "a=1,b,c=x" into parameters; empty items are warnings.
func (p *parser) items(pos Pos, list, what, overlay string) []Param {
	var out []Param
	empty := false
	for _, it := range strings.Split(list, ",") {
		it = strings.TrimSpace(it)
		if it == "" {
			if !empty { // one warning per line
				p.warn(pos, "%s: empty parameter in %q", what, clip(list))
			}
			empty = true
			continue
		}
		n, v, _ := strings.Cut(it, "=")
		n, v = strings.TrimSpace(n), strings.TrimSpace(v)
		if n == "" {
			p.warn(pos, "%s: parameter %q has no name", what, clip(it))
			continue
		}
		out = append(out, Param{Name: n, Value: v, Overlay: overlay, Pos: pos, Section: p.section()})
	}
	return out
}
