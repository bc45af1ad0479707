// Package testpty is the pseudo-terminal harness that stands in for serial
// hardware in tests (docs/testing.md#the-pty-harness).
//
// Open gives a Pair: the master side, which the test holds and which plays
// the user's terminal, and the path of the slave, which plays the serial
// line that ttymon opens as /dev/ttyS0. The test types on the master and
// reads what the line "prints" from it.
//
// What a pty can and cannot stand in for (verified on Linux 6.x, see
// docs/testing.md#what-a-pty-can-and-cannot-test):
//
//   - A pty cannot send BREAK: tcsendbreak on either side returns 0 and
//     delivers nothing. Break sends a NUL byte instead, which is what a line
//     with BRKINT and IGNBRK off reads when a BREAK arrives; the interrupt
//     character (0x03 with ISIG) stands in for the SIGINT path.
//   - Modem controls do not exist (TIOCMGET fails with ENOTTY), B0 hangs
//     nothing up, and soft carrier only toggles CLOCAL.
//   - The slave records every mode it is given, speeds included, and keeps
//     them across its close and reopen while the master is open. The mode
//     ioctls (TCGETS, TCSETS*, TIOCSSOFTCAR) on a pty master act on the
//     slave's termios: the kernel's tty_mode_ioctl redirects them to the
//     linked tty. (One might expect TCGETS on the master to return the
//     master's own modes; that is not what Linux 6.x does, see
//     TestSlaveTermios.) SlaveTermios relies on this, so reading the modes
//     does not open the slave and cannot disturb the hang-up state below.
//   - When every slave descriptor has been closed after the slave was
//     opened once, reads on the master fail with EIO (and poll reports
//     POLLHUP) until the slave is opened again. Expect and ReadAll treat
//     EIO as "no data yet"; ExpectHangup waits for it. Before the first
//     slave open the master just has no data.
//
// Reads never block a test forever: the master is opened non-blocking, so
// the runtime poller serves it and read deadlines apply.
//
// The harness opens /dev/ptmx itself (unlockpt and ptsname are two
// ioctls), so it needs no third-party pty package, and it never opens the
// slave unless asked to: a slave fd held by the test would hide the
// hang-ups the port monitor makes.
package testpty

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Pair is a pseudo-terminal pair. Master is the test's end; SlavePath
// names the line under test (/dev/pts/N).
type Pair struct {
	Master    *os.File
	SlavePath string

	mu  sync.Mutex
	buf []byte // read from the master but not yet returned by Expect
}

// pollStep is how long reads wait between tries while the master reports
// EIO (no slave open): poll answers POLLHUP at once then, so the wait
// cannot be left to the poller.
const pollStep = 5 * time.Millisecond

// writeTimeout bounds Type and Break: a master write only waits when the
// slave's input queue is full, which means the line under test stopped
// reading.
const writeTimeout = 10 * time.Second

// maxReadAll bounds ReadAll when output never goes quiet.
const maxReadAll = 30 * time.Second

// Open opens a new pty pair and registers its cleanup, which closes the
// master and reports a close error. It skips the test when the system has
// no usable /dev/ptmx (a chroot or container without devpts: EACCES,
// ENOENT, ENXIO, EPERM, ENODEV).
func Open(t testing.TB) *Pair {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("testpty: no usable pseudo-terminals: %v", err)
	}
	p := &Pair{Master: m}
	if p.SlavePath, err = unlock(m); err != nil {
		m.Close()
		t.Skipf("testpty: /dev/ptmx: %v", err)
	}
	if _, err := os.Stat(p.SlavePath); err != nil {
		// /dev/ptmx belongs to a devpts instance that is not mounted on
		// /dev/pts (a container with a private /dev/pts).
		m.Close()
		t.Skipf("testpty: slave of /dev/ptmx not found: %v", err)
	}
	// The deadline machinery is what keeps reads from hanging a test; make
	// sure the poller took the master.
	if err := m.SetReadDeadline(time.Time{}); err != nil {
		m.Close()
		t.Fatalf("testpty: pty master does not support deadlines: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil && !errors.Is(err, fs.ErrClosed) {
			t.Errorf("testpty: close %s master: %v", p.SlavePath, err)
		}
	})
	return p
}

