// Package termios is the one place where the programs talk to terminals:
// a small API over the terminal ioctls of golang.org/x/sys/unix. It opens
// a line without waiting for carrier, reads and writes its modes and
// speed, drains, flushes, hangs up, sets soft carrier and line
// disciplines, feeds and counts the input queue (the login-name
// hand-off), tells terminals and controlling terminals apart, and opens
// pseudo-terminals.
//
// Everything takes a plain file descriptor so that callers can use it on a
// port they hold as an *os.File (via Fd or SyscallConn) as well as on fd 0
// of a child. Every call retries EINTR. Errors are *os.SyscallError values
// naming the ioctl ("ioctl TCGETS: inappropriate ioctl for device"); test
// them with errors.Is against unix.Errno values.
//
// Only Linux is implemented. Other systems get stubs that fail with an
// error wrapping errors.ErrUnsupported, so that the packages built on this
// one (saf/doconfig among them) still compile there.
package termios

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// HangupHold is how long Hangup keeps DTR low on a line with modem
// controls. It is the kernel's default close_delay (HZ/2, see
// tty_port_init), the time a serial port keeps DTR down between a close and
// the next open.
const HangupHold = 500 * time.Millisecond

// ErrUnsupportedSpeed is wrapped by SetSpeed's error for a rate the
// system's Bxxx table lacks.
var ErrUnsupportedSpeed = errors.New("speed not supported")

// When says when a Set takes effect.
type When int

const (
	Now   When = iota // TCSETS: at once
	Drain             // TCSETSW: after pending output has been written
	Flush             // TCSETSF: after draining output, discarding pending input
)

// String returns the ioctl name for w.
func (w When) String() string {
	switch w {
	case Now:
		return "TCSETS"
	case Drain:
		return "TCSETSW"
	case Flush:
		return "TCSETSF"
	}
	return "TCSETS?"
}

// Open opens a terminal line for a port monitor: read/write, without
// making it the controlling terminal, close-on-exec, and non-blocking, so
// that a modem line whose carrier is down does not block the open
// (ttymon.md §8.2 step 2, §21.3). The file stays non-blocking and is
// registered with the runtime poller, so reads honour deadlines.
//
// Fd on the returned file does not switch it to blocking mode: the os
// package only does that for files it made non-blocking itself.
func Open(path string) (*os.File, error) {
	// os.OpenFile retries EINTR itself and returns *PathError.
	return os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
}

// OpenPTY opens a new pseudo-terminal master, blocking and close-on-exec,
// unlocks its slave and returns the master with the slave's path
// (posix_openpt, unlockpt and ptsname).
func OpenPTY() (master *os.File, slave string, err error) {
	return openPTY()
}

// Get returns the modes of the terminal on fd (TCGETS). The speed is the
// one in Cflag (see Speed): TCGETS leaves Ispeed and Ospeed zero on most
// architectures, and on powerpc, whose TCGETS fills them, they only
// mirror Cflag.
func Get(fd int) (*unix.Termios, error) {
	return get(fd)
}

// IsTerminal reports whether fd is open on a terminal (TCGETS succeeds).
func IsTerminal(fd int) bool {
	_, err := get(fd)
	return err == nil
}

// Set writes the modes t to the terminal on fd, at the moment given by
// when. ttymon's set_termio uses Drain (ttymon.md §10.1); only autobaud
// raw mode uses Flush (§12).
func Set(fd int, t *unix.Termios, when When) error {
	return set(fd, t, when)
}

// DrainOutput waits until all output written to fd has been transmitted
// (tcdrain: TCSBRK with a non-zero argument).
func DrainOutput(fd int) error {
	return drainOutput(fd)
}

// FlushInput discards data received but not yet read (TCFLSH TCIFLUSH).
func FlushInput(fd int) error {
	return flushInput(fd)
}

