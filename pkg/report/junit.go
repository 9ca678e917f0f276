package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The JUnit layout follows the Ant/Jenkins schema (JUnit.xsd, plus
// properties on testcases: testdata/JUnit-testcase-properties.xsd): one
// <testsuite> per run inside <testsuites>, one <testcase> per measurement,
// classname = step name. A limit violation is a <failure>; a step that
// could not measure (infrastructure) is an <error>.

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Package    string          `xml:"package,attr"`
	ID         int             `xml:"id,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Hostname   string          `xml:"hostname,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out"`
	SystemErr  string          `xml:"system-err"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	Time      string `xml:"time,attr"`
	// Properties are the measurement's value, unit and limits, for CI to
	// show and trend (Jenkins' junit plugin reads testcase properties; the
	// Ant schema has them on suites only, testdata/JUnit-testcase-properties.xsd
	// is it with this one addition).
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Skipped    *struct{}       `xml:"skipped"`
	Error      *junitProblem   `xml:"error"`
	Failure    *junitProblem   `xml:"failure"`
}

type junitProblem struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes r as JUnit XML.
func WriteJUnit(w io.Writer, r *Run) error {
	s := newJUnitSuite(r)
	var out, errs strings.Builder
	for _, st := range r.Steps {
		for _, l := range st.Log {
			fmt.Fprintf(&out, "[%s] %s\n", st.Name, l)
		}
		if st.Error != "" {
			fmt.Fprintf(&errs, "[%s] %s: %s\n", st.Name, st.Outcome, st.Error)
		}
		s.addStep(st)
	}
	s.SystemOut = out.String()
	s.SystemErr = errs.String()
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{*s}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// newJUnitSuite is the run's suite with its identity as properties, and
// no cases yet.
func newJUnitSuite(r *Run) *junitSuite {
	host := r.Station
	if host == "" {
		host = r.Target
	}
	if host == "" {
		host = "localhost"
	}
	s := &junitSuite{
		Name:      "aihat." + token(r.ID, "run"),
		Package:   "aihat",
		ID:        0,
		Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"),
		Hostname:  token(host, "localhost"),
		Time:      seconds(r.Ended.Sub(r.Started).Seconds()),
	}
	prop := func(k, v string) {
		if v != "" {
			s.Properties = append(s.Properties, junitProperty{k, v})
		}
	}
	prop("serial", r.Serial)
	prop("station", r.Station)
	prop("operator", r.Operator)
	prop("target", r.Target)
	if r.IsSimulated() {
		prop("simulated", "true")
	}
	prop("tool_version", r.ToolVersion)
	prop("outcome", Verdict(r.Outcome, r.Marginal))
	prop("failure_codes", strings.Join(r.FailureCodes, ","))
	return s
}

// addStep adds a step's testcases: one per measurement (the step's time
// shared among them), or the step itself when it measured nothing.
func (s *junitSuite) addStep(st *Step) {
	if len(st.Measurements) == 0 {
		c := junitCase{Name: token(st.Name, "step"), Classname: token(st.Name, "step"), Time: seconds(st.Duration.Seconds())}
		switch st.Outcome {
		case Error, Aborted:
			c.Error = &junitProblem{Message: st.Error, Type: string(st.Outcome), Text: st.Error}
			s.Errors++
		case Skip, NotRun:
			c.Skipped = &struct{}{}
			s.Skipped++
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
		return
	}
	per := st.Duration.Seconds() / float64(len(st.Measurements))
	for _, m := range st.Measurements {
		s.addMeasurement(st, m, per)
	}
	// A step that errored after measuring some things still shows
	// its error as its own testcase, so CI marks it.
	if st.Error != "" {
		s.Cases = append(s.Cases, junitCase{Name: "step", Classname: token(st.Name, "step"), Time: "0",
			Error: &junitProblem{Message: st.Error, Type: string(st.Outcome), Text: st.Error}})
		s.Tests++
		s.Errors++
	}
}

// addMeasurement adds one measurement's testcase: a limit it breaks is a
// failure, one it could not make an error.
func (s *junitSuite) addMeasurement(st *Step, m Measurement, per float64) {
	c := junitCase{Name: token(m.Name, "measurement"), Classname: token(st.Name, "step"), Time: seconds(per),
		Properties: caseProperties(m)}
	detail := fmt.Sprintf("value: %s\nlimits: %s\n", FormatValue(m), FormatLimits(m))
	if m.Message != "" {
		detail += m.Message + "\n"
	}
	typ := m.Code
	switch m.Outcome {
	case Fail:
		if typ == "" {
			typ = "LIMIT"
		}
		c.Failure = &junitProblem{Message: m.Message, Type: typ, Text: detail}
		s.Failures++
	case Error, Aborted:
		if typ == "" {
			typ = string(m.Outcome)
		}
		c.Error = &junitProblem{Message: m.Message, Type: typ, Text: detail}
		s.Errors++
	case Skip:
		c.Skipped = &struct{}{}
		s.Skipped++
	}
	s.Cases = append(s.Cases, c)
	s.Tests++
}

// caseProperties are a measurement's value (as recorded: a number in the
// unit's SI form, a string or a flag), unit, limits and verdict.
func caseProperties(m Measurement) []junitProperty {
	var ps []junitProperty
	add := func(k string, v any) {
		switch x := v.(type) {
		case nil:
			return
		case *float64:
			if x == nil {
				return
			}
			v = *x
		}
		if f, ok := v.(float64); ok {
			ps = append(ps, junitProperty{k, strconv.FormatFloat(f, 'g', -1, 64)})
			return
		}
		ps = append(ps, junitProperty{k, fmt.Sprint(v)})
	}
	add("value", m.Value)
	if m.Unit != "" {
		add("unit", m.Unit)
	}
	if l := m.Limits; l != nil {
		add("low", l.Low)
		add("high", l.High)
		add("marginal_low", l.MarginalLow)
		add("marginal_high", l.MarginalHigh)
		add("equals", l.Equals)
		if l.Pattern != "" {
			add("pattern", l.Pattern)
		}
	}
	add("outcome", Verdict(m.Outcome, m.Marginal))
	return ps
}

func seconds(s float64) string { return fmt.Sprintf("%.3f", s) }

// token makes s an xs:token with at least one character: no leading,
// trailing or repeated whitespace.
func token(s, fallback string) string {
	s = oneLine(s)
	if s == "" {
		return fallback
	}
	return s
}
