// Package unixsock binds and checks the framework's own AF_UNIX stream
// sockets: sac's admin socket /etc/saf/_cmdpipe (linux.md D5) and each
// port monitor's status socket /etc/saf/<tag>/_status. Both live in
// directories an attacker might have planted things in, and both may be
// left behind by an earlier run that died.
package unixsock

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
)

// MaxPath is the longest path a socket address holds (sun_path less its
// NUL: 107 bytes on Linux).
const MaxPath = len(syscall.RawSockaddrUnix{}.Path) - 1

// ErrNotSocket: Listen found something other than a socket at its path.
var ErrNotSocket = errors.New("exists and is not a socket; remove it if it is not needed")

// CheckPath turns the kernel's bare EINVAL for a socket path that does
// not fit sun_path into an error that says what to change (op is "listen"
// or "dial"). Deep SAF_ROOT directories (test sandboxes) hit this first.
func CheckPath(op, path string) error {
	if len(path) <= MaxPath {
		return nil
	}
	return fmt.Errorf("%w (a socket path holds at most %d bytes; use a shorter SAF_ROOT)",
		&os.PathError{Op: op, Path: path, Err: syscall.ENAMETOOLONG}, MaxPath)
}

// Listen binds a stream socket at path and makes it mode 0600. A stale
// socket left at path by an earlier run is removed first; anything else
// there (a regular file, a directory, a symbolic link planted to redirect
// the bind) is left alone and reported, never followed: bind(2) does not
// follow a symbolic link, so one planted between the check and the bind
// makes it fail with EADDRINUSE. The listener is close-on-exec (the Go
// runtime opens every descriptor so), and closing it removes the file.
//
// The caller must already be the only owner of path (sac holds its _log
// lock, a port monitor its _pid lock), since a live socket is just as
// removable as a stale one. Between bind and chmod the socket has the
// mode the umask allows; callers that must keep other users out check
// the peer's credentials as well.
func Listen(path string) (*net.UnixListener, error) {
	if err := CheckPath("listen", path); err != nil {
		return nil, err
	}
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode().Type() != fs.ModeSocket:
		return nil, &os.PathError{Op: "listen", Path: path, Err: ErrNotSocket}
	case err == nil:
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing stale socket: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close() // the chmod error is the one to report
		return nil, err
	}
	return ln, nil
}
