package cli

import (
	"github.com/aihat/aihat/pkg/bringup"
	"github.com/spf13/cobra"
)

// BringupOptions are `aihat bringup`'s flags.
type BringupOptions struct {
	Only []string
}

func newCmdBringup(f *Factory) *cobra.Command {
	opts := &BringupOptions{}
	cmd := &cobra.Command{
		Use:   "bringup",
		Short: "Run every stage of the plan in order into one report",
		Long: `Run the bring-up checklist: every stage the plan lists, in plan order, into one run
record, printed as a table (or -o json|junit|markdown|html) and, with --report-dir, written
as run.json, junit.xml, report.md and report.html.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(opts.Only) > 0 {
				// Checked before the board is opened: a typo is a usage
				// error, not a run that silently tests less.
				if _, err := bringup.Resolve(opts.Only); err != nil {
					return usageErrorf("--only: %v", err)
				}
			}
			env, err := f.Session().ProgressEnv() // the quiet "== step" lines, always
			if err != nil {
				return err
			}
			names := env.Plan.Stages
			if len(opts.Only) > 0 {
				names = opts.Only
			}
			steps, err := bringup.Resolve(names)
			if err != nil {
				return usageErrorf("%v", err)
			}
			return f.Session().Run(cmd.Context(), env, steps)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Only, "only", nil, "run only these stages (names as in 'aihat plan show')")
	return cmd
}
