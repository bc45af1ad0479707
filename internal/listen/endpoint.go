package listen

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/linux-saf/saf/saf/nlsaddr"
	"golang.org/x/sys/unix"
)

// transport is a net_spec's kind of socket
// (docs/linux.md#transports-and-addresses).
type transport int

const (
	transportTCP  transport = iota + 1 // AF_INET or AF_INET6, by address
	transportUnix                      // AF_UNIX, the address is a path
)

// lookupTransport maps a net_spec to its transport. tcp6 is tcp: the
// address decides the family, and an IPv6 socket is always IPv6-only.
func lookupTransport(netspec string) (transport, bool) {
	switch netspec {
	case "tcp", "tcp6":
		return transportTCP, true
	case "unix", "local", "ticots", "ticotsord":
		return transportUnix, true
	}
	return 0, false
}

// unixSocketMode is the mode of the socket files the listener creates.
// Connecting needs write permission on the file; the original ran with
// umask 0 and so made them 0777. We make them 0666, by binding under a
// umask of 0111 (bindUnix), never by changing the file's mode afterwards:
// a chmod by name after bind follows whatever the name holds by then, and
// whoever can write the socket's directory could have put a symlink to
// any file there.
const unixSocketMode = 0o666

// endpoint is one bound listening socket and the entry it serves.
type endpoint struct {
	svc     atomic.Pointer[service] // replaced on re-read when the endpoint is kept
	addr    string                  // the _pmtab address text; "" when dynamic
	dynamic bool
	fd      int      // the socket's number, for the log (never used for I/O)
	f       *os.File // the socket, served by Go's poller
	local   []byte   // the address bound, as sockaddr bytes
	path    string   // unix: the socket file to remove on unbind
	pathID  [2]uint64
	done    chan struct{} // closed when the accept loop has ended

	// For entries with options (options.go, wait.go); fixed for the
	// endpoint's life, a re-read that changes them rebinds (sameSocket).
	kind epKind
	typ  int           // SOCK_STREAM or SOCK_DGRAM
	ext  *extState     // limits and logs; touched only for entries with options
	quit chan struct{} // closed by close, for loops that wait on more than the socket
}

// newEndpoint makes the endpoint of s on the bound socket fd (local is
// its address), to be served by Go's poller.
func newEndpoint(s *service, fd int, local []byte) *endpoint {
	ep := &endpoint{addr: s.Address, dynamic: s.dynamic(), fd: fd, local: local,
		done: make(chan struct{}), kind: socketKind(s), typ: sockType(s),
		ext: &extState{}, quit: make(chan struct{})}
	ep.svc.Store(s)
	// The descriptor is non-blocking, so os.NewFile hands it to Go's
	// poller, and accept waits without holding a thread.
	ep.f = os.NewFile(uintptr(fd), "listen:"+s.Code)
	return ep
}

// bindError says why an entry could not be bound; Why is the text after
// "  Service S ignored: ".
type bindError struct {
	Why string
	Err error
}

func (e *bindError) Error() string { return e.Why + ": " + e.Err.Error() }
func (e *bindError) Unwrap() error { return e.Err }

