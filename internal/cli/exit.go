package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aihat/aihat/pkg/report"
)

// ExitError carries an exit code for a result that has already been
// reported (a FAIL run prints its table, then exits 1).
type ExitError struct {
	Code int
	Err  error // optional: printed as one line when set
}

func (e *ExitError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("exit %d", e.Code)
}

func (e *ExitError) Unwrap() error { return e.Err }

// UsageError is a mistake in how aihat was called: exit 64.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

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
