package listen

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/nlsaddr"
	"golang.org/x/sys/unix"
)

// Socket activation (docs/linux.md#socket-activation): systemd, or anything
// that speaks its protocol (sd_listen_fds(3)), may bind the sockets and
// pass them to listen. When LISTEN_PID is listen's own pid, descriptors 3
// to 3+LISTEN_FDS-1 are sockets bound for it. Each is matched to an entry
// of _pmtab by its bound address (getsockname) and its type (stream, or
// datagram for proto=udp) and used instead of binding one; a stream socket
// not yet listening is made to listen. Sockets that match no entry are
// logged and closed once the table has been bound. The variables
// LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are never passed on to
// services, and the descriptors are close-on-exec (markCloexecFrom3 at
// start-up), so no service sees them.
//
// Only the first binding uses them: a socket closed by a re-read (its
// entry removed or changed) is gone, and binding the entry again binds a
// new socket as usual.

// Environment of sd_listen_fds(3).
const (
	envListenPID     = "LISTEN_PID"
	envListenFDs     = "LISTEN_FDS"
	envListenFDNames = "LISTEN_FDNAMES"
	listenFDsStart   = 3 // SD_LISTEN_FDS_START
)

// inheritedSock is one socket passed by the service manager.
type inheritedSock struct {
	fd    int
	typ   int    // SO_TYPE
	local []byte // the bound address, as sockaddrBytes
	taken bool
}

// inheritedSockets returns the sockets passed to this process, or nil
// when the variables are not for it (another pid) or absent.
func inheritedSockets(lookup func(string) (string, bool), logf func(string, ...any)) []*inheritedSock {
	pidText, ok1 := lookup(envListenPID)
	nText, ok2 := lookup(envListenFDs)
	if !ok1 || !ok2 {
		return nil
	}
	pid, err1 := strconv.Atoi(pidText)
	n, err2 := strconv.Atoi(nText)
	if err1 != nil || err2 != nil || pid != os.Getpid() || n <= 0 {
		return nil
	}
	var out []*inheritedSock
	for fd := listenFDsStart; fd < listenFDsStart+n; fd++ {
		// Services must never inherit these (markCloexecFrom3 has
		// done it already; this is the same for each on its own).
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
			logf(msgActivationFD, fd, errno.Text(err))
			continue
		}
		typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
		if err != nil {
			logf(msgActivationType, fd)
			unix.Close(fd)
			continue
		}
		sa, err := unix.Getsockname(fd)
		if err != nil {
			logf(msgActivationName, fd, errno.Text(err))
			unix.Close(fd)
			continue
		}
		out = append(out, &inheritedSock{fd: fd, typ: typ, local: sockaddrBytes(sa)})
	}
	return out
}

// entrySockaddr is the address s binds, as sockaddrBytes, or nil (flag d,
// or an address that does not parse: bindService reports it).
func entrySockaddr(tr transport, s *service) []byte {
	if s.dynamic() {
		return nil
	}
	a, err := nlsaddr.Parse(s.Address)
	if err != nil {
		return nil
	}
	if tr == transportUnix {
		p, err := a.Unix()
		if err != nil {
			return nil
		}
		return []byte(p)
	}
	ap, err := a.TCP()
	if err != nil {
		return nil
	}
	_, sa, err := inetSockaddr(ap)
	if err != nil {
		return nil
	}
	return sockaddrBytes(sa)
}

// takeInherited returns an endpoint for s made from a passed socket, or
// nil when none matches.
func (l *listener) takeInherited(s *service) (*endpoint, error) {
	want := entrySockaddr(l.tr, s)
	if want == nil {
		return nil, nil
	}
	for _, in := range l.inherited {
		if in.taken || in.typ != sockType(s) || !bytes.Equal(in.local, want) {
			continue
		}
		in.taken = true
		if err := unix.SetNonblock(in.fd, true); err != nil {
			unix.Close(in.fd)
			return nil, &bindError{Why: whyBind, Err: os.NewSyscallError("fcntl", err)}
		}
		if in.typ == unix.SOCK_STREAM {
			if on, err := unix.GetsockoptInt(in.fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || on == 0 {
				if err := unix.Listen(in.fd, listenBacklog()); err != nil {
					unix.Close(in.fd)
					return nil, &bindError{Why: whyBind, Err: os.NewSyscallError("listen", err)}
				}
			}
		}
		l.logf(msgActivationTook, s.Code, in.fd)
		return newEndpoint(s, in.fd, in.local), nil
	}
	return nil, nil
}

// dropInherited closes the passed sockets no entry took.
func (l *listener) dropInherited() {
	for _, in := range l.inherited {
		if !in.taken {
			l.logf(msgActivationLeft, in.fd, inheritedText(in))
			unix.Close(in.fd)
		}
	}
	l.inherited = nil
}

// inheritedText describes a passed socket for the log.
func inheritedText(in *inheritedSock) string {
	t := msgSockStream
	if in.typ == unix.SOCK_DGRAM {
		t = msgSockDgram
	} else if in.typ != unix.SOCK_STREAM {
		t = fmt.Sprintf(msgSockType, in.typ)
	}
	return fmt.Sprintf(msgSockText, t, nlsaddr.Hex(in.local))
}