// bindService opens, binds and listens on an endpoint for s.
func bindService(tr transport, s *service) (*endpoint, error) {
	var sa unix.Sockaddr
	family := unix.AF_UNIX
	path := ""
	if !s.dynamic() {
		a, err := nlsaddr.Parse(s.Address)
		if err != nil {
			return nil, &bindError{Why: fmt.Sprintf(whyAddress, s.Address), Err: err}
		}
		switch tr {
		case transportTCP:
			ap, err := a.TCP()
			if err != nil {
				return nil, &bindError{Why: fmt.Sprintf(whyAddress, s.Address), Err: err}
			}
			family, sa, err = inetSockaddr(ap)
			if err != nil {
				return nil, &bindError{Why: fmt.Sprintf(whyAddress, s.Address), Err: err}
			}
		case transportUnix:
			if path, err = a.Unix(); err != nil {
				return nil, &bindError{Why: fmt.Sprintf(whyAddress, s.Address), Err: err}
			}
			sa = &unix.SockaddrUnix{Name: path}
		}
	} else {
		switch tr {
		case transportTCP:
			// The transport picks the port; IPv4, every address.
			family, sa = unix.AF_INET, &unix.SockaddrInet4{}
		case transportUnix:
			// An empty name makes the kernel pick an abstract address
			// (autobind, unix(7)).
			sa = &unix.SockaddrUnix{}
		}
	}
	if path != "" {
		removeStaleSocket(path)
	}
	typ := sockType(s) // SOCK_DGRAM for proto=udp (wait.go)
	fd, err := unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) {
			return nil, &bindError{Why: whyFDs, Err: os.NewSyscallError("socket", err)}
		}
		return nil, &bindError{Why: whyBind, Err: os.NewSyscallError("socket", err)}
	}
	fail := func(op string, err error) (*endpoint, error) {
		unix.Close(fd)
		return nil, &bindError{Why: whyBind, Err: os.NewSyscallError(op, err)}
	}
	if family != unix.AF_UNIX {
		// A restarted listener must rebind at once.
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return fail("setsockopt SO_REUSEADDR", err)
		}
	}
	if family == unix.AF_INET6 {
		// Linux defaults to dual stack; an IPv6 address means IPv6 only.
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fail("setsockopt IPV6_V6ONLY", err)
		}
	}
	if path != "" {
		err = bindUnix(fd, sa.(*unix.SockaddrUnix), unixSocketMode)
	} else {
		err = unix.Bind(fd, sa)
	}
	if err != nil {
		return fail("bind", err)
	}
	ep := &endpoint{}
	if path != "" {
		if afterBind != nil {
			afterBind(path)
		}
		// Remember which file is ours, so that only it is ever removed
		// (removeFile) and a deleted one is noticed (fileGone). Lstat:
		// if the name no longer holds a socket, it is not ours.
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err == nil && st.Mode&unix.S_IFMT == unix.S_IFSOCK {
			ep.path, ep.pathID = path, [2]uint64{uint64(st.Dev), st.Ino}
		}
	}
	if typ == unix.SOCK_STREAM {
		if err := unix.Listen(fd, listenBacklog()); err != nil {
			ep.removeFile()
			return fail("listen", err)
		}
	}
	var local []byte
	if got, err := unix.Getsockname(fd); err == nil {
		local = sockaddrBytes(got)
	}
	nep := newEndpoint(s, fd, local)
	nep.path, nep.pathID = ep.path, ep.pathID
	return nep, nil
}

// inetSockaddr returns the family and sockaddr for ap.
func inetSockaddr(ap netip.AddrPort) (int, unix.Sockaddr, error) {
	ip := ap.Addr()
	if ip.Is4() {
		return unix.AF_INET, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}, nil
	}
	sa := &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	if z := ip.Zone(); z != "" {
		id, err := strconv.ParseUint(z, 10, 32)
		if err != nil {
			return 0, nil, fmt.Errorf(msgZoneNotNumeric, z)
		}
		sa.ZoneId = uint32(id)
	}
	return unix.AF_INET6, sa, nil
}

// sockaddrBytes returns sa in the listener's printed layout
// (docs/architecture.md#address-strings): a big-endian sockaddr_in or
// sockaddr_in6, or a unix path's bytes (an abstract name starts with a
// NUL). nil for anything else.
func sockaddrBytes(sa unix.Sockaddr) []byte {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		b, _ := nlsaddr.Sockaddr(netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)))
		return b
	case *unix.SockaddrInet6:
		ip := netip.AddrFrom16(sa.Addr)
		if sa.ZoneId != 0 {
			ip = ip.WithZone(strconv.FormatUint(uint64(sa.ZoneId), 10))
		}
		b, _ := nlsaddr.Sockaddr(netip.AddrPortFrom(ip, uint16(sa.Port)))
		return b
	case *unix.SockaddrUnix:
		name := sa.Name
		if name == "@" {
			// An unnamed socket: x/sys/unix shows its empty path as
			// "@", like an abstract one.
			return []byte{}
		}
		if len(name) > 0 && name[0] == '@' {
			name = "\x00" + name[1:]
		}
		return []byte(name)
	}
	return nil
}

// removeStaleSocket removes a socket file at path that nobody listens on
// any more (a listener that was killed leaves it behind, and bind would
// fail forever). Only a socket owned by the listener's own user is
// removed: a live socket, another user's, or any other kind of file stays,
// and the bind reports it.
func removeStaleSocket(path string) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK || int(st.Uid) != os.Geteuid() {
		return
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return
	}
	if errors.Is(err, unix.ECONNREFUSED) {
		// Ignored: if it cannot be removed, bind says so.
		_ = removeIfSame(path, [2]uint64{uint64(st.Dev), st.Ino})
	}
}

