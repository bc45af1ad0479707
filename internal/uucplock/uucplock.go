// Package uucplock implements the lock files that serial-line programs use
// to share a device: the FHS/HDB UUCP convention
// (docs/linux.md#uucp-lock-files).
//
// A lock for /dev/ttyS0 is the file LCK..ttyS0 in the lock directory
// (/var/lock; under SAF_ROOT for the framework's own tests). Its content is
// the holder's pid as ten ASCII characters, right-aligned, and a newline:
// "       123\n", 11 bytes. minicom writes and honours exactly these files
// (TestMinicomInterop); Taylor UUCP's cu names the lock after the last path
// element only (LCK..3 for /dev/pts/3), which agrees for devices directly
// in /dev. For any other device both names are locks of it (Names): a
// holder of either holds the device, and Lock takes both, so that neither
// kind of tool takes the line while we have it. A lock whose holder is
// dead (kill(pid, 0) fails with ESRCH), or
// whose content is not 11 bytes of that format (old tools wrote a binary
// int), is stale: it is removed and the lock taken, as Solaris ttymon does.
//
// Some programs (Debian's picocom) lock only with flock(2) on the open
// device; FlockDevice takes and tests that lock, and FlockHolder finds
// the process holding it.
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
	"syscall"
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

// Names returns every lock file name of device: Name(device) and, when
// it differs, the name Taylor UUCP's cu gives it, "LCK.." and the last
// element of the path ("/dev/pts/3" → "LCK..pts_3" and "LCK..3").
func Names(device string) []string {
	names := []string{Name(device)}
	base := filepath.Base(device)
	if cu := "LCK.." + base; cu != names[0] && !strings.Contains(base, "/") {
		names = append(names, cu)
	}
	return names
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
	fd := &found{f: f, dev: uint64(st.Dev), ino: st.Ino} // Dev is uint32 on mips
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
	if st.Mode&unix.S_IFMT != unix.S_IFREG || uint64(st.Dev) != fd.dev || st.Ino != fd.ino {
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
// (normally os.Getpid()): every name of Names(device), or none. A stale
// lock is removed first. A lock already holding pid counts as taken. When
// another live process holds the lock, Lock returns a *LockedError naming
// it.
func Lock(dir, device string, pid int) error {
	if pid <= 0 {
		return fmt.Errorf("uucplock: lock %s: invalid pid %d", device, pid)
	}
	tmp, err := writeTemp(dir, pid)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // the locks, if taken, are the other links
	names := Names(device)
	for i, name := range names {
		if err := link(dir, tmp, name, device, pid); err != nil {
			for _, taken := range names[:i] {
				_ = unlock(dir, taken, device, pid) // ours: nothing to report
			}
			return err
		}
	}
	return nil
}

// link takes the lock file name in dir for pid by linking the lock
// content tmp to it.
func link(dir, tmp, name, device string, pid int) error {
	path := filepath.Join(dir, name)
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

// Holder returns the pid of the live process holding a lock for device
// in dir (any name of Names(device)), or 0 when the device is free. A
// stale lock is removed. Anything but a regular file with a lock's name
// (a symlink, a FIFO) is no lock: it is left where it is, and the device
// counts as free.
func Holder(dir, device string) (pid int, err error) {
	for _, name := range Names(device) {
		pid, st, err := holder(dir, filepath.Join(dir, name))
		if err != nil || st == live {
			return pid, err
		}
	}
	return 0, nil
}

// Unlock removes the locks of device that hold pid. A missing, stale or
// invalid lock that is not pid's is left alone; a live lock of another
// process is left alone and reported with a *LockedError.
func Unlock(dir, device string, pid int) error {
	var first error
	for _, name := range Names(device) {
		if err := unlock(dir, name, device, pid); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// unlock removes the lock file name in dir if it holds pid.
func unlock(dir, name, device string, pid int) error {
	path := filepath.Join(dir, name)
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
// of, or besides, a lock file. It returns true when the lock was taken (it
// lasts until every descriptor sharing f's open file description is closed,
// including those handed to a service), and false when another open file
// description holds it: the device is busy.
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

// procLocks is the kernel's list of file locks.
const procLocks = "/proc/locks"

// FlockHolder returns the pid of a process holding a flock(2) lock on the
// file f is open on, as /proc/locks shows it, or 0 when it shows none or
// no pid (a process in another pid namespace). The pid is that of the
// process that took the lock; the lock lasts while any descriptor of its
// open file description is open, so it may outlive that process (a child
// that inherited the descriptor).
func FlockHolder(f *os.File) (int, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, &fs.PathError{Op: "stat", Path: f.Name(), Err: errors.ErrUnsupported}
	}
	data, err := os.ReadFile(procLocks)
	if err != nil {
		return 0, err
	}
	dev := uint64(st.Dev)
	return flockHolder(string(data), unix.Major(dev), unix.Minor(dev), st.Ino), nil
}

// flockHolder finds the holder of a flock on inode ino of device
// major:minor in the text of /proc/locks, whose lines read
//
//	1: FLOCK  ADVISORY  WRITE 13200 00:19:5 0 EOF
//
// (the device in hex, the inode in decimal). A process waiting for the
// lock has "->" after the number and is not a holder.
func flockHolder(locks string, major, minor uint32, ino uint64) int {
	want := fmt.Sprintf("%02x:%02x:%d", major, minor, ino)
	for _, line := range strings.Split(locks, "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[1] != "FLOCK" || f[5] != want {
			continue
		}
		if pid, err := strconv.Atoi(f[4]); err == nil && pid > 0 {
			return pid
		}
	}
	return 0
}

// RecordLockHolder returns the pid of a process holding a POSIX record lock
// (fcntl) that conflicts with a write lock on the open device f, or 0 when
// there is none: the second half of the original's lock check.
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
