package eeprom

import (
	"fmt"

	"github.com/aihat/aihat/pkg/safefile"
)

// MakeFiles are eeprom make's inputs named as files, as eepmake takes
// them: the settings file, a compiled overlay for an original-HAT image's
// DT atom (eepmake's third argument) and files whose bytes become custom
// data atoms (eepmake -c).
type MakeFiles struct {
	Settings string
	DTB      string
	Custom   []string
	V1       bool
}

// Read reads each file bounded (safefile: regular files only, a size
// limit for each kind) and returns the settings text and the options
// Make takes; an error names the file, and the flag that named it.
func (m MakeFiles) Read() ([]byte, MakeOptions, error) {
	mo := MakeOptions{V1: m.V1}
	text, err := safefile.ReadFile(m.Settings, safefile.DefaultMax)
	if err != nil {
		return nil, mo, err
	}
	if m.DTB != "" {
		if mo.DTBlob, err = safefile.ReadFile(m.DTB, safefile.DeviceTreeMax); err != nil {
			return nil, mo, fmt.Errorf("--dtb: %w", err)
		}
	}
	for _, c := range m.Custom {
		b, err := safefile.ReadFile(c, safefile.DefaultMax)
		if err != nil {
			return nil, mo, fmt.Errorf("--custom: %w", err)
		}
		mo.Custom = append(mo.Custom, b)
	}
	return text, mo, nil
}
