package listen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// bindUnix binds fd to the socket file sa names, created with mode. The
// mode is set by the umask in force at bind, on a thread of its own whose
// umask is its own (unshare(CLONE_FS)), so the listener's umask, which
// services started meanwhile inherit, never changes, and nothing touches
// the file by name after it was made (unixSocketMode says why). Where
// unshare is refused (a seccomp filter), the mode is set after bind, but
// only in a directory nobody else can write (chmodPrivate).
func bindUnix(fd int, sa *unix.SockaddrUnix, mode uint32) error {
	done := make(chan error, 1)
	go func() {
		// Never unlocked: the thread's umask must not serve any other
		// goroutine, and Go ends a thread whose goroutine returns
		// while it is locked to it.
		runtime.LockOSThread()
		if err := unshareFS(); err != nil {
			done <- errNoUnshare
			return
		}
		unix.Umask(int(^mode & 0o777))
		done <- unix.Bind(fd, sa)
	}()
	err := <-done
	if err != errNoUnshare {
		return err
	}
	if err := unix.Bind(fd, sa); err != nil {
		return err
	}
	if err := chmodPrivate(sa.Name, mode); err != nil {
		// Ignored: the file goes with the socket; the error says why.
		_ = unix.Unlink(sa.Name)
		return err
	}
	return nil
}

var errNoUnshare = errors.New(msgNoUnshare)

// chmodPrivate sets the mode of the socket file path, made by this
// process, when its directory can be written by nobody but the listener's
// user, so nobody can have put anything else there since the bind. The
// directory is held open and the file opened relative to it without
// following a symlink, and changed through that descriptor.
func chmodPrivate(path string, mode uint32) error {
	dir, name := filepath.Split(path)
	dfd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(dfd)
	var st unix.Stat_t
	if err := unix.Fstat(dfd, &st); err != nil {
		return &os.PathError{Op: "fstat", Path: dir, Err: err}
	}
	if int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 {
		return fmt.Errorf(msgNoSafeMode, path, dir)
	}
	pfd, err := unix.Openat(dfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(pfd)
	if err := unix.Fstat(pfd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return &os.PathError{Op: "chmod", Path: path, Err: unix.EEXIST}
	}
	// An O_PATH descriptor cannot be fchmod'ed; its /proc link names the
	// very file it holds.
	if err := unix.Chmod("/proc/self/fd/"+strconv.Itoa(pfd), mode); err != nil {
		return &os.PathError{Op: "chmod", Path: path, Err: err}
	}
	return nil
}

// somaxconn is where Linux keeps the largest listen queue it grants.
var somaxconn = "/proc/sys/net/core/somaxconn"

// listenBacklog is the listen queue asked for every endpoint: the
// system's maximum. The original's was 100 (MAXCON), which a burst of a
// few hundred connections overflows, leaving clients waiting for a SYN
// retransmission; the kernel caps the value at net.core.somaxconn, which
// the administrator tunes.
func listenBacklog() int {
	if b, err := os.ReadFile(somaxconn); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
			return n
		}
	}
	return unix.SOMAXCONN
}
