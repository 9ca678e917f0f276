package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aihat/aihat/internal/completion"
	"github.com/spf13/cobra"
)

// -o means the output format, on every command, and nothing else: files
// are named with --out (or a positional argument where that is the
// convention, as eeprom make's IMAGE). Each command declares the formats it
// can print with AddOutputFlag; a value it cannot print is a usage error
// (exit 64) that names the ones it can, and completion offers exactly them.

// OutputFlag is one command's -o value.
type OutputFlag struct {
	cmd     *cobra.Command
	dst     *string
	formats []string
	// Aliases are other names of a format ("md" for "markdown").
	Aliases map[string]string
	// Hint says what to do instead, for a text-only command.
	Hint string
}

func (v *OutputFlag) String() string { return *v.dst }

// Type is the value's name in help.
func (v *OutputFlag) Type() string { return "format" }

// Set takes one of the command's formats (or an alias of one).
func (v *OutputFlag) Set(s string) error {
	if a, ok := v.Aliases[s]; ok {
		s = a
	}
	for _, f := range v.formats {
		if s == f {
			*v.dst = s
			return nil
		}
	}
	msg := fmt.Sprintf("%s prints %s", v.cmd.CommandPath(), orList(v.formats))
	if v.Hint != "" {
		msg += "; " + v.Hint
	}
	return fmt.Errorf("%s", msg)
}

// AddOutputFlag gives cmd its -o/--output flag bound to dst. formats are
// what the command can print, the first being the default.
func AddOutputFlag(cmd *cobra.Command, dst *string, formats ...string) *OutputFlag {
	v := &OutputFlag{cmd: cmd, dst: dst, formats: formats}
	*dst = formats[0]
	cmd.Flags().VarP(v, "output", "o", "output format: "+orList(formats))
	_ = cmd.RegisterFlagCompletionFunc("output", completion.Choices(formats))
	return v
}

// AddTextOutput is -o for a command that prints only a line or two of text
// (eeprom make, model synth ...): -o text is accepted, anything else is a
// usage error with hint, which says where the file name goes instead.
func AddTextOutput(cmd *cobra.Command, hint string) {
	var s string
	AddOutputFlag(cmd, &s, "text").Hint = hint
}

// WriteJSON prints v as indented JSON: the shape every -o json shares.
func WriteJSON(w io.Writer, v any) error {
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
