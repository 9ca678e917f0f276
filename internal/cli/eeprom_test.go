package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func eepTestdata(name string) string { return repoPath("testdata", "eeprom", name) }

// stationPlan writes a plan naming the HAT identity a station programs
// (the sim's image): the default plan names none, because no primary
// source shows the AI HAT+ 2's EEPROM contents, so a wrong product fails
// only against a plan that knows.
func stationPlan(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "station.yaml")
	if err := os.WriteFile(p, []byte("limits:\n  eeprom.verify.vendor: {equals: Raspberry Pi Ltd}\n  eeprom.verify.product: {equals: AI HAT+ 2}\n  eeprom.verify.product_id: {equals: \"0x0010\"}\n  eeprom.verify.product_ver: {equals: \"0x0002\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEEPROMVerifySim(t *testing.T) {
	code, out, stderr := runCLI(t, "eeprom", "verify", "--target", "sim")
	if code != 0 || !strings.Contains(out, "PASS") {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	// The default plan records a wrong product, it does not judge it.
	if code, out, _ := runCLI(t, "eeprom", "verify", "--target", "sim", "--fault", "eeprom-wrong-product"); code != 0 || !strings.Contains(out, "AI HAT+") {
		t.Errorf("eeprom-wrong-product with the default plan: exit %d\n%s", code, out)
	}
	station := stationPlan(t)
	for fault, codeWant := range map[string]string{
		"eeprom-blank": "EEPROM_BLANK", "eeprom-bad-crc": "EEPROM_CRC",
		"eeprom-wrong-product": "EEPROM_PRODUCT", "eeprom-nak": "EEPROM_NAK",
	} {
		code, out, _ := runCLI(t, "eeprom", "verify", "--target", "sim", "--fault", fault, "--plan", station, "-o", "json")
		if code != 1 || !strings.Contains(out, `"code": "`+codeWant+`"`) {
			t.Errorf("%s: exit %d, want 1 with code %s\n%s", fault, code, codeWant, out)
		}
	}
}

func TestEEPROMVerifyFile(t *testing.T) {
	if code, out, _ := runCLI(t, "eeprom", "verify", "--target", "sim", "--file", eepTestdata("aihat2-hatplus-padded4k.eep")); code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "eeprom", "verify", "--target", "sim", "--plan", stationPlan(t), "--file", eepTestdata("hatplus-custom-power.eep")); code != 1 {
		t.Fatalf("another HAT's image: exit %d, want 1", code)
	}
}

func TestEEPROMDumpFileMatchesEepdump(t *testing.T) {
	code, out, stderr := runCLI(t, "eeprom", "dump", "--file", eepTestdata("v1-gpio-map.eep"))
	want, _ := os.ReadFile(eepTestdata("v1-gpio-map.eepdump.txt"))
	if code != 0 || out != string(want) {
		t.Fatalf("exit %d stderr %s\n--- got\n%s--- want\n%s", code, stderr, out, want)
	}
}

func TestEEPROMDumpProblemsExitOneAfterPrinting(t *testing.T) {
	code, out, stderr := runCLI(t, "eeprom", "dump", "--file", eepTestdata("hatplus-bad-vendor-crc.eep"), "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1; %s", code, stderr)
	}
	var j struct {
		Version int
		Atoms   []struct {
			CRCOK bool `json:"crc_ok"`
		}
		Vendor   struct{ Product string }
		Problems []string
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if j.Version != 2 || len(j.Atoms) != 5 || j.Atoms[0].CRCOK || j.Vendor.Product != "Special Sensor Board" || len(j.Problems) != 1 {
		t.Fatalf("dump %+v", j)
	}
	code, out, _ = runCLI(t, "eeprom", "dump", "--file", eepTestdata("blank-4k.eep"))
	if code != 1 || !strings.Contains(out, "blank EEPROM (all 0xFF)") {
		t.Fatalf("blank: exit %d\n%s", code, out)
	}
}

func TestEEPROMDumpSimBus(t *testing.T) {
	code, out, stderr := runCLI(t, "eeprom", "dump", "--target", "sim", "--bus", "0", "--addr", "0x50", "--json")
	if code != 0 || !strings.Contains(out, `"product": "AI HAT+ 2"`) {
		t.Fatalf("exit %d %s\n%s", code, stderr, out)
	}
	if code, _, _ := runCLI(t, "eeprom", "dump", "--target", "sim", "--fault", "eeprom-nak"); code != 2 {
		t.Fatalf("absent chip: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "eeprom", "dump", "--file", "x", "--bus", "0"); code != 64 {
		t.Fatalf("two sources: exit %d, want 64", code)
	}
}

func TestEEPROMMake(t *testing.T) {
	out := filepath.Join(t.TempDir(), "hat.eep")
	code, _, stderr := runCLI(t, "eeprom", "make", eepTestdata("v1-dtbo-embedded.txt"), out, "--v1", "--dtb", eepTestdata("ov.dtbo"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile(eepTestdata("v1-dtbo-embedded.eep"))
	if !bytes.Equal(got, want) {
		t.Fatal("image differs from eepmake's")
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("product_uuid 5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31\ngpio_drive 1\n"), 0o644)
	code, _, stderr = runCLI(t, "eeprom", "make", bad, "--out", out)
	if code == 0 || !strings.Contains(stderr, "bad.txt:2:") {
		t.Fatalf("GPIO key in HAT+: exit %d stderr %q, want an error at bad.txt:2", code, stderr)
	}
	if code, _, _ := runCLI(t, "eeprom", "make", bad); code != 64 {
		t.Fatalf("no IMAGE: exit %d, want 64", code)
	}
}

func TestEEPROMWrite(t *testing.T) {
	img := eepTestdata("hatplus-custom-power.eep")
	tests := []struct {
		name  string
		args  []string
		code  int
		inOut string
	}{
		{"refuses without --yes", []string{img}, 64, ""},
		{"refuses a bad image", []string{eepTestdata("hatplus-bad-vendor-crc.eep"), "--yes"}, 64, ""},
		{"writes and verifies", []string{img, "--yes", "--wp-gpio", "4"}, 0, "172 B in 6 page writes"},
		{"proves WP holds", []string{img, "--yes", "--wp-gpio", "4"}, 0, "with WP asserted left the chip unchanged: yes"},
		{"proves writes take", []string{img, "--yes", "--wp-gpio", "4"}, 0, "with writes enabled changed the chip (restored): yes"},
		// The chip already holds this image: only the write test sees WP stuck.
		{"WP stuck caught with the image already on the chip", []string{eepTestdata("aihat2-hatplus.eep"), "--yes", "--wp-gpio", "4", "--fault", "eeprom-wp-stuck"}, 1, "changed the chip (restored): NO"},
		{"negative WP GPIO", []string{img, "--yes", "--wp-gpio", "-5"}, 64, ""},
		{"WP GPIO past the header chip", []string{img, "--yes", "--wp-gpio", "54"}, 64, ""},
		{"protected chip fails read-back", []string{img, "--yes"}, 1, ""},
		{"WP stuck fails read-back", []string{img, "--yes", "--wp-gpio", "4", "--fault", "eeprom-wp-stuck"}, 1, ""},
		{"verify-only", []string{eepTestdata("aihat2-hatplus.eep"), "--verify-only"}, 0, "identical"},
		{"verify-only differs", []string{img, "--verify-only"}, 1, ""},
		{"absent chip", []string{img, "--yes", "--wp-gpio", "4", "--fault", "eeprom-nak"}, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, append([]string{"eeprom", "write", "--target", "sim"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.inOut) {
				t.Fatalf("exit %d, want %d; out %q stderr %q", code, tc.code, out, stderr)
			}
		})
	}
}

// On a Linux root the stage reads the at24 nvmem file; without it and
// without a bus it checks the firmware's view only, or errors.
func TestEEPROMVerifyLinuxRoot(t *testing.T) {
	root := t.TempDir()
	nv := filepath.Join(root, "sys", "bus", "i2c", "devices", "0-0050")
	hat := filepath.Join(root, "proc", "device-tree", "hat")
	os.MkdirAll(nv, 0o755)
	os.MkdirAll(hat, 0o755)
	img, _ := os.ReadFile(eepTestdata("aihat2-hatplus-padded4k.eep"))
	os.WriteFile(filepath.Join(nv, "eeprom"), img, 0o644)
	dt := map[string]string{"vendor": "Raspberry Pi Ltd", "product": "AI HAT+ 2", "product_id": "0x0010",
		"product_ver": "0x0002", "uuid": "5f3c2a10-8e44-4d6b-9a1f-0c2b7e9d4a31"}
	for k, v := range dt {
		os.WriteFile(filepath.Join(hat, k), []byte(v+"\x00"), 0o644)
	}
	if code, out, stderr := runCLI(t, "eeprom", "verify", "--target", "fixture", "--root", root); code != 0 {
		t.Fatalf("nvmem: exit %d\n%s%s", code, out, stderr)
	}
	os.Remove(filepath.Join(nv, "eeprom"))
	// DT only: the default plan records the firmware's view; a station plan judges it.
	if code, out, _ := runCLI(t, "eeprom", "verify", "--target", "fixture", "--root", root); code != 0 || !strings.Contains(out, "dt.product_id") {
		t.Fatalf("DT only: exit %d\n%s", code, out)
	}
	station := stationPlan(t)
	os.WriteFile(filepath.Join(hat, "product_id"), []byte("0x0011\x00"), 0o644)
	if code, out, _ := runCLI(t, "eeprom", "verify", "--target", "fixture", "--root", root, "--plan", station, "-o", "json"); code != 1 || !strings.Contains(out, "EEPROM_DT_MISMATCH") {
		t.Fatalf("DT mismatch: exit %d\n%s", code, out)
	}
	os.RemoveAll(filepath.Join(root, "proc"))
	if code, _, _ := runCLI(t, "eeprom", "verify", "--target", "fixture", "--root", root); code == 0 || code == 1 {
		t.Fatalf("nothing readable: exit %d, want an ERROR exit", code)
	}
}

// Ctrl-C during a write exits 3 (ABORTED) and says the chip must be
// rewritten, with WP asserted again; it used to exit 2 and say nothing.
func TestEEPROMWriteInterruptedSaysTheChipMustBeRewritten(t *testing.T) {
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	ctx, cancel := context.WithCancel(context.Background())
	// At a tenth of real speed each page's 5 ms write cycle takes 50 ms,
	// so a cancel at 120 ms lands during the WP test or the image's pages.
	// Load cannot make it land after them: the two tests and 6 pages sleep
	// at least 400 ms of wall time; on a slow start it lands before the
	// write, which is interrupted all the same.
	time.AfterFunc(120*time.Millisecond, cancel)
	code := Main(ctx, []string{"eeprom", "write", "--target", "sim", "--time-scale", "0.1", "--yes", "--wp-gpio", "4", eepTestdata("hatplus-custom-power.eep")}, io, BuildInfo{Version: "test"})
	if code != 3 {
		t.Fatalf("exit %d, want 3; stderr %q", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "interrupted") {
		t.Fatalf("stderr %q does not say the write was interrupted", errOut.String())
	}
	if strings.Contains(errOut.String(), "hold the new image") && !strings.Contains(errOut.String(), "must be rewritten") {
		t.Fatalf("stderr %q does not say the chip must be rewritten", errOut.String())
	}
}

// eeprom write's flags become pkg/eeprom's WriteOptions: an unset flag is
// nil (the plan's hat: decides), a set one is taken as given; no board is
// opened before the run function.
func TestEEPROMWriteFlagsToOptions(t *testing.T) {
	img := eepTestdata("aihat2-hatplus-padded4k.eep")
	for _, tc := range []struct {
		args                []string
		code                int
		wp, bus             int // -2: nil
		addr                int // -2: nil
		verifyOnly, confirm bool
	}{
		{[]string{"write", img, "--yes"}, 0, -2, -2, -2, false, true},
		{[]string{"write", img, "--yes", "--wp-gpio", "4", "--bus", "1", "--addr", "0x51"}, 0, 4, 1, 0x51, false, true},
		{[]string{"write", img, "--verify-only"}, 0, -2, -2, -2, true, false},
		{[]string{"write", img}, 64, 0, 0, 0, false, false},
		{[]string{"write", img, "--yes", "--addr", "0x99"}, 64, 0, 0, 0, false, false},
	} {
		var got *EEPROMWriteOptions
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
		cmd := newCmdEEPROMWrite(f, func(o *EEPROMWriteOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args[1:])
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		code, _ := exitCode(cmd.Execute())
		if code != tc.code {
			t.Fatalf("%v: exit %d, want %d", tc.args, code, tc.code)
		}
		if f.session != nil {
			t.Fatalf("%v: board or plan opened before the run function", tc.args)
		}
		if tc.code != 0 {
			continue
		}
		ptr := func(p *int) int {
			if p == nil {
				return -2
			}
			return *p
		}
		addr := -2
		if got.Addr != nil {
			addr = int(*got.Addr)
		}
		if got.Image != img || ptr(got.WPGPIO) != tc.wp || ptr(got.Bus) != tc.bus || addr != tc.addr || got.VerifyOnly != tc.verifyOnly || got.Yes != tc.confirm {
			t.Fatalf("%v: options %+v", tc.args, got)
		}
	}
}
