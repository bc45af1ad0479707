// Package saflog writes the SAF log files: /var/saf/_log for sac and
// /var/saf/<tag>/log for the port monitors. Each line is
//
//	<time>; <pid>; <message>
//
// where the time is C ctime's 24 characters ("Thu Nov 21 04:17:00 2024",
// docs/architecture.md#log-files) or listen's "MM/DD/YY HH:MM:SS", and the
// pid is that of the process writing. A line is written with one write(2)
// on a file opened for appending, so lines from sac and from the children
// it forks never interleave. Lines can also go to syslog (daemon facility)
// when a syslog socket exists.
package saflog

import (
	"errors"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Logf is how components receive a logger (docs/architecture.md#logging).
type Logf func(format string, args ...any)

// Discard drops every message.
func Discard(string, ...any) {}

// Stamp formats the time of a line.
type Stamp func(time.Time) string

// CTime is C ctime without its newline: "Thu Nov 21 04:17:00 2024".
func CTime(t time.Time) string { return t.Format("Mon Jan _2 15:04:05 2006") }

// ListenTime is listen's "11/21/24 04:17:00".
func ListenTime(t time.Time) string { return t.Format("01/02/06 15:04:05") }

// Options shape a Log.
type Options struct {
	Stamp   Stamp            // default CTime
	MaxLine int              // lines are cut to this many bytes, newline included; 0 = no limit
	Now     func() time.Time // default time.Now
	Pid     func() int       // default os.Getpid
	// Syslog, when not nil, receives every message too (without the
	// time and pid, which syslog adds itself).
	Syslog io.Writer
}

// Log is an open log file.
type Log struct {
	mu   sync.Mutex
	f    *os.File
	opts Options
}

// Open opens (creating it with mode perm) the log at path for appending.
// The descriptor is close-on-exec. What OpenFile refuses, Open refuses.
func Open(path string, perm os.FileMode, opts Options) (*Log, error) {
	f, err := OpenFile(path, perm)
	if err != nil {
		return nil, err
	}
	return New(f, opts), nil
}

// OpenFile opens (creating it with mode perm) the file at path for
// appending, close-on-exec, as a log that a root daemon writes in a
// directory someone else may be able to write (a port monitor's
// /var/saf/<tag> made group-writable, a SAF_ROOT tree). It refuses,
// without writing a byte, a symbolic link (it would send the lines into
// any file), a FIFO (a plain open for writing waits for a reader, and
// the daemon would hang at start-up) or anything else that is not a
// regular file, and a regular file with more than one link (a hard link
// to a file the daemon must not write; O_NOFOLLOW cannot see one).
// Those errors match ErrNotRegular.
//
// WARNING: the checks are on the open descriptor, not on the name, so
// that nothing can be swapped in between. Re-verify with
//
//	go test -count=1 -run 'TestOpen' ./saf/saflog
func OpenFile(path string, perm os.FileMode) (*os.File, error) {
	// O_NONBLOCK makes the open of a FIFO return at once (ENXIO without
	// a reader); it is cleared below, once the file is known to be a
	// regular file, on which it does nothing anyway.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK, perm)
	if errors.Is(err, unix.ENXIO) {
		// A FIFO nobody reads, or a socket: never a regular file.
		return nil, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		_ = f.Close() // nothing was written; the check's error is the one to report
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if !fi.Mode().IsRegular() {
		return fail(&os.PathError{Op: "open", Path: path, Err: ErrNotRegular})
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		return fail(&os.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w: it has %d links (remove the others, or the file)", ErrNotRegular, st.Nlink)})
	}
	sc, err := f.SyscallConn()
	if err != nil {
		return fail(err)
	}
	var nerr error
	if err := sc.Control(func(fd uintptr) { nerr = unix.SetNonblock(int(fd), false) }); err != nil {
		return fail(err)
	}
	if nerr != nil {
		return fail(&os.PathError{Op: "fcntl", Path: path, Err: nerr})
	}
	return f, nil
}

// New logs to an already open file.
func New(f *os.File, opts Options) *Log {
	if opts.Stamp == nil {
		opts.Stamp = CTime
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Pid == nil {
		// Read once: a Go process never forks without exec, so its
		// pid does not change, and os.Getpid is a system call on
		// every line (one per connection in listen).
		pid := os.Getpid()
		opts.Pid = func() int { return pid }
	}
	return &Log{f: f, opts: opts}
}

// File returns the log's file, for the record lock sac holds on it.
func (l *Log) File() *os.File { return l.f }

// Printf writes one line. The message is never used as a format of its
// own (the original's sac did), so a '%' in a tag is harmless.
func (l *Log) Printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.Write(msg)
}

// Write writes one message as a line.
func (l *Log) Write(msg string) {
	line := l.Format(msg)
	l.mu.Lock()
	defer l.mu.Unlock()
	// Ignored on purpose: a log that cannot be written has nowhere to
	// report it, and the daemon must go on.
	_, _ = l.f.WriteString(line)
	if l.opts.Syslog != nil {
		_, _ = io.WriteString(l.opts.Syslog, strings.TrimSuffix(msg, "\n"))
	}
}

// Format returns the line Write would write for msg: a newline is added
// only if msg does not end in one, and the line is cut to MaxLine.
func (l *Log) Format(msg string) string {
	var b strings.Builder
	b.WriteString(l.opts.Stamp(l.opts.Now()))
	b.WriteString("; ")
	b.WriteString(strconv.Itoa(l.opts.Pid()))
	b.WriteString("; ")
	b.WriteString(msg)
	s := b.String()
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	if l.opts.MaxLine > 0 && len(s) > l.opts.MaxLine {
		s = s[:l.opts.MaxLine-1] + "\n"
	}
	return s
}

// Logf returns l.Printf as a Logf.
func (l *Log) Logf() Logf { return l.Printf }

// Close closes the log file.
func (l *Log) Close() error { return l.f.Close() }

// Syslog returns a writer to the local syslog daemon with the daemon
// facility, or nil when there is none (no /dev/log): a missing syslog is
// normal in containers and sandboxes, not an error.
func Syslog(tag string, prio syslog.Priority) io.Writer {
	if _, err := os.Stat("/dev/log"); err != nil {
		return nil
	}
	w, err := syslog.New(syslog.LOG_DAEMON|prio, tag)
	if err != nil {
		return nil
	}
	return w
}

// ErrNotRegular: the log's path holds something other than a regular
// file with a single link (OpenFile).
var ErrNotRegular = errors.New("not a regular file")
