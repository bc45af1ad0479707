package pmproto

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"sync"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/saflog"
	"golang.org/x/sys/unix"
)

// Config is what Open needs.
type Config struct {
	Root paths.Root // SAF_ROOT; the files are Root.PMPid(Tag) etc.
	Env             // tag and initial state, usually from ReadEnv
	// Name is the program's name for the already-running message
	// ("pid file is locked. <Name> may already be running!"); default
	// "port monitor".
	Name  string
	Hooks Hooks
	Logf  saflog.Logf // nil: discard
}

// Steps of Open, as OpenError.Op. The texts are ttymon's, so that ttymon
// can log err.Error() as it is; other port monitors switch on Op for their
// own texts.
const (
	OpOpenPid     = "open pid file"
	OpLockPid     = "lock pid file"
	OpWritePid    = "write pid file"
	OpOpenSacPipe = "open sacpipe"
	OpOpenPMPipe  = "open pmpipe"
)

// OpenError is a failed step of Open.
type OpenError struct {
	Op   string // OpOpenPid ...
	Path string // the file, with the SAF_ROOT prefix
	Err  error
}

// Error returns ttymon's log text, "<op> failed: <strerror>", with a hint
// when _sacpipe has no reader.
func (e *OpenError) Error() string {
	s := e.Op + " failed: " + errno.Text(e.Err)
	if e.Op == OpOpenSacPipe && errors.Is(e.Err, unix.ENXIO) {
		s += " (nobody reads " + e.Path + ": is sac running?)"
	}
	return s
}

func (e *OpenError) Unwrap() error { return e.Err }

// LockedError is Open's error when another process holds the lock on
// _pid. It matches ErrAlreadyRunning.
type LockedError struct {
	Path string // the _pid file
	Pid  int    // the holder, as the kernel reports it (0 if unknown)
	Name string // Config.Name
}

// Error returns ttymon's text, with Name in place of "ttymon".
func (e *LockedError) Error() string {
	return "pid file is locked. " + e.Name + " may already be running!"
}

// Is makes errors.Is(err, ErrAlreadyRunning) true.
func (e *LockedError) Is(target error) bool { return target == ErrAlreadyRunning }

// held is the set of _pid files this process has locked, by device and
// inode, guarded by heldMu. POSIX locks are per process: the kernel would
// let a second Open in this process "take" the lock again, and closing
// either descriptor would release the lock for both (package doc). So a
// second Open must find out without opening the file at all, and Opens and
// Closes of _pid files are serialised.
var (
	heldMu sync.Mutex
	held   = map[fileID]bool{}
)

type fileID struct{ dev, ino uint64 }

func idOf(st *unix.Stat_t) fileID { return fileID{dev: uint64(st.Dev), ino: st.Ino} }

// Open does a port monitor's start-up: it locks and writes _pid, opens
// _sacpipe and _pmpipe, and returns a PM ready to Run. On error nothing
// stays open and the lock is not held.
func Open(cfg Config) (*PM, error) {
	if err := ValidTag(cfg.Tag); err != nil {
		return nil, err
	}
	if !reportable(cfg.State) {
		return nil, fmt.Errorf("pmproto: initial state %v is not one a port monitor reports", cfg.State)
	}
	if cfg.Name == "" {
		cfg.Name = "port monitor"
	}
	if cfg.Logf == nil {
		cfg.Logf = saflog.Discard
	}
	p := &PM{tag: cfg.Tag, state: cfg.State, hooks: cfg.Hooks, logf: cfg.Logf}

	pidPath := cfg.Root.PMPid(cfg.Tag)
	pid, id, err := lockPid(pidPath, cfg.Name, cfg.Logf)
	if err != nil {
		return nil, err
	}
	p.pid, p.pidID = pid, id

	// ttymon's order: the reply pipe first, then the message pipe.
	sacPath := cfg.Root.SacPipe()
	p.sacpipe, err = openFIFO(sacPath, unix.O_WRONLY)
	if err != nil {
		p.Close()
		return nil, &OpenError{Op: OpOpenSacPipe, Path: sacPath, Err: err}
	}
	pmPath := cfg.Root.PMPipe(cfg.Tag)
	p.pmpipe, err = openFIFO(pmPath, unix.O_RDWR)
	if err != nil {
		p.Close()
		return nil, &OpenError{Op: OpOpenPMPipe, Path: pmPath, Err: err}
	}
	return p, nil
}

// pidMode is the mode of _pid. The original's 0644 let any local user
// open it read-only, and a read-only descriptor is enough for a POSIX
// read lock, which keeps the port monitor from its write lock.
const pidMode = 0o600

