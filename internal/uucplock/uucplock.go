// Package uucplock implements the lock files that serial-line programs use
// to share a device: the FHS/HDB UUCP convention (linux.md D13, ttymon.md
// §13.1, §13.2 and §21.9).
//
// A lock for /dev/ttyS0 is the file LCK..ttyS0 in the lock directory
// (/var/lock; under SAF_ROOT for the framework's own tests). Its content is
// the holder's pid as ten ASCII characters, right-aligned, and a newline:
// "       123\n", 11 bytes. minicom writes and honours exactly these files
// (TestMinicomInterop); Taylor UUCP's cu names the lock after the last path
// element only (LCK..3 for /dev/pts/3), which agrees for devices directly
// in /dev. A lock whose holder is dead (kill(pid, 0) fails with ESRCH), or
// whose content is not 11 bytes of that format (old tools wrote a binary
// int), is stale: it is removed and the lock taken, as Solaris ttymon does.
//
// Some programs (Debian's picocom) lock only with flock(2) on the open
// device; FlockDevice takes and tests that lock.
//
// Taking a lock is atomic: the content is written to a temporary file in
// the lock directory, which is then hard-linked to the lock name; link(2)
// fails if the name exists, so no reader ever sees a partial lock file.
// Stale locks are removed under an flock on the lock directory, after
// reading them again, so that two cooperating processes never remove a lock
// a third has just taken.
//
// The lock directory is usually writable by every user (/run/lock is
// 1777 on Debian) while ttymon uses it as root. So lock files are read
// without following symbolic links and without blocking on a FIFO; only a
// regular file is a lock, and anything else with a lock's name is left
// where it is (Holder counts the device free, Lock fails and says why);
// and a stale lock is removed only if its name still leads to the file
// that was read (removeIf).
package uucplock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrLocked is matched (errors.Is) by a *LockedError.
var ErrLocked = errors.New("device is locked")

// LockedError reports a device held by another live process.
type LockedError struct {
	Device string
	Pid    int
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("uucplock: %s is locked by process %d", e.Device, e.Pid)
}

// Is makes errors.Is(err, ErrLocked) true for a *LockedError.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// contentSize is the length of a valid lock file: "%10d\n".
const contentSize = 11

// Name returns the lock file name for device: the path without "/dev/",
// with every remaining '/' replaced by '_', after "LCK.." ("/dev/ttyS0" →
// "LCK..ttyS0", "/dev/pts/3" → "LCK..pts_3"). A path outside /dev keeps its
// leading '/' as '_' ("/tmp/x" → "LCK.._tmp_x").
func Name(device string) string {
	return "LCK.." + strings.ReplaceAll(strings.TrimPrefix(device, "/dev/"), "/", "_")
}

// content returns the lock file text for pid.
func content(pid int) []byte {
	return fmt.Appendf(nil, "%10d\n", pid)
}

// parse returns the pid a lock file holds, or false if b is not a valid
// lock: exactly 11 bytes, spaces, decimal digits, a newline, pid > 0.
func parse(b []byte) (int, bool) {
	if len(b) != contentSize || b[contentSize-1] != '\n' {
		return 0, false
	}
	digits := bytes.TrimLeft(b[:contentSize-1], " ")
	if len(digits) == 0 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	pid, err := strconv.Atoi(string(digits))
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

// alive reports whether process pid exists. EPERM means it exists but
// belongs to someone else; only ESRCH means it is gone.
func alive(pid int) bool {
	return !errors.Is(unix.Kill(pid, 0), unix.ESRCH)
}

// state is what a look at a lock file found.
type state int

const (
	absent  state = iota
	live          // a valid lock of a live process
	stale         // a regular file that is no live lock
	foreign       // not a regular file: nobody's lock, and not ours to remove
)

// found is the file a look found, kept open so that it is removed only
// if the name still leads to it: while it is open its inode number
// cannot be given to a new file. nil when there was no regular file.
type found struct {
	f        *os.File
	dev, ino uint64
}

// close releases the file; nil is allowed.
func (fd *found) close() {
	if fd != nil {
		fd.f.Close() // read-only
	}
}

// errNotLockFile: something else than a regular file has a lock's name.
var errNotLockFile = errors.New("not a regular file, so not a lock file (remove it to use the device)")

// examine reads the lock file at path. It returns the holder's pid for a
// live lock, and for a stale one the file, still open (the caller closes
// it). A file that is not a valid lock but was changed less than
// writeGrace ago is read again until it is valid or old: a program that
// creates its lock with O_EXCL and then writes it (minicom) leaves it
// empty for a moment.
func examine(path string) (state, int, *found, error) {
	for {
		b, mtime, fd, err := readLockFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return absent, 0, nil, nil
		}
		if errors.Is(err, unix.ELOOP) || errors.Is(err, errNotLockFile) {
			return foreign, 0, nil, nil // a symlink, a FIFO, a directory
		}
		if err != nil {
			return absent, 0, nil, err
		}
		if pid, ok := parse(b); ok {
			if alive(pid) {
				fd.close()
				return live, pid, nil, nil
			}
			return stale, pid, fd, nil
		}
		if time.Since(mtime) >= writeGrace {
			return stale, 0, fd, nil
		}
		fd.close()
		time.Sleep(writeGrace / 20)
	}
}

