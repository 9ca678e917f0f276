package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

// runWidth runs aihat on a workstation with stdout width cells wide.
func runWidth(t *testing.T, width int, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Width: width}
	code := MainOn(context.Background(), workstation, shortArgs(t, args), io, BuildInfo{Version: "test", Commit: "abc123"})
	return code, out.String(), errOut.String()
}

// Every table a command prints fits an 80-column terminal; without a
// width the same tables keep one line per row.
func TestTablesFitEightyColumns(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"stages"},
		{"sim", "faults"},
		{"station", "show"},
		{"i2c", "scan", "--target", "sim", "--report-dir", filepath.Join(dir, "i2c")},
		{"power", "flags", "--target", "sim", "--fault", "undervoltage", "--report-dir", filepath.Join(dir, "uv")},
	} {
		t.Run(strings.Join(args[:min(len(args), 2)], " "), func(t *testing.T) {
			code, out, stderr := runWidth(t, 80, args...)
			if code != 0 && code != 1 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for i, line := range strings.Split(out, "\n") {
				if w := runewidth.StringWidth(line); w > 80 {
					t.Errorf("line %d is %d cells wide:\n%s", i+1, w, out)
				}
			}
			_, unlimited, _ := runWidth(t, 0, args...)
			if args[0] == "stages" && !strings.Contains(unlimited, "│ board.identify │") {
				t.Errorf("without a width a stage name is wrapped:\n%s", unlimited)
			}
		})
	}
}
