package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func newCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print aihat's version, git commit, Go version and target",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := f.IO.Out
			fmt.Fprintf(out, "aihat %s\n", f.Build.Version)
			fmt.Fprintf(out, "commit:  %s\n", f.Build.Commit)
			fmt.Fprintf(out, "go:      %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
			b, err := f.Board()
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "target:  %s\n", b.Name())
			return nil
		},
	}
}
