package cli

import (
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/aihat/aihat/pkg/report"
	"github.com/spf13/cobra"
)

// StagesOptions are `aihat stages`'s flags.
type StagesOptions struct {
	// Output is the -o format: table or json.
	Output string
}

func newCmdStages(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "stages",
		Short: "List the stages in plan order with what each checks",
		Long: `List the stages this build has, in the effective plan's order (stages the plan does not
run follow, in table order), with a one-line summary, the plan section each reads and the
measurement names its limits are keyed by (limits: <stage>.<measurement>; * is any one
name segment). -o json prints the same as a JSON array.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return stagesRun(f, StagesOptions{Output: f.Global.Output})
		},
	}
}

func stagesRun(f *Factory, opts StagesOptions) error {
	p, err := f.Session().Plan()
	if err != nil {
		return err
	}
	rows := bringup.Describe(p.Stages)
	switch opts.Output {
	case "json":
		return writeJSON(f.IO.Out, rows)
	case "table", "":
		t := report.NewTable(f.IO.Out, f.IO.Width, "stage", "plan", "summary")
		for _, r := range rows {
			in := "yes"
			if !r.InPlan {
				in = "no"
			}
			t.Append(r.Name, in, r.Summary)
		}
		return t.Render()
	}
	return usageErrorf("-o %q: aihat stages prints table or json", opts.Output)
}
