package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestStationKeepsEveryBoardsRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	var ids []string
	// Two boards (the sim's serial follows its seed), and the first one
	// again: its virtual clock starts at the same instant, so the same
	// run id, which must not overwrite the first record.
	for _, seed := range []string{"1", "2", "1"} {
		code, _, stderr := runCLI(t, "i2c", "scan", "--target", "sim", "--seed", seed, "--report-dir", dir)
		if code != 0 {
			t.Fatalf("seed %s: exit %d %s", seed, code, stderr)
		}
		latest, err := os.Readlink(filepath.Join(dir, "latest"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, latest, "run.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r struct{ ID, Serial string }
		json.Unmarshal(b, &r)
		if latest != filepath.Join(r.Serial, r.ID) {
			t.Errorf("latest -> %s, the run is %s/%s", latest, r.Serial, r.ID)
		}
		ids = append(ids, latest)
	}
	if ids[0] == ids[1] || ids[0] == ids[2] || ids[1] == ids[2] || filepath.Dir(ids[0]) == filepath.Dir(ids[1]) {
		t.Fatalf("run directories %v: want three, the boards' under different serials", ids)
	}
	if !strings.HasSuffix(ids[2], "-2") {
		t.Errorf("second run of a serial in the same second: %s, want the id suffixed -2", ids[2])
	}
	for _, id := range ids {
		for _, f := range []string{"run.json", "junit.xml", "report.md", "report.html", "journal.jsonl"} {
			if _, err := os.Stat(filepath.Join(dir, id, f)); err != nil {
				t.Errorf("%s: %v", id, err)
			}
		}
	}
}

func TestStationSettingsComeFromFilesThenEnvironmentThenFlags(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/home/op/.config")
	t.Setenv("AIHAT_OPERATOR", "bob")
	t.Setenv("AIHAT_STATION", "")
	t.Setenv("AIHAT_PLAN", "")
	t.Setenv("AIHAT_REPORT_DIR", "")
	t.Setenv("AIHAT_SERIAL_SOURCE", "")
	host := Host{Arch: "amd64", FS: fstest.MapFS{
		"etc/aihat/station.yaml":             {Data: []byte("station: line3\noperator: ada\nreport_dir: /srv/reports\n")},
		"home/op/.config/aihat/station.yaml": {Data: []byte("station: line3-bench\n")},
	}}
	code, out, stderr := runOn(t, host, "station", "show", "--report-dir", "/tmp/x")
	if code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	for _, want := range []string{
		"station       │ line3-bench                     │ /home/op/.config/aihat/station.yaml",
		"operator      │ bob                             │ env AIHAT_OPERATOR",
		"report_dir    │ /tmp/x                          │ flag --report-dir",
		"serial_source │ /proc/device-tree/serial-number │ default",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("station show lacks %q:\n%s", want, out)
		}
	}
	bad := Host{Arch: "amd64", FS: fstest.MapFS{"etc/aihat/station.yaml": {Data: []byte("opertor: ada\n")}}}
	code, _, stderr = runOn(t, bad, "station", "show")
	if code != 64 || !strings.Contains(stderr, "/etc/aihat/station.yaml") || !strings.Contains(stderr, "opertor") {
		t.Errorf("misspelt key: exit %d %s, want 64 naming the file and key", code, stderr)
	}
}

func TestStationOperatorReachesTheRecord(t *testing.T) {
	t.Setenv("AIHAT_OPERATOR", "carol")
	code, out, stderr := runCLI(t, "i2c", "scan", "--target", "sim", "-o", "json")
	if code != 0 || !strings.Contains(out, `"operator": "carol"`) {
		t.Errorf("exit %d %s: record lacks the operator from AIHAT_OPERATOR", code, stderr)
	}
}

// eeprom write changes the board, so it leaves a record: the image it
// wrote (bytes, sha256) and what the read-back and the WP test showed.
func TestEEPROMWriteLeavesARecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	img := eepTestdata("hatplus-custom-power.eep")
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		outcome string
		want    string
	}{
		{"written", []string{"--wp-gpio", "4"}, 0, "PASS", `"name": "read_back_identical",` + "\n" + `          "value": true`},
		{"WP stuck", []string{"--wp-gpio", "4", "--fault", "eeprom-wp-stuck"}, 1, "FAIL", `"code": "EEPROM_WRITE_READBACK"`},
	} {
		args := append([]string{"eeprom", "write", img, "--yes", "--target", "sim", "--report-dir", dir}, tc.args...)
		code, _, stderr := runCLI(t, args...)
		if code != tc.code {
			t.Fatalf("%s: exit %d, want %d: %s", tc.name, code, tc.code, stderr)
		}
		b, err := os.ReadFile(filepath.Join(dir, "latest", "run.json"))
		if err != nil {
			t.Fatalf("%s: no record: %v", tc.name, err)
		}
		var r struct {
			Outcome string
			Steps   []struct {
				Name string
				Log  []string
			}
		}
		json.Unmarshal(b, &r)
		if r.Outcome != tc.outcome || len(r.Steps) != 1 || r.Steps[0].Name != "eeprom.write" || !strings.Contains(string(b), tc.want) ||
			!strings.Contains(string(b), `"name": "image.sha256"`) {
			t.Errorf("%s: record %s, want %s with %s:\n%s", tc.name, r.Outcome, tc.outcome, tc.want, b)
		}
	}
}
