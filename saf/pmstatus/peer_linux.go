package pmstatus

import (
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// peerUID returns the effective uid of the process that listens on the
// other end of c (SO_PEERCRED: the kernel's record, not anything the
// server says).
func peerUID(c *net.UnixConn) (int, error) {
	sc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var gerr error
	if err := sc.Control(func(fd uintptr) {
		cred, gerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if gerr != nil {
		return 0, os.NewSyscallError("getsockopt SO_PEERCRED", gerr)
	}
	return int(cred.Uid), nil
}

// The per-OS peerUID must keep this signature.
var _ func(*net.UnixConn) (int, error) = peerUID
