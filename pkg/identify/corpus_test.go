package identify

import (
	"testing"

	"github.com/aihat/aihat/internal/captures"
)

// TestVersionCorpus runs every real `vcgencmd version` capture through
// firmwareVersion and checks the firmware its .SOURCE states.
func TestVersionCorpus(t *testing.T) {
	cs, err := captures.Load("vcgencmd_version")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Run(c.Name, func(t *testing.T) {
			want, ok := c.Expect["firmware"]
			if !ok || len(c.Expect) != 1 {
				t.Fatalf("expect lines %v: want exactly firmware=", c.Expect)
			}
			if got := firmwareVersion([]byte(c.Text)); got != want {
				t.Errorf("firmware %q, the capture states %q", got, want)
			}
		})
	}
}
