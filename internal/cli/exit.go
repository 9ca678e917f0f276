package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aihat/aihat/pkg/report"
	"github.com/aihat/aihat/pkg/session"
)

// ExitError carries an exit code for a result that has already been
// reported (a FAIL run prints its table, then exits 1).
type ExitError = session.ExitError

// UsageError is a mistake in how aihat was called: exit 64.
type UsageError = session.UsageError

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// exitCode maps an error from a command to the process exit code and the
// line to print (empty when the result was already reported).
func exitCode(err error) (int, string) {
	if err == nil {
		return report.ExitPass, ""
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			return ee.Code, ee.Err.Error()
		}
		return ee.Code, ""
	}
	var ue *UsageError
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