// readLockFile returns up to contentSize+1 bytes of path (enough to tell a
// too-long file), its modification time and the file, still open (the
// caller closes it). Symlinks are not followed (ELOOP), and anything but
// a regular file is not read (errNotLockFile).
func readLockFile(path string) ([]byte, time.Time, *found, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, time.Time{}, nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, time.Time{}, nil, &fs.PathError{Op: "fstat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		f.Close()
		return nil, time.Time{}, nil, &fs.PathError{Op: "open", Path: path, Err: errNotLockFile}
	}
	fd := &found{f: f, dev: st.Dev, ino: st.Ino}
	b := make([]byte, contentSize+1)
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		fd.close()
		return nil, time.Time{}, nil, err
	}
	return b[:n], time.Unix(st.Mtim.Unix()), fd, nil
}

// removeIf removes path if it still leads to the file fd, which the
// caller holds open.
//
// Why: the lock directory is writable by others (world-writable and
// sticky on Debian), and programs that do not take our guard may remove
// a stale lock and take the device between our look and the removal.
// Removing by name alone would then remove their live lock. The inode
// numbers can be compared because fd is still open: a new file cannot
// get the number of one that is open. Linux cannot unlink a name only
// if it leads to a given inode; looking again just before the unlink
// leaves a window of a system call instead of a read and a kill(2).
func removeIf(path string, fd *found) (bool, error) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil
		}
		return false, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Dev != fd.dev || st.Ino != fd.ino {
		return false, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}

// holder looks at the lock at path: for a live lock it returns the
// holder's pid; a stale lock is removed (state absent then); anything
// else is reported as its state.
func holder(dir, path string) (int, state, error) {
	st, pid, fd, err := examine(path)
	fd.close()
	if err != nil || st != stale {
		return pid, st, err
	}
	// Stale. Remove it under the directory guard, after looking again:
	// between our look and now another process may have removed it and
	// taken the lock itself.
	unlock, err := guard(dir)
	if err != nil {
		return 0, absent, err
	}
	defer unlock()
	st, pid, fd, err = examine(path)
	if err != nil || st != stale {
		return pid, st, err
	}
	if testHookStale != nil {
		testHookStale(path)
	}
	removed, err := removeIf(path, fd)
	fd.close()
	if err != nil || removed {
		return 0, absent, err
	}
	// Replaced since the look: report what is there now.
	st, pid, fd, err = examine(path)
	fd.close()
	return pid, st, err
}

// guard takes an exclusive flock on the lock directory and returns its
// release.
func guard(dir string) (func(), error) {
	d, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(d.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		d.Close()
		return nil, &fs.PathError{Op: "flock", Path: dir, Err: err}
	}
	return func() { d.Close() }, nil // closing drops the flock
}

// maxAttempts bounds Lock's link/stale-removal loop.
const maxAttempts = 10

