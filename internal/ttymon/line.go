package ttymon

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/saflog"
	"github.com/linux-saf/saf/ttydefs"
	"golang.org/x/sys/unix"
)

// Terminal-mode handling shared by the parent, the per-port child and
// express mode (docs/original.md#terminal-modes).

// clearPreset is the "clear" argument of set_termio.
type clearPreset int

const (
	clearNone  clearPreset = iota
	clearCanon             // VEOF = ^D, VEOL = disabled; nothing else (ICANON is not turned on)
	clearRaw               // lflag reduced to its ECHO bit, VMIN 1, VTIME 0
)

// lineModes is what set_termio needs to know about a port.
type lineModes struct {
	softCar pmtab.SoftCarrier
	logf    saflog.Logf
}

// errMode: a flag word the stty parser does not accept; set_termio logs
// "sttyparse unknown mode: <w>".
var errMode = errors.New(errTextMode)

// setTermio is set_termio: read the modes, apply the clear preset, the
// words of flags and speed (appended last), and write them back with when
// (Drain: waiting for output, not flushing input).
// It returns the speeds Linux lacks (ttydefs.Report.Unsupported), for the
// "may be not supported" warning.
func (lm lineModes) setTermio(fd int, flags, speed string, clear clearPreset, when termios.When) ([]string, error) {
	t, err := termios.Get(fd)
	if err != nil {
		lm.logf(msgGetTTYMode, errno.Text(err))
		return nil, err
	}
	switch clear {
	case clearCanon:
		t.Cc[unix.VEOF] = 0x04
		t.Cc[unix.VEOL] = 0
	case clearRaw:
		t.Lflag &= unix.ECHO
		t.Cc[unix.VMIN] = 1
		t.Cc[unix.VTIME] = 0
	}
	words := ttydefs.Fields(flags)
	if speed != "" {
		words = append(words, speed)
	}
	rep, err := ttydefs.ApplyWords(t, words)
	if err != nil {
		var me *ttydefs.ModeError
		if errors.As(err, &me) {
			lm.logf(msgSttyparse, me.Word)
		}
		return nil, errMode
	}
	lm.reportIgnored(rep.Ignored)
	lm.carrier(t)
	if err := termios.Set(fd, t, when); err != nil {
		lm.logf(msgSetTTYMode+detailErr, errno.Text(err))
		return nil, err
	}
	return rep.Unsupported, nil
}

// carrier keeps the configured soft carrier in every termios write: on
// Linux TIOCSSOFTCAR is only CLOCAL, which a later word would otherwise
// undo.
func (lm lineModes) carrier(t *unix.Termios) {
	switch lm.softCar {
	case pmtab.SoftCarrierOn:
		t.Cflag |= unix.CLOCAL
	case pmtab.SoftCarrierOff:
		t.Cflag &^= unix.CLOCAL
	}
}

// ignoredLogged holds the Solaris-only words already reported by this
// process: one log line for them, not one per prompt
// (docs/linux.md#stty-words).
var ignoredLogged sync.Map

func (lm lineModes) reportIgnored(words []string) {
	var fresh []string
	for _, w := range words {
		if _, dup := ignoredLogged.LoadOrStore(w, true); !dup {
			fresh = append(fresh, w)
		}
	}
	if len(fresh) > 0 {
		lm.logf(msgIgnoredWords, strings.Join(fresh, " "))
	}
}

// Autobaud raw mode (docs/original.md#autobaud).
const (
	autobaudSpeed = 2400
	autobaudVMin  = 5
	autobaudVTime = 1 // tenths of a second
)

