// Package cloexec marks inherited descriptors close-on-exec, so that a
// program about to exec hands on only the descriptors it means to: a
// service gets exactly 0, 1 and 2, a port monitor none at all. Go opens its
// own descriptors close-on-exec; this catches those the process inherited
// or a C library opened without the flag.
package cloexec

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// From marks every descriptor from first up close-on-exec: one
// close_range(2) call, or on kernels before 5.11 (no
// CLOSE_RANGE_CLOEXEC) a walk of /proc/self/fd, or when that cannot be
// read either, every descriptor below 1024. A descriptor closed meanwhile
// is no error.
func From(first int) error {
	err := closeRange(first)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EINVAL) {
		return os.NewSyscallError("close_range", err)
	}
	names, err := readDirnames("/proc/self/fd")
	if err != nil {
		for fd := first; fd < 1024; fd++ {
			unix.CloseOnExec(fd)
		}
		return nil
	}
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd < first {
			continue
		}
		// The directory's own descriptor is close-on-exec already.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && !errors.Is(err, unix.EBADF) {
			return os.NewSyscallError("fcntl F_SETFD", err)
		}
	}
	return nil
}

func readDirnames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close() // read-only directory
	return d.Readdirnames(-1)
}
