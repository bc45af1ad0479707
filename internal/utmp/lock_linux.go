package utmp

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

type lockType int16

const (
	readLock  lockType = unix.F_RDLCK
	writeLock lockType = unix.F_WRLCK
)

// lock takes a whole-file lock on f, waiting up to lockTimeout. The lock is
// released when f is closed.
//
// glibc locks utmp and wtmp with classic POSIX record locks (F_SETLKW).
// This uses open-file-description locks instead (F_OFD_SETLK, Linux ≥
// 3.15): they conflict with glibc's locks in other processes exactly as
// POSIX locks would, but they also exclude other goroutines of this process
// (which hold different open files), and closing some other descriptor of
// the same file — a ReadFile in another goroutine — does not drop them, as
// it would drop a POSIX lock. The wait is a poll so that it can time out as
// glibc's alarm-based wait does.
func lock(f *os.File, typ lockType) error {
	lk := unix.Flock_t{Type: int16(typ), Whence: 0, Start: 0, Len: 0} // Len 0: to the end, whatever the size
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(lockTimeout)
	wait := time.Millisecond
	for {
		var lerr error
		if err := rc.Control(func(fd uintptr) {
			for {
				lerr = unix.FcntlFlock(fd, unix.F_OFD_SETLK, &lk)
				if !errors.Is(lerr, unix.EINTR) {
					return
				}
			}
		}); err != nil {
			return err
		}
		if lerr == nil {
			return nil
		}
		if !errors.Is(lerr, unix.EAGAIN) && !errors.Is(lerr, unix.EACCES) {
			return &os.PathError{Op: "fcntl F_OFD_SETLK", Path: f.Name(), Err: lerr}
		}
		if time.Now().After(deadline) {
			return &os.PathError{Op: "lock", Path: f.Name(), Err: fmt.Errorf("still locked by another process after %v: %w", lockTimeout, lerr)}
		}
		time.Sleep(wait)
		wait = min(2*wait, 50*time.Millisecond)
	}
}
