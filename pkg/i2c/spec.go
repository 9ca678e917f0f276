package i2c

import "github.com/aihat/aihat/pkg/stage"

// ScanSpec is i2c.scan (every bus the plan lists) as a stage value for
// the stage table. Measurements are named bus<N>.0x<addr>.<what>.
func ScanSpec() stage.Stage {
	return stage.Stage{
		Name:     "i2c.scan",
		Summary:  "probes addresses as i2cdetect does; expected devices present, nothing unexpected",
		Section:  "i2c",
		Measures: []string{"*.*.present", "*.*.unexpected", "*.devices"},
		Run:      ScanStage(ScanOptions{}),
	}
}
