//go:build !linux

package termios

import (
	"errors"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// errNotImplemented is what every call returns off Linux.
var errNotImplemented = &notImplementedError{}

type notImplementedError struct{}

func (*notImplementedError) Error() string {
	return "termios: not implemented on " + runtime.GOOS + "/" + runtime.GOARCH
}

func (*notImplementedError) Unwrap() error { return errors.ErrUnsupported }

func open(string) (*os.File, error)      { return nil, errNotImplemented }
func setBlocking(*os.File, bool) error   { return errNotImplemented }
func get(int) (*unix.Termios, error)     { return nil, errNotImplemented }
func set(int, *unix.Termios, When) error { return errNotImplemented }
func drainOutput(int) error              { return errNotImplemented }
func flush(int, queue) error             { return errNotImplemented }
func sendBreak(int) error                { return errNotImplemented }
func hangup(int) error                   { return errNotImplemented }
func setSoftCarrier(int, bool) error     { return errNotImplemented }
func carrier(int) (bool, error)          { return false, errNotImplemented }
func getDiscipline(int) (int, error)     { return 0, errNotImplemented }
func setDiscipline(int, int) error       { return errNotImplemented }
func pushInput(int, []byte) error        { return errNotImplemented }
func inputPending(int) (int, error)      { return 0, errNotImplemented }
func setControlling(int) error           { return errNotImplemented }
func speed(*unix.Termios) int            { return -1 }
func setSpeed(*unix.Termios, int) error  { return errNotImplemented }
func speeds() []int                      { return nil }
