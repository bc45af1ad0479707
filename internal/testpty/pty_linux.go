package testpty

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// unlock does unlockpt(3) and ptsname(3) on the master m.
func unlock(m *os.File) (string, error) {
	var n int
	err := control(m, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return os.NewSyscallError("ioctl TIOCSPTLCK", err)
		}
		var err error
		if n, err = unix.IoctlGetInt(fd, unix.TIOCGPTN); err != nil {
			return os.NewSyscallError("ioctl TIOCGPTN", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return "/dev/pts/" + strconv.Itoa(n), nil
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
