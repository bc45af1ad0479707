package ttymon

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/linux-saf/saf/internal/errno"
	"github.com/linux-saf/saf/ttydefs"
	"golang.org/x/sys/unix"
)

// The parent and its per-port child talk over a socket pair that plays
// the part of the original's parent/child pipe:
//
//	parent -> child  one JSON line: the childConfig
//	child -> parent  "S <pid>\n" when it is about to start the service
//	parent -> child  "G\n": go ahead; the port is now "in service"
//
// The child waits for the "G" before it starts the service, so the
// parent alone decides whether a child still wanted becomes a service:
// a child the parent is about to make exit (a state change, a re-read)
// gets no "G" and exits 1 when its end of the socket hangs up. The
// original had a window there in which it could kill a service that had
// just started. If ttymon goes away, every child that is not in service
// sees the hang-up and exits 1; a child blocked in its open (waiting for
// carrier) is ended by its parent-death signal instead.
//
// The socket is the child's descriptor childSockFD; the line the parent
// held is its descriptor 0.
const childSockFD = 3

// childConfig is everything the child needs to know.
type childConfig struct {
	Root     string        // SAF_ROOT
	PMTag    string        // PMTAG
	Entry    entry         // the port
	Label    ttydefs.Entry // its ttydefs entry, as the parent found it
	Disabled bool          // ttymon is disabled, or the port has x
	NoFile   uint64        // the RLIMIT_NOFILE soft limit ttymon started with
	TTYGID   int           // the tty group
}

// child is the parent's view of a per-port child.
type child struct {
	pid       int
	proc      *os.Process
	sock      *os.File
	entry     *entry
	exited    chan syscall.WaitStatus
	msgs      chan string
	inService bool

	once   sync.Once
	termed bool
}

// spawn starts the per-port child for p on line:
// the ttymon binary re-executed in child mode, in a new session, with
// the line as descriptor 0.
func (m *monitor) spawn(p *port, line *os.File) (*child, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, &spawnError{pipe: true, err: os.NewSyscallError("socketpair", err)}
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, &spawnError{pipe: true, err: os.NewSyscallError("fcntl", err)}
	}
	ours := os.NewFile(uintptr(fds[0]), "child-socket") // pollable
	theirs := os.NewFile(uintptr(fds[1]), "child-socket")
	defer theirs.Close() // the child has its copy
	null, err := os.Open(os.DevNull)
	if err != nil {
		ours.Close()
		return nil, &spawnError{err: err}
	}
	defer null.Close()

	cfg := childConfig{
		Root:     m.cfg.Root.Prefix(),
		PMTag:    m.cfg.Env.Tag,
		Entry:    *p.cur,
		Label:    p.label,
		Disabled: p.disabled(),
		NoFile:   m.noFile,
		TTYGID:   m.ttyGID,
	}
	msg, err := json.Marshal(cfg)
	if err != nil {
		ours.Close()
		return nil, &spawnError{err: err}
	}
	// Descriptors 1 and 2 are /dev/null until the child opens the line.
	files := []*os.File{line, null, null, theirs}
	proc, err := os.StartProcess(m.cfg.Self, []string{"ttymon"}, &os.ProcAttr{
		Env:   append(os.Environ(), envChild+"=1"),
		Files: files,
		Sys: &syscall.SysProcAttr{
			Setsid: true, // the child becomes session leader
			// A child blocked in its open has no other way to learn
			// that ttymon is gone (see above). The child clears it
			// before it execs the service. Go never ends the threads
			// that fork (we lock none), which would fire it early.
			Pdeathsig: syscall.SIGTERM,
		},
	})
	if err != nil {
		ours.Close()
		return nil, &spawnError{err: err}
	}
	c := &child{
		pid: proc.Pid, proc: proc, sock: ours, entry: p.cur,
		exited: make(chan syscall.WaitStatus, 1),
		msgs:   make(chan string, 4),
	}
	// The one waiter of this child: exactly one reaper.
	go func() {
		ps, err := proc.Wait()
		var ws syscall.WaitStatus
		if err == nil {
			ws, _ = ps.Sys().(syscall.WaitStatus)
		}
		c.exited <- ws
	}()
	// Written before the reader starts; the socket buffer holds it.
	if _, err := ours.Write(append(msg, '\n')); err != nil {
		c.terminate()
	}
	go func() {
		sc := bufio.NewScanner(ours)
		for sc.Scan() {
			c.msgs <- sc.Text()
		}
		close(c.msgs)
	}()
	return c, nil
}

// spawnError is a per-port child that could not be started: the
// parent/child channel (the original's pipe) or the process (its fork).
type spawnError struct {
	pipe bool
	err  error
}

func (e *spawnError) Error() string { return e.err.Error() }
func (e *spawnError) Unwrap() error { return e.err }

// logSpawnFailure logs a failed spawn in the original's words: "pipe()
// failed" or "fork failed", with the reason.
func logSpawnFailure(err error, logf func(string, ...any)) {
	var se *spawnError
	if errors.As(err, &se) && se.pipe {
		logf(msgPipeFailed, errno.Text(se.err))
		return
	}
	logf(msgForkFailed, errno.Text(err))
}

// isStartRequest reports whether msg is the child's "S <pid>".
func isStartRequest(msg string) bool { return strings.HasPrefix(msg, protoStart) }

// allow answers a start request: the child may exec the service.
func (c *child) allow() error {
	_, err := c.sock.Write([]byte(protoGo))
	return err
}

// refuse hangs up on the child, which then exits 1.
func (c *child) refuse() {
	c.once.Do(func() { _ = c.sock.Close() })
}

// terminate makes a child that is not in service exit (ttymon changed
// state, or a re-read changed or removed its entry): SIGTERM, and the
// hang-up on its socket.
func (c *child) terminate() {
	if c.termed {
		return
	}
	c.termed = true
	_ = c.proc.Signal(syscall.SIGTERM) // it may have exited already
	c.refuse()
}

// close releases the parent's end of the socket.
func (c *child) close() { c.refuse() }
