package report

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestEvaluateLimits(t *testing.T) {
	tests := []struct {
		name     string
		value    any
		limits   *Limits
		outcome  Outcome
		marginal bool
	}{
		{"low bound is inclusive", 4.75, Between(4.75, 5.25), Pass, false},
		{"high bound is inclusive", 5.25, Between(4.75, 5.25), Pass, false},
		{"just below low", 4.7499, Between(4.75, 5.25), Fail, false},
		{"just above high", 5.2501, Between(4.75, 5.25), Fail, false},
		{"at least", 3.0, AtLeast(3), Pass, false},
		{"at least fails", 2.9, AtLeast(3), Fail, false},
		{"at most", 85.0, AtMost(85), Pass, false},
		{"at most fails", 85.1, AtMost(85), Fail, false},
		{"int value", 3, Between(1, 5), Pass, false},
		{"uint16 value", uint16(7), AtMost(5), Fail, false},
		{"inside marginal band low", 4.8, Between(4.75, 5.25).WithMarginal(4.85, 5.2), Pass, true},
		{"inside marginal band high", 5.22, Between(4.75, 5.25).WithMarginal(4.85, 5.2), Pass, true},
		{"marginal edge is not marginal", 4.85, Between(4.75, 5.25).WithMarginal(4.85, 5.2), Pass, false},
		{"outside both", 4.7, Between(4.75, 5.25).WithMarginal(4.85, 5.2), Fail, false},
		{"NaN fails", math.NaN(), Between(0, 1), Fail, false},
		{"NaN fails without limits", math.NaN(), nil, Fail, false},
		{"missing value fails", nil, Between(0, 1), Fail, false},
		{"missing value fails without limits", nil, nil, Fail, false},
		{"no limits is informational", 42.0, nil, Pass, false},
		{"empty limits is informational", 42.0, &Limits{}, Pass, false},
		{"string equals", "hailo-ai-hat2", Equal("hailo-ai-hat2"), Pass, false},
		{"string differs", "other", Equal("hailo-ai-hat2"), Fail, false},
		{"bool equals", true, Equal(true), Pass, false},
		{"bool differs", false, Equal(true), Fail, false},
		{"number equals across types", 16, Equal(uint16(16)), Pass, false},
		{"string against numeric bounds", "fast", Between(0, 1), Fail, false},
		{"+Inf above high", math.Inf(1), AtMost(10), Fail, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Measurement{Name: "x", Value: tt.value, Unit: "V", Limits: tt.limits}
			m.Evaluate()
			if m.Outcome != tt.outcome || m.Marginal != tt.marginal {
				t.Fatalf("Evaluate(%v, %s) = %s marginal=%v, want %s marginal=%v (message %q)",
					tt.value, tt.limits, m.Outcome, m.Marginal, tt.outcome, tt.marginal, m.Message)
			}
			if m.Outcome == Fail && m.Message == "" {
				t.Fatal("a failing measurement has no message")
			}
		})
	}
}

func TestEvaluateKeepsCallerMessageAndFailureUnit(t *testing.T) {
	m := Measurement{Name: "supply", Value: 4.6, Unit: "V", Limits: AtLeast(4.75)}
	m.Evaluate()
	if m.Message != "4.6 V below the minimum 4.75 V" {
		t.Fatalf("message = %q", m.Message)
	}
	m = Measurement{Name: "supply", Value: 4.6, Unit: "V", Limits: AtLeast(4.75), Message: "use the 27 W supply"}
	m.Evaluate()
	if m.Message != "use the 27 W supply" {
		t.Fatalf("caller's message replaced: %q", m.Message)
	}
}

func TestEvaluateLeavesSkipAndErrorAlone(t *testing.T) {
	for _, o := range []Outcome{Skip, Error, Aborted} {
		m := Measurement{Name: "x", Value: nil, Outcome: o}
		m.Evaluate()
		if m.Outcome != o {
			t.Fatalf("%s became %s", o, m.Outcome)
		}
	}
}

func TestStepAndRunOutcomes(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	pass := NewStep("a", t0)
	pass.Add(Measurement{Name: "v", Value: 1.0, Limits: Between(0, 2)})
	pass.Finish(t0.Add(time.Second), nil)
	if pass.Outcome != Pass || pass.Duration != time.Second {
		t.Fatalf("pass step: %s %v", pass.Outcome, pass.Duration)
	}

	marginal := NewStep("b", t0)
	marginal.Add(Measurement{Name: "v", Value: 1.9, Limits: Between(0, 2).WithMarginal(0.1, 1.8)})
	marginal.Finish(t0, nil)
	if marginal.Outcome != Pass || !marginal.Marginal {
		t.Fatalf("marginal step: %s %v", marginal.Outcome, marginal.Marginal)
	}

	failing := NewStep("c", t0)
	failing.Add(Measurement{Name: "v", Value: 3.0, Limits: Between(0, 2), Code: "C_HIGH"})
	failing.Add(Measurement{Name: "w", Value: 3.0, Limits: Between(0, 2)})
	failing.Finish(t0, nil)

	broken := NewStep("d", t0)
	broken.Finish(t0, errors.New("cannot open /dev/i2c-0"))
	if broken.Outcome != Error {
		t.Fatalf("step with error: %s", broken.Outcome)
	}

	empty := NewStep("e", t0)
	empty.Finish(t0, nil)
	if empty.Outcome != Skip {
		t.Fatalf("empty step: %s, want SKIP", empty.Outcome)
	}

	r := &Run{Started: t0, Steps: []*Step{pass, marginal}}
	r.Finish(t0)
	if r.Outcome != Pass || !r.Marginal || ExitCode(r, false) != ExitPass || ExitCode(r, true) != ExitFail {
		t.Fatalf("marginal run: %s marginal=%v exit=%d strict=%d", r.Outcome, r.Marginal, ExitCode(r, false), ExitCode(r, true))
	}
	if r.Schema != Schema {
		t.Fatalf("schema %q", r.Schema)
	}

	r = &Run{Started: t0, Steps: []*Step{pass, failing, empty}}
	r.Finish(t0)
	if r.Outcome != Fail || ExitCode(r, false) != ExitFail {
		t.Fatalf("failing run: %s", r.Outcome)
	}
	if got := r.FailureCodes; len(got) != 2 || got[0] != "C_HIGH" || got[1] != "c.w" {
		t.Fatalf("failure codes %v, want [C_HIGH c.w]", got)
	}

	r = &Run{Started: t0, Steps: []*Step{failing, broken}}
	r.Finish(t0)
	if r.Outcome != Error || ExitCode(r, false) != ExitError {
		t.Fatalf("run with broken step: %s", r.Outcome)
	}

	aborted := NewStep("f", t0)
	aborted.Abort(t0, "interrupted")
	r = &Run{Started: t0, Steps: []*Step{pass, aborted}}
	r.Finish(t0)
	if r.Outcome != Aborted || ExitCode(r, false) != ExitAborted {
		t.Fatalf("aborted run: %s", r.Outcome)
	}

	r = &Run{Started: t0}
	r.Finish(t0)
	if r.Outcome != Error {
		t.Fatalf("empty run: %s, want ERROR (nothing was checked)", r.Outcome)
	}
}

func TestLimitsString(t *testing.T) {
	tests := map[string]*Limits{
		"[4.75, 5.25]":     Between(4.75, 5.25),
		">= 3":             AtLeast(3),
		"<= 85":            AtMost(85),
		"== hailo-ai-hat2": Equal("hailo-ai-hat2"),
		"":                 nil,
	}
	for want, l := range tests {
		if got := l.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}
