//go:build hwtest

package hwtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aihat/aihat/pkg/eeprom"
	"github.com/aihat/aihat/pkg/report"
)

// repo is the repository root, from this package's directory.
const repo = "../.."

// bootTimeout bounds one guest boot. A boot with every command takes
// 25-35 s of wall time under TCG on a 2-core x86-64 host
// (../shared/design/QEMU-HWTEST.md); 5 minutes leaves room for a loaded CI
// machine without letting a hung guest stall CI.
const bootTimeout = 5 * time.Minute

// chip is one QEMU at24c-eeprom on the guest's I2C bus.
type chip struct {
	addr     uint16
	image    string // file under testdata/eeprom copied as its backing file
	readOnly bool   // writable=false: the chip ignores writes
	backing  string // the copy QEMU used, set by boot
}

// result is one command the guest ran, parsed from the console.
type result struct {
	cmd, stdout, stderr string
	rc                  int
}

// guest is what one boot printed.
type guest struct {
	info    map[string]string // from "@@@ INFO <topic> k=v ..." lines
	results map[string]result
	log     string // console log file, for failure messages
}

func (g *guest) get(t *testing.T, name string) result {
	t.Helper()
	r, ok := g.results[name]
	if !ok {
		t.Fatalf("the guest printed no result for %q (console log: %s)", name, g.log)
	}
	return r
}

// artifacts finds what `make hwtest` built.
func artifacts(t *testing.T) (kernel, dtb, initrd string) {
	t.Helper()
	glob := func(p string) string {
		m, _ := filepath.Glob(filepath.Join(repo, p))
		if len(m) != 1 {
			t.Fatalf("%s: found %d files, want 1: run `make hwtest` (it fetches and builds the guest)", p, len(m))
		}
		return m[0]
	}
	kernel = glob(".cache/hwtest/root/boot/vmlinuz-*-armmp")
	dtb = glob(".cache/hwtest/root/usr/lib/linux-image-*-armmp/vexpress-v2p-ca9.dtb")
	initrd = glob(".cache/hwtest/build/initramfs.cpio.gz")
	return
}

