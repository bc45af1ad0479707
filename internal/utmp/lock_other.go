//go:build !linux

package utmp

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

type lockType int16

const (
	readLock lockType = iota
	writeLock
)

var errNotImplemented = fmt.Errorf("utmp: file operations not implemented on %s/%s: %w", runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)

func lock(*os.File, lockType) error { return errNotImplemented }
