package bootcfg

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func parse(t *testing.T, text string, includes map[string]string) *Config {
	t.Helper()
	read := func(name string) ([]byte, error) {
		s, ok := includes[name]
		if !ok {
			return nil, fs.ErrNotExist
		}
		return []byte(s), nil
	}
	return Parse("config.txt", []byte(text), read, Pi5())
}

func overlayNames(c *Config) string {
	var n []string
	for _, o := range c.Overlays {
		n = append(n, o.Name)
	}
	return strings.Join(n, " ")
}

func TestSectionsOnlyThoseForAPi5Count(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"no section", "dtoverlay=a\n", "a"},
		{"pi4 skipped", "[pi4]\ndtoverlay=a\n[pi5]\ndtoverlay=b\n", "b"},
		{"cm5 and cm4 skipped", "[cm4]\ndtoverlay=a\n[cm5]\ndtoverlay=b\n[all]\ndtoverlay=c\n", "c"},
		{"none until all", "[none]\ndtoverlay=a\n[all]\ndtoverlay=b\n", "b"},
		{"model filter replaces the previous one", "[pi4]\n[pi5]\ndtoverlay=a\n", "a"},
		{"pi5 then pi4", "[pi5]\ndtoverlay=a\n[pi4]\ndtoverlay=b\n", "a"},
		{"board-type of a Pi 5", "[board-type=0x17]\ndtoverlay=a\n", "a"},
		{"case-insensitive", "[PI5]\ndtoverlay=a\n", "a"},
		{"gpio filter assumed to apply", "[gpio4=1]\ndtoverlay=a\n", "a"},
		{"gpio filter under pi4 still off", "[pi4]\n[gpio4=1]\ndtoverlay=a\n", ""},
		{"pi500 is not a Pi 5 Model B", "[pi500]\ndtoverlay=a\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, tc.text, nil)
			if got := overlayNames(c); got != tc.want {
				t.Fatalf("overlays = %q, want %q", got, tc.want)
			}
			if len(c.Warnings) != 0 {
				t.Fatalf("warnings: %v", c.Warnings)
			}
		})
	}
}

func TestOverlayAndDTParamParameters(t *testing.T) {
	c := parse(t, `dtparam=audio=on
dtparam=i2c_arm=on,spi=off
dtoverlay=dwc2,dr_mode=host
dtparam=speed=5
dtoverlay=
dtparam=pciex1
dtparam=pciex1_gen=3
dtoverlay=gpio-fan:gpiopin=14,temp=55000
`, nil)
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %v", c.Warnings)
	}
	o, ok := c.Overlay("dwc2")
	if !ok || len(o.Params) != 1 || o.Params[0].Name != "dr_mode" || o.Params[0].Value != "host" || o.Line != 3 {
		t.Fatalf("dwc2 = %+v", o)
	}
	g, _ := c.Overlay("gpio-fan")
	if len(g.Params) != 2 || g.Params[1].Name != "temp" || g.Params[1].Value != "55000" {
		t.Fatalf("gpio-fan = %+v", g)
	}
	for _, tc := range []struct {
		name, value, overlay string
		on                   bool
	}{
		{"audio", "on", "", true},
		{"spi", "off", "", false},
		{"speed", "5", "dwc2", false},
		{"pciex1", "", "", true},
		{"pciex1_gen", "3", "", false},
	} {
		p, ok := c.Param(tc.name)
		if !ok || p.Value != tc.value || p.Overlay != tc.overlay || (tc.on && !p.On()) {
			t.Errorf("param %s = %+v (found %v), want value %q overlay %q", tc.name, p, ok, tc.value, tc.overlay)
		}
	}
	if p, ok := c.Param("nvme", "pciex1"); !ok || p.Name != "pciex1" {
		t.Errorf("alias lookup = %+v %v", p, ok)
	}
}

func TestCommentsAndSettings(t *testing.T) {
	c := parse(t, "# comment\n   # indented comment\n\narm_boost=1\r\nforce_eeprom_read=0\narm_boost=0\n", nil)
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %v", c.Warnings)
	}
	if v, _ := c.Get("arm_boost"); v != "0" {
		t.Fatalf("arm_boost = %q, want the last value", v)
	}
	if v, ok := c.Get("force_eeprom_read"); !ok || v != "0" {
		t.Fatalf("force_eeprom_read = %q %v", v, ok)
	}
}