// boot runs the guest once with the given chips and the aihat.boot= name
// that selects the commands /init runs (scripts/hwtest/init.sh).
func boot(t *testing.T, name string, chips []*chip) *guest {
	t.Helper()
	if _, err := exec.LookPath("qemu-system-arm"); err != nil {
		t.Fatalf("qemu-system-arm not found: install the Debian package qemu-system-arm (.ci/run does)")
	}
	kernel, dtb, initrd := artifacts(t)
	dir := t.TempDir()
	args := []string{
		"-M", "vexpress-a9", "-smp", "1", "-m", "256",
		"-kernel", kernel, "-dtb", dtb, "-initrd", initrd,
		"-append", "console=ttyAMA0 rdinit=/init panic=-1 aihat.boot=" + name,
		"-nographic", "-no-reboot", "-serial", "stdio", "-monitor", "none",
	}
	for i, c := range chips {
		src, err := os.ReadFile(filepath.Join(repo, "testdata/eeprom", c.image))
		if err != nil {
			t.Fatal(err)
		}
		c.backing = filepath.Join(dir, fmt.Sprintf("chip-0x%02x.eep", c.addr))
		if err := os.WriteFile(c.backing, src, 0o644); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("eeprom%d", i)
		dev := fmt.Sprintf("at24c-eeprom,bus=i2c,address=0x%02x,rom-size=%d,drive=%s", c.addr, eeprom.DefaultSize, id)
		if c.readOnly {
			dev += ",writable=false"
		}
		args = append(args, "-drive", "file="+c.backing+",if=none,format=raw,id="+id, "-device", dev)
	}
	ctx, cancel := context.WithTimeout(context.Background(), bootTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-arm", args...)
	cmd.Env = append(os.Environ(), "QEMU_AUDIO_DRV=none") // vexpress's PL041 would open the host's ALSA
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	logDir := filepath.Join(repo, ".cache/hwtest/logs")
	os.MkdirAll(logDir, 0o755)
	logFile, _ := filepath.Abs(filepath.Join(logDir, name+".console.log"))
	os.WriteFile(logFile, stdout.Bytes(), 0o644)
	t.Logf("boot %s: %.1f s wall, console log %s", name, time.Since(start).Seconds(), logFile)
	if ctx.Err() != nil {
		t.Fatalf("boot %s: no power-off within %v (console log %s)", name, bootTimeout, logFile)
	}
	if err != nil {
		t.Fatalf("boot %s: qemu-system-arm: %v: %s (console log %s)", name, err, strings.TrimSpace(stderr.String()), logFile)
	}
	g := parseConsole(t, stdout.String())
	g.log = logFile
	return g
}

var (
	beginRE = regexp.MustCompile(`^@@@ BEGIN (\S+)$`)
	endRE   = regexp.MustCompile(`^@@@ END (\S+) rc=(\d+)$`)
)

// parseConsole reads the markers /init prints (scripts/hwtest/init.sh).
func parseConsole(t *testing.T, console string) *guest {
	t.Helper()
	g := &guest{info: map[string]string{}, results: map[string]result{}}
	var cur *result
	var name string
	var section *strings.Builder
	var out, errb strings.Builder
	done := false
	sc := bufio.NewScanner(strings.NewReader(console))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r") // the serial tty turns \n into \r\n
		switch {
		case strings.HasPrefix(line, "@@@ SETUP-FAILED"):
			t.Fatalf("guest setup failed: %s", line)
		case line == "@@@ DONE":
			done = true
		case strings.HasPrefix(line, "@@@ INFO "):
			f := strings.Fields(line)
			for _, kv := range f[3:] {
				k, v, _ := strings.Cut(kv, "=")
				g.info[f[2]+"."+k] = v
			}
		case beginRE.MatchString(line):
			name = beginRE.FindStringSubmatch(line)[1]
			cur = &result{}
			section = nil
			out.Reset()
			errb.Reset()
		case cur != nil && line == "@@@ STDOUT "+name:
			section = &out
		case cur != nil && line == "@@@ STDERR "+name:
			section = &errb
		case cur != nil && endRE.MatchString(line):
			m := endRE.FindStringSubmatch(line)
			if m[1] != name {
				t.Fatalf("console: END %s inside %s", m[1], name)
			}
			cur.rc, _ = strconv.Atoi(m[2])
			cur.stdout, cur.stderr = strings.TrimSpace(out.String()), strings.TrimSpace(errb.String())
			g.results[name] = *cur
			cur, section = nil, nil
		case cur != nil && section == nil:
			cur.cmd = line
		case section != nil:
			section.WriteString(line)
			section.WriteByte('\n')
		}
	}
	if !done {
		t.Fatalf("the guest did not reach the end of its commands (no @@@ DONE); console:\n%s", tail(console, 40))
	}
	return g
}

func tail(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// runRecord is the part of aihat's JSON run record these tests read.
type runRecord struct {
	Target  string `json:"target"`
	Outcome string `json:"outcome"`
	Steps   []struct {
		Name         string `json:"name"`
		Outcome      string `json:"outcome"`
		Measurements []struct {
			Name    string `json:"name"`
			Value   any    `json:"value"`
			Outcome string `json:"outcome"`
		} `json:"measurements"`
	} `json:"steps"`
}

func decodeRun(t *testing.T, r result) runRecord {
	t.Helper()
	var rec runRecord
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil {
		t.Fatalf("%s: stdout is not a JSON run record: %v\n%s", r.cmd, err, r.stdout)
	}
	if rec.Target != "linux" {
		t.Errorf("%s: target %q, want linux (nothing simulated in the guest)", r.cmd, rec.Target)
	}
	return rec
}

func wantRC(t *testing.T, r result, rc int) {
	t.Helper()
	if r.rc != rc {
		t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.cmd, r.rc, rc, r.stdout, r.stderr)
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// chipImage is what a blank 24C32 holds after img is written from offset
// 0: the image, then the blank chip's 0xFF.
func chipImage(img []byte) []byte {
	out := bytes.Repeat([]byte{0xff}, eeprom.DefaultSize)
	copy(out, img)
	return out
}

// checkWP reads wpwatch's report of the WP line (GPIO 4 of the chip
// labelled pinctrl-rp1) around one `eeprom write`: aihat found the chip by
// its label, requested the line as an output, released it, and the line
// is back at its pulled-up idle level (1, protected). aihat drives the
// line to both levels while it holds it (asserted for the WP test, then
// released for the page writes), and line-info events report requests,
// not value changes, so the level wpwatch reads when the request event
// arrives may be either.
func checkWP(t *testing.T, r result) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if !strings.HasPrefix(l, "watching ") {
			lines = append(lines, l)
		}
	}
	want := []string{
		"requested consumer=aihat direction=output level=?",
		"released consumer= direction=output level=1",
		"idle value=1",
	}
	if len(lines) == 3 {
		lines[0] = strings.NewReplacer("level=0", "level=?", "level=1", "level=?").Replace(lines[0])
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("WP line history:\n%s\nwant:\n%s", r.stdout, strings.Join(want, "\n"))
	}
}

