package pmstatus

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/linux-saf/saf/internal/unixsock"
)

// writeTimeout bounds the write of one document: a client that connects
// and never reads costs the server at most this long. Documents are
// small, so the write normally fits in the socket buffer at once.
const writeTimeout = 2 * time.Second

// server is the io.Closer Serve returns.
type server struct {
	ln   *net.UnixListener
	once sync.Once
	done chan struct{}
	err  error
}

// Serve binds the status socket at path and answers every connection
// with the document snapshot returns, until Close. It removes a stale
// socket left at path by an earlier run; anything else there (a regular
// file, a directory, a symbolic link planted to redirect the bind) is
// left alone and reported, never followed. The socket is made mode 0600.
//
// The caller must be the only owner of path (a port monitor holds its
// _pid lock), since a live socket is just as removable as a stale one.
// snapshot runs in Serve's goroutine, one connection at a time; it must
// be safe to call concurrently with the rest of the port monitor. Close
// stops accepting, waits for the answer being written and removes the
// socket file.
func Serve(path string, snapshot func() Status) (io.Closer, error) {
	ln, err := unixsock.Listen(path)
	if err != nil {
		return nil, fmt.Errorf("pmstatus: %w", err)
	}
	s := &server{ln: ln, done: make(chan struct{})}
	go s.serve(snapshot)
	return s, nil
}

func (s *server) serve(snapshot func() Status) {
	defer close(s.done)
	var delay time.Duration
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors or memory: wait and try again, without
			// spinning.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		delay = 0
		answer(c, snapshot)
	}
}

// answer writes one document on c and closes it.
func answer(c *net.UnixConn, snapshot func() Status) {
	// Nothing can be reported to a client that went away.
	defer c.Close()
	b, err := Marshal(snapshot())
	if err != nil {
		return // a client reads an empty answer: ErrSyntax
	}
	_ = c.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, _ = c.Write(b)
}

// Close stops the server and removes its socket.
func (s *server) Close() error {
	s.once.Do(func() {
		s.err = s.ln.Close() // also removes the socket file (net.UnixListener)
		<-s.done
	})
	return s.err
}

// Query connects to the status socket at path and returns the document
// the port monitor writes. The whole exchange is bounded by timeout. A
// port monitor that does not listen there fails at once with an error
// that is errors.Is fs.ErrNotExist (no socket) or syscall.ECONNREFUSED
// (a stale socket); sacadm treats both as "does not answer".
//
// The server must run as root or as the caller's own user (the port
// monitors run as sac's user), or Query fails with ErrStranger before it
// reads a byte: whoever can write a port monitor's directory could put a
// socket of their own there, and what it says must not pass for the port
// monitor's state.
func Query(path string, timeout time.Duration) (Status, error) {
	if err := unixsock.CheckPath("dial", path); err != nil {
		return Status{}, fmt.Errorf("pmstatus: %w", err)
	}
	deadline := time.Now().Add(timeout)
	c, err := net.DialTimeout("unix", path, timeout)
	if err != nil {
		return Status{}, fmt.Errorf("pmstatus: %w", err)
	}
	defer c.Close() // read-only use; nothing to report
	cred, err := unixsock.PeerCred(c.(*net.UnixConn))
	if err != nil {
		return Status{}, fmt.Errorf("pmstatus: %s: %w", path, err)
	}
	if uid := int(cred.Uid); uid != 0 && uid != os.Geteuid() {
		return Status{}, fmt.Errorf("%w: %s answers as uid %d", ErrStranger, path, uid)
	}
	if err := c.SetReadDeadline(deadline); err != nil {
		return Status{}, fmt.Errorf("pmstatus: %w", err)
	}
	// One byte over the limit tells a document that is too large from
	// one that is exactly at it.
	b, err := io.ReadAll(io.LimitReader(c, MaxSize+1))
	if err != nil {
		return Status{}, fmt.Errorf("pmstatus: reading %s: %w", path, err)
	}
	st, err := Parse(b)
	if err != nil {
		return Status{}, fmt.Errorf("%w (from %s)", err, path)
	}
	return st, nil
}
