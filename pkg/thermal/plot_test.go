package thermal

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSoakWritesSVGAndPNGPlotsAsAttachments(t *testing.T) {
	dir := t.TempDir()
	step, _ := runSoak(t, 1, SoakOptions{Load: "cpu", NoGovernor: true, PlotDir: dir}, "fan-stall")
	if len(step.Attachments) != 2 {
		t.Fatalf("attachments %+v", step.Attachments)
	}
	for _, a := range step.Attachments {
		b, err := os.ReadFile(filepath.Join(dir, a.Path))
		if err != nil {
			t.Fatal(err)
		}
		switch a.MediaType {
		case "image/png":
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if r := img.Bounds(); r.Dx() < 600 || r.Dy() < 600 {
				t.Fatalf("png %v", r)
			}
		case "image/svg+xml":
			// Every strip is drawn: its title is in the SVG's text.
			for _, title := range []string{"Temperature", "ARM clock", "Fan PWM", "Power", "Throughput"} {
				if !bytes.Contains(b, []byte(title)) {
					t.Errorf("svg has no %q strip", title)
				}
			}
		default:
			t.Fatalf("attachment %+v", a)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Fatalf("temporary file %s left", e.Name())
		}
	}
	if os.Getenv("AIHAT_KEEP_PLOT") != "" {
		for _, a := range step.Attachments {
			b, _ := os.ReadFile(filepath.Join(dir, a.Path))
			os.WriteFile(filepath.Join(os.Getenv("AIHAT_KEEP_PLOT"), a.Path), b, 0o644)
		}
	}
}
