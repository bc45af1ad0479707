package cloexec

import (
	"math"

	"golang.org/x/sys/unix"
)

// closeRange marks every descriptor from first up close-on-exec in one
// system call (Linux 5.11 and later).
func closeRange(first int) error {
	return unix.CloseRange(uint(first), math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC)
}
