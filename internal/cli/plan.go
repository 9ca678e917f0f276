package cli

import (
	"github.com/spf13/cobra"
)

func newCmdPlan(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show the test plan",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the effective plan (the default with --plan merged over it) as YAML",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := f.Plan()
			if err != nil {
				return err
			}
			y, err := p.YAML()
			if err != nil {
				return err
			}
			_, err = f.IO.Out.Write(y)
			return err
		},
	})
	return cmd
}
