package utmp

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// ErrNoRecord is wrapped by Dead's error when no process record has the
// pid.
var ErrNoRecord = errors.New("no utmp record for the process")

// fileMode is the mode of an accounting file this package creates. The
// real files are root:utmp 0664 so that setgid-utmp tools can write them.
const fileMode = 0o664

// errNotRegular: something else than a regular file has the accounting
// file's name.
var errNotRegular = errors.New("not a regular file")

// openFile opens an accounting file without following a symbolic link
// at its name and without blocking, and makes sure it is a regular file.
//
// Why: the callers run as root, and the files' directories are not
// always root's alone (Ubuntu's /var/log is group-writable by syslog):
// a link planted as wtmp would make root truncate and write another file
// (appendRecord cuts it to whole records), and a FIFO would block the
// open or the read for ever. A hard link to another file is what
// fs.protected_hardlinks (on by default) keeps others from making.
func openFile(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, perm)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = &fs.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// openAccounting opens path read/write, creating it with mode 0664,
// whatever the umask, when it does not exist.
func openAccounting(path string, flag int) (*os.File, error) {
	flag |= os.O_RDWR
	for range 3 {
		f, err := openFile(path, flag, 0)
		if !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
		f, err = openFile(path, flag|os.O_CREATE|os.O_EXCL, fileMode)
		if errors.Is(err, fs.ErrExist) {
			continue // created by someone else meanwhile: open theirs
		}
		if err != nil {
			return nil, err
		}
		if err := f.Chmod(fileMode); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	return nil, &fs.PathError{Op: "open", Path: path, Err: errors.New("created and removed repeatedly")}
}

// readAll reads the whole file from offset 0 (f may be in append mode).
func readAll(f *os.File) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b := make([]byte, fi.Size())
	n, err := f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:n], nil
}

// decode splits b into records. A trailing partial record (a writer that
// died mid-write) is ignored, as glibc does.
func decode(b []byte) []Record {
	recs := make([]Record, len(b)/RecordSize)
	for i := range recs {
		recs[i].UnmarshalBinary(b[i*RecordSize : (i+1)*RecordSize]) // cannot fail: exact size
	}
	return recs
}

// ReadFile returns the records of a utmp or wtmp file, in file order,
// under a read lock.
func ReadFile(path string) ([]Record, error) {
	f, err := openFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := lock(f, readLock); err != nil {
		return nil, err
	}
	b, err := readAll(f)
	if err != nil {
		return nil, err
	}
	return decode(b), nil
}

// Put writes r to the utmp file at path with glibc's pututline semantics:
// it overwrites the first record that matches (RUN_LVL, BOOT_TIME,
// NEW_TIME and OLD_TIME by type; other records match an INIT, LOGIN, USER
// or DEAD_PROCESS record with the same ut_id, or the same ut_line when an
// id is empty), and otherwise appends r at the end. The file is created
// (mode 0664) if it does not exist. It works under a write lock compatible
// with glibc's.
func Put(utmpPath string, r Record) error {
	b, err := r.MarshalBinary()
	if err != nil {
		return err
	}
	f, err := openAccounting(utmpPath, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lock(f, writeLock); err != nil {
		return err
	}
	data, err := readAll(f)
	if err != nil {
		return err
	}
	for i, have := range decode(data) {
		if matches(&r, &have) {
			return writeAt(f, b, int64(i)*RecordSize)
		}
	}
	return appendRecord(f, b, int64(len(data)))
}

// writeAt writes one record at off.
func writeAt(f *os.File, b []byte, off int64) error {
	_, err := f.WriteAt(b, off)
	return err
}

// appendRecord writes b after the last whole record of a file of size
// bytes, first cutting off a partial record a crashed writer left (glibc
// does the same), and cuts a short write back off.
func appendRecord(f *os.File, b []byte, size int64) error {
	off := size - size%RecordSize
	if off != size {
		if err := f.Truncate(off); err != nil {
			return err
		}
	}
	if _, err := f.WriteAt(b, off); err != nil {
		f.Truncate(off) // best effort: leave no partial record behind
		return err
	}
	return nil
}

// AppendWtmp appends r to the wtmp file at path, creating it (mode 0664)
// if needed, under the same lock glibc's updwtmp takes.
func AppendWtmp(path string, r Record) error {
	b, err := r.MarshalBinary()
	if err != nil {
		return err
	}
	// Not O_APPEND: a partial record at the end must be overwritten, and
	// the lock already keeps other writers out.
	f, err := openAccounting(path, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := lock(f, writeLock); err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	return appendRecord(f, b, fi.Size())
}

// Login writes the LOGIN_PROCESS record for a service ttymon starts on
// line with accounting (LoginRecord) into the utmp file, replacing any
// record with the same id. line is the device path without "/dev/"; id is
// usually IDFor(line). The record is not appended to wtmp: call
// AppendWtmp with LoginRecord for that.
func Login(utmpPath string, pid int, line, id string, now time.Time) error {
	return Put(utmpPath, LoginRecord(pid, line, id, now))
}

// Dead records the end of the process pid: it finds the INIT, LOGIN or
// USER_PROCESS record with that pid in the utmp file, makes it
// DEAD_PROCESS with user and host cleared, the exit status from status and
// the time now, writes it back and appends it to the wtmp file.
//
// status is the wait(2) status of the process (syscall.WaitStatus, as
// from ProcessState.Sys or Wait4): e_termination becomes the signal that
// killed it, e_exit its exit code.
//
// A record already DEAD_PROCESS is left alone and nothing is appended.
// Without any record for pid, Dead returns an error wrapping ErrNoRecord.
func Dead(utmpPath, wtmpPath string, pid int, status int, now time.Time) error {
	rec, found, err := markDead(utmpPath, pid, status, now)
	if err != nil || !found {
		return err
	}
	return AppendWtmp(wtmpPath, rec)
}

// markDead does Dead's work on the utmp file and returns the dead record
// and whether wtmp needs it.
func markDead(utmpPath string, pid int, status int, now time.Time) (Record, bool, error) {
	f, err := openFile(utmpPath, os.O_RDWR, 0)
	if err != nil {
		return Record{}, false, err
	}
	defer f.Close()
	if err := lock(f, writeLock); err != nil {
		return Record{}, false, err
	}
	data, err := readAll(f)
	if err != nil {
		return Record{}, false, err
	}
	for i, r := range decode(data) {
		if r.Pid != int32(pid) || !isProcess(r.Type) {
			continue
		}
		if r.Type == DeadProcess {
			return r, false, nil
		}
		r.Type = DeadProcess
		r.User, r.Host, r.Addr = "", "", [4]int32{}
		r.Termination, r.Exit = exitFields(syscall.WaitStatus(status))
		r.Time = now
		b, err := r.MarshalBinary()
		if err != nil {
			return Record{}, false, err
		}
		if err := writeAt(f, b, int64(i)*RecordSize); err != nil {
			return Record{}, false, err
		}
		return r, true, nil
	}
	return Record{}, false, fmt.Errorf("utmp: %s: pid %d: %w", utmpPath, pid, ErrNoRecord)
}

// exitFields splits a wait status into ut_exit's two fields.
func exitFields(ws syscall.WaitStatus) (termination, exit int16) {
	switch {
	case ws.Signaled():
		return int16(ws.Signal()), 0
	case ws.Exited():
		return 0, int16(ws.ExitStatus())
	}
	return 0, 0
}
