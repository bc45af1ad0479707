package testpty

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// unlock does unlockpt(3) and ptsname(3) on the master m.
func unlock(m *os.File) (string, error) {
	var n uint32
	err := control(m, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return os.NewSyscallError("ioctl TIOCSPTLCK", err)
		}
		var err error
		// TIOCGPTN writes an unsigned int. unix.IoctlGetInt would pass a
		// 64-bit Go int, whose first four bytes are its high half on a
		// big-endian 64-bit machine (s390x, ppc64).
		if n, err = unix.IoctlGetUint32(fd, unix.TIOCGPTN); err != nil {
			return os.NewSyscallError("ioctl TIOCGPTN", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return "/dev/pts/" + strconv.FormatUint(uint64(n), 10), nil
}

// getTermios reads the slave's modes through the master (see the package
// comment).
func getTermios(m *os.File) (*unix.Termios, error) {
	var tio *unix.Termios
	err := control(m, func(fd int) (err error) {
		tio, err = unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	})
	if err != nil {
		return nil, os.NewSyscallError("ioctl TCGETS", err)
	}
	return tio, nil
}
