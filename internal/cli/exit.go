package cli

import (
	"github.com/aihat/aihat/internal/cmdutil"
	"github.com/aihat/aihat/pkg/session"
)

// ExitError carries an exit code for a result that has already been
// reported (a FAIL run prints its table, then exits 1).
type ExitError = session.ExitError

// UsageError is a mistake in how aihat was called: exit 64.
type UsageError = session.UsageError

// usageErrorf is cmdutil.UsageErrorf; a function, so vet checks its formats.
func usageErrorf(format string, args ...any) error { return cmdutil.UsageErrorf(format, args...) }

// The conventions every command shares are internal/cmdutil's; these are
// their names in the commands.
var (
	exitCode      = cmdutil.ExitCode
	exactArgs     = cmdutil.ExactArgs
	noArgs        = cmdutil.NoArgs
	addOutputFlag = cmdutil.AddOutputFlag
	addTextOutput = cmdutil.AddTextOutput
	writeJSON     = cmdutil.WriteJSON
)

// fileOrUsageErrorf is cmdutil.FileOrUsageErrorf: a file the user named that
// could not be read is exit 2, a malformed value exit 64.
func fileOrUsageErrorf(err error, format string, args ...any) error {
	return cmdutil.FileOrUsageErrorf(err, format, args...)
}
