package sacmsg

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// peerCred returns the credentials the peer of c had when it connected.
func peerCred(c *net.UnixConn) (Cred, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	var (
		uc   *unix.Ucred
		gerr error
	)
	if err := rc.Control(func(fd uintptr) {
		uc, gerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	if gerr != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", os.NewSyscallError("getsockopt SO_PEERCRED", gerr))
	}
	return Cred{Pid: uc.Pid, Uid: uc.Uid, Gid: uc.Gid}, nil
}
