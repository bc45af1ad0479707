package listen

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// Wait services and datagram services (our extension).
//
// An entry with wait=yes, or proto=udp without internal, is a wait service,
// inetd-style: when its socket becomes readable the listener starts the
// service with the socket itself on descriptors 0, 1 and 2 (a stream
// service gets the LISTENING socket and accepts for itself; a udp service
// gets the datagram socket and reads the waiting datagram), and does not
// look at the socket again until the reaper has collected the service. The
// service is started exactly as any other (the direct path or the launcher:
// same identity, environment, descriptors and umask), with an empty
// NLSADDR: there is no single caller. The socket is put in blocking mode
// for the service and back in non-blocking mode for the listener when it is
// done.
//
// Of the limits, rate (counting service starts) and timeout apply to a
// wait service; allow, deny, wrap, max and persource need a caller's
// address and are left to the service. A service that fails to start, or
// a listener that is disabled, would leave the socket readable for ever:
// the waiting connection is refused or the datagram dropped, and after a
// failed start the listener waits waitRetry before it looks again. A
// service that exits without taking its connection or datagram is
// started again at once, as inetd does; rate bounds that (nothing can
// tell the old datagram or connection from a new one).
//
// An internal udp service is answered by the listener in dgramLoop, one
// reply datagram per request datagram, with every check of options.go
// (per datagram) except max, persource and timeout, which count
// sessions.

// endpoint kinds: how the listener serves the socket.
type epKind uint8

const (
	kindAccept epKind = iota // stream: accept, one service per connection
	kindWait                 // stream or dgram: the service takes the socket
	kindDgram                // dgram: internal service, answered here
)

// socketKind is how an entry's socket is served.
func socketKind(s *service) epKind {
	o := &s.Options
	switch {
	case o.WaitMode():
		return kindWait
	case o.UDP():
		return kindDgram
	}
	return kindAccept
}

// sockType is the socket type of an entry.
func sockType(s *service) int {
	if s.Options.UDP() {
		return unix.SOCK_DGRAM
	}
	return unix.SOCK_STREAM
}

// sameSocket reports whether the entry ns can keep the socket of old on a
// re-read: same type, served the same way.
func sameSocket(old, ns *service) bool {
	return sockType(old) == sockType(ns) && socketKind(old) == socketKind(ns)
}

// refuseOne takes the waiting connection or datagram off a wait socket
// and drops it, so the socket is not readable for ever.
func refuseOne(ep *endpoint, fd int) {
	if ep.typ == unix.SOCK_DGRAM {
		var b [1]byte
		// Ignored: nothing to drop is fine.
		_, _, _ = unix.Recvfrom(fd, b[:], unix.MSG_DONTWAIT)
		return
	}
	if nfd, _, err := unix.Accept4(fd, unix.SOCK_CLOEXEC); err == nil {
		reset(nfd)
	}
}

// readable reports whether fd has something to read now.
func readable(fd int) bool {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, _ := unix.Poll(pfd, 0)
	return n > 0
}

// refusedDisabled reports whether s cannot be served now, the listener
// or the entry being disabled, and then logs it (once per burst).
func (l *listener) refusedDisabled(ep *endpoint, s *service) bool {
	if l.pm.State() == sacmsg.Enabled && !s.disabled() {
		return false
	}
	l.refuse(ep, s.Code, refDisabled, func() string {
		return fmt.Sprintf(msgDeniedDisabled, ep.fd)
	})
	return true
}