// Hangup hangs the line up the way ttymon does before it opens a port
// (ttymon.md §8.2 step 6, §21.1): it sets the speed to B0 with TCSETS,
// which makes a serial driver drop DTR, and also clears DTR with TIOCMBIC
// (best effort: a pseudo-terminal answers ENOTTY). When the line has modem
// controls, DTR is held low for HangupHold so that the modem notices, then
// the previous modes are restored (which raises DTR again) and DTR is set
// with TIOCMBIS. On a pseudo-terminal B0 has no effect and there is no wait.
func Hangup(fd int) error {
	return hangup(fd)
}

// SetSoftCarrier turns soft carrier on or off (TIOCSSOFTCAR; ttymon.md
// §13.4). On Linux this simply sets or clears CLOCAL in the line's modes
// (§21.7, verified on a pty), so any later mode change that clears CLOCAL
// (GNU stty "sane" does not; Solaris "sane" did) undoes it.
func SetSoftCarrier(fd int, on bool) error {
	return setSoftCarrier(fd, on)
}

// GetDiscipline returns the line discipline of the terminal on fd
// (TIOCGETD): 0 is N_TTY. saf/pmtab names the ones ttymon uses.
func GetDiscipline(fd int) (int, error) {
	return getDiscipline(fd)
}

// SetDiscipline sets the line discipline (TIOCSETD; linux.md D10). A
// discipline whose module is not available fails with EINVAL (seen on a pty
// for N_PPP, ttymon.md §21.5).
func SetDiscipline(fd int, ld int) error {
	return setDiscipline(fd, ld)
}

// PushInput inserts b into the terminal's input queue as if it had been
// typed, one TIOCSTI per byte (linux.md D11, ttymon.md §21.4). The line
// discipline processes each byte as typed input, so echo, ICRNL and the
// signal characters apply: turn ECHO off around the call if the bytes were
// already echoed once.
//
// WARNING: TIOCSTI needs CAP_SYS_ADMIN when the sysctl
// dev.tty.legacy_tiocsti is 0 (kernels ≥ 6.2 may default to that) and, for
// unprivileged callers, the terminal must be their controlling terminal.
// Re-verify with: sysctl dev.tty.legacy_tiocsti; go test -run PushInput
// ./internal/termios/ (as root and as a user).
func PushInput(fd int, b []byte) error {
	return pushInput(fd, b)
}

// InputPending returns the number of bytes waiting to be read on fd
// (FIONREAD, alias TIOCINQ): the input queue of a terminal, the contents
// of a pipe. In canonical mode the kernel counts complete lines only: a
// partly typed line reads as 0 (inq_canon in n_tty.c).
func InputPending(fd int) (int, error) {
	return inputPending(fd)
}

// SetControlling makes the terminal on fd the controlling terminal of the
// calling process, which must be a session leader without one (TIOCSCTTY
// with argument 0: never steal it from another session).
func SetControlling(fd int) error {
	return setControlling(fd)
}

// IsControlling reports whether the terminal on fd is the calling
// process's controlling terminal: TIOCGSID answers only for that one,
// with the session it belongs to.
func IsControlling(fd int) bool {
	return isControlling(fd)
}

// Speed returns the output speed encoded in t.Cflag, in bits per second
// (0 for B0, which means hang up). It returns -1 when the speed bits hold
// no standard Bxxx code (BOTHER: an arbitrary rate set through TCSETS2).
func Speed(t *unix.Termios) int {
	return speed(t)
}

// SetSpeed sets the output speed in t.Cflag to baud and the input speed to
// "same as output" (CIBAUD cleared). Only rates with a Linux Bxxx constant
// are supported; others (Solaris's 76800, 153600 and 307200, for example)
// fail with an error wrapping ErrUnsupportedSpeed and leave t unchanged.
func SetSpeed(t *unix.Termios, baud int) error {
	return setSpeed(t, baud)
}

// BaudCode returns the Bxxx code of a rate in bits per second, as it goes
// in the CBAUD bits of Cflag (shifted by IBSHIFT, in CIBAUD); false for a
// rate the system has no code for.
func BaudCode(baud int) (uint32, bool) {
	return baudCode(baud)
}

// CodeBaud is BaudCode inverted.
func CodeBaud(code uint32) (int, bool) {
	return codeBaud(code)
}
