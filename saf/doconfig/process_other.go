//go:build !linux

package doconfig

import (
	"errors"
	"fmt"
	"runtime"
)

// SAF runs on Linux only; elsewhere the process effects that need system
// calls report ErrUnsupported.

func unsupported(what string) error {
	return fmt.Errorf("%s: %w on %s/%s", what, errors.ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}

// setUmask cannot report failure (Env.Umask has no error): outside Linux
// the umask is left alone.
func setUmask(mask int) {}

func setFileSizeLimit(blocks int64) error { return unsupported("ulimit") }

func checkFD(fd int) error { return unsupported("stream") }

func closeInherited() error { return unsupported("closing inherited descriptors") }
