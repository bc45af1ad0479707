package unixsock

import (
	"fmt"
	"math"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// listen binds and listens on a stream socket at path whose file is
// created with mode perm (less the umask).
//
// Linux gives the file bind(2) creates the mode of the socket's own inode
// less the umask, and fchmod(2) on a socket not yet bound sets that
// inode's mode. So the file is born with its final mode, and there is no
// moment between bind and a chmod in which it is more open, nor a chmod
// by name that a symbolic link swapped in for the socket could redirect.
func listen(path string, perm uint32) (*net.UnixListener, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, opError(path, "socket", err)
	}
	fail := func(call string, err error) (*net.UnixListener, error) {
		_ = unix.Close(fd) // never used; the first error is the one to report
		return nil, opError(path, call, err)
	}
	if err := unix.Fchmod(fd, perm); err != nil {
		return fail("fchmod", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return fail("bind", err)
	}
	if testHookBound != nil {
		testHookBound(path)
	}
	// The kernel cuts the backlog to net.core.somaxconn, the limit
	// net.Listen asks for too.
	if err := unix.Listen(fd, math.MaxInt32); err != nil {
		return fail("listen", err)
	}
	f := os.NewFile(uintptr(fd), path)
	ln, err := net.FileListener(f) // a duplicate of fd
	_ = f.Close()                  // the duplicate lives on; nothing to report
	if err != nil {
		return nil, err
	}
	ul := ln.(*net.UnixListener)
	// A listener made from a file leaves the socket file in place when
	// closed; ours removes it, as net.ListenUnix's did. The name it
	// removes is the one getsockname reports: path.
	ul.SetUnlinkOnClose(true)
	return ul, nil
}

// PeerCred returns the credentials the process at the other end of c had
// when the connection was made (SO_PEERCRED: the kernel's record, not
// anything the peer says).
func PeerCred(c *net.UnixConn) (Cred, error) {
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
