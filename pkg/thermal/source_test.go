package thermal

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The Pi 5's fan dtparams as the Raspberry Pi kernel tree documents them
// (testdata/thermal/pi5-fan-dtparams.txt, see its .SOURCE): the plan's
// default curve is their defaults, and fan-config writes exactly those
// parameter names, in the documented units.
func TestFanConfigIsHeldToTheKernelsDocumentedDtparams(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "thermal", "pi5-fan-dtparams.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// "fan_temp0_speed  Fan PWM ... (0-255,\n  default 75)": name, then the
	// first "default N" after it.
	re := regexp.MustCompile(`(?s)(fan_temp\d(?:_hyst|_speed)?)\s.*?default (\d+)`)
	documented := map[string]int{}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		n, _ := strconv.Atoi(m[2])
		documented[m[1]] = n
	}
	if len(documented) != 12 {
		t.Fatalf("read %d parameters from the capture, want 12: %v", len(documented), documented)
	}
	out := FanConfig(pi5Curve(), "defaults")
	written := map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "dtparam=") {
			continue
		}
		kv, _, _ := strings.Cut(strings.TrimPrefix(line, "dtparam="), "\t")
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("line %q: value not an integer", line)
		}
		written[k] = n
	}
	for k, want := range documented {
		if got, ok := written[k]; !ok || got != want {
			t.Errorf("%s: fan-config of the default curve writes %d (present %v), the kernel's default is %d", k, got, ok, want)
		}
	}
	for k := range written {
		if _, ok := documented[k]; !ok {
			t.Errorf("fan-config writes %s, which the kernel does not document", k)
		}
	}
}
