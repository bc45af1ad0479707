//go:build !linux

package sacmsg

import (
	"errors"
	"fmt"
	"net"
	"runtime"
)

// peerCred is not implemented outside Linux, so Serve there answers no
// one: an admin channel without a credential check would be open to any
// user who can reach the socket.
func peerCred(c *net.UnixConn) (Cred, error) {
	return Cred{}, fmt.Errorf("peer credentials: %w on %s/%s", errors.ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}
