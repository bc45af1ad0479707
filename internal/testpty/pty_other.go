//go:build !linux

package testpty

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// errNotImplemented makes Open skip: the harness knows only Linux ptys.
var errNotImplemented = fmt.Errorf("not implemented on %s/%s: %w", runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)

func unlock(*os.File) (string, error)            { return "", errNotImplemented }
func getTermios(*os.File) (*unix.Termios, error) { return nil, errNotImplemented }