// lockPid opens, locks and writes the _pid file at path.
//
// A _pid that anyone but root and the port monitor's user could have
// opened (a mode wider than 0600, as sacadm used to make it, another
// owner, another name for the file) and one that another process holds a
// read lock on (a squatter: port monitors take write locks only) is not
// written or changed in mode but replaced (lockfile.ReplaceLocked): a
// descriptor survives chmod, so only a new file shuts out whoever opened
// the old one. A write lock is a running port monitor's, and its _pid is
// left alone.
//
// WARNING: this is what keeps a local user from stopping a port monitor
// with a read lock and from being signalled by sac as the port monitor.
// Re-verify, as root, with
//
//	go test -count=1 -run 'TestSquatter|TestPidFileMode|TestPlantedFiles' ./saf/pmproto
func lockPid(path, name string, logf saflog.Logf) (*os.File, fileID, error) {
	heldMu.Lock()
	defer heldMu.Unlock()
	pidText := []byte(strconv.Itoa(os.Getpid()) + "\x00")
	for try := 0; ; try++ {
		f, st, err := openPid(path, name)
		if err != nil {
			return nil, fileID{}, err
		}
		fail := func(op string, err error) (*os.File, fileID, error) {
			f.Close()
			return nil, fileID{}, &OpenError{Op: op, Path: path, Err: err}
		}
		// Why the file must be replaced, if it must, and whether to say
		// so in the log (not for the mode of a file sacadm made).
		var why error
		logIt := true
		var he *lockfile.HeldError
		if st.Nlink != 1 {
			// Another name for some other file: a lock on it means
			// nothing to us, and is not taken.
			why = checkFile(&st, unix.S_IFREG)
		} else {
			switch err := lockfile.LockRecord(f); {
			case err == nil:
				if !stillAt(path, &st) {
					// Replaced by another process since we opened
					// it: that one's file is the one to lock.
					f.Close()
					if try < 10 {
						continue
					}
					return nil, fileID{}, &OpenError{Op: OpLockPid, Path: path, Err: lockfile.ErrChanged}
				}
				if err := checkFile(&st, unix.S_IFREG); err != nil {
					why = err // another owner's
				} else if st.Mode&0o077 != 0 {
					why, logIt = fmt.Errorf("mode %04o", st.Mode&0o7777), false
				}
			case errors.As(err, &he) && he.Shared:
				why = fmt.Errorf("pid %d held a read lock on it", he.Pid)
			case errors.As(err, &he):
				// A write lock: a port monitor runs (of another
				// user's too, if the file is theirs).
				f.Close()
				return nil, fileID{}, &LockedError{Path: path, Pid: he.Pid, Name: name}
			default:
				return fail(OpLockPid, err)
			}
		}
		if why != nil {
			was, err := f.Stat()
			if err != nil {
				return fail(OpOpenPid, err)
			}
			nf, err := lockfile.ReplaceLocked(path, pidMode, os.O_WRONLY, bytes.NewReader(pidText), was)
			if errors.Is(err, lockfile.ErrChanged) && try < 10 {
				f.Close()
				continue
			}
			if err != nil {
				if !logIt && errors.Is(err, fs.ErrPermission) {
					// A port monitor that may not create files in
					// its directory: a mode that is only too wide
					// is narrowed in place instead, which shuts
					// out whoever opens it from now on.
					if err := f.Chmod(pidMode); err != nil {
						return fail(OpOpenPid, err)
					}
					why = nil
				} else {
					return fail(OpLockPid, fmt.Errorf("%w; could not replace it: %w", why, err))
				}
			} else {
				f.Close() // drops the lock on the old file, if we took one
				f = nf
				if st, err = fstat(f); err != nil {
					return fail(OpOpenPid, err)
				}
				if logIt {
					logf("replaced %s: %v", path, why)
				}
			}
		}
		if err := f.Truncate(0); err != nil {
			return fail(OpWritePid, err)
		}
		// Digits and one NUL, no newline; sac reads it
		// with atol.
		if _, err := f.WriteAt(pidText, 0); err != nil {
			return fail(OpWritePid, err)
		}
		id := idOf(&st)
		held[id] = true
		return f, id, nil
	}
}

