// Package console writes the diagnostics that sac and ttymon cannot put
// in their logs (a usage error, a log file that will not open) where an
// administrator will see them.
package console

import (
	"io"
	"log/syslog"
	"os"
	"strings"

	"github.com/linux-saf/saf/internal/termios"
	"golang.org/x/sys/unix"
)

// Path is the system console (/dev/syscon on Solaris).
const Path = "/dev/console"

// Write writes msg to stderr when someone reads it there, else to the
// system console, else to syslog (LOG_CRIT, as tag).
//
// The original wrote these messages to the console (sac) or to the
// console unless stderr was a terminal (ttymon). On Linux a daemon run
// by hand, by systemd or by a test has a better place: its stderr, be it
// a terminal, a pipe, a socket or a file. Only a daemon with nowhere to
// write, whose stderr is closed, fails, or is a device that shows nothing
// (/dev/null, what a port monitor sac started without descriptors has:
// pmproto.EnsureStdio), falls back to the console. In a sandbox
// (SAF_ROOT set: tests, make demo) the message goes to stderr whatever it
// is: nothing there may write on the real console.
func Write(stderr io.Writer, sandboxed bool, tag, msg string) {
	if sandboxed {
		if stderr != nil {
			_, _ = io.WriteString(stderr, msg) // nowhere else to report
		}
		return
	}
	if readable(stderr) {
		if _, err := io.WriteString(stderr, msg); err == nil {
			return
		}
	}
	f, err := os.OpenFile(Path, os.O_WRONLY|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		if w, err := syslog.New(syslog.LOG_CRIT|syslog.LOG_DAEMON, tag); err == nil {
			_, _ = io.WriteString(w, strings.TrimRight(msg, "\n\x00"))
			w.Close() // nothing to report
		}
		return
	}
	defer f.Close() // write-only; nothing to report
	_, _ = f.WriteString(msg)
}

// readable reports whether what is written to w can be seen: w is not a
// file (a caller's buffer), or a file other than a closed descriptor or
// a character device that is not a terminal.
func readable(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return w != nil
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	return st.Mode()&os.ModeCharDevice == 0 || termios.IsTerminal(int(f.Fd()))
}
