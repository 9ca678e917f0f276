package report

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"time"
)

// Schema names the version of the run record's JSON shape.
// v2 added steps' series and events (docs/run.schema.json).
const Schema = "aihat.run/v2"

// Outcome is the verdict of a measurement, a step or a run.
type Outcome string

// Outcomes, from best to worst. A run's outcome is the worst of its steps'.
const (
	Pass Outcome = "PASS"
	Skip Outcome = "SKIP"
	// NotRun is a step the run never started because it was cut off
	// first: listed so the record says what was not tested.
	NotRun  Outcome = "NOT_RUN"
	Fail    Outcome = "FAIL"
	Error   Outcome = "ERROR"
	Aborted Outcome = "ABORTED"
)

func (o Outcome) rank() int {
	switch o {
	case Pass:
		return 0
	case Skip, NotRun:
		return 1
	case Fail:
		return 2
	case Error:
		return 3
	case Aborted:
		return 4
	}
	return 0
}

// Exit codes of the aihat command, shared by every stage.
const (
	ExitPass    = 0
	ExitFail    = 1
	ExitError   = 2
	ExitAborted = 3
	ExitUsage   = 64
)

// Limits bound a measurement. Low and High are inclusive. The marginal band
// lies inside them: a value outside [MarginalLow, MarginalHigh] but inside
// [Low, High] passes, marked marginal. Equals, when set, requires equality
// (numbers, strings or booleans) and is checked instead of the bounds.
// Pattern, when set, is a regular expression a string value must match
// (a board model by its prefix, a UUID by its form).
type Limits struct {
	Low          *float64 `json:"low,omitempty"`
	High         *float64 `json:"high,omitempty"`
	MarginalLow  *float64 `json:"marginal_low,omitempty"`
	MarginalHigh *float64 `json:"marginal_high,omitempty"`
	Equals       any      `json:"equals,omitempty"`
	Pattern      string   `json:"pattern,omitempty"`
}

func ptr(v float64) *float64 { return &v }

// Between returns limits lo <= v <= hi.
func Between(lo, hi float64) *Limits { return &Limits{Low: ptr(lo), High: ptr(hi)} }

// AtLeast returns limits v >= lo.
func AtLeast(lo float64) *Limits { return &Limits{Low: ptr(lo)} }

// AtMost returns limits v <= hi.
func AtMost(hi float64) *Limits { return &Limits{High: ptr(hi)} }

// Equal returns limits v == want.
func Equal(want any) *Limits { return &Limits{Equals: want} }

// WithMarginal returns a copy of l with a marginal band [mlo, mhi]; pass
// NaN for a side without a band.
func (l *Limits) WithMarginal(mlo, mhi float64) *Limits {
	c := *l
	if !math.IsNaN(mlo) {
		c.MarginalLow = ptr(mlo)
	}
	if !math.IsNaN(mhi) {
		c.MarginalHigh = ptr(mhi)
	}
	return &c
}

// String renders the limits the way an engineer writes them: "[4.75, 5.25]",
// ">= 3", "== hailo-ai-hat2".
func (l *Limits) String() string {
	if l == nil {
		return ""
	}
	if l.Equals != nil {
		return fmt.Sprintf("== %v", l.Equals)
	}
	if l.Pattern != "" {
		return "=~ " + l.Pattern
	}
	switch {
	case l.Low != nil && l.High != nil:
		return fmt.Sprintf("[%s, %s]", fnum(*l.Low), fnum(*l.High))
	case l.Low != nil:
		return ">= " + fnum(*l.Low)
	case l.High != nil:
		return "<= " + fnum(*l.High)
	}
	return ""
}

func fnum(v float64) string { return fmt.Sprintf("%.6g", v) }

// Measurement is one named reading with its unit, limits and verdict.
// Value is a float64 (in the SI unit named by Unit), a string, a bool, or
// nil when the reading could not be taken.
type Measurement struct {
	Name     string  `json:"name"`
	Value    any     `json:"value"`
	Unit     string  `json:"unit,omitempty"`
	Limits   *Limits `json:"limits,omitempty"`
	Outcome  Outcome `json:"outcome"`
	Marginal bool    `json:"marginal,omitempty"`
	// Code is a stable failure code for factory databases, e.g.
	// "EEPROM_CRC"; when empty a failing measurement is known by its name.
	Code string `json:"code,omitempty"`
	// Message says why it failed and what to do about it.
	Message string `json:"message,omitempty"`
}

