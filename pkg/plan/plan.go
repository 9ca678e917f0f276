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
	"math"
	"regexp"
	"slices"
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
// its limits). One file per stage keeps a stage's defaults next to nothing
// else's.
//
//go:embed defaults/*.yaml
var defaultsFS embed.FS

// defaultFiles are merged over default.yaml in this order. An explicit
// list, not a glob: the order is visible here, and a file dropped into
// defaults/ without a line here fails TestEveryDefaultsFileIsListed.
var defaultFiles = []string{
	"defaults/00-base.yaml",
	"defaults/bench.yaml",
	"defaults/eeprom.yaml",
	"defaults/loadtest.yaml",
	"defaults/overlay.yaml",
	"defaults/power.yaml",
	"defaults/thermal.yaml",
}

// Plan is the effective test plan.
type Plan struct {
	Name     string               `yaml:"name"`
	Stages   []string             `yaml:"stages"`
	Limits   map[string]LimitSpec `yaml:"limits"`
	Board    BoardPlan            `yaml:"board"`
	HAT      HATPlan              `yaml:"hat"`
	I2C      I2CPlan              `yaml:"i2c"`
	Overlay  OverlayPlan          `yaml:"overlay"`
	Driver   DriverPlan           `yaml:"driver"`
	Power    PowerPlan            `yaml:"power"`
	Bench    BenchPlan            `yaml:"bench"`
	Thermal  ThermalPlan          `yaml:"thermal"`
	Loadtest LoadtestPlan         `yaml:"loadtest"`
}

// BoardPlan says what board the plan is for. The model moved to the limit
// board.identify.model ({pattern: "^Raspberry Pi 5"}); Model is kept only
// to name the new key when an old plan sets it.
type BoardPlan struct {
	Model string `yaml:"model,omitempty"`
}

// LimitSpec is a limit as written in the plan: bounds in the SI unit named
// by Unit, or an exact value.
type LimitSpec struct {
	Low          *float64 `yaml:"low,omitempty"`
	High         *float64 `yaml:"high,omitempty"`
	MarginalLow  *float64 `yaml:"marginal_low,omitempty"`
	MarginalHigh *float64 `yaml:"marginal_high,omitempty"`
	Equals       any      `yaml:"equals,omitempty"`
	// Pattern is a regular expression a string value must match.
	Pattern string `yaml:"pattern,omitempty"`
	Unit    string `yaml:"unit,omitempty"`
}

// Limits converts the spec to the report's limits.
func (s LimitSpec) Limits() *report.Limits {
	return &report.Limits{Low: s.Low, High: s.High, MarginalLow: s.MarginalLow, MarginalHigh: s.MarginalHigh, Equals: s.Equals, Pattern: s.Pattern}
}

// Limit returns the limits planned for key ("<step>.<measurement>"), or nil
// when the plan does not bound that measurement.
func (p *Plan) Limit(key string) *report.Limits {
	s, ok := p.spec(key)
	if !ok {
		return nil
	}
	return s.Limits()
}

// Unit returns the unit planned for key, or "".
func (p *Plan) Unit(key string) string {
	s, _ := p.spec(key)
	return s.Unit
}

// spec finds the limit for key: the key itself, else a key with "*"
// segments that matches it ("overlay.check.dt.*.present" bounds every
// node's presence). Of several patterns the first in sorted order wins, so
// the choice never depends on map order.
func (p *Plan) spec(key string) (LimitSpec, bool) {
	if s, ok := p.Limits[key]; ok {
		return s, true
	}
	var pats []string
	for k := range p.Limits {
		if strings.Contains(k, "*") && MatchKey(k, key) {
			pats = append(pats, k)
		}
	}
	if len(pats) == 0 {
		return LimitSpec{}, false
	}
	sort.Strings(pats)
	return p.Limits[pats[0]], true
}

// MatchKey matches dotted names segment by segment; "*" in pattern
// matches any one segment (and a "*" in key, so a plan may key a limit by
// a stage's measurement pattern itself).
func MatchKey(pattern, key string) bool {
	ps, ks := strings.Split(pattern, "."), strings.Split(key, ".")
	if len(ps) != len(ks) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != ks[i] {
			return false
		}
	}
	return true
}