// waitLoop serves a wait endpoint until it is closed.
func (l *listener) waitLoop(ep *endpoint, rc syscall.RawConn) {
	for {
		if rc.Read(func(fd uintptr) bool { return readable(int(fd)) }) != nil {
			return // closed
		}
		s := ep.svc.Load()
		if l.refusedDisabled(ep, s) {
			// Ignored: fails only when the socket was closed, which
			// the next Read reports.
			_ = rc.Control(func(fd uintptr) { refuseOne(ep, int(fd)) })
			continue
		}
		kind, why, release := l.admit(ep, s, noPeer, false)
		if release == nil {
			_ = rc.Control(func(fd uintptr) { refuseOne(ep, int(fd)) }) // ignored: as above
			l.refuse(ep, s.Code, kind, why)
			continue
		}
		// A blocking duplicate for the service: the socket's file
		// status is shared, so the listener's copy is blocking too
		// while the service has it, and nothing reads it here.
		nfd := -1
		var derr error
		if err := rc.Control(func(fd uintptr) {
			if nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 3); derr == nil {
				derr = unix.SetNonblock(nfd, false)
			}
		}); err != nil {
			return // closed
		}
		if derr != nil {
			release()
			if nfd >= 0 {
				unix.Close(nfd)
			}
			l.logf(msgHandOverFailed, s.Code, errno.Text(derr))
			time.Sleep(waitRetry)
			continue
		}
		l.logf(msgConnect, ep.fd, s.Code, l.seq.Add(1), typeWait)
		exited := make(chan struct{})
		// startWatched calls this once, when the service has been
		// reaped or did not start.
		if l.startWatched(ep, s, nfd, nil, func() { release(); close(exited) }) == 0 {
			l.refuse(ep, s.Code, refFailed, func() string {
				return fmt.Sprintf(msgWaitNoStart, s.Code, waitRetry)
			})
			_ = rc.Control(func(fd uintptr) { // ignored: as above
				unix.SetNonblock(int(fd), true)
				refuseOne(ep, int(fd))
			})
			select {
			case <-time.After(waitRetry):
			case <-ep.quit:
				return
			}
			continue
		}
		select {
		case <-exited:
		case <-ep.quit:
			return
		}
		// Ignored: fails only when the socket was closed meanwhile.
		_ = rc.Control(func(fd uintptr) { unix.SetNonblock(int(fd), true) })
	}
}

// noPeer is the "address" of a wait service's caller: none.
var noPeer = peerAddr(nil)

// dgramLoop serves an internal udp service until its endpoint is closed.
func (l *listener) dgramLoop(ep *endpoint, rc syscall.RawConn) {
	buf := make([]byte, 65536)
	for {
		var n int
		var from unix.Sockaddr
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, from, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
			return !errors.Is(rerr, unix.EAGAIN)
		}); err != nil {
			return // closed
		}
		if rerr != nil || from == nil {
			continue // ICMP errors of earlier replies and the like
		}
		s := ep.svc.Load()
		if l.refusedDisabled(ep, s) {
			continue
		}
		a := peerAddr(from)
		var own []int
		if p := l.udpPorts.Load(); p != nil { // nil until the first bindAll ends
			own = *p
		}
		if port := sockaddrPort(from); a.IsValid() && dgramLoopRisk(port, own) {
			l.refuse(ep, s.Code, refLoop, func() string {
				return fmt.Sprintf(msgLoopRisk, s.Code, a, port)
			})
			continue
		}
		kind, why, release := l.admit(ep, s, a, true)
		if release == nil {
			l.refuse(ep, s.Code, kind, why)
			continue
		}
		release() // a datagram is not a session
		line := int(ep.ext.chargenLine.Add(1) - 1)
		if reply := internalReply(s.Options.Internal, buf[:n], time.Now(), line); reply != nil {
			// Ignored: a reply that cannot be sent at once (a full
			// socket buffer, an unreachable peer) is dropped, as UDP
			// may drop it anyway.
			_ = rc.Control(func(fd uintptr) { _ = unix.Sendto(int(fd), reply, unix.MSG_DONTWAIT, from) })
		}
	}
}

// sockaddrPort is the port of an IP socket address, -1 for anything else.
func sockaddrPort(sa unix.Sockaddr) int {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return sa.Port
	case *unix.SockaddrInet6:
		return sa.Port
	}
	return -1
}
