// Package unixsock binds and checks the framework's own AF_UNIX stream
// sockets: sac's admin socket /etc/saf/_cmdpipe and each
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

// Listen binds a stream socket at path with mode 0600. A stale socket
// left at path by an earlier run is removed first; anything else there (a
// regular file, a directory, a symbolic link planted to redirect the
// bind) is left alone and reported, never followed: bind(2) does not
// follow a symbolic link, so one planted between the check and the bind
// makes it fail with EADDRINUSE. The listener is close-on-exec, and
// closing it removes the file.
//
// WARNING: callers are root daemons binding in directories that someone
// else may be able to write. Nothing is done to the socket by its name
// once it is bound: a chmod(2) by name would follow a symbolic link
// swapped in for the new socket and change the mode of whatever it
// points to (a root-owned file made 0600 or, with another mode, 0666).
// The mode is set on the socket before the bind instead, and the umask
// can only narrow it: a umask that takes the owner's read or write bit
// leaves a socket only root can connect to. Re-verify with
//
//	go test -count=1 -run 'TestListen' ./saf/unixsock
//
// The caller must already be the only owner of path (sac holds its _log
// lock, a port monitor its _pid lock), since a live socket is just as
// removable as a stale one. Callers that must keep other users out check
// the peer's credentials as well: the mode is only the first gate.
func Listen(path string) (*net.UnixListener, error) {
	if err := CheckPath("listen", path); err != nil {
		return nil, err
	}
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode().Type() != fs.ModeSocket:
		return nil, &os.PathError{Op: "listen", Path: path, Err: ErrNotSocket}
	case err == nil:
		// By name, but unlink(2) never follows a symbolic link: if the
		// socket is swapped for something else after the Lstat, what is
		// lost is an entry of a directory the swapper could write anyway.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing stale socket: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	return listen(path, 0o600)
}

// opError is the error net.ListenUnix gives when the system call call
// fails, so that messages read as they did when Listen used it: "listen
// unix <path>: bind: address already in use".
func opError(path, call string, err error) error {
	return &net.OpError{Op: "listen", Net: "unix", Addr: &net.UnixAddr{Name: path, Net: "unix"}, Err: os.NewSyscallError(call, err)}
}

// Cred is a peer's process id, user id and group id.
type Cred struct {
	Pid int32
	Uid uint32
	Gid uint32
}

// The per-OS PeerCred must keep this signature.
var _ func(*net.UnixConn) (Cred, error) = PeerCred
