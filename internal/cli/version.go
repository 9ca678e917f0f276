package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

// VersionOptions are `aihat version`'s flags.
type VersionOptions struct {
	Output string
}

// versionInfo is what `aihat version -o json` prints.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// newCmdVersion prints what the binary is. It never opens the board: a
// version check must work where the target cannot be opened (no --root,
// no /dev/i2c-*), and which target a run used is in the run's record.
func newCmdVersion(f *Factory) *cobra.Command {
	opts := &VersionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print aihat's version, git commit and Go version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := versionInfo{Version: f.Build.Version, Commit: f.Build.Commit, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
			if opts.Output == "json" {
				return writeJSON(f.IO.Out, v)
			}
			_, err := fmt.Fprintf(f.IO.Out, "aihat %s\ncommit:  %s\ngo:      %s %s/%s\n", v.Version, v.Commit, v.Go, v.OS, v.Arch)
			return err
		},
	}
	addOutputFlag(cmd, &opts.Output, "text", "json")
	return cmd
}

func goVersion() string { return runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH }
