package cmdutil

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Range is what one numeric or list flag accepts when it is given: a
// finite number from Min to Max (in the flag's own unit: a duration's in
// nanoseconds), each end open when MinOpen/MaxOpen, 0 as well when Zero
// says what 0 means (a flag whose 0 keeps the plan's value); a list flag
// (Type ending in Slice or Array) takes no empty list, each element held
// to the same range (intSlice) or non-empty (unless EmptyItemOK).
type Range struct {
	// Flag is the flag's name without --; Type its pflag type (int,
	// int64, float64, duration, intSlice, stringSlice, stringArray): one
	// name may be a count on one command and a duration on another.
	Flag, Type string
	// What the value is, in the message: "a count", "a bus number", ...
	What             string
	Min, Max         float64
	MinOpen, MaxOpen bool
	// Zero, when set, is what an explicit 0 means ("the plan's").
	Zero string
	// AnyInt takes every integer the type holds (--seed).
	AnyInt bool
	// EmptyItemOK lets a list element be "" (a container's argument).
	EmptyItemOK bool
}

// RangeFor finds the rule of a flag in rules, by name and type.
func RangeFor(rules []Range, f *pflag.Flag) (Range, bool) {
	for _, r := range rules {
		if r.Flag == f.Name && r.Type == f.Value.Type() {
			return r, true
		}
	}
	return Range{}, false
}

// Checked says whether a flag's type is one a Range must cover: numbers,
// durations and lists.
func Checked(f *pflag.Flag) bool {
	t := f.Value.Type()
	if strings.HasSuffix(t, "Slice") || strings.HasSuffix(t, "Array") || t == "duration" {
		return true
	}
	for _, p := range []string{"int", "uint", "float"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// CheckFlags holds every flag given on the command line to its rule: a
// usage error (exit 64) naming the flag, the value and the range.
// Flags left at their defaults keep their meaning (often "the plan's").
func CheckFlags(fs *pflag.FlagSet, rules []Range) error {
	var err error
	fs.Visit(func(f *pflag.Flag) {
		if err != nil || !Checked(f) {
			return
		}
		if r, ok := RangeFor(rules, f); ok {
			err = r.Check(f)
		}
	})
	return err
}

// Check holds one flag's value to the rule.
func (r Range) Check(f *pflag.Flag) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		items := sv.GetSlice()
		if len(items) == 0 {
			return UsageErrorf("--%s is empty: give at least one value", f.Name)
		}
		for _, s := range items {
			if s == "" && !r.EmptyItemOK {
				return UsageErrorf("--%s %q: an empty value in the list", f.Name, f.Value.String())
			}
			if strings.HasPrefix(r.Type, "int") {
				if err := r.checkNumber(f.Name, s); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return r.checkNumber(f.Name, f.Value.String())
}

// checkNumber holds one value, s as pflag prints it.
func (r Range) checkNumber(name, s string) error {
	if r.AnyInt {
		return nil
	}
	v, err := r.parse(s)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return UsageErrorf("--%s %s: want %s", name, s, r.Want())
	}
	if v == 0 && r.Zero != "" {
		return nil
	}
	if v < r.Min || v == r.Min && r.MinOpen || v > r.Max || v == r.Max && r.MaxOpen {
		return UsageErrorf("--%s %s: want %s", name, s, r.Want())
	}
	return nil
}

func (r Range) parse(s string) (float64, error) {
	if r.Type == "duration" {
		d, err := time.ParseDuration(s)
		return float64(d), err
	}
	return strconv.ParseFloat(s, 64)
}

// Want says what the rule accepts: "a count from 1 to 1000000",
// "a duration above 0s up to 24h0m0s, or 0 for the plan's".
func (r Range) Want() string {
	if r.AnyInt {
		return "an integer"
	}
	what := r.What
	if what == "" {
		what = "a number"
	}
	if r.Type == "float64" {
		what = "a finite " + strings.TrimPrefix(strings.TrimPrefix(what, "a "), "an ")
	}
	from, to := "from", "to"
	if r.MinOpen {
		from = "above"
	}
	if r.MaxOpen {
		to = "to below"
	} else if r.MinOpen {
		to = "up to"
	}
	s := fmt.Sprintf("%s %s %s %s %s", what, from, r.format(r.Min), to, r.format(r.Max))
	if r.Zero != "" {
		s += ", or 0 for " + r.Zero
	}
	return s
}

func (r Range) format(v float64) string {
	if r.Type == "duration" || r.Type == "durationSlice" {
		return time.Duration(v).String()
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
