package cmdutil

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/session"
	"github.com/spf13/cobra"
)

// A command's error becomes the exit code and the one line printed: a
// reported result keeps its code (and prints nothing more), a usage error
// or cobra's complaint about the command line is 64, anything else 2.
func TestExitCodeOfEachKindOfError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		msg  string
	}{
		{nil, report.ExitPass, ""},
		{&session.ExitError{Code: report.ExitFail}, report.ExitFail, ""},
		{fmt.Errorf("wrapped: %w", &session.ExitError{Code: report.ExitAborted, Err: errors.New("interrupted")}), report.ExitAborted, "interrupted"},
		{UsageErrorf("--only %q: no such stage", "bogus"), report.ExitUsage, `--only "bogus": no such stage`},
		{errors.New(`unknown flag: --bogus`), report.ExitUsage, "unknown flag: --bogus"},
		{errors.New(`invalid argument "x" for "--seed" flag`), report.ExitUsage, `invalid argument "x" for "--seed" flag`},
		{errors.New("open /dev/i2c-1: permission denied"), report.ExitError, "open /dev/i2c-1: permission denied"},
	} {
		code, msg := ExitCode(tc.err)
		if code != tc.code || msg != tc.msg {
			t.Errorf("%v: (%d, %q), want (%d, %q)", tc.err, code, msg, tc.code, tc.msg)
		}
	}
}

// Wrong positional arguments are usage errors naming the command.
func TestArgsCheckedAsUsageErrors(t *testing.T) {
	cmd := &cobra.Command{Use: "render"}
	if err := NoArgs(cmd, nil); err != nil {
		t.Errorf("NoArgs(none): %v", err)
	}
	if code, msg := ExitCode(NoArgs(cmd, []string{"x"})); code != report.ExitUsage || !strings.Contains(msg, `render takes no arguments, got "x"`) {
		t.Errorf("NoArgs(x): %d %q", code, msg)
	}
	if err := ExactArgs(1)(cmd, []string{"a"}); err != nil {
		t.Errorf("ExactArgs(1)(a): %v", err)
	}
	if code, msg := ExitCode(ExactArgs(2)(cmd, []string{"a"})); code != report.ExitUsage || !strings.Contains(msg, "render takes 2 argument(s), got 1: a") {
		t.Errorf("ExactArgs(2)(a): %d %q", code, msg)
	}
}

// -o takes a format the command prints (or an alias of one), defaults to
// the first, and refuses any other naming the formats and the hint.
func TestOutputFlagTakesOnlyTheCommandsFormats(t *testing.T) {
	cmd := &cobra.Command{Use: "show"}
	var out string
	v := AddOutputFlag(cmd, &out, "table", "json", "markdown")
	v.Aliases = map[string]string{"md": "markdown"}
	v.Hint = "try harder"
	if out != "table" {
		t.Errorf("default %q, want table", out)
	}
	if err := cmd.Flags().Set("output", "md"); err != nil || out != "markdown" {
		t.Errorf("-o md: %q %v", out, err)
	}
	err := v.Set("yaml")
	if err == nil || err.Error() != "show prints table, json or markdown; try harder" {
		t.Errorf("-o yaml: %v", err)
	}
	if f := cmd.Flags().Lookup("output"); f.Shorthand != "o" || f.Usage != "output format: table, json or markdown" {
		t.Errorf("flag %+v", f)
	}
	if _, ok := cmd.GetFlagCompletionFunc("output"); !ok {
		t.Error("-o does not complete")
	}
}

// A text-only command says so when asked for another format.
func TestTextOutputSaysWhereTheFileGoes(t *testing.T) {
	cmd := &cobra.Command{Use: "make"}
	AddTextOutput(cmd, "name the file with --out")
	if err := cmd.Flags().Lookup("output").Value.Set("json"); err == nil || err.Error() != "make prints text only; name the file with --out" {
		t.Errorf("-o json: %v", err)
	}
}

// Every -o json is indented the same way.
func TestWriteJSONIsIndentedTwoSpaces(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, map[string]int{"a": 1}); err != nil || b.String() != "{\n  \"a\": 1\n}\n" {
		t.Errorf("%q %v", b.String(), err)
	}
}

// A range says what it takes: a count, a finite number, a duration with
// what 0 means; a given flag outside it is a usage error naming it, a
// flag left at its default is not checked.
func TestRangeSaysWhatItTakes(t *testing.T) {
	for _, tc := range []struct {
		r    Range
		want string
	}{
		{Range{Type: "int", What: "a count", Min: 1, Max: 1000000}, "a count from 1 to 1000000"},
		{Range{Type: "float64", What: "a duty cycle", Min: 0, MinOpen: true, Max: 1}, "a finite duty cycle above 0 up to 1"},
		{Range{Type: "float64", What: "a fraction", Min: 0, Max: 1, MaxOpen: true}, "a finite fraction from 0 to below 1"},
		{Range{Type: "duration", What: "a duration", Min: 1e6, Max: 3.6e12, Zero: "the plan's"}, "a duration from 1ms to 1h0m0s, or 0 for the plan's"},
	} {
		if got := tc.r.Want(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
	cmd := &cobra.Command{Use: "x"}
	var n int
	cmd.Flags().IntVar(&n, "samples", -1, "")
	rules := []Range{{Flag: "samples", Type: "int", What: "a count", Min: 1, Max: 10}}
	if err := CheckFlags(cmd.Flags(), rules); err != nil {
		t.Errorf("default -1 refused: %v", err)
	}
	_ = cmd.Flags().Set("samples", "11")
	if code, msg := ExitCode(CheckFlags(cmd.Flags(), rules)); code != report.ExitUsage || msg != "--samples 11: want a count from 1 to 10" {
		t.Errorf("(%d, %q)", code, msg)
	}
}
