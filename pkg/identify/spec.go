package identify

import "github.com/aihat/aihat/pkg/stage"

// Spec is board.identify as a stage value for the stage table.
func Spec() stage.Stage {
	return stage.Stage{
		Name:     "board.identify",
		Summary:  "model, serial, kernel and firmware, from the board's files and vcgencmd version",
		Section:  "board",
		Measures: []string{"model", "serial", "kernel", "firmware"},
		Run:      identifyRun,
	}
}
