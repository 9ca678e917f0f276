// Package plan holds the test plan: which stages run in which order, the
// limits each measurement is held to (with units), and what the board
// under test is expected to be. The default plan for a Pi 5 + AI HAT+ 2 is
// embedded; a YAML file given with --plan is merged over it.
package plan

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"sort"
	"strings"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/safefile"
	"go.yaml.in/yaml/v3"
)

//go:embed default.yaml
var defaultYAML []byte

// planMax caps a plan file: a real plan is a few KiB.
const planMax = 1 << 20

// defaultsFS holds each stage's share of the default plan (its section and
// its limits), merged over default.yaml in file-name order. One file per
// stage keeps a stage's defaults next to nothing else's.
//
//go:embed defaults/*.yaml
var defaultsFS embed.FS

// Plan is the effective test plan.
type Plan struct {
	Name    string               `yaml:"name"`
	Stages  []string             `yaml:"stages"`
	Limits  map[string]LimitSpec `yaml:"limits"`
	Board   BoardPlan            `yaml:"board"`
	HAT     HATPlan              `yaml:"hat"`
	I2C     I2CPlan              `yaml:"i2c"`
	Overlay OverlayPlan          `yaml:"overlay"`
	Driver  DriverPlan           `yaml:"driver"`
	Power   PowerPlan            `yaml:"power"`
	Bench   BenchPlan            `yaml:"bench"`
}

// BoardPlan says what board the plan is for.
type BoardPlan struct {
	// Model is matched as a prefix of /proc/device-tree/model.
	Model string `yaml:"model"`
}

// LimitSpec is a limit as written in the plan: bounds in the SI unit named
// by Unit, or an exact value.
type LimitSpec struct {
	Low          *float64 `yaml:"low,omitempty"`
	High         *float64 `yaml:"high,omitempty"`
	MarginalLow  *float64 `yaml:"marginal_low,omitempty"`
	MarginalHigh *float64 `yaml:"marginal_high,omitempty"`
	Equals       any      `yaml:"equals,omitempty"`
	Unit         string   `yaml:"unit,omitempty"`
}

// Limits converts the spec to the report's limits.
func (s LimitSpec) Limits() *report.Limits {
	return &report.Limits{Low: s.Low, High: s.High, MarginalLow: s.MarginalLow, MarginalHigh: s.MarginalHigh, Equals: s.Equals}
}

// Limit returns the limits planned for key ("<step>.<measurement>"), or nil
// when the plan does not bound that measurement.
func (p *Plan) Limit(key string) *report.Limits {
	s, ok := p.Limits[key]
	if !ok {
		return nil
	}
	return s.Limits()
}

// Unit returns the unit planned for key, or "".
func (p *Plan) Unit(key string) string { return p.Limits[key].Unit }

// Default returns the embedded plan for a Raspberry Pi 5 + AI HAT+ 2.
func Default() (*Plan, error) {
	p := &Plan{}
	if err := decodeInto(p, defaultYAML, "default plan"); err != nil {
		return nil, err
	}
	files, err := fs.Glob(defaultsFS, "defaults/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, name := range files {
		b, err := defaultsFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := decodeInto(p, b, "default plan "+name); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Load returns the default plan with the YAML file at path merged over it:
// scalars and lists in the file replace the default's, maps (limits) are
// merged key by key.
func Load(path string) (*Plan, error) {
	p, err := Default()
	if err != nil {
		return nil, err
	}
	if path == "" {
		return p, nil
	}
	b, err := safefile.ReadFile(path, planMax)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	if err := decodeInto(p, b, path); err != nil {
		return nil, err
	}
	return p, nil
}

// Error is a plan problem with the file and line it was found at.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func decodeInto(p *Plan, b []byte, file string) error {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return yamlError(file, err)
	}
	if len(root.Content) == 0 {
		return nil // an empty override changes nothing
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
		err := yamlError(file, err)
		var pe *Error
		if errors.As(err, &pe) && pe.Line > 0 {
			if key := keyAtLine(&root, pe.Line); key != "" && !strings.Contains(pe.Msg, key) {
				pe.Msg = key + ": " + pe.Msg
			}
		}
		return err
	}
	return p.validate(file, &root)
}

// yamlError turns yaml.v3's "yaml: line 3: ..." into file:3: ....
func yamlError(file string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return lineError(file, te.Errors[0])
	}
	return lineError(file, err.Error())
}