// Evaluate sets Outcome and Marginal from Value and Limits. A measurement
// without limits is informational and passes when it has a value. A missing
// value or NaN fails. A message explaining a failure is added when the
// caller did not give one.
func (m *Measurement) Evaluate() {
	m.Marginal = false
	if m.Outcome == Skip || m.Outcome == Error || m.Outcome == Aborted {
		return
	}
	m.Outcome = Pass
	if m.Value == nil {
		m.fail("no reading")
		return
	}
	num, isNum := m.number()
	if isNum && math.IsNaN(num) {
		m.fail("reading is not a number")
		return
	}
	l := m.Limits
	switch {
	case l == nil:
	case l.Equals != nil:
		if !equalValues(m.Value, l.Equals) {
			m.fail(fmt.Sprintf("got %v, want %v", m.Value, l.Equals))
		}
	case l.Pattern != "":
		m.matchPattern(l.Pattern)
	default:
		m.checkBounds(l, num, isNum)
	}
}

// fail fails the measurement, saying why unless the caller already did.
func (m *Measurement) fail(why string) {
	m.Outcome = Fail
	if m.Message == "" {
		m.Message = why
	}
}

// number is the value as a number, if it is one. A flag meets bounds as
// 0 (false) or 1 (true), so a plan can make a set flag a marginal pass:
// {marginal_high: 0}.
func (m *Measurement) number() (float64, bool) {
	num, isNum := toFloat(m.Value)
	if b, ok := m.Value.(bool); ok {
		num, isNum = 0, true
		if b {
			num = 1
		}
	}
	return num, isNum
}

func (m *Measurement) matchPattern(pattern string) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		// The plan checks patterns when it loads; a limit built in
		// code with a bad one cannot judge anything.
		m.Outcome, m.Message = Error, fmt.Sprintf("limit pattern %q: %v", pattern, err)
		return
	}
	if !re.MatchString(fmt.Sprint(m.Value)) {
		m.fail(fmt.Sprintf("got %v, which does not match %s", m.Value, pattern))
	}
}

