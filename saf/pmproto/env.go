package pmproto

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// The environment sac gives a port monitor.
const (
	EnvPMTag  = "PMTAG"  // the port monitor's tag
	EnvIState = "ISTATE" // "enabled" or "disabled"
)

// IStateEnabled is the one ISTATE value that means enabled; any other
// value, empty included, means disabled.
const IStateEnabled = "enabled"

// Sentinel errors. The texts of ErrNoPMTag and ErrNoIState are ttymon's
// fatal log lines.
var (
	ErrNoPMTag  = errors.New("PMTAG is missing")
	ErrNoIState = errors.New("ISTATE is missing")
	// ErrBadTag: the tag cannot be used (see ValidTag).
	ErrBadTag = errors.New("bad port monitor tag")
	// ErrAlreadyRunning: another process (or another PM in this process)
	// holds the lock on _pid. Open returns a *LockedError that matches it.
	ErrAlreadyRunning = errors.New("pid file is locked")
	// ErrFileType: _pmpipe or _sacpipe is not a FIFO, or _pid is not a
	// regular file.
	ErrFileType = errors.New("wrong file type")
	// ErrFileOwner: _pid, _pmpipe or _sacpipe belongs to someone other
	// than root and the port monitor's own user.
	ErrFileOwner = errors.New("wrong file owner")
	// ErrClosed: Run was stopped by Close.
	ErrClosed = errors.New("port monitor closed")
)

// Env is what sac tells a port monitor through its environment.
type Env struct {
	Tag   string       // PMTAG
	State sacmsg.State // sacmsg.Enabled iff ISTATE is exactly "enabled", else sacmsg.Disabled
}

// ReadEnv reads PMTAG and ISTATE through lookup (os.LookupEnv in a real
// port monitor's main; a test passes its own). A missing or empty PMTAG is
// ErrNoPMTag; a missing ISTATE is ErrNoIState (an empty one means disabled,
// as in ttymon); a tag ValidTag refuses wraps ErrBadTag.
func ReadEnv(lookup func(string) (string, bool)) (Env, error) {
	tag, ok := lookup(EnvPMTag)
	if !ok || tag == "" {
		return Env{}, ErrNoPMTag
	}
	if err := ValidTag(tag); err != nil {
		return Env{}, err
	}
	is, ok := lookup(EnvIState)
	if !ok {
		return Env{}, ErrNoIState
	}
	st := sacmsg.Disabled
	if is == IStateEnabled {
		st = sacmsg.Enabled
	}
	return Env{Tag: tag, State: st}, nil
}

// UnsetEnv removes PMTAG and ISTATE from the process environment, so the
// services a port monitor starts do not inherit them.
func UnsetEnv() {
	// os.Unsetenv fails only for names holding '=' or NUL; ours do not.
	_ = os.Unsetenv(EnvPMTag)
	_ = os.Unsetenv(EnvIState)
}

// ValidTag reports whether tag can name a port monitor here: not empty,
// at most sacmsg.TagSize bytes (it must fit pm_tag), no NUL, and a single
// path element other than "." and "..", because it names the directories
// /etc/saf/<tag> and /var/saf/<tag>.
func ValidTag(tag string) error {
	switch {
	case tag == "":
		return fmt.Errorf("pmproto: %w: empty", ErrBadTag)
	case len(tag) > sacmsg.TagSize:
		return fmt.Errorf("pmproto: %w: %q is longer than %d bytes", ErrBadTag, tag, sacmsg.TagSize)
	case strings.ContainsAny(tag, "/\x00"), tag == ".", tag == "..":
		return fmt.Errorf("pmproto: %w: %q is not a file name", ErrBadTag, tag)
	}
	return nil
}

// EnsureStdio opens /dev/null on each of descriptors 0, 1 and 2 that is
// closed. sac starts port monitors with no descriptors at all, so the first
// files a port monitor opens would otherwise become its stdin, stdout and
// stderr, and a stray print or a panic trace would land in _pid or a pipe
// to sac. The Go runtime already does this for every program at start-up
// since Go 1.22 (runtime checkfds); calling EnsureStdio first in main keeps
// the guarantee explicit and holds when the package is used from a c-shared
// library, where the runtime skips it.
func EnsureStdio() error {
	for fd := range 3 {
		_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil {
			continue
		}
		if !errors.Is(err, unix.EBADF) {
			return os.NewSyscallError("fcntl F_GETFD", err)
		}
		// Deliberately not close-on-exec: these are the standard streams.
		nfd, err := unix.Open("/dev/null", unix.O_RDWR, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: "/dev/null", Err: err}
		}
		if nfd != fd {
			// Lower descriptors are open (checked above), so this happens
			// only if another thread closed one meanwhile.
			err := unix.Dup2(nfd, fd)
			_ = unix.Close(nfd) // a spare /dev/null; nothing to report
			if err != nil {
				return os.NewSyscallError("dup2", err)
			}
		}
	}
	return nil
}
