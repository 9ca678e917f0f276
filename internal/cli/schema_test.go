package cli

import (
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// A whole sim bringup's record, and a fixture run's, validate against
// the documented schema (docs/run.schema.json).
func TestRunRecordsValidateAgainstTheSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(repoPath("docs", "run.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"bringup", "--target", "sim", "--fault", "fan-stall", "--fault", "eeprom-bad-crc", "-o", "json"},
		{"bringup", "--target", "fixture", "--root", repoPath("testdata", "rootfs", "healthy-6.12"), "--plan", repoPath("testdata", "power", "pmic-only.yaml"), "-o", "json"},
	} {
		_, out, stderr := runCLI(t, args...)
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}
