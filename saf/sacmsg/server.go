package sacmsg

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/linux-saf/saf/internal/unixsock"
)

// RequestTimeout is how long Serve waits for a connected client to send
// its request. sacadm writes it right after connecting, so this only
// bounds clients that connect and stall.
const RequestTimeout = 2 * time.Second

// Cred identifies the process at the other end of an admin connection, as
// SO_PEERCRED reports it: its pid and effective uid and gid when it
// connected.
type Cred = unixsock.Cred

// Listen binds the admin socket at path: it removes a stale socket left
// there by an earlier sac, binds an AF_UNIX stream socket and makes it mode
// 0600. Anything at path that is not a socket is left alone and reported.
// The listener is close-on-exec (the Go runtime opens every descriptor so),
// and closing it removes the socket file.
//
// The caller must already be the only sac (it holds the _log lock), since a
// live sac's socket is just as removable as a stale one. The socket is born
// mode 0600 (unixsock.Listen sets the mode on the socket before bind, so
// there is no moment when it is more open and no chmod by name), but the
// mode is only the first gate: the peer credential check in Serve is what
// keeps other users out, whatever a umask or an administrator does to the
// file.
func Listen(path string) (*net.UnixListener, error) {
	ln, err := unixsock.Listen(path)
	if err != nil {
		return nil, fmt.Errorf("sacmsg: %w", err)
	}
	return ln, nil
}

// Server answers admin requests on a listener. The zero value is not
// usable: Handle must be set.
type Server struct {
	// Handle answers one request from the peer cred. It is never called
	// concurrently, so it may touch sac's state without locking, and it
	// is called only for permitted peers and well-formed requests. The
	// returned ack's Pid and Size are filled in by the Server.
	Handle func(cmd AdmCmd, cred Cred) (AdmAck, []byte)

	// Logf, if not nil, receives one line for every request refused or
	// not answered. Lines have no program prefix and no newline.
	Logf func(format string, args ...any)
}

// Serve is (&Server{Handle: handle}).Serve(ctx, ln), for callers that do
// not log.
func Serve(ctx context.Context, ln *net.UnixListener, handle func(AdmCmd, Cred) (AdmAck, []byte)) error {
	s := &Server{Handle: handle}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln until ctx is done and answers one request
// on each. Per connection it:
//
//  1. reads the peer's credentials (SO_PEERCRED); if that fails, closes
//     the connection without a reply;
//  2. reads one admcmd, waiting at most RequestTimeout; if the client
//     sends less, closes without a reply;
//  3. refuses, with AKReqFail, a peer whose uid is neither 0 nor this
//     process's effective uid, and a request that does not parse (its tag
//     has no NUL): the client then prints "This request could not be
//     completed - see sac log file for details", and the line sent to Logf
//     says why;
//  4. otherwise calls Handle;
//  5. writes the ack, with Pid set to the request's pid and Size to the
//     length of the data, followed by the data. Data goes only with AKAck,
//     as sacadm reads it only then; data over MaxDataSize turns the reply
//     into AKReqFail (the original's answer to an allocation failure).
//
// Connections are read and written concurrently; only Handle is
// serialized. A client that stalls costs a goroutine for at most
// RequestTimeout, plus the wait for Handle, plus ReplyTimeout to write.
//
// When ctx is done, Serve stops accepting (it sets a past deadline on
// ln, which it does not close), abandons requests not yet read, waits for
// replies being written, and returns ctx.Err(). It returns early only for
// an accept error other than a timeout or running out of descriptors or
// memory, which it retries with a backoff.
func (s *Server) Serve(ctx context.Context, ln *net.UnixListener) error {
	self := uint32(os.Geteuid())
	stop := context.AfterFunc(ctx, func() {
		_ = ln.SetDeadline(aLongTimeAgo) // fails only if ln is closed, which also ends Accept
	})
	defer stop()

	var (
		wg     sync.WaitGroup
		handle sync.Mutex // serializes s.Handle
		delay  time.Duration
	)
	defer wg.Wait()
	for {
		c, err := ln.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !isTemporary(err) {
				return fmt.Errorf("sacmsg: %w", err)
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.logf("admin channel: %v; retrying in %v", err, delay)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(delay):
			}
			continue
		}
		delay = 0
		wg.Go(func() { s.serveConn(ctx, c, &handle, self) })
	}
}

