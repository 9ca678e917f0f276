package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/session"
	"github.com/spf13/cobra"
)

// UsageErrorf is a mistake in how aihat was called: exit 64.
func UsageErrorf(format string, args ...any) error {
	return &session.UsageError{Err: fmt.Errorf(format, args...)}
}

// FileOrUsageErrorf is UsageErrorf for a failure that may be a file the
// user named that could not be read: that is ERROR (exit 2), naming the
// path and the cause; a malformed value stays a usage error (exit 64).
func FileOrUsageErrorf(err error, format string, args ...any) error {
	return session.FileOrUsageErrorf(err, format, args...)
}

// ExitCode maps an error from a command to the process exit code and the
// line to print (empty when the result was already reported).
func ExitCode(err error) (int, string) {
	if err == nil {
		return report.ExitPass, ""
	}
	var ee *session.ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			return ee.Code, ee.Err.Error()
		}
		return ee.Code, ""
	}
	var ue *session.UsageError
	if errors.As(err, &ue) {
		return report.ExitUsage, ue.Error()
	}
	// Cobra's own complaints about the command line.
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires ", "required flag"} {
		if strings.HasPrefix(msg, p) {
			return report.ExitUsage, msg
		}
	}
	return report.ExitError, msg
}

// ExactArgs is cobra.ExactArgs with a usage error.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return UsageErrorf("%s takes %d argument(s), got %d: %s", cmd.CommandPath(), n, len(args), strings.Join(args, " "))
		}
		return nil
	}
}

// NoArgs is cobra.NoArgs with a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return UsageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), strings.Join(args, " "))
	}
	return nil
}
