package bootcfg

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusDir holds config.txt files of working Pi 5 boards, each with a
// .SOURCE note saying where it was posted and, in an "expect:" block,
// what the firmware takes from it on a Pi 5.
var corpusDir = filepath.Join("..", "..", "testdata", "captures", "config.txt")

// expectations reads the "expect:" block of a .SOURCE note: indented
// "key: value" lines after a line "expect:".
func expectations(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: every capture needs its .SOURCE note: %v", path, err)
	}
	out := map[string]string{}
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.TrimSpace(line) == "expect:":
			in = true
		case in && strings.HasPrefix(line, "  "):
			k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
			if !ok {
				t.Fatalf("%s: expect line %q is not key: value", path, line)
			}
			out[k] = strings.TrimSpace(v)
		case in:
			in = false
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no expect: block", path)
	}
	return out
}

// Every real config.txt parses without a warning for a Pi 5, and the
// firmware would take from it what its .SOURCE note says.
func TestRealConfigTxtCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.txt"))
	if err != nil || len(files) < 5 {
		t.Fatalf("want at least 5 real config.txt files in %s, have %d (%v)", corpusDir, len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want := expectations(t, f+".SOURCE")
			c := Parse("config.txt", data, nil, Pi5())
			if len(c.Warnings) != 0 {
				t.Fatalf("a working board's config.txt reads as malformed: %v", c.Warnings)
			}
			for k, v := range want {
				switch k {
				case "overlays":
					if got := overlayNames(c); got != v {
						t.Errorf("overlays applied on a Pi 5 = %q, want %q", got, v)
					}
				case "not_applied_overlays":
					for _, name := range strings.Fields(v) {
						if _, ok := c.NotApplied(name); !ok {
							t.Errorf("dtoverlay=%s should be in a section that does not apply to a Pi 5", name)
						}
					}
				case "dtparams":
					for _, item := range strings.Fields(v) {
						name, value, _ := strings.Cut(item, "=")
						p, ok := c.Param(name)
						if !ok || p.Value != value {
							t.Errorf("dtparam %s = %+v (found %v), want value %q", name, p, ok, value)
						}
					}
				case "setting":
					for _, item := range strings.Fields(v) {
						key, value, _ := strings.Cut(item, "=")
						if got, ok := c.Get(key); !ok || got != value {
							t.Errorf("%s = %q (found %v), want %q", key, got, ok, value)
						}
					}
				case "initramfs":
					if len(c.Initramfs) == 0 {
						t.Errorf("no initramfs line applies, want %q", v)
						break
					}
					r := c.Initramfs[len(c.Initramfs)-1]
					if got := strings.Join(r.Files, ",") + " " + r.Addr; got != v {
						t.Errorf("initramfs = %q, want %q", got, v)
					}
				case "skipped":
					n, err := strconv.Atoi(v)
					if err != nil || c.Skipped != n {
						t.Errorf("skipped %d lines in other boards' sections, want %s", c.Skipped, v)
					}
				default:
					t.Errorf("unknown expect key %q", k)
				}
			}
		})
	}
}
