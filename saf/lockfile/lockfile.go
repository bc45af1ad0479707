// Package lockfile is the one way SAF administrative files change
// (docs/linux.md#atomic-table-rewrites): an exclusive lock held for the
// whole read-modify-write, and a rewrite that is atomic on disk (temp file
// in the same directory, write, fsync, rename, fsync of the directory), so
// a concurrent or interrupted command never loses or corrupts entries.
// Readers take no lock: they see either the whole old file or the whole new
// one.
//
// It also takes and tests the POSIX record locks that sac and the port
// monitors hold on /var/saf/_log and _pid, and replaces
// either file when a process that is neither holds a lock on it
// (ReplaceLocked).
package lockfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Lock is an exclusive flock on a lock file, released by Close.
type Lock struct {
	f *os.File
}

// Acquire opens (creating it, mode 0600) the lock file at path and waits
// for an exclusive flock on it. A symlink planted at path is not followed;
// a hard link or a FIFO planted there is only opened and flocked, never
// written, truncated or changed in mode (O_CREATE leaves an existing
// file's mode alone, and O_RDWR does not block on a FIFO).
func Acquire(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "flock", Path: path, Err: err}
	}
	l := &Lock{f: f}
	// A Lock dropped without Close would keep its fd, and the lock, until
	// the collector ran; make that mistake loud in tests instead.
	runtime.SetFinalizer(l, func(l *Lock) {
		panic("lockfile: Lock for " + l.f.Name() + " was never closed")
	})
	return l, nil
}

// Close releases the lock.
func (l *Lock) Close() error {
	runtime.SetFinalizer(l, nil)
	return l.f.Close() // closing the last fd drops the flock
}

// TempName is the name of the temp file WriteFile uses for path: the
// original's ".<name>" in the same directory
// (docs/architecture.md#atomic-rewrites).
func TempName(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path))
}

// testHookPartialWrite, when set, runs after WriteFile has written part of
// the temp file; tests use it to kill a writer mid-write.
var testHookPartialWrite func()

// WriteFile replaces path with data atomically, leaving the file with mode
// perm. The caller must hold the lock that guards path: the temp file has a
// fixed name (TempName), and under the lock any file by that name is debris
// from an interrupted writer, so it is removed rather than reported as
// "tempfile busy" as the original did.
//
// An existing path that is not a regular file (a directory, a FIFO, a
// symlink planted in its place) is refused, never replaced.
func WriteFile(path string, data []byte, perm os.FileMode) (err error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return &fs.PathError{Op: "replace", Path: path, Err: ErrNotRegular}
	}
	tmp := TempName(path)
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp) // best effort: the target is untouched either way
		}
	}()
	if testHookPartialWrite != nil {
		half := len(data) / 2
		if _, err := f.Write(data[:half]); err != nil {
			return err
		}
		testHookPartialWrite()
		data = data[half:]
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	// Chmod explicitly: the mode must not depend on the caller's umask
	// (tables end 0444 whatever the umask).
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir fsyncs a directory so that a rename or create in it is durable.
// O_DIRECTORY: whatever else is found at dir (a FIFO would block a plain
// open) is an error at once.
func SyncDir(dir string) error {
	d, err := os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, unix.EINVAL) {
		// Some file systems cannot sync directories (EINVAL); the rename
		// is still atomic there, only its durability is theirs to give.
		return err
	}
	return nil
}

// ModeOf returns the permission bits of the regular file at path, or def
// when there is none. A symbolic link is not followed (it gives def): its
// target's mode must not become the mode of the table written in its
// place.
func ModeOf(path string, def os.FileMode) os.FileMode {
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		return fi.Mode().Perm()
	}
	return def
}

// RecordLocked tests whether another process holds a POSIX write lock
// (fcntl, not flock: on Linux the two are independent) on any part of the
// file at path, and returns that process's pid. A lock held by the calling
// process itself is not reported (that is how F_GETLK works).
//
// A read lock is not reported either: sac and the port monitors take
// only write locks, so a read lock is nobody's liveness. Anyone who can
// open the file read-only can take one, and would otherwise pass for the
// port monitor (and get its signals from sac) or for sac. A read lock
// also keeps the daemon from its write lock; LockRecord says which kind
// refused it, and ReplaceLocked gets past it.
//
// sac signals the pid it finds on a port monitor's _pid, in a directory
// someone else may be able to write, so only the file itself counts: a
// symbolic link at path is not followed, and a file that is not regular
// or has more than one link (a hard link to another daemon's locked file)
// is an error matching ErrNotRegular. The open does not block on a FIFO.
func RecordLocked(path string) (pid int, locked bool, err error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		return 0, false, err
	}
	defer f.Close() // opened read-only, for F_GETLK
	fi, err := f.Stat()
	if err != nil {
		return 0, false, err
	}
	if !fi.Mode().IsRegular() {
		return 0, false, &fs.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink != 1 {
		return 0, false, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w: %d links to the file, not 1", ErrNotRegular, st.Nlink)}
	}
	return RecordLockedFile(f)
}

// RecordLockedFile is RecordLocked on an open file.
func RecordLockedFile(f *os.File) (pid int, locked bool, err error) {
	h, locked, err := RecordHolder(f)
	if err != nil || !locked || h.Shared {
		return 0, false, err
	}
	return h.Pid, true, nil
}

