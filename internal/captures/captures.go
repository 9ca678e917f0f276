// Package captures reads the real-capture corpus under testdata/captures:
// <command>/<name>.txt holds output posted from a real board, and
// <name>.txt.SOURCE says where it was posted and, in `expect: key=value`
// lines, the values the poster's output states. Parser tests run a whole
// command directory through their parser and check every expect line, so
// a new capture is a new test case without new code.
package captures

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Capture is one real output and what its .SOURCE says it shows.
type Capture struct {
	Name   string // file name, "pi5-jfikar-loaded.txt"
	Text   string
	Source string
	// Expect maps a key to its expected value, from "expect: key=value".
	Expect map[string]string
}

// Dir is testdata/captures in this repository.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "captures")
}

// Load reads every <command>/*.txt with its .SOURCE. A capture without a
// .SOURCE, without a SOURCE: line, or with a malformed expect line is an
// error: the corpus holds only output whose origin is written down.
func Load(command string) ([]Capture, error) {
	files, err := filepath.Glob(filepath.Join(Dir(), command, "*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Capture
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		src, err := os.ReadFile(f + ".SOURCE")
		if err != nil {
			return nil, fmt.Errorf("%s: every capture needs a .SOURCE note: %w", f, err)
		}
		c := Capture{Name: filepath.Base(f), Text: string(text), Source: string(src), Expect: map[string]string{}}
		if !strings.HasPrefix(c.Source, "SOURCE:") {
			return nil, fmt.Errorf("%s.SOURCE: the first line must be \"SOURCE: <where it was posted>\"", f)
		}
		sc := bufio.NewScanner(strings.NewReader(c.Source))
		for n := 1; sc.Scan(); n++ {
			rest, ok := strings.CutPrefix(sc.Text(), "expect:")
			if !ok {
				continue
			}
			k, v, ok := strings.Cut(strings.TrimSpace(rest), "=")
			if !ok || strings.TrimSpace(k) == "" {
				return nil, fmt.Errorf("%s.SOURCE line %d: want \"expect: key=value\"", f, n)
			}
			c.Expect[strings.TrimSpace(k)] = v
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no captures under %s", filepath.Join(Dir(), command))
	}
	return out, nil
}
