package session

import "fmt"

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
