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
	OrtLib string
}

func newCmdVersion(f *Factory) *cobra.Command {
	o := &VersionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the versions of aihat, Go, ONNX Runtime and HailoRT, and the target",
		Long: `Print aihat's version and git commit, the Go release it was built with, the ONNX Runtime
library it finds (and its version), and HailoRT's version when hailortcli is installed.
None of these needs a board: a missing library or CLI is reported, not an error.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return versionRun(cmd.Context(), f, o)
		},
	}
	cmd.Flags().StringVar(&o.OrtLib, "ort-lib", "", "path of libonnxruntime.so.1 (default: next to aihat, ../lib/aihat, /usr/lib/aihat, $ONNXRUNTIME_LIB wins when set)")
	return cmd
}

func versionRun(ctx context.Context, f *Factory, o *VersionOptions) error {
	out := f.IO.Out
	fmt.Fprintf(out, "aihat %s\n", f.Build.Version)
	fmt.Fprintf(out, "commit:  %s\n", f.Build.Commit)
	fmt.Fprintf(out, "go:      %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if path, err := infer.Init(o.OrtLib); err != nil {
		fmt.Fprintf(out, "onnxruntime: not found (%s)\n", firstClause(err.Error()))
	} else {
		fmt.Fprintf(out, "onnxruntime: %s (%s)\n", infer.Version(), path)
	}
	if v := hailortVersion(ctx); v != "" {
		fmt.Fprintf(out, "hailort: %s\n", v)
	}
	// The target line tells which board flags chose; it never fails the
	// command (version must work where no board can be opened).
	if b, err := f.Board(); err == nil {
		fmt.Fprintf(out, "target:  %s\n", b.Name())
	} else {
		fmt.Fprintf(out, "target:  unavailable (%s)\n", firstClause(err.Error()))
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
