//go:build !linux

package pmstatus

import (
	"errors"
	"fmt"
	"net"
	"runtime"
)

// peerUID is not implemented outside Linux, so Query there believes no
// one: a document from a server whose user is unknown could be anyone's.
func peerUID(c *net.UnixConn) (int, error) {
	return 0, fmt.Errorf("peer credentials: %w on %s/%s", errors.ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}