// checkBounds judges a number against low/high (fail) and the marginal
// bounds (a marginal pass).
func (m *Measurement) checkBounds(l *Limits, num float64, isNum bool) {
	if l.Low == nil && l.High == nil && l.MarginalLow == nil && l.MarginalHigh == nil {
		return
	}
	if !isNum {
		m.fail(fmt.Sprintf("got %v, want a number within %s", m.Value, l))
		return
	}
	if l.Low != nil && num < *l.Low {
		m.fail(fmt.Sprintf("%s %s below the minimum %s %s", fnum(num), m.Unit, fnum(*l.Low), m.Unit))
		return
	}
	if l.High != nil && num > *l.High {
		m.fail(fmt.Sprintf("%s %s above the maximum %s %s", fnum(num), m.Unit, fnum(*l.High), m.Unit))
		return
	}
	if (l.MarginalLow != nil && num < *l.MarginalLow) || (l.MarginalHigh != nil && num > *l.MarginalHigh) {
		m.Marginal = true
	}
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

func equalValues(got, want any) bool {
	gf, gok := toFloat(got)
	wf, wok := toFloat(want)
	if gok && wok {
		return gf == wf
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}

// Attachment is a file written next to the report (a plot, a log, a dump).
type Attachment struct {
	Name      string `json:"name"`
	Path      string `json:"path"`
	MediaType string `json:"media_type,omitempty"`
}

// Step is one stage's record within a run, e.g. "eeprom.verify".
type Step struct {
	Name         string        `json:"name"`
	Outcome      Outcome       `json:"outcome"`
	Marginal     bool          `json:"marginal,omitempty"`
	Started      time.Time     `json:"started"`
	Duration     time.Duration `json:"duration_ns"`
	Measurements []Measurement `json:"measurements"`
	Attachments  []Attachment  `json:"attachments,omitempty"`
	Series       []Series      `json:"series,omitempty"`
	Events       []Event       `json:"events,omitempty"`
	Log          []string      `json:"log,omitempty"`
	// Error is set when the step could not do its work at all (an
	// infrastructure problem, not a limit violation).
	Error string `json:"error,omitempty"`

	// onLog hears each log line as it is written (-v); see Progress.
	onLog func(line string)
}

// NewStep starts a step at the given time.
func NewStep(name string, started time.Time) *Step {
	return &Step{Name: name, Started: started, Measurements: []Measurement{}}
}

// Add evaluates m against its limits, appends it to the step and returns
// a copy of what was stored: a verdict is made once, here, and nothing can
// edit the stored row afterwards (a pointer into the slice would also
// dangle after the next append grows it).
func (s *Step) Add(m Measurement) Measurement {
	m.Evaluate()
	s.Measurements = append(s.Measurements, m)
	return m
}

// Logf appends a line to the step's log.
func (s *Step) Logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	s.Log = append(s.Log, line)
	if s.onLog != nil {
		s.onLog(line)
	}
}

// Finish sets the step's duration and outcome: ERROR when err is not nil or
// Error was set, ABORTED when aborted, else the worst measurement outcome.
func (s *Step) Finish(ended time.Time, err error) {
	s.Duration = ended.Sub(s.Started)
	if err != nil && s.Error == "" {
		s.Error = err.Error()
	}
	s.Outcome = Pass
	s.Marginal = false
	for _, m := range s.Measurements {
		if m.Outcome.rank() > s.Outcome.rank() {
			s.Outcome = m.Outcome
		}
		s.Marginal = s.Marginal || m.Marginal
	}
	if s.Error != "" && s.Outcome.rank() < Error.rank() {
		s.Outcome = Error
	}
	if len(s.Measurements) == 0 && s.Error == "" && s.Outcome == Pass {
		s.Outcome = Skip
	}
}

// Abort marks the step as cut off (Ctrl-C, deadline) and keeps what it has.
func (s *Step) Abort(ended time.Time, why string) {
	s.Duration = ended.Sub(s.Started)
	s.Outcome = Aborted
	if s.Error == "" {
		s.Error = why
	}
}

// NotRunStep is a step of the plan that the run never started.
func NotRunStep(name string, at time.Time, why string) *Step {
	s := NewStep(name, at)
	s.Outcome = NotRun
	s.Logf("not run: %s", why)
	return s
}

// TargetSim is the target name of the simulated Pi 5 + AI HAT+ 2.
const TargetSim = "sim"

// Run is one invocation's record: what ran, on what, and what it found.
type Run struct {
	Schema      string `json:"schema"`
	ID          string `json:"id"`
	ToolVersion string `json:"tool_version"`
	Target      string `json:"target"`
	// Simulated is true when the board was the simulated one: its numbers
	// come from a model, not from hardware. Set by Finish from Target, so
	// every record of a sim run carries it; absent (false) otherwise, so
	// records from real boards read exactly as before (aihat.run/v1).
	Simulated    bool      `json:"simulated,omitempty"`
	Serial       string    `json:"serial,omitempty"`
	Station      string    `json:"station,omitempty"`
	Operator     string    `json:"operator,omitempty"`
	Started      time.Time `json:"started"`
	Ended        time.Time `json:"ended"`
	Outcome      Outcome   `json:"outcome"`
	Marginal     bool      `json:"marginal,omitempty"`
	FailureCodes []string  `json:"failure_codes,omitempty"`
	Steps        []*Step   `json:"steps"`
}

// Finish sets the run's end, outcome, marginal flag and failure codes from
// its steps. An empty run is an ERROR: nothing was checked.
func (r *Run) Finish(ended time.Time) {
	r.Schema = Schema
	r.Simulated = r.Target == TargetSim
	r.Ended = ended
	r.Outcome = Pass
	r.Marginal = false
	codes := map[string]bool{}
	for _, s := range r.Steps {
		if s.Outcome.rank() > r.Outcome.rank() {
			r.Outcome = s.Outcome
		}
		r.Marginal = r.Marginal || s.Marginal
		for _, m := range s.Measurements {
			if m.Outcome == Fail || m.Outcome == Error {
				code := m.Code
				if code == "" {
					code = s.Name + "." + m.Name
				}
				codes[code] = true
			}
		}
		if s.Error != "" && s.Outcome != Aborted {
			codes[s.Name+".error"] = true
		}
	}
	if len(r.Steps) == 0 {
		r.Outcome = Error
	}
	if r.Outcome == Skip || r.Outcome == NotRun {
		r.Outcome = Pass
	}
	r.FailureCodes = r.FailureCodes[:0]
	for c := range codes {
		r.FailureCodes = append(r.FailureCodes, c)
	}
	sort.Strings(r.FailureCodes)
}

// IsSimulated reports whether the run was on the simulated board; it also
// recognises a record written before the simulated field existed.
func (r *Run) IsSimulated() bool { return r.Simulated || r.Target == TargetSim }

// ExitCode maps a finished run to the process exit code. A marginal pass
// is a pass unless strict is set, when it counts as a failure.
func ExitCode(r *Run, strict bool) int {
	switch r.Outcome {
	case Pass, Skip, NotRun:
		if strict && r.Marginal {
			return ExitFail
		}
		return ExitPass
	case Fail:
		return ExitFail
	case Aborted:
		return ExitAborted
	}
	return ExitError
}
