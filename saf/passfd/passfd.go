// Package passfd hands a connection from the listener to a standing server
// (docs/linux.md#passing-connections) and lets the standing server receive
// it.
//
// A listen _pmtab entry with flag p names, in its command field, the path
// of an AF_UNIX stream socket on which a standing server listens (the
// original named a STREAMS pipe and used I_SENDFD; Linux has neither). For
// every connection of that service the listener:
//
//  1. connects to the socket at the path, giving up after a short timeout
//     (DialTimeout; a FIFO or any other file that is not a listening
//     socket fails at once): listen logs "Open failed: <path>";
//  2. sends exactly one data byte, 0x00, with one SCM_RIGHTS control
//     message holding the connection's descriptor (Linux needs at least
//     one byte of real data with ancillary data on a stream socket):
//     listen logs "Passfd failed: <path>" when this fails;
//  3. closes its end of the unix connection and its copy of the client's
//     connection.
//
// Nothing else travels: no NLPS request, no environment, no credentials.
// The descriptor arrives in blocking mode, already accepted and connected
// to the client; the listener has read nothing from it (a request that
// reached the standing server through the NLPS server was read up to its
// NUL, no further). The standing server may read the peer's address with
// getpeername.
//
// A standing server written in Go uses Listen and Accept:
//
//	l, err := passfd.Listen("/run/myservice.sock")
//	...
//	for {
//		f, err := l.Accept() // the client's connection
//		...
//		c, err := net.FileConn(f) // if it wants a net.Conn
//		f.Close()
//		go serve(c)
//	}
//
// Received descriptors are close-on-exec.
package passfd

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// DialTimeout bounds the listener's connect and send: a standing server
// that does not accept in time loses the connection rather than stall the
// listener.
const DialTimeout = 5 * time.Second

// RecvTimeout bounds how long Accept waits for the byte and descriptor
// after accepting a hand-off connection.
const RecvTimeout = 10 * time.Second

// The steps of Send, as Error.Op.
const (
	OpConnect = "connect" // listen's "Open failed"
	OpSend    = "send"    // listen's "Passfd failed"
)

// Errors of Recv.
var (
	// ErrNoFD: the sender closed or sent data without a descriptor.
	ErrNoFD = errors.New("passfd: no descriptor received")
	// ErrTooManyFDs: more than one descriptor arrived (all were closed).
	ErrTooManyFDs = errors.New("passfd: more than one descriptor received")
	// ErrTruncated: the kernel cut the control data (MSG_CTRUNC), so
	// descriptors may have been lost; those received were closed.
	ErrTruncated = errors.New("passfd: control data truncated")
)

// Error is a failed step of Send.
type Error struct {
	Op   string // OpConnect or OpSend
	Path string // the standing server's socket
	Err  error
}

func (e *Error) Error() string { return "passfd: " + e.Op + " " + e.Path + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Send passes descriptor fd to the standing server listening on the
// AF_UNIX stream socket at path, waiting at most timeout in all (0 means
// DialTimeout). fd stays open: the caller closes its copy.
func Send(path string, fd int, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DialTimeout
	}
	deadline := time.Now().Add(timeout)
	d := net.Dialer{Deadline: deadline}
	c, err := d.Dial("unix", path)
	if err != nil {
		return &Error{Op: OpConnect, Path: path, Err: unwrapOp(err)}
	}
	defer c.Close()
	uc := c.(*net.UnixConn)
	if err := uc.SetWriteDeadline(deadline); err != nil {
		return &Error{Op: OpSend, Path: path, Err: err}
	}
	n, oobn, err := uc.WriteMsgUnix([]byte{0}, unix.UnixRights(fd), nil)
	if err == nil && (n != 1 || oobn == 0) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return &Error{Op: OpSend, Path: path, Err: unwrapOp(err)}
	}
	return nil
}

// unwrapOp drops net's *OpError wrapping, whose text repeats the path.
func unwrapOp(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Err
	}
	return err
}

// Recv receives one descriptor sent by Send on c and returns it as a file
// (close-on-exec). On every error, every descriptor received is closed.
func Recv(c *net.UnixConn) (*os.File, error) {
	var b [1]byte
	oob := make([]byte, unix.CmsgSpace(4*4)) // room to notice extra descriptors
	n, oobn, flags, _, err := c.ReadMsgUnix(b[:], oob)
	fds, perr := parseRights(oob[:oobn])
	fail := func(e error) (*os.File, error) {
		for _, fd := range fds {
			unix.Close(fd)
		}
		return nil, e
	}
	switch {
	case perr != nil:
		return fail(perr)
	case flags&unix.MSG_CTRUNC != 0:
		return fail(ErrTruncated)
	case len(fds) > 1:
		return fail(ErrTooManyFDs)
	case len(fds) == 1:
		// Go's ReadMsgUnix asks for MSG_CMSG_CLOEXEC on Linux; marking
		// it again costs nothing and holds elsewhere.
		unix.CloseOnExec(fds[0])
		return os.NewFile(uintptr(fds[0]), "passfd"), nil
	case errors.Is(err, io.EOF) || (err == nil && n == 0):
		return fail(fmt.Errorf("%w: %w", ErrNoFD, io.EOF))
	case err != nil:
		return fail(err)
	}
	return fail(ErrNoFD)
}

// parseRights returns the descriptors of every SCM_RIGHTS message in oob.
func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("passfd: control data: %w", err)
	}
	var fds []int
	for i := range msgs {
		got, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			continue // not SCM_RIGHTS (credentials, say): nothing to close
		}
		fds = append(fds, got...)
	}
	return fds, nil
}

// Listener is a standing server's socket.
type Listener struct {
	l *net.UnixListener
	// RecvTimeout bounds each Accept's wait for the descriptor once a
	// sender connected; 0 means the package's RecvTimeout.
	RecvTimeout time.Duration
}

// Listen creates and listens on the AF_UNIX stream socket at path (which
// must not exist). The socket file is removed by Close.
func Listen(path string) (*Listener, error) {
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	return &Listener{l: l}, nil
}

// Accept waits for the next hand-off and returns the descriptor it
// carried. A sender that connects but sends no descriptor in time yields
// an error; the listener stays usable.
func (l *Listener) Accept() (*os.File, error) {
	c, err := l.l.AcceptUnix()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	t := l.RecvTimeout
	if t <= 0 {
		t = RecvTimeout
	}
	if err := c.SetReadDeadline(time.Now().Add(t)); err != nil {
		return nil, err
	}
	return Recv(c)
}

// Addr returns the socket's address.
func (l *Listener) Addr() net.Addr { return l.l.Addr() }

// Close stops listening and removes the socket file.
func (l *Listener) Close() error { return l.l.Close() }