func TestIncludes(t *testing.T) {
	inc := map[string]string{
		"extra.txt":  "dtoverlay=b\ninclude deeper.txt\n",
		"deeper.txt": "[pi4]\ndtoverlay=pi4only\n",
		"pi4.txt":    "dtoverlay=never\n",
		"loop.txt":   "include loop.txt\n",
	}
	c := parse(t, "dtoverlay=a\ninclude extra.txt\ndtoverlay=c\n[all]\ndtoverlay=d\n[pi4]\ninclude pi4.txt\n[all]\ninclude missing.txt\ninclude loop.txt\n", inc)
	// The [pi4] filter set inside deeper.txt stays in force after it: c is skipped.
	if got := overlayNames(c); got != "a b d" {
		t.Fatalf("overlays = %q", got)
	}
	if got := strings.Join(c.Files, " "); got != "config.txt extra.txt deeper.txt loop.txt" {
		t.Fatalf("files = %q", got)
	}
	if len(c.Warnings) != 2 || c.Warnings[0].Pos != (Pos{"config.txt", 9}) || !strings.Contains(c.Warnings[0].Msg, "missing.txt") ||
		c.Warnings[1].Pos != (Pos{"loop.txt", 1}) || !strings.Contains(c.Warnings[1].Msg, "loop") {
		t.Fatalf("warnings = %v", c.Warnings)
	}
	if o, _ := c.Overlay("b"); o.File != "extra.txt" || o.Line != 1 {
		t.Fatalf("b at %v", o.Pos)
	}
}

func TestIncludeDepthIsBounded(t *testing.T) {
	inc := map[string]string{}
	for i := 0; i < 20; i++ {
		inc[string(rune('a'+i))+".txt"] = "include " + string(rune('a'+i+1)) + ".txt\n"
	}
	c := parse(t, "include a.txt\n", inc)
	if len(c.Files) != MaxIncludeDepth+1 || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Msg, "deeper") {
		t.Fatalf("files %v warnings %v", c.Files, c.Warnings)
	}
}

func TestMalformedLinesAreWarningsWithFileAndLine(t *testing.T) {
	tests := []struct {
		line, inMsg string
	}{
		{"hdmi_force_hotplug:1", "not key=value"},
		{"=1", "no key"},
		{"[pi5", "closing"},
		{"[]", "empty section"},
		{"dtparam=", "no parameter"},
		{"dtparam=a,,b", "empty parameter"},
		{"dtparam=a,,,b,", "empty parameter"},
		{"dtoverlay=,foo=1", "no overlay name"},
		{"dtoverlay=../evil", "not a file name"},
		{"dtparam==on", "no name"},
		{"arm boost=1", "contains a space"},
		{"include", "without a file name"},
		{"dtoverlay=vc4-kms-v3d # the GPU", "inline comments"},
		{"bin\x00ary=1", "not text"},
		{"\xff\xfe=1", "not text"},
	}
	for _, tc := range tests {
		c := parse(t, "arm_64bit=1\n"+tc.line+"\n", nil)
		if len(c.Warnings) != 1 {
			t.Errorf("%q: warnings = %v, want one", tc.line, c.Warnings)
			continue
		}
		w := c.Warnings[0]
		if w.File != "config.txt" || w.Line != 2 || !strings.Contains(w.Msg, tc.inMsg) {
			t.Errorf("%q: warning %q, want config.txt:2 mentioning %q", tc.line, w, tc.inMsg)
		}
		if !strings.HasPrefix(w.String(), "config.txt:2: ") {
			t.Errorf("%q: String() = %q", tc.line, w.String())
		}
	}
}

func TestMalformedLinesInSkippedSectionsStillWarn(t *testing.T) {
	c := parse(t, "[pi4]\ndtparam=\n", nil)
	if len(c.Warnings) != 1 || c.Warnings[0].Line != 2 {
		t.Fatalf("warnings = %v", c.Warnings)
	}
}