func lineError(file, msg string) error {
	msg = strings.TrimPrefix(msg, "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return &Error{File: file, Line: line, Msg: msg}
}

// knownUnits are the SI units (and a few derived ones) a limit may carry.
var knownUnits = map[string]bool{
	"": true, "V": true, "A": true, "W": true, "°C": true, "Hz": true, "s": true,
	"B": true, "%": true, "rpm": true, "GT/s": true, "lanes": true, "1/s": true,
	"tokens/s": true, "inferences/s": true, "count": true, "Ω": true, "J": true,
}

// validate checks what the YAML decoder cannot: ordered bounds, known
// units, known stage names. root locates errors by line.
func (p *Plan) validate(file string, root *yaml.Node) error {
	keys := make([]string, 0, len(p.Limits))
	for k := range p.Limits {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := p.Limits[k]
		at := func(msg string) error {
			return &Error{File: file, Line: lineOf(root, "limits", k), Msg: fmt.Sprintf("limit %s: %s", k, msg)}
		}
		if !knownUnits[s.Unit] {
			return at(fmt.Sprintf("unknown unit %q", s.Unit))
		}
		if s.Equals != nil && (s.Low != nil || s.High != nil) {
			return at("equals cannot be combined with low/high")
		}
		seq := []*float64{s.Low, s.MarginalLow, s.MarginalHigh, s.High}
		names := []string{"low", "marginal_low", "marginal_high", "high"}
		for i, v := range seq {
			if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
				return at(names[i] + " must be a finite number")
			}
		}
		for i := range seq {
			for j := i + 1; j < len(seq); j++ {
				if seq[i] != nil && seq[j] != nil && *seq[i] > *seq[j] {
					return at(fmt.Sprintf("%s (%g) is above %s (%g)", names[i], *seq[i], names[j], *seq[j]))
				}
			}
		}
	}
	for _, c := range p.choices() {
		if c.value == "" {
			continue
		}
		ok := false
		for _, w := range c.allowed {
			ok = ok || c.value == w
		}
		if !ok {
			return &Error{File: file, Line: lineOf(root, c.path...), Msg: fmt.Sprintf("%s: %q, want one of %s", strings.Join(c.path, "."), c.value, strings.Join(c.allowed, ", "))}
		}
	}
	if len(p.Stages) == 0 {
		return &Error{File: file, Line: lineOf(root, "stages"), Msg: "stages: the plan runs no stage"}
	}
	for i, s := range p.Stages {
		if !knownStage(s) {
			return &Error{File: file, Line: lineOfIndex(root, "stages", i), Msg: fmt.Sprintf("stages: unknown stage %q (known: %s)", s, strings.Join(StageNames, ", "))}
		}
	}
	return nil
}

// choice is a plan setting that takes one of a few words; checking them at
// load time means a typo in a plan fails on the line that has it, not in
// the middle of a run.
type choice struct {
	path    []string
	value   string
	allowed []string
}

func (p *Plan) choices() []choice {
	return []choice{
		{[]string{"hat", "wp_active"}, p.HAT.WPActive, []string{"high", "low"}},
		{[]string{"driver", "gen2"}, p.Driver.Gen2, []string{"fail", "marginal"}},
		{[]string{"bench", "runtime"}, p.Bench.Runtime, []string{"ort", "hailortcli"}},
		{[]string{"bench", "cpu_fallback"}, p.Bench.CPUFallback, []string{"marginal", "fail", "pass"}},
		{[]string{"bench", "quant"}, p.Bench.Quant, []string{"fp32", "int8", "int4"}},
	}
}

// StageNames lists the stages a plan may name, in the default order.
var StageNames = []string{
	"board.identify", "eeprom.verify", "i2c.scan", "overlay.check", "driver.check",
	"power.rails", "power.flags", "power.budget", "bench",
}

func knownStage(s string) bool {
	for _, n := range StageNames {
		if n == s {
			return true
		}
	}
	return false
}

// lineOf finds the line of the value at a key path in a YAML document, or
// 0 when the path is not in this document (it came from the default plan).
func lineOf(root *yaml.Node, path ...string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, key := range path {
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line = n.Content[i].Line
				n = n.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}

// keyAtLine returns the dotted path of the mapping key on a line.
func keyAtLine(n *yaml.Node, line int) string {
	var walk func(n *yaml.Node, path string) string
	walk = func(n *yaml.Node, path string) string {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				if k := walk(c, path); k != "" {
					return k
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key := n.Content[i].Value
				if path != "" {
					key = path + "." + key
				}
				if n.Content[i].Line == line {
					return key
				}
				if k := walk(n.Content[i+1], key); k != "" {
					return k
				}
			}
		}
		return ""
	}
	return walk(n, "")
}

func lineOfIndex(root *yaml.Node, key string, i int) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for j := 0; j+1 < len(n.Content); j += 2 {
		if n.Content[j].Value == key {
			v := n.Content[j+1]
			if v.Kind == yaml.SequenceNode && i < len(v.Content) {
				return v.Content[i].Line
			}
			return n.Content[j].Line
		}
	}
	return 0
}

// YAML renders the effective plan.
func (p *Plan) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}
