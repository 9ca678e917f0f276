package bringup

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/prereq"
	"github.com/aihat/aihat/pkg/board/fixture"
	"github.com/aihat/aihat/pkg/eeprom"
	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/stage"
)

// Hostile strings from the EEPROM and the flags (issue 26): HTML, Markdown,
// ANSI escapes (a screen clear, cursor home) and a fake verdict, in an
// image made from `eeprom make` settings, through a bring-up of a fixture
// tree, into every output format.

const (
	hostileVendor = "<script>alert(1)</script> *Raspberry* _Pi_ | [x](javascript:alert(1)) `code` # \x1b[2J\x1b[H"
	// The settings format holds no newline in a string: the product's
	// "\nRESULT: PASS" is added to the image after `eeprom make`.
	hostileProduct  = "AI HAT+ 2 <img src=x onerror=alert(1)> &amp; | \x1b[1G\x1b[2KRESULT: PASS\rRESULT: PASS"
	hostileNewline  = "\nRESULT: PASS (target fixture)\n# heading"
	hostileOperator = "<img src=x onerror=alert(2)> | **op** \x1b]0;title\x07"
	hostileStation  = "bench|1 <script>alert(3)</script> \x1b[31m\nRESULT: PASS"
	hostileSerial   = "10000000\x1b[2Jdeadbeef"
	hostileCustom   = "<script>alert(4)</script> \x1b[2J\nRESULT: PASS\n"
)

const hostileSettings = `# hostile identity strings
product_uuid 5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31
product_id 0x0010
product_ver 0x0002
vendor "` + hostileVendor + `"
product "` + hostileProduct + `"
current_supply 0
dt_blob "hailo-ai-hat2"
`

// hostileImage makes the EEPROM image: the settings through eeprom.Make,
// a custom atom of hostile bytes, then the product's newline.
func hostileImage(t *testing.T) ([]byte, string) {
	t.Helper()
	s, _, err := eeprom.Make(strings.NewReader(hostileSettings), "hostile.txt", eeprom.MakeOptions{Custom: [][]byte{[]byte(hostileCustom)}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Image.Vendor.Vendor != hostileVendor || s.Image.Vendor.Product != hostileProduct {
		t.Fatalf("eeprom make read vendor %q product %q", s.Image.Vendor.Vendor, s.Image.Vendor.Product)
	}
	s.Image.Vendor.Product += hostileNewline
	img, err := eeprom.Encode(s.Image)
	if err != nil {
		t.Fatal(err)
	}
	return img, s.Image.Vendor.Product
}

func TestHostileStringsInEveryFormat(t *testing.T) {
	img, product := hostileImage(t)
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := os.CopyFS(root, os.DirFS(filepath.Join(fixtureDir, "healthy-6.12"))); err != nil {
		t.Fatal(err)
	}
	nvmem := filepath.Join(root, "sys", "bus", "i2c", "devices", "0-0050", "eeprom")
	padded := append(img, bytes.Repeat([]byte{0xff}, 4096-len(img))...)
	if err := os.WriteFile(nvmem, padded, 0o644); err != nil {
		t.Fatal(err)
	}

	var text bytes.Buffer
	if err := eeprom.WriteText(&text, eeprom.Decode(padded)); err != nil {
		t.Fatal(err)
	}
	checkTerminal(t, "eeprom dump", text.String(), false)

	r, progress := runHostile(t, root)
	if r.Outcome != report.Fail {
		t.Fatalf("run %s, want FAIL: the plan wants product \"AI HAT+ 2\"", r.Outcome)
	}
	if got := measurement(t, r, "eeprom.verify", "product"); got.Value != product {
		t.Fatalf("eeprom.verify/product = %q, want %q", got.Value, product)
	}
	checkTerminal(t, "progress", progress, false)
	for _, width := range []int{80, 0} {
		var b bytes.Buffer
		if err := report.WriteTable(&b, r, report.TableOptions{Width: width}); err != nil {
			t.Fatal(err)
		}
		checkTerminal(t, "table", b.String(), true)
		if !strings.Contains(b.String(), `\x1b[2J`) {
			t.Errorf("width %d: the table does not show the vendor's escape as \\x1b[2J:\n%s", width, b.String())
		}
	}
	checkHostileMarkdown(t, r)
	checkHostileJSON(t, r, product)
	checkHostileJUnit(t, r)
	checkHostileHTML(t, r)
	if testing.Verbose() {
		var b bytes.Buffer
		report.WriteTable(&b, r, report.TableOptions{Width: 80})
		report.WriteMarkdown(&b, r)
		t.Logf("%s\n%s\n%s", text.String(), progress, b.String())
	}
}

// runHostile runs every plan stage but bench on root with a plan that
// wants the real product, the hostile flags in the record.
func runHostile(t *testing.T, root string) (*report.Run, string) {
	t.Helper()
	b, err := fixture.New(root)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(stationPlan, Known())
	if err != nil {
		t.Fatal(err)
	}
	p.Limits["eeprom.verify.product"] = plan.LimitSpec{Equals: "AI HAT+ 2"}
	var names []string
	for _, n := range p.Stages {
		if n != "bench" {
			names = append(names, n)
		}
	}
	steps, err := Resolve(names)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	env := stage.NewEnv(b, p)
	r := Run(context.Background(), env, steps, Meta{Serial: hostileSerial, Station: hostileStation, Operator: hostileOperator,
		Observer: &report.Progress{W: &progress, Verbose: true}})
	return r, progress.String()
}

// checkTerminal fails when out holds a control character other than a
// newline (no escape sequence, no carriage return) and, for a record's
// table, unless exactly one line starts "RESULT:" and it is the verdict.
func checkTerminal(t *testing.T, what, out string, table bool) {
	t.Helper()
	for i, c := range []byte(out) {
		if (c < 0x20 && c != '\n') || c == 0x7f {
			t.Errorf("%s: control byte %#02x at %d: %q", what, c, i, out[max(0, i-20):min(len(out), i+20)])
			return
		}
	}
	if !table {
		if strings.Contains(out, "\nRESULT:") {
			t.Errorf("%s: a line starts RESULT:\n%s", what, out)
		}
		return
	}
	var results []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "RESULT:") {
			results = append(results, line)
		}
	}
	if len(results) != 1 || !strings.HasPrefix(results[0], "RESULT: FAIL ") {
		t.Errorf("%s: lines starting RESULT: %q, want one, the run's FAIL:\n%s", what, results, out)
	}
}

