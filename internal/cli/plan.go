package cli

import (
	"github.com/spf13/cobra"
)

// PlanShowOptions are `aihat plan show`'s flags.
type PlanShowOptions struct {
	Output string
}

func newCmdPlan(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show the test plan",
	}
	opts := &PlanShowOptions{}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective plan (the default with --plan merged over it) as YAML or JSON",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := f.Session().Plan()
			if err != nil {
				return err
			}
			render := p.YAML
			if opts.Output == "json" {
				render = p.JSON
			}
			b, err := render()
			if err != nil {
				return err
			}
			_, err = f.IO.Out.Write(b)
			return err
		},
	}
	addOutputFlag(show, &opts.Output, "yaml", "json")
	cmd.AddCommand(show)
	return cmd
}