// autobaudRaw puts the line in autobaud raw mode, flushing input,
// and logs a failure as auto_termio did.
func (lm lineModes) autobaudRaw(fd int) error {
	t, err := termios.Get(fd)
	if err != nil {
		lm.logf(msgAutoGet, fd, errno.Text(err))
		return err
	}
	t.Iflag &^= 0xffff
	t.Oflag &^= 0xffff
	t.Cflag = t.Cflag&^(unix.CSIZE|unix.PARENB) | unix.CS8 | unix.CREAD | unix.HUPCL
	t.Lflag &^= unix.ISIG | unix.ICANON | unix.ECHO | unix.ECHOE | unix.ECHOK
	t.Cc[unix.VMIN] = autobaudVMin
	t.Cc[unix.VTIME] = autobaudVTime
	err = termios.SetSpeed(t, autobaudSpeed) // 2400 is in every table
	if err == nil {
		lm.carrier(t)
		err = termios.Set(fd, t, termios.Flush)
	}
	if err != nil {
		lm.logf(msgAutoSet, fd, errno.Text(err))
	}
	return err
}

// initialModes sets the modes a port gets when it is opened
// (initial_termio): autobaud raw mode for an autobaud label, else the
// label's initial flags over the raw preset (r) or the canonical one.
// It logs a failure as initial_termio did.
func initialModes(fd int, e *entry, label ttydefs.Entry, logf saflog.Logf) error {
	lm := lineModes{softCar: e.SoftCar, logf: logf}
	if label.Autobaud {
		return lm.autobaudRaw(fd)
	}
	clear := clearCanon
	if e.Flags.WaitRead() {
		clear = clearRaw
	}
	if _, err := lm.setTermio(fd, label.Initial, "", clear, termios.Drain); err != nil {
		logf(msgInitialTermio, e.Device)
		return err
	}
	return nil
}

// hangup drops the line before it is used (hang_up_line): termios.Hangup
// sets B0 (DTR low on a real line, nothing on a pty), holds it and puts the
// modes back; a failure there is logged and the open goes on, as in the
// original. Then the device is opened and closed once more, the original's
// STREAMS reset; that failing fails the open ("open (<dev>) failed", and
// the port is tried again). That open goes through the descriptor (reopen),
// not the name: the name may lead elsewhere by now.
func hangup(fd int, device string, logf saflog.Logf) error {
	if _, err := termios.Get(fd); err != nil {
		logf(msgHangupGet, errno.Text(err))
	} else if err := termios.Hangup(fd); err != nil {
		logf(msgHangupSet, errno.Text(err))
	}
	fd2, err := reopen(fd, unix.O_RDWR|unix.O_NONBLOCK|unix.O_NOCTTY)
	if err != nil {
		logf(msgOpenFailed, device, errno.Text(err))
		return err
	}
	unix.Close(fd2) // nothing to report
	return nil
}

// setOwner gives the line open on fd its owner, the tty group and mode
// 0620. Errors are ignored, as in the original: a sandboxed ttymon may
// not own the device.
//
// Through the descriptor, never by name: ttymon runs as root, and a name
// looked up again after the open may no longer lead to the line that was
// opened and checked (a pty whose number went to another terminal, a
// link that was changed), which would give away someone else's device.
func setOwner(fd int, uid, gid int) {
	_ = unix.Fchown(fd, uid, gid)
	_ = unix.Fchmod(fd, 0o620)
}

// setModules gives the line the discipline its module list asks for
// (docs/linux.md#line-disciplines). An empty list leaves the line alone.
func setModules(fd int, list string) error {
	mods, err := pmtab.ParseModules(list)
	if err != nil || len(mods) == 0 {
		return err
	}
	ld, err := pmtab.FinalLineDiscipline(list)
	if err != nil {
		return err
	}
	return termios.SetDiscipline(fd, int(ld))
}

// logPushFailure logs a failed setModules as push_linedisc did: the
// module named is the one whose discipline was being set.
func logPushFailure(list, device string, err error, logf saflog.Logf) {
	name := list
	if mods, perr := pmtab.ParseModules(list); perr == nil {
		for _, m := range mods {
			if !m.NoOp {
				name = m.Name
			}
		}
	}
	logf(msgPushFailed, name, device, errno.Text(err))
}

