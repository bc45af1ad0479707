//go:build !linux

package unixsock

import (
	"errors"
	"fmt"
	"net"
	"runtime"
)

// listen is not implemented outside Linux: elsewhere bind(2) ignores the
// mode of the socket, and the remaining ways to set the file's mode
// (a chmod by name after the bind, or a process-wide umask around it)
// are either unsafe in a directory others can write or race with the
// rest of the daemon.
func listen(path string, perm uint32) (*net.UnixListener, error) {
	return nil, opError(path, "bind", fmt.Errorf("a socket with a set mode: %w on %s/%s", errors.ErrUnsupported, runtime.GOOS, runtime.GOARCH))
}

// PeerCred is not implemented outside Linux: callers believe no one
// whose credentials are unknown.
func PeerCred(c *net.UnixConn) (Cred, error) {
	return Cred{}, fmt.Errorf("peer credentials: %w on %s/%s", errors.ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}