// control runs f on m's descriptor.
func control(m *os.File, f func(fd int) error) error {
	rc, err := m.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// Type writes s to the master, as if the user typed it on the terminal.
func (p *Pair) Type(t testing.TB, s string) {
	t.Helper()
	if err := p.Master.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		t.Fatalf("testpty: %v", err)
	}
	if _, err := p.Master.Write([]byte(s)); err != nil {
		t.Fatalf("testpty: typing %q on %s: %v", s, p.SlavePath, err)
	}
}

// Break emulates a BREAK on the line. A pty cannot carry one, so it types a
// single NUL byte: what the line reads for a BREAK when IGNBRK and BRKINT
// are both off (docs/linux.md#break-detection). Tests of the SIGINT path
// type the interrupt character instead.
func (p *Pair) Break(t testing.TB) {
	t.Helper()
	p.Type(t, "\x00")
}

// read reads once from the master, waiting at most until deadline. It
// returns what was read and whether the slave is currently hung up (EIO).
// Any other error fails the test.
func (p *Pair) read(t testing.TB, deadline time.Time) (data []byte, hungUp bool) {
	t.Helper()
	if err := p.Master.SetReadDeadline(deadline); err != nil {
		t.Fatalf("testpty: %v", err)
	}
	var b [4096]byte
	n, err := p.Master.Read(b[:])
	switch {
	case err == nil:
		return b[:n], false
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, false
	case errors.Is(err, syscall.EIO):
		// No slave open right now (after a first open). The poller sees
		// POLLHUP and would spin; wait a little instead.
		if d := time.Until(deadline); d > 0 {
			time.Sleep(min(d, pollStep))
		}
		return nil, true
	}
	t.Fatalf("testpty: reading %s master: %v", p.SlavePath, err)
	return nil, false
}

