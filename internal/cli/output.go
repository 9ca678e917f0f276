package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aihat/aihat/internal/completion"
	"github.com/aihat/aihat/pkg/report"
	"github.com/spf13/cobra"
)

// -o means the output format, on every command, and nothing else: files
// are named with --out (or a positional argument where that is the
// convention, as eeprom make's IMAGE). Each command declares the formats it
// can print with addOutputFlag; a value it cannot print is a usage error
// (exit 64) that names the ones it can, and completion offers exactly them.

// outputFlag is one command's -o value.
type outputFlag struct {
	cmd     *cobra.Command
	dst     *string
	formats []string
	aliases map[string]string
	hint    string // what to do instead, for a text-only command
}

func (v *outputFlag) String() string { return *v.dst }
func (v *outputFlag) Type() string   { return "format" }

func (v *outputFlag) Set(s string) error {
	if a, ok := v.aliases[s]; ok {
		s = a
	}
	for _, f := range v.formats {
		if s == f {
			*v.dst = s
			return nil
		}
	}
	msg := fmt.Sprintf("%s prints %s", v.cmd.CommandPath(), orList(v.formats))
	if v.hint != "" {
		msg += "; " + v.hint
	}
	return fmt.Errorf("%s", msg)
}

// addOutputFlag gives cmd its -o/--output flag bound to dst. formats are
// what the command can print, the first being the default.
func addOutputFlag(cmd *cobra.Command, dst *string, formats ...string) *outputFlag {
	v := &outputFlag{cmd: cmd, dst: dst, formats: formats}
	*dst = formats[0]
	cmd.Flags().VarP(v, "output", "o", "output format: "+orList(formats))
	_ = cmd.RegisterFlagCompletionFunc("output", completion.Choices(formats))
	return v
}

// addTextOutput is -o for a command that prints only a line or two of text
// (eeprom make, model synth ...): -o text is accepted, anything else is a
// usage error with hint, which says where the file name goes instead.
func addTextOutput(cmd *cobra.Command, hint string) {
	var s string
	addOutputFlag(cmd, &s, "text").hint = hint
}

// addRunOutput is -o for a command that prints a run record.
func addRunOutput(cmd *cobra.Command, f *Factory) {
	var formats []string
	for _, rf := range report.Formats {
		formats = append(formats, string(rf))
	}
	addOutputFlag(cmd, &f.Global.Output, formats...).aliases = map[string]string{"md": string(report.FormatMarkdown)}
}

// outputEverywhere gives every runnable command of the tree that declared
// no -o of its own the run-record formats: a command that runs stages
// (every stage command, present and future) needs nothing more.
func outputEverywhere(c *cobra.Command, f *Factory) {
	if c.Runnable() && c.Flags().Lookup("output") == nil {
		addRunOutput(c, f)
	}
	for _, sub := range c.Commands() {
		outputEverywhere(sub, f)
	}
}

// writeJSON prints v as indented JSON: the shape every -o json shares.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// orList renders a, b or c.
func orList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0] + " only"
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