// Default returns the embedded plan for a Raspberry Pi 5 + AI HAT+ 2.
func Default() (*Plan, error) {
	p := &Plan{}
	if err := decodeInto(p, defaultYAML, "default plan"); err != nil {
		return nil, err
	}
	for _, name := range defaultFiles {
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

// Known is what this build can run (the zero Known checks nothing): the stages of the stage table in
// order and the limit keys their measurements accept. The plan package
// cannot import the table (the stage packages import the plan), so the
// table is handed in.
type Known struct {
	// Stages are the stage names, in table order.
	Stages []string
	// AcceptsLimit says whether a limit key names a measurement some
	// stage produces.
	AcceptsLimit func(key string) bool
	// LimitKeys are the valid key patterns, listed in the error.
	LimitKeys []string
}

// Load returns the default plan with the YAML file at path merged over it
// (scalars and lists in the file replace the default's, maps such as
// limits merge key by key), checked against what the build knows: every
// stage the plan names must exist, every limit key must name a
// measurement.
func Load(path string, k Known) (*Plan, error) {
	p, err := Default()
	if err != nil {
		return nil, err
	}
	file, root := "default plan", &yaml.Node{}
	if path != "" {
		b, err := safefile.ReadFile(path, planMax)
		if err != nil {
			return nil, fmt.Errorf("read plan: %w", err)
		}
		if err := decodeInto(p, b, path); err != nil {
			return nil, err
		}
		file = path
		_ = yaml.Unmarshal(b, root) // decodeInto parsed it already
	}
	if err := p.check(k, file, root); err != nil {
		return nil, err
	}
	return p, nil
}

// Check checks an already loaded plan against what the build knows.
func (p *Plan) Check(k Known) error { return p.check(k, "plan", &yaml.Node{}) }

func (p *Plan) check(k Known, file string, root *yaml.Node) error {
	for i, s := range p.Stages {
		if k.Stages != nil && !slices.Contains(k.Stages, s) {
			return &Error{File: file, Line: lineOfIndex(root, "stages", i), Msg: fmt.Sprintf("stages: unknown stage %q: this build has %s", s, strings.Join(k.Stages, ", "))}
		}
	}
	if k.AcceptsLimit == nil {
		return nil
	}
	keys := make([]string, 0, len(p.Limits))
	for key := range p.Limits {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if !k.AcceptsLimit(key) {
			return &Error{File: file, Line: lineOf(root, "limits", key), Msg: fmt.Sprintf("limits: unknown key %q: no stage measures it; valid keys (* is any one name segment): %s", key, strings.Join(k.LimitKeys, ", "))}
		}
	}
	return nil
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
	// Slopes of the load test, per hour.
	"B/h": true, "count/h": true, "rpm/h": true, "s/h": true, "1/h": true,
}

// validate checks what the YAML decoder cannot: numbers in their ranges,
// ordered bounds, known units, known stage names. root locates errors by line.
func (p *Plan) validate(file string, root *yaml.Node) error {
	if err := checkRanges(file, root); err != nil {
		return err
	}
	keys := make([]string, 0, len(p.Limits))
	for k := range p.Limits {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if msg := p.Limits[k].problem(); msg != "" {
			return &Error{File: file, Line: lineOf(root, "limits", k), Msg: fmt.Sprintf("limit %s: %s", k, msg)}
		}
	}
	if err := p.checkChoices(file, root); err != nil {
		return err
	}
	if path, err := p.Thermal.check(); err != nil {
		return &Error{File: file, Line: lineOf(root, path...), Msg: err.Error()}
	}
	if len(p.Stages) == 0 {
		return &Error{File: file, Line: lineOf(root, "stages"), Msg: "stages: the plan runs no stage"}
	}
	return p.checkMoved(file, root)
}

// problem says what is wrong with a limit ("" when nothing is): an
// unknown unit, bounds that cannot be combined, a bad pattern, bounds
// that are not finite or not in order.
func (s LimitSpec) problem() string {
	if !knownUnits[s.Unit] {
		return fmt.Sprintf("unknown unit %q", s.Unit)
	}
	if s.Equals != nil && (s.Low != nil || s.High != nil) {
		return "equals cannot be combined with low/high"
	}
	if s.Pattern != "" {
		if s.Equals != nil || s.Low != nil || s.High != nil {
			return "pattern cannot be combined with equals or low/high"
		}
		if _, err := regexp.Compile(s.Pattern); err != nil {
			return fmt.Sprintf("pattern: %v", err)
		}
	}
	seq := []*float64{s.Low, s.MarginalLow, s.MarginalHigh, s.High}
	names := []string{"low", "marginal_low", "marginal_high", "high"}
	for i, v := range seq {
		if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
			return names[i] + " must be a finite number"
		}
	}
	for i := range seq {
		for j := i + 1; j < len(seq); j++ {
			if seq[i] != nil && seq[j] != nil && *seq[i] > *seq[j] {
				return fmt.Sprintf("%s (%g) is above %s (%g)", names[i], *seq[i], names[j], *seq[j])
			}
		}
	}
	return ""
}

// checkChoices refuses a setting outside its allowed values.
func (p *Plan) checkChoices(file string, root *yaml.Node) error {
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
	return nil
}

// checkMoved refuses the settings that became limits (issue 12: limits
// come only from limits:), naming the key to use instead, so an old plan
// fails on its line rather than being silently ignored.
func (p *Plan) checkMoved(file string, root *yaml.Node) error {
	moved := p.HAT.moved()
	if p.Board.Model != "" {
		moved = append(moved, [2]string{"board.model", `board.identify.model: {pattern: "^` + p.Board.Model + `"}`})
	}
	if d := p.Driver; d.LinkSpeedGTs != 0 || d.Gen2 != "" {
		name := "driver.link_speed_gts"
		if d.Gen2 != "" {
			name = "driver.gen2"
		}
		moved = append(moved, [2]string{name, "driver.check.pcie.link_speed: {low: 8, unit: GT/s} (Gen 2 accepted as marginal: {low: 5, marginal_low: 8, unit: GT/s}) and overlay.check.dtparam.pciex1_gen: {low: 3, high: 3} ({low: 2, marginal_low: 3, high: 3})"})
	}
	if p.Driver.LinkWidth != 0 {
		moved = append(moved, [2]string{"driver.link_width", "driver.check.pcie.link_width: {low: 1, unit: lanes}"})
	}
	for _, n := range p.Overlay.Nodes {
		if n.Compatible != "" || n.Status != "" {
			moved = append(moved, [2]string{"overlay.nodes " + n.Name + " compatible/status", "overlay.check.dt." + n.Name + ".compatible: {equals: ...} and overlay.check.dt." + n.Name + ".status: {equals: okay}"})
		}
	}
	if p.Bench.CPUFallback != "" {
		moved = append(moved, [2]string{"bench.cpu_fallback", "bench.cpu_fallback: {marginal_high: 0} (marginal), {equals: false} (fail) or {} (pass)"})
	}
	if len(p.Power.FailFlags) > 0 {
		moved = append(moved, [2]string{"power.fail_flags", "power.flags.<flag>: {equals: false}, one per flag"})
	}
	for _, r := range p.Power.Rails {
		if r.MinV != nil || r.MaxV != nil || r.MaxA != nil || r.MarginalV != 0 {
			moved = append(moved, [2]string{"power.rails " + r.Name + " min_v/max_v/max_a/marginal_v",
				"power.rails." + r.Name + ".v_min: {low: .., marginal_low: ..}, .v_mean: {low: .., high: ..}, .v_max: {high: .., marginal_high: ..}, .a_max: {high: ..}"})
		}
	}
	if len(moved) > 0 {
		path := strings.Split(strings.Fields(moved[0][0])[0], ".")
		return &Error{File: file, Line: lineOf(root, path...), Msg: fmt.Sprintf("%s moved to limits: set limits: %s", moved[0][0], moved[0][1])}
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
		{[]string{"bench", "runtime"}, p.Bench.Runtime, []string{"ort", "hailortcli"}},
		{[]string{"bench", "quant"}, p.Bench.Quant, []string{"fp32", "int8", "int4"}},
		{[]string{"thermal", "load"}, p.Thermal.Load, []string{"cpu", "npu", "both"}},
	}
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
