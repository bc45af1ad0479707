package sac

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/saflog"
	"golang.org/x/sys/unix"
)

// logMode is the mode of /var/saf/_log. The original created it 0666 less
// the umask, readable by everyone as a rule. But a descriptor opened
// read-only is all a POSIX read lock takes, and a read lock on the log
// keeps sac from the write lock that makes it the one sac (and that
// sacadm tests to know sac runs). So nobody but sac's own user (root)
// may open it: not even a group, whose every member could do the same.
// The lines also go to syslog, where those who may read logs read them.
const logMode = 0o600

// lockWaitPoll is how often a sac waiting for another one to exit tries
// the lock again.
var lockWaitPoll = 100 * time.Millisecond

// lockError is a failure to lock the log, as opposed to opening it.
type lockError struct{ err error }

func (e *lockError) Error() string { return e.err.Error() }
func (e *lockError) Unwrap() error { return e.err }

// openLog opens sac's log for appending and takes the record lock on it,
// waiting while another sac holds it, as the original did. It returns the
// locked log and, when it had to replace the file, a line to log once sac
// has started; a failure to lock, as opposed to open, is a *lockError.
//
// A log that anyone but root and sac's user could have opened (a mode
// wider than logMode, as the original left it; another owner) and one
// that another process holds a read lock on (sac takes write locks only:
// a read lock is a squatter's, not another sac's) is not used but
// replaced by a copy: a descriptor survives chmod, so only a new file
// shuts out whoever opened the old one. A write lock is another sac's,
// whoever owns the file.
//
// WARNING: this is what keeps a local user from stopping sac at start-up
// and from passing for sac with sacadm. Re-verify, as root, with
//
//	go test -count=1 -run 'Squatter|TestSacReplaces|TestSacNarrows|TestSacWaits' ./internal/sac
func openLog(path string, stderr io.Writer) (*os.File, string, error) {
	said := false // "another sac ... is running" is said once
	for try := 0; ; try++ {
		f, err := saflog.OpenFile(path, logMode)
		if err != nil {
			return nil, "", err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, "", err
		}
		var why string
		squatted, modeOnly := false, false
		var he *lockfile.HeldError
		switch err := lockWait(f, stderr, &said); {
		case err == nil:
			if !stillAt(path, fi) {
				// Replaced by another sac since we opened it: that
				// one's file is the one to lock.
				f.Close()
				if try < 10 {
					continue
				}
				return nil, "", &lockError{fmt.Errorf("%s: %w", path, lockfile.ErrChanged)}
			}
			uid := fi.Sys().(*syscall.Stat_t).Uid
			switch perm := fi.Mode().Perm(); {
			case uid != 0 && int(uid) != os.Geteuid():
				why = fmt.Sprintf(msgLogOwner, uid)
			case perm&0o077 != 0:
				why, modeOnly = fmt.Sprintf(msgLogMode, perm), true
			case perm != logMode:
				if err := f.Chmod(logMode); err != nil {
					f.Close()
					return nil, "", &lockError{err}
				}
			}
		case errors.As(err, &he) && he.Shared:
			why, squatted = fmt.Sprintf(msgLogReadLock, he.Pid), true
		default:
			f.Close()
			return nil, "", &lockError{err}
		}
		if why == "" {
			return f, "", nil
		}
		nf, err := replaceLog(path, fi)
		if errors.Is(err, lockfile.ErrChanged) && try < 10 {
			f.Close()
			continue
		}
		if err != nil && modeOnly && !errors.Is(err, lockfile.ErrChanged) {
			// No room for the copy, say. We hold the lock, and a
			// mode that is only too wide is narrowed in place:
			// that shuts out whoever opens the file from now on.
			if cerr := f.Chmod(logMode); cerr != nil {
				f.Close()
				return nil, "", &lockError{cerr}
			}
			return f, fmt.Sprintf(msgLogNarrowed, path, why, err, logMode), nil
		}
		f.Close() // after the rename: our lock on the old file, if any, held until then
		if err != nil {
			return nil, "", &lockError{fmt.Errorf(msgLogUnreplaced, path, why, err)}
		}
		note := msgLogReplaced
		if squatted {
			note = msgLogSquatted
		}
		return nf, fmt.Sprintf(note, path, logMode, why), nil
	}
}

// lockWait takes the write lock on the log. While another process holds
// a write lock, that is another sac: it says so once and waits for it to
// exit, as the original does. A read lock, now or once that sac is gone,
// is returned as the *lockfile.HeldError it is. The wait tries the lock
// again every lockWaitPoll rather than blocking in F_SETLKW, which would
// go on waiting behind a read lock taken meanwhile.
func lockWait(f *os.File, stderr io.Writer, said *bool) error {
	for {
		err := lockfile.LockRecord(f)
		var he *lockfile.HeldError
		if !errors.As(err, &he) || he.Shared {
			return err
		}
		if !*said && stderr != nil {
			fmt.Fprintf(stderr, msgWaitSac, he.Pid)
		}
		*said = true
		time.Sleep(lockWaitPoll)
	}
}

// stillAt tells whether path still names the file fi describes.
func stillAt(path string, fi os.FileInfo) bool {
	now, err := os.Lstat(path)
	return err == nil && os.SameFile(fi, now)
}

// replaceLog puts a copy of the log at path, described by was, in its
// place (lockfile.ReplaceLocked), mode logMode and locked, and returns it
// open for appending.
//
// The old file is read through a descriptor of its own, closed only after
// the rename: closing any descriptor of a file drops this process's lock
// on it, and until the copy is in place the old file keeps the lock, if
// we hold it.
func replaceLog(path string, was os.FileInfo) (*os.File, error) {
	r, err := os.OpenFile(path, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &fs.PathError{Op: "replace", Path: path, Err: lockfile.ErrChanged}
		}
		return nil, err
	}
	defer r.Close() // read-only; only the lock matters, and it is on the new file by now
	fi, err := r.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(fi, was) {
		return nil, &fs.PathError{Op: "replace", Path: path, Err: lockfile.ErrChanged}
	}
	return replaceLocked(path, logMode, os.O_WRONLY|os.O_APPEND, r, was)
}
