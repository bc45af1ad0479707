package termios

import (
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ignoringEINTR retries f while it fails with EINTR. The runtime installs
// its handlers with SA_RESTART, but an ioctl that sleeps (TCSETSW,
// TCSBRK) can still come back with EINTR when a signal lands during the
// wait.
func ignoringEINTR(f func() error) error {
	for {
		err := f()
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// ioctlErr wraps a failed ioctl as *os.SyscallError ("ioctl TCGETS: ...").
func ioctlErr(name string, err error) error {
	if err == nil {
		return nil
	}
	return os.NewSyscallError("ioctl "+name, err)
}

func open(path string) (*os.File, error) {
	// os.OpenFile retries EINTR itself and returns *PathError.
	return os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
}

func setBlocking(f *os.File, blocking bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return &os.PathError{Op: "set blocking", Path: f.Name(), Err: err}
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetNonblock(int(fd), !blocking)
	}); err != nil {
		return &os.PathError{Op: "set blocking", Path: f.Name(), Err: err}
	}
	if serr != nil {
		return &os.PathError{Op: "fcntl F_SETFL", Path: f.Name(), Err: serr}
	}
	return nil
}

func get(fd int) (*unix.Termios, error) {
	var t *unix.Termios
	err := ignoringEINTR(func() (err error) {
		t, err = unix.IoctlGetTermios(fd, reqGet)
		return err
	})
	if err != nil {
		return nil, ioctlErr("TCGETS", err)
	}
	return t, nil
}

func set(fd int, t *unix.Termios, when When) error {
	if when < Now || when > Flush {
		return fmt.Errorf("termios: invalid When %d", int(when))
	}
	err := ignoringEINTR(func() error {
		return unix.IoctlSetTermios(fd, setReq[when], t)
	})
	return ioctlErr(when.String(), err)
}

func drainOutput(fd int) error {
	err := ignoringEINTR(func() error { return unix.IoctlSetInt(fd, reqBreak, 1) })
	return ioctlErr("TCSBRK", err)
}

func flush(fd int, q queue) error {
	err := ignoringEINTR(func() error { return unix.IoctlSetInt(fd, reqFlush, flushArg[q]) })
	return ioctlErr("TCFLSH", err)
}

func sendBreak(fd int) error {
	err := ignoringEINTR(func() error { return unix.IoctlSetInt(fd, reqBreak, 0) })
	return ioctlErr("TCSBRK", err)
}

// modemBits clears (req TIOCMBIC) or sets (TIOCMBIS) modem-control bits.
func modemBits(fd int, req uint, bits int) error {
	return ignoringEINTR(func() error { return unix.IoctlSetPointerInt(fd, req, bits) })
}

func hangup(fd int) error {
	old, err := get(fd)
	if err != nil {
		return err
	}
	b0 := *old
	b0.Cflag &^= unix.CBAUD | unix.CIBAUD
	b0.Cflag |= unix.B0
	if err := set(fd, &b0, Now); err != nil {
		return err
	}
	// Best effort: drivers without modem controls (ptys, most consoles)
	// answer ENOTTY or EINVAL, and then there is nothing to wait for.
	modem := modemBits(fd, reqModemClear, unix.TIOCM_DTR) == nil
	if modem {
		time.Sleep(HangupHold)
	}
	if err := set(fd, old, Now); err != nil {
		return err
	}
	if modem && old.Cflag&unix.CBAUD != unix.B0 {
		// serial_core raises DTR itself when leaving B0; this covers
		// drivers that do not. Best effort, as above.
		_ = modemBits(fd, reqModemSet, unix.TIOCM_DTR)
	}
	return nil
}

func setSoftCarrier(fd int, on bool) error {
	v := 0
	if on {
		v = 1
	}
	err := ignoringEINTR(func() error { return unix.IoctlSetPointerInt(fd, reqSetSoftCar, v) })
	return ioctlErr("TIOCSSOFTCAR", err)
}

func carrier(fd int) (bool, error) {
	var bits int
	err := ignoringEINTR(func() (err error) {
		bits, err = unix.IoctlGetInt(fd, reqModemGet)
		return err
	})
	if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
		return true, nil // no modem controls: a pty, a console (§21.7)
	}
	if err != nil {
		return false, ioctlErr("TIOCMGET", err)
	}
	return bits&unix.TIOCM_CAR != 0, nil
}

func getDiscipline(fd int) (int, error) {
	var ld int
	err := ignoringEINTR(func() (err error) {
		ld, err = unix.IoctlGetInt(fd, reqGetDisc)
		return err
	})
	if err != nil {
		return 0, ioctlErr("TIOCGETD", err)
	}
	return ld, nil
}

func setDiscipline(fd int, ld int) error {
	err := ignoringEINTR(func() error { return unix.IoctlSetPointerInt(fd, reqSetDisc, ld) })
	return ioctlErr("TIOCSETD", err)
}

func pushInput(fd int, b []byte) error {
	for i := range b {
		// TIOCSTI reads a single char through its pointer argument;
		// x/sys has no wrapper that passes a *byte.
		err := ignoringEINTR(func() error {
			_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(reqPushInput), uintptr(unsafe.Pointer(&b[i])))
			if e != 0 {
				return e
			}
			return nil
		})
		if err != nil {
			return ioctlErr("TIOCSTI", err)
		}
	}
	return nil
}

func inputPending(fd int) (int, error) {
	var n int
	err := ignoringEINTR(func() (err error) {
		n, err = unix.IoctlGetInt(fd, reqInputPending)
		return err
	})
	if err != nil {
		return 0, ioctlErr("FIONREAD", err)
	}
	return n, nil
}

func setControlling(fd int) error {
	err := ignoringEINTR(func() error { return unix.IoctlSetInt(fd, reqSetCtty, 0) })
	return ioctlErr("TIOCSCTTY", err)
}
