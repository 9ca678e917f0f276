package pipower

import (
	"os"
	"path/filepath"
	"testing"
)

// get_throttled output is parsed on every board: any text gives a value
// or an error, never a panic, and a value's flags are its raw bits.
func FuzzParseThrottled(f *testing.F) {
	m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "captures", "get_throttled", "*.txt"))
	for _, p := range m {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("throttled=0xffffffffff\n")
	f.Fuzz(func(t *testing.T, out string) {
		th, err := ParseThrottled(out)
		if err != nil {
			return
		}
		for _, b := range ThrottleBits {
			if th.Flag(b.Bit) != (th.Raw&(1<<b.Bit) != 0) {
				t.Fatalf("flag %s disagrees with raw 0x%x", b.Name, th.Raw)
			}
		}
	})
}
