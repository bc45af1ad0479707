// Package exitcode holds the exit statuses of the SAF admin commands (the
// original's Saferrno values, docs/original.md#admin-exit-codes) and the
// error type that carries one from where a failure is found to the
// program's Main.
package exitcode

import (
	"errors"
	"fmt"
)

// The admin commands' exit statuses.
const (
	OK         = 0
	BadArgs    = 1  // E_BADARGS: bad arguments, ill-formed command line
	NoPriv     = 2  // E_NOPRIV: user not privileged
	SafErr     = 3  // E_SAFERR: corrupt files, version mismatch, protocol errors
	SysErr     = 4  // E_SYSERR: cannot open/create/rename, cannot contact sac
	NoExist    = 5  // E_NOEXIST: the named thing does not exist
	Dup        = 6  // E_DUP: the entry already exists
	PMRun      = 7  // E_PMRUN: the port monitor is running
	PMNotRun   = 8  // E_PMNOTRUN: the port monitor is not running
	Recover    = 9  // E_RECOVER: the port monitor is in recovery
	SacNotRun  = 10 // E_SACNOTRUN: sac did not answer
	maxDefined = SacNotRun
)

// ExitError is an error that decides the program's exit status.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// New returns an *ExitError with a formatted message.
func New(code int, format string, args ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, args...)}
}

// Wrap attaches code to err. A nil err stays nil.
func Wrap(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// Code returns the exit status err asks for: 0 for nil, the code of the
// outermost *ExitError, else fallback.
func Code(err error, fallback int) int {
	if err == nil {
		return OK
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return fallback
}