func TestLoadReadsIncludesNextToConfig(t *testing.T) {
	fsys := fstest.MapFS{
		"boot/firmware/config.txt": {Data: []byte("include extra.txt\n")},
		"boot/firmware/extra.txt":  {Data: []byte("dtoverlay=x\n")},
	}
	c, err := Load(fsys, "boot/firmware/config.txt", Pi5())
	if err != nil || overlayNames(c) != "x" {
		t.Fatalf("Load = %+v, %v", c, err)
	}
	if _, err := Load(fsys, "boot/config.txt", Pi5()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing config: %v", err)
	}
	fsys["boot/firmware/config.txt"] = &fstest.MapFile{Data: []byte("include ../../etc/shadow\n")}
	c, _ = Load(fsys, "boot/firmware/config.txt", Pi5())
	if len(c.Warnings) != 1 {
		t.Fatalf("include outside the root: warnings %v", c.Warnings)
	}
}

func TestLinesInOtherBoardsSectionsAreKeptAside(t *testing.T) {
	c := parse(t, "[pi4]\ndtoverlay=pineboards-hat-ai\ndtparam=pciex1\n[all]\n", nil)
	if len(c.Overlays) != 0 || len(c.Params) != 0 {
		t.Fatalf("applied %v %v", c.Overlays, c.Params)
	}
	o, ok := c.NotApplied("pineboards-hat-ai")
	if !ok || o.Line != 2 || o.Section != "pi4" {
		t.Fatalf("not applied overlay = %+v %v", o, ok)
	}
	if p, ok := c.NotAppliedParam("nvme", "pciex1"); !ok || p.Line != 3 || p.Section != "pi4" {
		t.Fatalf("not applied param = %+v %v", p, ok)
	}
}

// Everything the firmware's config.txt documentation allows parses without
// a warning: the non key=value directives, every kind of filter and their
// combinations, parameters with '=' in values, CRLF line ends.
func TestDocumentedGrammarHasNoWarnings(t *testing.T) {
	text := strings.Join([]string{
		"# comment", "", "  ", "[all]",
		"kernel=vmlinuz", "cmdline=cmdline.txt",
		"initramfs initrd.img followkernel",
		"[pi1]", "initramfs initrd.img-3.18.7+ followkernel",
		"[pi2]", "initramfs initrd.img-3.18.7-v7+ followkernel",
		"[all]", "initramfs initramf.gz 0x00800000",
		"initramfs init.gz,extra.gz 0",
		"hdmi_group:0=2", "hdmi_mode:1=67",
		"[EDID=DEL-DELL_U2422H]", "cmdline=cmdline_U2422H.txt",
		"[pi5]", "dtparam=i2c_arm=on,i2c_arm_baudrate=400000",
		"[0x12345678]", "[serial=0x12345678]", "[gpio4=1]", "[gpio2=0]", "[HDMI:0]", "[tryboot]", "[partition=2]",
		"[board-type=0x17]", "[cm5]", "[pi500]", "[pi02]", "[pi3+]", "[cm4s]", "[none]",
		"[all]", "dtoverlay=gpio-fan,gpiopin=14,temp=55000", "dtoverlay=vc4-kms-v3d,cma-128",
		"dtoverlay=dwc2:dr_mode=host", "include extra.txt", "",
	}, "\r\n")
	c := parse(t, text, map[string]string{"extra.txt": "dtparam=act_led_trigger=heartbeat\n"})
	if len(c.Warnings) != 0 || len(c.Notes) != 0 {
		t.Fatalf("warnings %v notes %v", c.Warnings, c.Notes)
	}
	var rams []string
	for _, r := range c.Initramfs {
		rams = append(rams, strings.Join(r.Files, ",")+" "+r.Addr)
	}
	// [pi1] and [pi2] lines do not apply to a Pi 5.
	if got := strings.Join(rams, "; "); got != "initrd.img followkernel; initramf.gz 0x00800000; init.gz,extra.gz 0" {
		t.Fatalf("initramfs = %q", got)
	}
	if v, _ := c.Get("hdmi_group:0"); v != "2" {
		t.Fatalf("hdmi_group:0 = %q", v)
	}
	if p, ok := c.Param("i2c_arm_baudrate"); !ok || p.Value != "400000" || p.Section != "pi5 EDID=DEL-DELL_U2422H" {
		t.Fatalf("i2c_arm_baudrate = %+v %v", p, ok)
	}
	if p, _ := c.Param("act_led_trigger"); p.File != "extra.txt" {
		t.Fatalf("act_led_trigger from %q", p.File)
	}
}

