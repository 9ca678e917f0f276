package session

import (
	"errors"
	"fmt"
	"io/fs"
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

// FileOrUsageErrorf is usageErrorf for a failure that may be a file the
// user named and aihat could not read: one that does not exist, that this
// user may not read, that is not a regular file (a FIFO, a device, a
// directory) or that is over its kind's size cap. That is ERROR (exit 2,
// "could not test"), its line naming the path and the cause; only a
// malformed value (a plan that does not parse, a flag out of range) is a
// usage error (exit 64).
func FileOrUsageErrorf(err error, format string, args ...any) error {
	e := fmt.Errorf(format, args...)
	if unreadable(err) {
		return e
	}
	return &UsageError{Err: e}
}

// unreadable says whether err is a file that could not be opened or read
// (an *fs.PathError from the open, stat or read), as opposed to one whose
// contents are wrong.
func unreadable(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe)
}