// Expect reads what the line writes until the regular expression re
// (Go syntax; (?s) makes . match newlines) matches, and returns the text up
// to the end of the match. Text read after the match stays buffered for the
// next Expect or ReadAll. After timeout it fails the test, showing what was
// read. Like t.Fatal, it must be called from the test's goroutine.
func (p *Pair) Expect(t testing.TB, re string, timeout time.Duration) string {
	t.Helper()
	rx, err := regexp.Compile(re)
	if err != nil {
		t.Fatalf("testpty: Expect: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	deadline := time.Now().Add(timeout)
	for {
		if loc := rx.FindIndex(p.buf); loc != nil {
			out := string(p.buf[:loc[1]])
			p.buf = p.buf[loc[1]:]
			return out
		}
		if !time.Now().Before(deadline) {
			t.Fatalf("testpty: %s: no match for %q after %v; read %q", p.SlavePath, re, timeout, p.buf)
		}
		data, _ := p.read(t, deadline)
		p.buf = append(p.buf, data...)
	}
}

// ExpectHangup reads until every descriptor of the slave has been closed
// (the master reads EIO) and returns what was read before. It fails the
// test after timeout. Like Expect it only detects a hang-up after the slave
// was opened at least once.
func (p *Pair) ExpectHangup(t testing.TB, timeout time.Duration) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	deadline := time.Now().Add(timeout)
	for {
		if !time.Now().Before(deadline) {
			t.Fatalf("testpty: %s: still open after %v; read %q", p.SlavePath, timeout, p.buf)
		}
		data, hungUp := p.read(t, deadline)
		p.buf = append(p.buf, data...)
		if hungUp {
			out := string(p.buf)
			p.buf = nil
			return out
		}
	}
}

// ReadAll reads until the line has written nothing for quiet, and returns
// everything read (including text an earlier Expect left buffered). A
// hung-up slave counts as quiet. It fails the test if output does not stop
// within 30 s.
func (p *Pair) ReadAll(t testing.TB, quiet time.Duration) string {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	limit := time.Now().Add(maxReadAll)
	last := time.Now()
	for {
		now := time.Now()
		if now.Sub(last) >= quiet {
			out := string(p.buf)
			p.buf = nil
			return out
		}
		if now.After(limit) {
			t.Fatalf("testpty: %s: output did not go quiet for %v within %v; read %d bytes, ending %q",
				p.SlavePath, quiet, maxReadAll, len(p.buf), tail(p.buf))
		}
		data, _ := p.read(t, last.Add(quiet))
		if len(data) > 0 {
			p.buf = append(p.buf, data...)
			last = time.Now()
		}
	}
}

// tail returns the last bytes of b, for failure messages.
func tail(b []byte) []byte {
	if len(b) > 200 {
		return b[len(b)-200:]
	}
	return b
}

// SlaveTermios returns the modes of the slave, which is where a program
// under test sets them. It asks the master (TCGETS on a pty master reads
// the slave's termios, see the package comment), so it works whether or not
// the slave is open and never changes the master's view of hang-ups.
func (p *Pair) SlaveTermios(t testing.TB) *unix.Termios {
	t.Helper()
	tio, err := getTermios(p.Master)
	if err != nil {
		t.Fatalf("testpty: %s: %v", p.SlavePath, err)
	}
	return tio
}

// OpenSlave opens the slave read/write, non-blocking and without making it
// the controlling terminal, and registers its close. Use it for tests that
// drive the line from the test process itself.
func (p *Pair) OpenSlave(t testing.TB) *os.File {
	t.Helper()
	f, err := os.OpenFile(p.SlavePath, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("testpty: %v", err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil && !errors.Is(err, fs.ErrClosed) {
			t.Errorf("testpty: close %s: %v", p.SlavePath, err)
		}
	})
	return f
}

// StartControlled starts cmd in a new session whose controlling terminal is
// the slave, as a getty child or a login service runs. The slave is passed
// as an extra file (fd 3 when cmd has no other ExtraFiles) and named in
// SysProcAttr.Ctty, which is a descriptor number in the child. Stdin,
// Stdout and Stderr that are nil become the slave too. The test's own copy
// of the slave is closed once the child has started, so the line hangs up
// when the child and its descendants close it. A cleanup kills and reaps
// the child if the test has not waited for it.
//
// Synchronise with the child through a pipe or through what it writes on
// the line (Expect), never with sleeps.
func (p *Pair) StartControlled(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	// O_NOCTTY: the test process must not acquire the line itself.
	s, err := os.OpenFile(p.SlavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("testpty: %v", err)
	}
	defer s.Close() // the child holds its own copies once started
	cmd.ExtraFiles = append(cmd.ExtraFiles, s)
	ctty := 2 + len(cmd.ExtraFiles)
	if cmd.Stdin == nil {
		cmd.Stdin = s
	}
	if cmd.Stdout == nil {
		cmd.Stdout = s
	}
	if cmd.Stderr == nil {
		cmd.Stderr = s
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
	cmd.SysProcAttr.Setctty = true
	cmd.SysProcAttr.Ctty = ctty
	if err := cmd.Start(); err != nil {
		t.Fatalf("testpty: start %s on %s: %v", cmd.Path, p.SlavePath, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill() // error ignored: it may have exited already
			cmd.Wait()         // reaps it; the status is of no interest now
		}
	})
}

// String describes the pair for failure messages.
func (p *Pair) String() string {
	return fmt.Sprintf("pty %s", p.SlavePath)
}

// Buffered returns the text read from the master that no Expect has
// consumed yet, without reading more.
func (p *Pair) Buffered() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(bytes.Clone(p.buf))
}
