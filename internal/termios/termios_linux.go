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

// getInt makes an ioctl that writes a C int (or pid_t, or unsigned int)
// through its argument: 32 bits on every Linux architecture.
//
// Not unix.IoctlGetInt: it hands the kernel a Go int, 64 bits on 64-bit
// systems, and the kernel fills only the first four bytes, which on a
// big-endian machine (s390x, ppc64, mips64) are the high half: 3 queued
// bytes would read as 3<<32.
func getInt(fd int, req uint, name string) (int, error) {
	var v uint32
	err := ignoringEINTR(func() (err error) {
		v, err = unix.IoctlGetUint32(fd, req)
		return err
	})
	if err != nil {
		return 0, ioctlErr(name, err)
	}
	return int(int32(v)), nil
}

// setInt makes an ioctl that takes an int: through a pointer to it, or
// (byValue) as the argument itself.
func setInt(fd int, req uint, name string, v int, byValue bool) error {
	err := ignoringEINTR(func() error {
		if byValue {
			return unix.IoctlSetInt(fd, req, v)
		}
		return unix.IoctlSetPointerInt(fd, req, v)
	})
	return ioctlErr(name, err)
}

func openPTY() (*os.File, string, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", err
	}
	n, err := getInt(int(m.Fd()), reqGetPtyNum, "TIOCGPTN")
	if err == nil {
		err = setInt(int(m.Fd()), reqPtyLock, "TIOCSPTLCK", 0, false)
	}
	if err != nil {
		m.Close() // unused; the error is err
		return nil, "", err
	}
	return m, fmt.Sprintf("/dev/pts/%d", n), nil
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
	return setInt(fd, reqBreak, "TCSBRK", 1, true)
}

func flushInput(fd int) error {
	return setInt(fd, reqFlush, "TCFLSH", unix.TCIFLUSH, true)
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
	modem := setInt(fd, reqModemClear, "TIOCMBIC", unix.TIOCM_DTR, false) == nil
	if modem {
		time.Sleep(HangupHold)
	}
	if err := set(fd, old, Now); err != nil {
		return err
	}
	if modem && old.Cflag&unix.CBAUD != unix.B0 {
		// serial_core raises DTR itself when leaving B0; this covers
		// drivers that do not. Best effort, as above.
		_ = setInt(fd, reqModemSet, "TIOCMBIS", unix.TIOCM_DTR, false)
	}
	return nil
}

func setSoftCarrier(fd int, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return setInt(fd, reqSetSoftCar, "TIOCSSOFTCAR", v, false)
}

func getDiscipline(fd int) (int, error) {
	return getInt(fd, reqGetDisc, "TIOCGETD")
}

func setDiscipline(fd int, ld int) error {
	return setInt(fd, reqSetDisc, "TIOCSETD", ld, false)
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
	return getInt(fd, reqInputPending, "FIONREAD")
}

func setControlling(fd int) error {
	return setInt(fd, reqSetCtty, "TIOCSCTTY", 0, true)
}

func isControlling(fd int) bool {
	sid, err := getInt(fd, reqGetSid, "TIOCGSID")
	if err != nil {
		return false
	}
	own, err := unix.Getsid(0)
	return err == nil && sid == own
}
