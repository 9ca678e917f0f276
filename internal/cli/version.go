package cli

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"time"

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
	v.HailoRT = hailortVersion(ctx)
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

// hailortcliVersionRe matches hailortcli's version flag, which prints
// "HailoRT-CLI version <major>.<minor>.<revision>" (hailo-ai/hailort,
// hailort/hailortcli/hailortcli.cpp: set_version_flag("-v,--version", ...)).
var hailortcliVersionRe = regexp.MustCompile(`HailoRT-CLI version (\d+\.\d+\.\d+)`)

// ParseHailortcliVersion returns the version in `hailortcli --version`
// output, or "" when there is none.
func ParseHailortcliVersion(out string) string {
	m := hailortcliVersionRe.FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

// hailortVersion asks the host's hailortcli (not the board: HailoRT is a
// host package) for its version; "" when it is not installed. When the CLI
// refuses to run (its libhailort differs, it prints the mismatch on stderr
// and exits non-zero) that line is reported instead.
func hailortVersion(ctx context.Context) string {
	path, err := exec.LookPath("hailortcli")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	b, err := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	if v := ParseHailortcliVersion(string(b)); v != "" && err == nil {
		return v
	}
	msg := strings.TrimSpace(string(b))
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if err != nil {
		msg = strings.TrimSpace(msg + " " + err.Error())
	}
	return fmt.Sprintf("unknown (%s --version: %s)", path, msg)
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
