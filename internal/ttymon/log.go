package ttymon

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/linux-saf/saf/saf/saflog"
)

// RotateSize is the size at which the log is rotated.
const RotateSize = 1_000_000

// logFile is ttymon's log, /var/saf/<pmtag>/log
// (docs/architecture.md#log-files): one line per message, written with one
// write(2) on a file opened for appending, so the lines of the parent and
// of its per-port children (which open the file themselves and log with
// their own pid) never interleave. The parent's log rotates at RotateSize;
// a child's never does, as two rotating writers would race on the renames.
type logFile struct {
	mu   sync.Mutex
	f    *os.File
	path string // log
	old  string // o.log
	tmp  string // t.log
	max  int64  // rotate when the file has at least max bytes; 0 = never
	now  func() time.Time
	pid  int
	// tee, when set, receives every message as "ttymon: <msg>\n" too
	// (express mode has no log file; see consoleLogger).
	tee io.Writer
}

// openLog opens path for appending, creating it with perm. The descriptor
// is close-on-exec.
func openLog(path string, perm os.FileMode, rotate bool) (*logFile, error) {
	f, err := saflog.OpenFile(path, perm) // no link, FIFO or hard link
	if err != nil {
		return nil, err
	}
	l := &logFile{f: f, path: path, now: time.Now, pid: os.Getpid()}
	if rotate {
		dir := path[:strings.LastIndexByte(path, '/')+1]
		l.old, l.tmp, l.max = dir+"o.log", dir+"t.log", RotateSize
	}
	return l, nil
}

// Printf logs one message. The message is never used as a format of its
// own.
func (l *logFile) Printf(format string, args ...any) {
	l.Write(fmt.Sprintf(format, args...))
}

// Write logs msg as one line: "<ctime>; <pid>; <msg>", with a newline
// added unless msg ends in one.
func (l *logFile) Write(msg string) {
	if l == nil {
		return
	}
	line := fmt.Sprintf(fmtLogLine, saflog.CTime(l.now()), l.pid, msg)
	if !strings.HasSuffix(line, "\n") {
		line += "\n"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tee != nil {
		// Errors ignored: nowhere else to report them.
		_, _ = fmt.Fprintf(l.tee, fmtConsole, strings.TrimSuffix(msg, "\n"))
	}
	if l.f == nil {
		return
	}
	l.rotate()
	// Ignored on purpose: a log that cannot be written has nowhere to
	// report it, and ttymon must go on.
	_, _ = l.f.WriteString(line)
}

// rotate moves the log to o.log, as the original did, when the file has
// grown to l.max bytes. l.mu is held.
func (l *logFile) rotate() {
	if l.max <= 0 {
		return
	}
	fi, err := l.f.Stat()
	if err != nil || fi.Size() < l.max {
		return
	}
	raw := func(s string) { _, _ = l.f.WriteString(s) } // errors: see Write
	raw(msgRestarting)
	hadOld := false
	if _, err := os.Lstat(l.old); err == nil {
		if err := rename(l.old, l.tmp); err != nil {
			raw(msgRenameOldTmp)
			return
		}
		hadOld = true
	}
	restoreOld := func() {
		if hadOld && rename(l.tmp, l.old) != nil {
			raw(msgRenameTmpOld)
		}
	}
	if err := rename(l.path, l.old); err != nil {
		raw(msgRenameLogOld)
		restoreOld()
		return
	}
	// An ordinary create: the mode comes from the umask, not 0444.
	nf, err := saflog.OpenFile(l.path, 0o666)
	if err != nil {
		raw(msgLogOpen)
		if rename(l.old, l.path) != nil {
			raw(msgRenameOldLog)
		}
		restoreOld()
		return
	}
	_ = l.f.Close() // the old log, fully written
	l.f = nf
	if hadOld {
		_ = os.Remove(l.tmp) // a leftover t.log is harmless and replaced next time
	}
}

// rename is os.Rename behind a seam for tests of the failure texts.
var rename = os.Rename

// Close closes the log file.
func (l *logFile) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.f.Close()
	l.f = nil
	return err
}