// openPid opens the _pid file at path for writing (creating it, mode
// pidMode) without truncating it, and returns it with its fstat. It
// refuses, without opening it, a _pid this process holds already, and
// anything but a regular file.
func openPid(path, name string) (*os.File, unix.Stat_t, error) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err == nil {
		if held[idOf(&st)] {
			return nil, st, &LockedError{Path: path, Pid: os.Getpid(), Name: name}
		}
		if t := st.Mode & unix.S_IFMT; t != unix.S_IFREG && t != unix.S_IFLNK {
			// A symlink is left to O_NOFOLLOW below, for its error text.
			return nil, st, &OpenError{Op: OpOpenPid, Path: path, Err: fmt.Errorf("%w: not a regular file", ErrFileType)}
		}
	}
	// No O_TRUNC: truncate only under the lock (package doc). O_NONBLOCK
	// so that a FIFO planted here cannot block the open; it does nothing
	// to a regular file.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, pidMode)
	if err != nil {
		return nil, st, &OpenError{Op: OpOpenPid, Path: path, Err: err}
	}
	if st, err = fstat(f); err != nil {
		f.Close()
		return nil, st, &OpenError{Op: OpOpenPid, Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		f.Close()
		return nil, st, &OpenError{Op: OpOpenPid, Path: path, Err: fmt.Errorf("%w: not a regular file", ErrFileType)}
	}
	return f, st, nil
}

// stillAt tells whether path still names the file whose fstat is st.
func stillAt(path string, st *unix.Stat_t) bool {
	var now unix.Stat_t
	return unix.Lstat(path, &now) == nil && idOf(&now) == idOf(st)
}

// releasePid closes the _pid file, which drops the lock.
func releasePid(f *os.File, id fileID) error {
	heldMu.Lock()
	defer heldMu.Unlock()
	delete(held, id)
	return f.Close()
}

// openFIFO opens the FIFO at path with mode (O_WRONLY or O_RDWR) and
// O_NONBLOCK, which keeps a write-only open from blocking when nobody
// reads (it fails with ENXIO instead, package doc). Go's poller keeps the
// descriptor non-blocking and blocks goroutines, not threads.
//
// A symbolic link at path is not followed and the open FIFO is checked
// (checkFile): in a directory someone else can write, a link or a hard
// link to another daemon's FIFO, or a FIFO of the writer's own, would
// otherwise feed the port monitor messages that are not sac's, or send
// its replies elsewhere.
func openFIFO(path string, mode int) (*os.File, error) {
	f, err := os.OpenFile(path, mode|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	st, err := fstat(f)
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "fstat", Path: path, Err: err}
	}
	if err := checkFile(&st, unix.S_IFIFO); err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return f, nil
}

// checkFile tells whether an opened _pid (typ S_IFREG) or FIFO (typ
// S_IFIFO) can be trusted by a port monitor that may run as root in a
// directory someone else can write: it must be of type typ, have exactly
// one link (a hard link planted to another file has two or more, and
// O_NOFOLLOW does not see it), and belong to root or to the port
// monitor's own user (sac and sacadm make these files; a file of anyone
// else's is one they can rewrite or read behind the port monitor's back).
// A FIFO that fails is refused; a _pid that fails is replaced by one of
// the port monitor's own (lockPid), never written.
//
// WARNING: this is what keeps a root port monitor from truncating and
// writing a planted file or reading a planted FIFO. Re-verify with
//
//	go test -count=1 -run 'TestPlantedFiles|TestWrongFileTypes' ./saf/pmproto
func checkFile(st *unix.Stat_t, typ uint32) error {
	switch {
	case uint32(st.Mode)&unix.S_IFMT != typ && typ == unix.S_IFIFO:
		return fmt.Errorf("%w: not a FIFO", ErrFileType)
	case uint32(st.Mode)&unix.S_IFMT != typ:
		return fmt.Errorf("%w: not a regular file", ErrFileType)
	case st.Nlink != 1:
		return fmt.Errorf("%w: %d links to the file, not 1", ErrFileType, st.Nlink)
	case st.Uid != 0 && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%w: owned by uid %d", ErrFileOwner, st.Uid)
	}
	return nil
}

// fstat is fstat(2) on f through its raw descriptor: f.Fd() would put a
// FIFO back into blocking mode.
func fstat(f *os.File) (unix.Stat_t, error) {
	var st unix.Stat_t
	sc, err := f.SyscallConn()
	if err != nil {
		return st, err
	}
	var serr error
	if err := sc.Control(func(fd uintptr) { serr = unix.Fstat(int(fd), &st) }); err != nil {
		return st, err
	}
	if serr != nil {
		return st, os.NewSyscallError("fstat", serr)
	}
	return st, nil
}

// reportable reports whether s can go in pm_state.
func reportable(s sacmsg.State) bool {
	return s >= sacmsg.Starting && s <= sacmsg.Stopping
}
