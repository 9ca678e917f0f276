// Package station holds a test station's defaults (its name, the operator,
// the plan, where reports go, where the board's serial comes from) and
// says where each came from: /etc/aihat/station.yaml, then
// $XDG_CONFIG_HOME/aihat/station.yaml, then AIHAT_* environment variables;
// the command's flags override all of them (the cli applies those).
package station

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SystemFile is the machine-wide station file, relative to "/".
const SystemFile = "etc/aihat/station.yaml"

// DefaultSerialSource is where the board's serial is read from unless the
// station says otherwise: the firmware's copy of the OTP serial.
const DefaultSerialSource = "/proc/device-tree/serial-number"

// Keys are the settings, in the order `aihat station show` prints them,
// with the environment variable and the flag that set each.
var Keys = []Key{
	{"station", "AIHAT_STATION", "--station"},
	{"operator", "AIHAT_OPERATOR", "--operator"},
	{"plan", "AIHAT_PLAN", "--plan"},
	{"report_dir", "AIHAT_REPORT_DIR", "--report-dir"},
	{"serial_source", "AIHAT_SERIAL_SOURCE", ""},
}

// Key is one setting's name in the file, its variable and its flag.
type Key struct{ Name, Env, Flag string }

// Setting is a value and where it came from: "default", a file path,
// "env AIHAT_X" or "flag --x".
type Setting struct {
	Value  string
	Source string
}

// Settings maps a key's name to its effective setting.
type Settings map[string]Setting

// Get returns a setting's value.
func (s Settings) Get(name string) string { return s[name].Value }

// file is station.yaml; unknown keys are errors (a typo must not silently
// leave a station without its operator).
type file struct {
	Station      *string `yaml:"station"`
	Operator     *string `yaml:"operator"`
	Plan         *string `yaml:"plan"`
	ReportDir    *string `yaml:"report_dir"`
	SerialSource *string `yaml:"serial_source"`
}

func (f file) values() map[string]*string {
	return map[string]*string{"station": f.Station, "operator": f.Operator, "plan": f.Plan,
		"report_dir": f.ReportDir, "serial_source": f.SerialSource}
}

// Load reads the station files from root (the host's "/") and the
// environment through getenv. A missing file is fine; an unreadable or
// malformed one is an error naming it.
func Load(root fs.FS, getenv func(string) string) (Settings, error) {
	s := Settings{"serial_source": {DefaultSerialSource, "default"}}
	for _, k := range Keys {
		if _, ok := s[k.Name]; !ok {
			s[k.Name] = Setting{"", "default"}
		}
	}
	for _, p := range Files(getenv) {
		b, err := fs.ReadFile(root, strings.TrimPrefix(p, "/"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("station file %s: %w", p, err)
		}
		var f file
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
			return nil, fmt.Errorf("station file %s: %v (keys: station, operator, plan, report_dir, serial_source)", p, err)
		}
		for name, v := range f.values() {
			if v != nil {
				s[name] = Setting{*v, p}
			}
		}
	}
	for _, k := range Keys {
		if v := getenv(k.Env); v != "" {
			s[k.Name] = Setting{v, "env " + k.Env}
		}
	}
	return s, nil
}

// Files are the station files in the order they apply, as absolute paths.
func Files(getenv func(string) string) []string {
	files := []string{"/" + SystemFile}
	cfg := getenv("XDG_CONFIG_HOME")
	if cfg == "" || !path.IsAbs(cfg) {
		// The XDG base directory spec: unset or relative means ~/.config.
		if home := getenv("HOME"); path.IsAbs(home) {
			cfg = path.Join(home, ".config")
		}
	}
	if cfg != "" {
		files = append(files, path.Join(cfg, "aihat", "station.yaml"))
	}
	return files
}