// Holder is a process holding a record lock, as F_GETLK reports it.
type Holder struct {
	Pid int
	// Shared: a read lock. sac and the port monitors take write locks
	// only, so a read lock is never theirs.
	Shared bool
}

// RecordHolder reports a POSIX record lock, read or write, that another
// process holds on any part of f, and who holds it. Where several
// processes hold read locks, the kernel names one of them.
func RecordHolder(f *os.File) (h Holder, locked bool, err error) {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	for {
		err = unix.FcntlFlock(f.Fd(), unix.F_GETLK, &lk)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	runtime.KeepAlive(f)
	if err != nil {
		return Holder{}, false, &fs.PathError{Op: "fcntl F_GETLK", Path: f.Name(), Err: err}
	}
	if lk.Type == unix.F_UNLCK {
		return Holder{}, false, nil
	}
	return Holder{Pid: int(lk.Pid), Shared: lk.Type == unix.F_RDLCK}, true, nil
}

// HeldError is LockRecord's error when another process holds a lock on
// the file. It matches ErrLocked.
type HeldError struct {
	Path string
	Holder
}

func (e *HeldError) Error() string { return e.Path + ": " + ErrLocked.Error() }

// Is makes errors.Is(err, ErrLocked) true.
func (e *HeldError) Is(target error) bool { return target == ErrLocked }

// LockRecord takes a non-blocking POSIX write lock on the whole of f, as
// sac takes on /var/saf/_log and a port monitor on its _pid. When another
// process holds a conflicting lock it returns a *HeldError (matching
// ErrLocked) that says who holds it and whether it is only a read lock.
func LockRecord(f *os.File) error {
	// A lock released between the refusal and the F_GETLK that asks
	// whose it was: try again, a few times (a holder that keeps taking
	// and dropping its lock is reported as an unknown one, pid 0).
	for range 10 {
		lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
		var err error
		for {
			err = unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk)
			if !errors.Is(err, unix.EINTR) {
				break
			}
		}
		runtime.KeepAlive(f)
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EACCES) {
			return &fs.PathError{Op: "fcntl F_SETLK", Path: f.Name(), Err: err}
		}
		h, locked, gerr := RecordHolder(f)
		if gerr == nil && !locked {
			continue
		}
		return &HeldError{Path: f.Name(), Holder: h}
	}
	return &HeldError{Path: f.Name()}
}

// ReplaceLocked puts a new file at path in place of whatever is there,
// without writing, truncating or locking the old one: a file created in
// the same directory (O_CREAT|O_EXCL|O_NOFOLLOW, so nothing planted at its
// name is followed or reused) with exactly the mode perm, write-locked
// (LockRecord) before its first byte, filled from data (nil: empty),
// synced and renamed over path. It returns the new file, opened with flag
// (os.O_WRONLY, with os.O_APPEND for a log), close-on-exec and locked.
//
// This is how sac and a port monitor get rid of a lock squatter: a
// process that opened the old file (a descriptor survives chmod) keeps
// its descriptor and its lock, on a file that is no longer at path and
// that nobody looks at. The new file is locked from the moment it
// appears at path.
//
// was is what the caller found at path (nil: nothing). If path holds
// something else by the time of the rename (another process replaced it
// meanwhile, such as a second copy of the same daemon doing this very
// thing, whose new file is locked), nothing is replaced and the error
// matches ErrChanged: the caller should look again. The check and the
// rename are two steps; a replacement made between them is lost, a
// window of a few system calls.
func ReplaceLocked(path string, perm os.FileMode, flag int, data io.Reader, was os.FileInfo) (f *os.File, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	flag |= os.O_CREATE | os.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC
	var tmp string
	for try := 0; ; try++ {
		tmp = filepath.Join(dir, "."+base+"."+strconv.FormatUint(uint64(rand.Uint32()), 36))
		f, err = os.OpenFile(tmp, flag, perm)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || try == 100 {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp) // ours, and never at path: best effort
			_ = f.Close()      // the error to report is the first one
			f = nil
		}
	}()
	// The mode must not depend on the umask, which can only narrow it.
	if err := f.Chmod(perm); err != nil {
		return f, err
	}
	if err := LockRecord(f); err != nil {
		return f, err
	}
	if data != nil {
		if _, err := io.Copy(f, data); err != nil {
			return f, err
		}
	}
	if err := f.Sync(); err != nil {
		return f, err
	}
	now, lerr := os.Lstat(path)
	switch {
	case was == nil && lerr == nil, was != nil && (lerr != nil || !os.SameFile(was, now)):
		return f, &fs.PathError{Op: "replace", Path: path, Err: ErrChanged}
	case lerr != nil && !errors.Is(lerr, fs.ErrNotExist):
		return f, lerr
	}
	if err := os.Rename(tmp, path); err != nil {
		return f, err
	}
	return f, SyncDir(dir)
}

// ErrNotRegular: RecordLocked found something other than a regular file
// with one link at its path (WriteFile's refusals read the same).
var ErrNotRegular = errors.New("not a regular file")

// ErrLocked means another process holds the record lock.
var ErrLocked = errors.New("locked by another process")

// ErrChanged: ReplaceLocked found at its path something other than what
// its caller had found there.
var ErrChanged = errors.New("changed by another process meanwhile")
