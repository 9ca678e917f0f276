package cli

import (
	"github.com/aihat/aihat/pkg/report"
	"github.com/spf13/cobra"
)

// -o is the output format on every command (cmdutil.AddOutputFlag): a
// command declares the formats it prints, and one that declares none
// prints a run record.

// addRunOutput is -o for a command that prints a run record.
func addRunOutput(cmd *cobra.Command, f *Factory) {
	var formats []string
	for _, rf := range report.Formats {
		formats = append(formats, string(rf))
	}
	addOutputFlag(cmd, &f.Global.Output, formats...).Aliases = map[string]string{"md": string(report.FormatMarkdown)}
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