// flushLine is flush_input: pending input is
// discarded and output drained; failures are logged and ignored, as in
// the original.
func flushLine(fd int, logf saflog.Logf) {
	if err := termios.FlushInput(fd); err != nil {
		logf(msgFlushInput, fd, errno.Text(err))
	}
	if err := termios.DrainOutput(fd); err != nil {
		logf(msgDrainOutput, fd, errno.Text(err))
	}
}

// promptText is what write_prompt writes: "\r\n" when clear, /etc/issue if
// it exists, then text, the prompt or (msg) the disable message, for the
// line dev open on fd. The escapes of agetty (issue.go) are expanded in the
// issue file and the prompt; a disable message is written verbatim, as the
// original wrote it.
func promptText(root paths.Root, fd int, dev, text string, msg, clear bool) []byte {
	var b []byte
	if clear {
		b = append(b, lineClear...)
	}
	data, _ := os.ReadFile(root.Issue()) // no issue file: nothing is written
	issue, prompt := string(data), text
	if msg {
		prompt = ""
	}
	v := gatherIssue(root.Utmp(), fd, dev, issue, prompt) // nil: no escapes, v is not used
	b = expandIssue(b, issue, v)
	if msg {
		return append(b, text...)
	}
	return expandIssue(b, text, v)
}

// sessionOwner returns the pid of a process other than self whose
// controlling terminal is the device rdev (from fstat of the open line),
// or 0: on Linux, TIOCGSID cannot see other sessions,
// so /proc/<pid>/stat is scanned for the device's tty_nr. The scan is
// shared (ttyOwners): with hundreds of ports opening at once, one scan
// per port cost ttymon most of its start-up time
// (e2e/ttymon_bench_test.go).
func sessionOwner(rdev uint64, self int) int {
	for _, pid := range owners.lookup(ttyNr(rdev)) {
		if pid != self {
			return pid
		}
	}
	return 0
}

// ttyOwners shares /proc scans between ports that check at the same
// time: a port that asks while a scan is running waits for that scan's
// result instead of starting its own; otherwise it scans. No result is
// kept after its scan, so a port never sees a session older than the
// scan it waited for began (the race with a session starting during a
// scan is the original's too).
type ttyOwners struct {
	mu       sync.Mutex
	scanning bool
	done     chan struct{}
	result   map[int64][]int
}

var owners ttyOwners

func (o *ttyOwners) lookup(nr int64) []int {
	o.mu.Lock()
	if o.scanning {
		done := o.done
		o.mu.Unlock()
		<-done
		o.mu.Lock()
		r := o.result
		o.mu.Unlock()
		return r[nr]
	}
	o.scanning, o.done = true, make(chan struct{})
	o.mu.Unlock()
	r := scanTTYs()
	o.mu.Lock()
	o.result, o.scanning = r, false
	close(o.done)
	o.mu.Unlock()
	return r[nr]
}

// scanTTYs maps each tty_nr in use to the processes that have it as
// their controlling terminal.
func scanTTYs() map[int64][]int {
	m := map[int64][]int{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return m
	}
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		if nr, ok := procTTY(pid); ok && nr != 0 {
			m[nr] = append(m[nr], pid)
		}
	}
	return m
}

// ttyNr is the kernel's encoding of a device number in the tty_nr field
// of /proc/<pid>/stat.
func ttyNr(rdev uint64) int64 {
	maj, mn := int64(unix.Major(rdev)), int64(unix.Minor(rdev))
	return (mn & 0xff) | maj<<8 | (mn&^0xff)<<12
}

// procTTY reads tty_nr (field 7) from /proc/<pid>/stat.
func procTTY(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	// After "pid (comm)": state ppid pgrp session tty_nr ...
	f := strings.Fields(s[i+1:])
	if len(f) < 5 {
		return 0, false
	}
	nr, err := strconv.ParseInt(f[4], 10, 64)
	return nr, err == nil && nr != 0
}
