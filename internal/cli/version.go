package cli

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/aihat/aihat/pkg/hailortcli"
	"github.com/aihat/aihat/pkg/infer"
	"github.com/spf13/cobra"
)

// VersionOptions are `aihat version`'s flags.
type VersionOptions struct {
	Output string
	OrtLib string
}

// versionInfo is what `aihat version -o json` prints.
type versionInfo struct {
	Version     string `json:"version"`
	Commit      string `json:"commit"`
	Go          string `json:"go"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	ONNXRuntime string `json:"onnxruntime,omitempty"`
	ORTPath     string `json:"onnxruntime_path,omitempty"`
	ORTError    string `json:"onnxruntime_error,omitempty"`
	HailoRT     string `json:"hailort,omitempty"`
}

// newCmdVersion prints what the binary is and what it runs with. It never
// opens the board: a version check must work where the target cannot be
// opened (no /dev/i2c-*, no fixture), and which target a run used is in
// the run's record. A missing ONNX Runtime or HailoRT is reported, not an
// error.
func newCmdVersion(f *Factory) *cobra.Command {
	opts := &VersionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the versions of aihat, Go, ONNX Runtime and HailoRT",
		Long: `Print aihat's version and git commit, the Go release it was built with, the ONNX Runtime
library it finds (and its version), and HailoRT's version when hailortcli is installed.
None of these needs a board: a missing library or CLI is reported, not an error.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return versionRun(cmd.Context(), f, opts)
		},
	}
	addOutputFlag(cmd, &opts.Output, "text", "json")
	cmd.Flags().StringVar(&opts.OrtLib, "ort-lib", "", "path of libonnxruntime.so.1 (default: next to aihat, ../lib/aihat, /usr/lib/aihat, $ONNXRUNTIME_LIB wins when set)")
	return cmd
}

func versionRun(ctx context.Context, f *Factory, o *VersionOptions) error {
	v := versionInfo{Version: f.Build.Version, Commit: f.Build.Commit, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if path, err := infer.Init(o.OrtLib); err != nil {
		v.ORTError = firstClause(err.Error())
	} else {
		v.ONNXRuntime, v.ORTPath = infer.Version(), path
	}
	v.HailoRT = hailortcli.HostVersion(ctx)
	if o.Output == "json" {
		return writeJSON(f.IO.Out, v)
	}
	out := f.IO.Out
	fmt.Fprintf(out, "aihat %s\ncommit:  %s\ngo:      %s %s/%s\n", v.Version, v.Commit, v.Go, v.OS, v.Arch)
	if v.ORTError != "" {
		fmt.Fprintf(out, "onnxruntime: not found (%s)\n", v.ORTError)
	} else {
		fmt.Fprintf(out, "onnxruntime: %s (%s)\n", v.ONNXRuntime, v.ORTPath)
	}
	if v.HailoRT != "" {
		fmt.Fprintf(out, "hailort: %s\n", v.HailoRT)
	}
	return nil
}

// firstClause keeps an error's first sentence for a one-line report.
func firstClause(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// goVersion is the Go release and platform, for --version.
func goVersion() string { return runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH }
