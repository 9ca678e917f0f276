package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aihat/aihat/internal/cmdutil"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagsOf lists every command's own numeric and list flags, walking the
// tree NewRootCmd builds, as "command path" → flag names.
func flagsOf(root *cobra.Command) map[*cobra.Command][]*pflag.Flag {
	out := map[*cobra.Command][]*pflag.Flag{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if cmdutil.Checked(f) {
				out[c] = append(out[c], f)
			}
		})
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	return out
}

// A numeric or list flag added to any command without a line in
// cmdutil.FlagRanges fails here; so does a line no flag uses.
func TestEveryNumericFlagHasARange(t *testing.T) {
	used := map[int]bool{}
	n := 0
	for c, fs := range flagsOf(NewRootCmd(&Factory{})) {
		for _, f := range fs {
			n++
			found := false
			for i, r := range cmdutil.FlagRanges {
				if r.Flag == f.Name && r.Type == f.Value.Type() {
					used[i], found = true, true
				}
			}
			if !found {
				t.Errorf("%s --%s (%s) has no range in cmdutil.FlagRanges", c.CommandPath(), f.Name, f.Value.Type())
			}
		}
	}
	for i, r := range cmdutil.FlagRanges {
		if !used[i] {
			t.Errorf("cmdutil.FlagRanges[%d] (--%s %s) names no flag", i, r.Flag, r.Type)
		}
	}
	if n < 40 {
		t.Errorf("walked %d numeric and list flags; the walk misses commands", n)
	}
}

// valid says whether a probe value is one the flag's meaning accepts:
// NaN, ±Inf and overflow never are; -1 only where it is a temperature or
// a seed; 0 where it means something (the plan's, all cores, ...) or is
// a count of nothing (bench's --warmup), a bus, a GPIO, a tolerance or
// a temperature.
func valid(r cmdutil.Range, v string) bool {
	switch v {
	case "-1":
		return r.AnyInt || r.Flag == "ambient"
	case "0":
		return r.AnyInt || r.Zero != "" || r.Min < 0 || r.Min == 0 && !r.MinOpen
	}
	return false
}

// overflow is a value past what the flag's type holds, or past its range.
func overflow(typ string) string {
	switch {
	case strings.HasPrefix(typ, "float"):
		return "1e400"
	case typ == "duration":
		return "9999999h"
	}
	return "99999999999999999999"
}

// Every numeric flag of every command, given 0, -1, NaN, ±Inf or a
// value that overflows, is either taken (where the table says the value
// means something) or refused as a usage error (exit 64) naming the flag:
// by pflag when the value does not parse, else by the range.
func TestEveryNumericFlagRefusesOutOfRangeValues(t *testing.T) {
	for c, fs := range flagsOf(NewRootCmd(&Factory{})) {
		for _, f := range fs {
			r, ok := cmdutil.RangeFor(cmdutil.FlagRanges, f)
			if !ok {
				continue // TestEveryNumericFlagHasARange says so
			}
			if _, list := f.Value.(pflag.SliceValue); list && !strings.HasPrefix(f.Value.Type(), "int") {
				checkListFlag(t, c, f.Name, r)
				continue
			}
			for _, v := range []string{"0", "-1", "NaN", "+Inf", "-Inf", overflow(f.Value.Type())} {
				err := probe(c, f.Name, v)
				if valid(r, v) {
					if err != nil {
						t.Errorf("%s --%s %s: %v, want it taken", c.CommandPath(), f.Name, v, err)
					}
					continue
				}
				code, msg := cmdutil.ExitCode(err)
				if code != 64 || !strings.Contains(msg, "--"+f.Name) {
					t.Errorf("%s --%s %s: (%d, %q), want exit 64 naming --%s", c.CommandPath(), f.Name, v, code, msg, f.Name)
				}
			}
		}
	}
}