// Filters of one kind replace each other; filters of different kinds
// combine (AND) until [all] resets them all.
func TestFiltersOfDifferentKindsCombine(t *testing.T) {
	c := parse(t, "[EDID=VSC-TD2220]\n[pi4]\ndtoverlay=a\n[pi5]\ndtoverlay=b\n[gpio4=1]\ndtoverlay=c\n[all]\ndtoverlay=d\n", nil)
	if got := overlayNames(c); got != "b c d" {
		t.Fatalf("overlays = %q", got)
	}
	b, _ := c.Overlay("b")
	cc, _ := c.Overlay("c")
	d, _ := c.Overlay("d")
	if b.Section != "pi5 EDID=VSC-TD2220" || cc.Section != "pi5 EDID=VSC-TD2220 gpio4=1" || d.Section != "all" {
		t.Fatalf("sections %q / %q / %q", b.Section, cc.Section, d.Section)
	}
	if o, ok := c.NotApplied("a"); !ok || o.Section != "pi4 EDID=VSC-TD2220" {
		t.Fatalf("a = %+v %v", o, ok)
	}
	// board-type is matched by value, whatever its spelling.
	if got := overlayNames(parse(t, "[board-type=0x017]\ndtoverlay=x\n[board-type=0x11]\ndtoverlay=y\n", nil)); got != "x" {
		t.Fatalf("board-type overlays = %q", got)
	}
}

func TestInitramfsAndFilterMistakesAreWarnings(t *testing.T) {
	tests := []struct {
		line, inMsg string
	}{
		{"initramfs", "without a file name"},
		{"initramfs initrd.img", "no address"},
		{"initramfs=initrd.img followkernel", "not '='"},
		{"initramfs initrd.img followkernel extra", "3 words"},
		{"initramfs initrd.img somewhere", "not followkernel"},
		{"initramfs a,,b followkernel", "empty file name"},
		{"[gpio4=high]", "not a valid conditional filter"},
		{"[board-type=pi5]", "not a valid conditional filter"},
		{"[HDMI:x]", "not a valid conditional filter"},
		{"disable-bt", "not key=value"},
		{"enable_uart 1", "not key=value"},
	}
	for _, tc := range tests {
		c := parse(t, "arm_64bit=1\n"+tc.line+"\n", nil)
		if len(c.Warnings) != 1 || c.Warnings[0].Line != 2 || !strings.Contains(c.Warnings[0].Msg, tc.inMsg) {
			t.Errorf("%q: warnings %v, want one at line 2 mentioning %q", tc.line, c.Warnings, tc.inMsg)
		}
	}
}

// A filter the documentation does not list is a note, not a warning: a
// new model's filter does not apply to a Pi 5, anything else is assumed
// to apply (as the non-model filters are).
func TestUnlistedFiltersAreNotes(t *testing.T) {
	c := parse(t, "[pi6]\ndtoverlay=a\n[all]\n[somethingnew]\ndtoverlay=b\n", nil)
	if len(c.Warnings) != 0 || len(c.Notes) != 2 || overlayNames(c) != "b" {
		t.Fatalf("warnings %v notes %v overlays %q", c.Warnings, c.Notes, overlayNames(c))
	}
	if o, ok := c.NotApplied("a"); !ok || o.Section != "pi6" {
		t.Fatalf("a = %+v %v", o, ok)
	}
}

// A '#' after a plain setting's value and an over-long line are read by
// the firmware, so they are notes, not warnings.
func TestInlineCommentOnASettingAndLongLinesAreNotes(t *testing.T) {
	c := parse(t, "gpu_mem=256 # on Pi4\ncmdline="+strings.Repeat("x", 120)+"\n", nil)
	if len(c.Warnings) != 0 || len(c.Notes) != 2 || c.Notes[0].Line != 1 || !strings.Contains(c.Notes[1].Msg, "98") {
		t.Fatalf("warnings %v notes %v", c.Warnings, c.Notes)
	}
}