func checkHostileMarkdown(t *testing.T, r *report.Run) {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, raw := range []string{"<script", "<img", "*Raspberry*", "**op**", "\x1b"} {
		if strings.Contains(md, raw) {
			t.Errorf("report.md holds %q raw", raw)
		}
	}
	if regexp.MustCompile(`(^|[^\\])\]\(`).MatchString(md) {
		t.Error("report.md holds a link a field made")
	}
	for _, want := range []string{"&lt;script&gt;", `\*Raspberry\*`, `\x1b\[2J`} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md does not hold %q", want)
		}
	}
	unescaped := regexp.MustCompile(`(^|[^\\])\|`)
	cols := -1
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "RESULT:") || strings.HasPrefix(line, "# ") && !strings.HasPrefix(line, "# aihat run ") {
			t.Errorf("report.md: a field made the line %q", line)
		}
		if !strings.HasPrefix(line, "|") {
			cols = -1
			continue
		}
		n := len(unescaped.FindAllString(strings.ReplaceAll(line, "||", "| |"), -1))
		if cols < 0 {
			cols = n
		} else if n != cols {
			t.Errorf("report.md: %d cell borders in %q, the table's header has %d", n, line, cols)
		}
	}
}

func checkHostileJSON(t *testing.T, r *report.Run, product string) {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("<script")) || bytes.IndexByte(b.Bytes(), 0x1b) >= 0 {
		t.Error("run.json holds <script or ESC unescaped")
	}
	var back report.Run
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Operator != hostileOperator || back.Station != hostileStation || back.Serial != hostileSerial {
		t.Errorf("run.json round-trips operator %q station %q serial %q", back.Operator, back.Station, back.Serial)
	}
	if got := measurement(t, &back, "eeprom.verify", "product").Value; got != product {
		t.Errorf("run.json round-trips the product as %q, want %q", got, product)
	}
	if got := measurement(t, &back, "eeprom.verify", "vendor").Value; got != hostileVendor {
		t.Errorf("run.json round-trips the vendor as %q, want %q", got, hostileVendor)
	}
}

func checkHostileJUnit(t *testing.T, r *report.Run) {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJUnit(&b, r); err != nil {
		t.Fatal(err)
	}
	x := b.String()
	if strings.Contains(x, "<script") || strings.Contains(x, "<img") || strings.Contains(x, "\x1b") {
		t.Error("junit.xml holds a field's <script, <img or ESC raw")
	}
	if !strings.Contains(x, "&lt;script&gt;") {
		t.Error("junit.xml does not hold the vendor's <script> escaped")
	}
	prereq.Command(t, "libxml2-utils", "xmllint")
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	xsd := filepath.Join("..", "report", "testdata", "JUnit-testcase-properties.xsd")
	if out, err := exec.Command("xmllint", "--noout", "--schema", xsd, path).CombinedOutput(); err != nil {
		t.Errorf("junit.xml does not validate: %v\n%s", err, out)
	}
}

func checkHostileHTML(t *testing.T, r *report.Run) {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	h := b.String()
	// html/template escapes markup; a control character is left as it
	// is (a browser shows nothing for it).
	for _, raw := range []string{"<script>alert", "<img src=x"} {
		if strings.Contains(h, raw) {
			t.Errorf("report.html holds %q raw", raw)
		}
	}
}