// Lock takes the UUCP lock for device in dir on behalf of process pid
// (normally os.Getpid()). A stale lock is removed first. A lock already
// holding pid counts as taken. When another live process holds the lock,
// Lock returns a *LockedError naming it.
func Lock(dir, device string, pid int) error {
	if pid <= 0 {
		return fmt.Errorf("uucplock: lock %s: invalid pid %d", device, pid)
	}
	path := filepath.Join(dir, Name(device))
	tmp, err := writeTemp(dir, pid)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // the lock, if taken, is the other link
	for range maxAttempts {
		err := os.Link(tmp, path)
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		h, st, err := holder(dir, path)
		switch {
		case err != nil:
			return err
		case st == foreign:
			return &fs.PathError{Op: "lock", Path: path, Err: errNotLockFile}
		case st == live && h == pid:
			return nil
		case st == live:
			return &LockedError{Device: device, Pid: h}
		}
		// Stale and removed, or released meanwhile: try again.
	}
	return &fs.PathError{Op: "lock", Path: path, Err: errors.New("lock file keeps reappearing")}
}

// writeTemp writes pid's lock content to a new temporary file in dir.
func writeTemp(dir string, pid int) (string, error) {
	f, err := os.CreateTemp(dir, "LTMP.")
	if err != nil {
		return "", err
	}
	name := f.Name()
	_, err = f.Write(content(pid))
	if err == nil {
		// Readable by all: dial-out tools running as another user read
		// the pid to decide whether the lock is stale.
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name) // best effort: a leftover LTMP file is only litter
		return "", err
	}
	return name, nil
}

// Holder returns the pid of the live process holding the lock for device
// in dir, or 0 when the device is free. A stale lock is removed. Anything
// but a regular file with the lock's name (a symlink, a FIFO) is no lock:
// it is left where it is, and the device counts as free.
func Holder(dir, device string) (pid int, err error) {
	pid, st, err := holder(dir, filepath.Join(dir, Name(device)))
	if st != live {
		pid = 0
	}
	return pid, err
}

// Unlock removes the lock for device if it holds pid. A missing, stale or
// invalid lock that is not pid's is left alone and Unlock returns nil; a
// live lock of another process is left alone and reported with a
// *LockedError.
func Unlock(dir, device string, pid int) error {
	path := filepath.Join(dir, Name(device))
	b, _, fd, err := readLockFile(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ELOOP) || errors.Is(err, errNotLockFile) {
		return nil
	}
	if err != nil {
		return err
	}
	defer fd.close()
	h, ok := parse(b)
	switch {
	case ok && h == pid:
		_, err := removeIf(path, fd)
		return err
	case ok && alive(h):
		return &LockedError{Device: device, Pid: h}
	}
	return nil
}

// FlockDevice tries to take an exclusive flock(2) on the open device f
// without waiting; it is the lock that tools such as picocom take instead
// of, or besides, a lock file (linux.md D13). It returns true when the lock
// was taken (it lasts until every descriptor sharing f's open file
// description is closed, including those handed to a service), and false
// when another open file description holds it: the device is busy.
func FlockDevice(f *os.File) (bool, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB)
			if !errors.Is(ferr, unix.EINTR) {
				return
			}
		}
	}); err != nil {
		return false, err
	}
	switch {
	case ferr == nil:
		return true, nil
	case errors.Is(ferr, unix.EWOULDBLOCK):
		return false, nil
	}
	return false, &fs.PathError{Op: "flock", Path: f.Name(), Err: ferr}
}

// RecordLockHolder returns the pid of a process holding a POSIX record lock
// (fcntl) that conflicts with a write lock on the open device f, or 0 when
// there is none: the second half of the original's lock check (ttymon.md
// §13.1).
func RecordLockHolder(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = unix.FcntlFlock(fd, unix.F_GETLK, &lk)
			if !errors.Is(ferr, unix.EINTR) {
				return
			}
		}
	}); err != nil {
		return 0, err
	}
	if ferr != nil {
		return 0, &fs.PathError{Op: "fcntl F_GETLK", Path: f.Name(), Err: ferr}
	}
	if lk.Type == unix.F_UNLCK {
		return 0, nil
	}
	return int(lk.Pid), nil
}