// removeIfSame removes path if it still names the file id (device and
// inode). unlink never follows the name's last component, so at worst
// another file of the same directory goes, which whoever could swap it in
// could have removed anyway.
func removeIfSame(path string, id [2]uint64) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return err
	}
	if uint64(st.Dev) != id[0] || st.Ino != id[1] {
		return os.ErrNotExist
	}
	return unix.Unlink(path)
}

// removeFile removes the endpoint's socket file if it is still the one
// this endpoint created.
func (ep *endpoint) removeFile() {
	if ep.path == "" {
		return
	}
	// Ignored: a socket file left behind is removed by the next bind.
	_ = removeIfSame(ep.path, ep.pathID)
	ep.path = ""
}

// fileGone reports whether the endpoint's socket file has been removed
// or replaced: nobody can connect to the socket by its name any more,
// though it still listens (its queue is still served).
func (ep *endpoint) fileGone() bool {
	if ep.path == "" {
		return false
	}
	var st unix.Stat_t
	err := unix.Lstat(ep.path, &st)
	return err != nil || uint64(st.Dev) != ep.pathID[0] || st.Ino != ep.pathID[1]
}

// close stops listening: pending connections are reset by the kernel (the
// original refused them too), and the socket file goes.
func (ep *endpoint) close() {
	close(ep.quit)
	ep.removeFile()
	// Ignored: a listening socket has nothing to flush.
	_ = ep.f.Close()
}

// addrText is the endpoint's address as the log names it after the bind
// (msgServiceAddr, msgUnbind): the _pmtab text, or for a dynamic address
// the bound one, \x<HEX>, as the original, which kept that text in the
// entry.
func (ep *endpoint) addrText() string {
	if ep.dynamic {
		return `\x` + nlsaddr.Hex(ep.local)
	}
	return ep.addr
}

// acceptLoop accepts connections on rc, ep's socket, until the endpoint
// is closed and hands each to handle as a blocking, close-on-exec
// descriptor with the peer's address. Errors other than a closed socket
// are given to onErr; a temporary shortage of descriptors or memory
// pauses the loop briefly so it does not spin. idle runs whenever no
// connection is waiting, before the loop waits for one.
func (ep *endpoint) acceptLoop(rc syscall.RawConn, handle func(nfd int, peer unix.Sockaddr), onErr func(error), idle func()) {
	// acceptRaw must never block (it holds the processor): every
	// endpoint is made non-blocking when bound or inherited, and this
	// makes sure of it. Ignored: fails only once the socket is closed,
	// which Read reports.
	_ = rc.Control(func(fd uintptr) { _ = unix.SetNonblock(int(fd), true) })
	for {
		if beforeAccept != nil {
			beforeAccept()
		}
		var nfd int
		var peer unix.Sockaddr
		var aerr error
		err := rc.Read(func(fd uintptr) bool {
			// No SOCK_NONBLOCK: the connection goes to a service on
			// fds 0-2 in blocking mode.
			nfd, peer, aerr = acceptRaw(int(fd)) // rawsys_linux.go
			if aerr == unix.EAGAIN {
				idle()
				return false
			}
			return true
		})
		if err != nil {
			return // closed
		}
		switch {
		case aerr == nil:
			handle(nfd, peer)
		case errors.Is(aerr, unix.EINTR), errors.Is(aerr, unix.ECONNABORTED):
			// The client gave up before we accepted: nothing to do.
		default:
			onErr(os.NewSyscallError("accept4", aerr))
			if errors.Is(aerr, unix.EMFILE) || errors.Is(aerr, unix.ENFILE) ||
				errors.Is(aerr, unix.ENOBUFS) || errors.Is(aerr, unix.ENOMEM) {
				time.Sleep(acceptPause)
			}
		}
	}
}

// reset refuses a connection the way a TLI disconnect did: SO_LINGER
// {on, 0} and close, so the client gets a reset.
func reset(nfd int) {
	// Ignored: if the option cannot be set the close still refuses the
	// call, with a FIN instead of a reset.
	_ = unix.SetsockoptLinger(nfd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	unix.Close(nfd)
}