// isTemporary reports whether an accept error is worth retrying: the
// process or system is out of descriptors or memory, or one pending
// connection failed.
func isTemporary(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (s *Server) serveConn(ctx context.Context, c *net.UnixConn, handle *sync.Mutex, self uint32) {
	// Everything worth reporting has been logged by then; a close error
	// on a socket carries no news.
	defer c.Close()

	cred, err := unixsock.PeerCred(c)
	if err != nil {
		s.logf("admin channel: %v", err)
		return
	}
	who := fmt.Sprintf("pid %d uid %d", cred.Pid, cred.Uid)

	var req [AdmCmdSize]byte
	// The deadline goes first: set after the AfterFunc, it could undo the
	// past deadline of a cancel that has already happened.
	err = c.SetReadDeadline(time.Now().Add(requestTimeout))
	stop := context.AfterFunc(ctx, func() {
		_ = c.SetReadDeadline(aLongTimeAgo) // fails only once c is closed
	})
	defer stop()
	if err == nil {
		_, err = io.ReadFull(c, req[:])
	}
	if err != nil {
		if ctx.Err() == nil {
			s.logf("admin request from %s not received: %v", who, err)
		}
		return
	}

	var (
		ack  AdmAck
		data []byte
	)
	cmd, err := ParseAdmCmd(req[:])
	switch {
	case !peerAllowed(cred, self):
		allowed := "uid 0"
		if self != 0 {
			allowed = fmt.Sprintf("uid 0 and uid %d", self)
		}
		s.logf("admin request %s from %s refused: only %s may send requests", describe(cmd, err), who, allowed)
		ack.Resp = AKReqFail
	case err != nil:
		s.logf("admin request from %s refused: %v", who, err)
		ack.Resp = AKReqFail
	case ctx.Err() != nil:
		return // shutting down: the client sees no reply, as from a dead sac
	default:
		handle.Lock()
		ack, data = s.Handle(cmd, cred)
		handle.Unlock()
	}
	if ack.Resp != AKAck {
		data = nil
	}
	if len(data) > MaxDataSize {
		s.logf("reply to %s for %s: %d bytes of data, more than %d", admCmdName(cmd.Type), who, len(data), MaxDataSize)
		ack.Resp, data = AKReqFail, nil
	}
	// Echo the pid even from a request that did not parse, so the client
	// reads the AKReqFail instead of discarding it.
	ack.Pid = int32(binary.LittleEndian.Uint32(req[16:20]))
	ack.Size = int64(len(data))
	out, err := ack.AppendMarshal(make([]byte, 0, AdmAckSize+len(data)))
	if err != nil {
		panic("sacmsg: unreachable: " + err.Error()) // Size was set from len(data) <= MaxDataSize
	}
	out = append(out, data...)
	err = c.SetWriteDeadline(time.Now().Add(ackTimeout))
	n := 0
	if err == nil {
		n, err = c.Write(out)
	}
	switch {
	case err == nil:
	case n < AdmAckSize: // the original's two messages
		s.logf("Could not send ack (to %s): %v", who, err)
	default:
		s.logf("could not send info (to %s): %v", who, err)
	}
}

// peerAllowed reports whether a peer with credentials c may send admin
// requests to a server running with effective uid self: only root and
// the server's own user.
//
// WARNING: this is the access control of the admin channel; the socket's
// mode is only a second line (see Listen). After changing it, as root run
//
//	go test -race -run 'TestPeerAllowed|TestServeRefusesOtherUID' ./saf/sacmsg/
func peerAllowed(c Cred, self uint32) bool {
	return c.Uid == 0 || c.Uid == self
}

// describe names a request for the log: its type and tag, or that it
// did not parse.
func describe(cmd AdmCmd, parseErr error) string {
	switch {
	case parseErr != nil:
		return "(malformed)"
	case cmd.Tag == "":
		return admCmdName(cmd.Type)
	}
	return fmt.Sprintf("%s %q", admCmdName(cmd.Type), cmd.Tag)
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}