func TestRealDriversWritableChip(t *testing.T) {
	t.Parallel()
	blank := &chip{addr: 0x50, image: "blank-4k.eep"}
	preloaded := &chip{addr: 0x51, image: "aihat2-hatplus-padded4k.eep"}
	g := boot(t, "writable", []*chip{blank, preloaded})
	bus := g.info["i2c.bus"]
	t.Logf("guest: I2C bus %s (%s), header GPIO chip %s, other chip %s", bus, g.info["i2c.adapter"], g.info["gpio.header_chip"], g.info["gpio.other_chip"])
	if g.info["gpio.header_chip"] == "gpiochip0" {
		t.Errorf("the header chip is gpiochip0: the lookup by label is not exercised")
	}

	t.Run("scan finds the EEPROMs and QEMU's DVI transmitter", func(t *testing.T) {
		r := g.get(t, "scan")
		wantRC(t, r, report.ExitPass)
		rec := decodeRun(t, r)
		if rec.Outcome != "PASS" || len(rec.Steps) != 1 || rec.Steps[0].Name != "i2c.scan" {
			t.Fatalf("scan record: outcome %s, steps %+v", rec.Outcome, rec.Steps)
		}
		got := map[string]any{}
		for _, m := range rec.Steps[0].Measurements {
			got[m.Name] = m.Value
			if strings.HasSuffix(m.Name, ".unexpected") {
				t.Errorf("unexpected device: %s", m.Name)
			}
		}
		for _, a := range []string{"0x39", "0x50", "0x51"} {
			if got["bus"+bus+"."+a+".present"] != true {
				t.Errorf("bus%s.%s.present = %v, want true", bus, a, got["bus"+bus+"."+a+".present"])
			}
		}
		if got["bus"+bus+".devices"] != 3.0 {
			t.Errorf("bus%s.devices = %v, want 3", bus, got["bus"+bus+".devices"])
		}
	})

	t.Run("dump of a preloaded chip equals the host's decode of its file", func(t *testing.T) {
		r := g.get(t, "dump-preloaded")
		wantRC(t, r, report.ExitPass)
		var want bytes.Buffer
		eeprom.WriteJSON(&want, eeprom.Decode(readFile(t, filepath.Join(repo, "testdata/eeprom", preloaded.image))))
		if r.stdout != strings.TrimSpace(want.String()) {
			t.Errorf("guest dump of 0x51:\n%s\nhost decode of %s:\n%s", r.stdout, preloaded.image, want.String())
		}
		if !bytes.Equal(readFile(t, preloaded.backing), readFile(t, filepath.Join(repo, "testdata/eeprom", preloaded.image))) {
			t.Errorf("reading the chip at 0x51 changed its backing file")
		}
	})

	// QEMU's at24c-eeprom has no WP input, so the WP test write with the
	// line asserted changes the chip: aihat must say WP does not hold and
	// exit 1, and still write and verify the image (the probe byte is
	// restored). The write test proves the writes take.
	t.Run("write programs a blank chip page by page, proves WP does not reach QEMU's chip, and WP ends idle", func(t *testing.T) {
		r := g.get(t, "write")
		wantRC(t, r, report.ExitFail)
		img := readFile(t, filepath.Join(repo, "testdata/eeprom/aihat2-hatplus.eep"))
		pages := (len(img) + eeprom.DefaultPageSize - 1) / eeprom.DefaultPageSize
		want := fmt.Sprintf("wrote %d B in %d page writes (%d B pages, ", len(img), pages, eeprom.DefaultPageSize)
		for _, s := range []string{want, "read back: identical", "with WP asserted left the chip unchanged: NO", "with writes enabled changed the chip (restored): yes"} {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("stdout %q lacks %q", r.stdout, s)
			}
		}
		if !strings.Contains(r.stderr, "write protection does not hold") {
			t.Errorf("stderr %q, want the WP verdict", r.stderr)
		}
		got := readFile(t, blank.backing)
		if !bytes.Equal(got, chipImage(img)) {
			t.Errorf("the chip's backing file is not the image followed by the blank chip's 0xFF")
		}
		if !bytes.Equal(got, readFile(t, filepath.Join(repo, "testdata/eeprom/aihat2-hatplus-padded4k.eep"))) {
			t.Errorf("the chip's backing file differs from aihat2-hatplus-padded4k.eep")
		}
		checkWP(t, g.get(t, "write-wp"))
	})

	t.Run("verify passes on the written chip", func(t *testing.T) {
		r := g.get(t, "verify")
		wantRC(t, r, report.ExitPass)
		rec := decodeRun(t, r)
		if rec.Outcome != "PASS" || len(rec.Steps) != 1 || rec.Steps[0].Name != "eeprom.verify" || rec.Steps[0].Outcome != "PASS" {
			t.Errorf("verify record: outcome %s, steps %+v", rec.Outcome, rec.Steps)
		}
	})

	t.Run("writing the image the chip holds, without a WP line, proves writes take", func(t *testing.T) {
		r := g.get(t, "write-again")
		wantRC(t, r, report.ExitPass)
		if !strings.Contains(r.stdout, "with writes enabled changed the chip (restored): yes") || strings.Contains(r.stdout, "WP test") {
			t.Errorf("stdout %q, want the write test and no WP test", r.stdout)
		}
		if !bytes.Equal(readFile(t, blank.backing), readFile(t, filepath.Join(repo, "testdata/eeprom/aihat2-hatplus-padded4k.eep"))) {
			t.Errorf("the second write changed the chip's contents")
		}
	})

	t.Run("a missing bus is a clear error", func(t *testing.T) {
		r := g.get(t, "missing-bus")
		wantRC(t, r, report.ExitError)
		for _, s := range []string{"/dev/i2c-9", "no such I2C bus", "/dev/i2c-" + bus, "config.txt"} {
			if !strings.Contains(r.stderr, s) {
				t.Errorf("stderr %q does not name %q", r.stderr, s)
			}
		}
	})

	t.Run("a missing chip is a clear error", func(t *testing.T) {
		r := g.get(t, "missing-chip")
		wantRC(t, r, report.ExitError)
		for _, s := range []string{"/dev/i2c-" + bus, "0x52", "no acknowledge"} {
			if !strings.Contains(r.stderr, s) {
				t.Errorf("stderr %q does not name %q", r.stderr, s)
			}
		}
	})
}

func TestRealDriversReadOnlyChipFailsReadBack(t *testing.T) {
	t.Parallel()
	ro := &chip{addr: 0x50, image: "blank-4k.eep", readOnly: true}
	g := boot(t, "readonly", []*chip{ro})
	r := g.get(t, "write-readonly")
	wantRC(t, r, report.ExitFail)
	if !strings.Contains(r.stderr, "read-back differs from the image") {
		t.Errorf("stderr %q, want the read-back error", r.stderr)
	}
	if !bytes.Equal(readFile(t, ro.backing), readFile(t, filepath.Join(repo, "testdata/eeprom/blank-4k.eep"))) {
		t.Errorf("a chip with writable=false changed its backing file")
	}
	checkWP(t, g.get(t, "write-readonly-wp"))
}
