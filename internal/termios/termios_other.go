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

func openPTY() (*os.File, string, error) { return nil, "", errNotImplemented }
func get(int) (*unix.Termios, error)     { return nil, errNotImplemented }
func set(int, *unix.Termios, When) error { return errNotImplemented }
func drainOutput(int) error              { return errNotImplemented }
func flushInput(int) error               { return errNotImplemented }
func hangup(int) error                   { return errNotImplemented }
func setSoftCarrier(int, bool) error     { return errNotImplemented }
func getDiscipline(int) (int, error)     { return 0, errNotImplemented }
func setDiscipline(int, int) error       { return errNotImplemented }
func pushInput(int, []byte) error        { return errNotImplemented }
func inputPending(int) (int, error)      { return 0, errNotImplemented }
func setControlling(int) error           { return errNotImplemented }
func isControlling(int) bool             { return false }
func speed(*unix.Termios) int            { return -1 }
func setSpeed(*unix.Termios, int) error  { return errNotImplemented }
func baudCode(int) (uint32, bool)        { return 0, false }
func codeBaud(uint32) (int, bool)        { return 0, false }
