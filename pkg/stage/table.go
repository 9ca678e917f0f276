package stage

import (
	"strings"

	"github.com/aihat/aihat/pkg/plan"
)

// Stage is a stage as a value: everything the plan, bringup, `aihat
// stages` and the per-stage commands need to know about it. The table of
// stages lives in pkg/bringup (Table), the package that wires the stage
// packages together: the stage packages import this one, so the table
// cannot live here without an import cycle.
type Stage struct {
	// Name is the step name, "<group>.<what>" (power.rails) or a bare
	// family whose steps carry a subject (bench → bench.synth-50m-int4).
	Name string
	// Summary is one line for `aihat stages` and help.
	Summary string
	// Section is the plan section the stage reads ("power", "hat", ...).
	Section string
	// Measures are the measurement names the stage produces, as patterns
	// in which "*" stands for one dot-free segment (a rail, a bus, a
	// node): "*.v_min", "dt.*.present". Plan limit keys are checked
	// against them, so a typo in a plan is an error, not a silent no-op.
	Measures []string
	// Subjects says the stage's steps are named "<Name>.<subject>" (one
	// step per model), so a limit may be keyed per subject too.
	Subjects bool
	// Run does the stage's work into a step.
	Run Func
}

// LimitKeys are the limit key patterns the stage accepts, "<Name>.<measure>".
func (s Stage) LimitKeys() []string {
	out := make([]string, 0, len(s.Measures))
	for _, m := range s.Measures {
		out = append(out, s.Name+"."+m)
	}
	return out
}

// AcceptsLimit says whether key ("<step>.<measurement>") names a
// measurement this stage produces.
func (s Stage) AcceptsLimit(key string) bool {
	rest, ok := strings.CutPrefix(key, s.Name+".")
	if !ok {
		return false
	}
	for _, m := range s.Measures {
		if MatchName(m, rest) {
			return true
		}
		if s.Subjects {
			if _, tail, ok := strings.Cut(rest, "."); ok && MatchName(m, tail) {
				return true
			}
		}
	}
	return false
}

// MatchName matches a dotted name against a pattern in which "*" stands
// for one segment; the plan's limit lookup uses the same rule.
func MatchName(pattern, name string) bool { return plan.MatchKey(pattern, name) }
