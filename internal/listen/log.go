package listen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/linux-saf/saf/saf/saflog"
	"golang.org/x/sys/unix"
)

// rotateAfter is how many messages the listener writes to one log before
// it starts a new one (docs/architecture.md#log-files).
const rotateAfter = 1000

// logMode is the mode a new log is created with.
const logMode = 0o444

// logOptions are the listener's line format: "MM/DD/YY HH:MM:SS; PID; msg".
var logOptions = saflog.Options{Stamp: saflog.ListenTime}

// rotLog is the listener's log: /var/saf/<tag>/log, moved to o.log when
// the listener starts and after every rotateAfter messages.
type rotLog struct {
	path, old string
	opts      saflog.Options

	mu   sync.Mutex
	log  *saflog.Log
	n    int    // messages written to the current file (or queued for it)
	pend []byte // lines queued by Defer, not yet written
}

// deferMax is how many bytes of queued lines make Defer write them at
// once.
const deferMax = 4096

// rotate moves path to old (removing old first), when path exists.
func rotate(path, old string) error {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.Remove(old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(path, old)
}

// openLog opens the log at path, first moving an existing one to old when
// rot is true.
func openLog(path, old string, rot bool, opts saflog.Options) (*rotLog, error) {
	if rot {
		if err := rotate(path, old); err != nil {
			return nil, err
		}
	}
	l, err := saflog.Open(path, logMode, opts)
	if err != nil {
		return nil, err
	}
	return &rotLog{path: path, old: old, opts: opts, log: l}, nil
}

// Printf writes one line, and starts a new log after rotateAfter lines.
// Lines queued by Defer are written first.
func (l *rotLog) Printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
	l.log.Printf(format, args...)
	l.n++
	if l.n >= rotateAfter {
		l.rotateLocked()
	}
}

// Defer formats one line now, with the time and pid of now, and queues
// it; the queue is written with one write by Flush, by the next Printf,
// or once it holds deferMax bytes. The listener queues its "Connect"
// lines and flushes when it has accepted every waiting connection
// (acceptLoop): no write before the fork, and a burst of connections
// costs one write of the log, not one each. Only a crash of the listener
// can lose queued lines: those of the connections it accepted since it
// last found the queue of connections empty.
func (l *rotLog) Defer(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pend = append(l.pend, l.log.Format(fmt.Sprintf(format, args...))...)
	l.n++
	switch {
	case l.n >= rotateAfter:
		l.flushLocked()
		l.rotateLocked()
	case len(l.pend) >= deferMax:
		l.flushLocked()
	}
}

// Flush writes the queued lines.
func (l *rotLog) Flush() {
	l.mu.Lock()
	l.flushLocked()
	l.mu.Unlock()
}

func (l *rotLog) flushLocked() {
	if len(l.pend) == 0 {
		return
	}
	// Ignored, as saflog ignores it: a log that cannot be written has
	// nowhere to report it, and the listener must go on.
	_, _ = l.log.File().Write(l.pend)
	l.pend = l.pend[:0]
}

// rotateLocked rotates as the original did: "Restarting log file", o.log
// removed, log renamed to o.log, a new log opened. When that fails the
// current file is emptied (the original rewound it) and "Trouble saving the
// logfile" logged.
func (l *rotLog) rotateLocked() {
	l.n = 0
	l.log.Printf(msgRestartLog)
	if err := rotate(l.path, l.old); err == nil {
		if nl, err := saflog.Open(l.path, logMode, l.opts); err == nil {
			// Ignored: the old file is complete; nothing is lost if
			// its close fails.
			_ = l.log.Close()
			l.log = nl
			return
		}
	}
	// Ignored: if even this fails, the log keeps growing, which is all
	// that can be done without it.
	_ = l.log.File().Truncate(0)
	l.log.Printf(msgTroubleLog)
}

// dup returns a new descriptor for the current log file, for a launcher
// to log through (its messages go to the file in use when it started,
// like the original's children). The caller closes it.
func (l *rotLog) dup() (*os.File, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked() // ours before the launcher's
	sc, err := l.log.File().SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd int
	var derr error
	if err := sc.Control(func(fd uintptr) {
		nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 3)
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, os.NewSyscallError("fcntl F_DUPFD_CLOEXEC", derr)
	}
	return os.NewFile(uintptr(nfd), l.path), nil
}

// Close closes the log.
func (l *rotLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
	return l.log.Close()
}