// checkListFlag: an empty list, or an empty element, is a usage error.
func checkListFlag(t *testing.T, c *cobra.Command, name string, r cmdutil.Range) {
	t.Helper()
	for _, v := range []string{"", "a,,b"} {
		if strings.HasSuffix(r.Type, "Array") && v != "" {
			continue // an array flag takes commas as they are
		}
		err := probe(c, name, v)
		if r.EmptyItemOK { // --arg '': an empty argument is an argument
			if err != nil {
				t.Errorf("%s --%s %q: %v", c.CommandPath(), name, v, err)
			}
			continue
		}
		if code, msg := cmdutil.ExitCode(err); code != 64 || !strings.Contains(msg, "--"+name) {
			t.Errorf("%s --%s %q: (%d, %q), want exit 64 naming --%s", c.CommandPath(), name, v, code, msg, name)
		}
	}
	if err := probe(c, name, "x"); err != nil {
		t.Errorf("%s --%s x: %v", c.CommandPath(), name, err)
	}
}

// probe parses `--name v` on a fresh copy of the command as cobra would
// and checks the ranges; a parse error is what cobra hands the root's
// flag error func, a usage error.
func probe(c *cobra.Command, name, v string) error {
	cmd, _, err := NewRootCmd(&Factory{}).Find(strings.Fields(c.CommandPath())[1:])
	if err != nil {
		return err
	}
	if err := cmd.ParseFlags([]string{"--" + name + "=" + v}); err != nil {
		return &UsageError{Err: err}
	}
	return cmdutil.CheckFlags(cmd.Flags(), cmdutil.FlagRanges)
}

// End to end: the values issue 26 found accepted now exit 64 naming the
// flag and the range, before any board is opened.
func TestOutOfRangeFlagsExit64(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"power", "rails", "--target", "sim", "--samples", "0"}, "--samples 0: want a count from 1 to 10000000"},
		{[]string{"power", "rails", "--target", "sim", "--samples", "-5"}, "--samples -5"},
		{[]string{"power", "rails", "--target", "sim", "--interval", "-1s"}, "--interval -1s: want a duration from 1ms to 24h0m0s, or 0 for the plan's"},
		{[]string{"bringup", "--target", "sim", "--time-scale", "-1"}, "--time-scale -1"},
		{[]string{"bringup", "--target", "sim", "--time-scale", "NaN"}, "--time-scale NaN: want a finite number of virtual seconds per real second"},
		{[]string{"bringup", "--target", "sim", "--time-scale", "+Inf"}, "--time-scale +Inf"},
		{[]string{"bringup", "--target", "sim", "--time-scale", "1e400"}, "--time-scale"},
		{[]string{"bringup", "--target", "sim", "--only", ""}, "--only is empty"},
		{[]string{"thermal", "soak", "--target", "sim", "--duty", "1.5"}, "--duty 1.5: want a finite duty cycle above 0 up to 1"},
		{[]string{"loadtest", "--target", "sim", "--window", "9999999h"}, "--window"},
		{[]string{"i2c", "scan", "--target", "sim", "--bus", "1,-1"}, "--bus -1: want an I2C bus number from 0 to 1023"},
	} {
		code, out, stderr := runCLI(t, tc.args...)
		if code != 64 || !strings.Contains(stderr, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want 64 and %q", tc.args, code, stderr, out, tc.want)
		}
	}
	// A plan value out of range: the file, line, key and range, exit 64.
	bad := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(bad, []byte("power:\n  samples: -5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "power", "rails", "--target", "sim", "--plan", bad); code != 64 || !strings.Contains(stderr, bad+":2: power.samples -5: want a count from 1 to 10000000") {
		t.Errorf("--plan with samples -5: exit %d, stderr %q", code, stderr)
	}
	// In range, and 0 where it means the plan's, the run goes on.
	for _, args := range [][]string{
		{"power", "rails", "--target", "sim", "--samples", "3", "--interval", "0"},
		{"bringup", "--target", "sim", "--only", "i2c.scan", "--time-scale", "0"},
	} {
		if code, _, stderr := runCLI(t, args...); code == 64 {
			t.Errorf("%v: exit 64: %s", args, stderr)
		}
	}
}
