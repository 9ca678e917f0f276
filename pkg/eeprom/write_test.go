package eeprom

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/plan"
	"github.com/aihat/aihat/pkg/sim"
)

// Write programs the sim's chip through WP on GPIO 4, and classifies what
// goes wrong so the command can pick the exit code: a WP line that never
// lets writes through is FAIL, a bad image or GPIO is usage.
func TestWriteProgramsAndClassifiesFailures(t *testing.T) {
	img := filepath.Join("..", "..", "testdata", "eeprom", "aihat2-hatplus.eep")
	p, err := plan.Default()
	if err != nil {
		t.Fatal(err)
	}
	gpio := 4
	for _, tc := range []struct {
		name  string
		fault string
		o     WriteOptions
		kind  WriteKind // -1: success
		out   string
	}{
		{"healthy", "", WriteOptions{Image: img, WPGPIO: &gpio}, -1, "read back: identical"},
		{"wp stuck", "eeprom-wp-stuck", WriteOptions{Image: img, WPGPIO: &gpio}, WriteFailed, "(restored): NO"},
		{"bad gpio", "", WriteOptions{Image: img, WPGPIO: new(int)}, -1, ""},
		{"not an image", "", WriteOptions{Image: filepath.Join("..", "..", "go.mod")}, WriteUsage, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var faults []string
			if tc.fault != "" {
				faults = append(faults, tc.fault)
			}
			b, err := sim.New(sim.Options{Faults: faults})
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "bad gpio" {
				bad := MaxHeaderGPIO + 1
				tc.o.WPGPIO, tc.kind = &bad, WriteUsage
			}
			var out bytes.Buffer
			err = Write(context.Background(), b, p.HAT, tc.o, &out)
			var we *WriteError
			switch {
			case tc.kind == -1 && err != nil:
				t.Fatalf("err = %v", err)
			case tc.kind != -1 && (!errors.As(err, &we) || we.Kind != tc.kind):
				t.Fatalf("err = %v (%T), want kind %d", err, err, tc.kind)
			}
			if !strings.Contains(out.String(), tc.out) {
				t.Fatalf("output lacks %q:\n%s", tc.out, out.String())
			}
		})
	}
}
