package ttymon

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/internal/utmp"
	"github.com/linux-saf/saf/internal/uucplock"
	"github.com/linux-saf/saf/ttydefs"
	"golang.org/x/sys/unix"
)

// pstate is where a port's goroutine is in its life cycle
// (docs/architecture.md#ttymon-port-states).
// Every state has one step function; transitions are the values they
// return. Events that do not apply to a state are ignored on purpose.
type pstate int

const (
	psDecide  pstate = iota // take in what the monitor wants; pick the next state
	psIdle                  // not eligible: ttymon disabled and no message, I flag, or respawning too rapidly (NOTVALID)
	psOpen                  // open_device and got_carrier
	psRetry                 // LOCKED, SESSION or UNACCESS: wait for the re-check
	psWait                  // the parent holds the line: wait for input or hang-up
	psChild                 // the per-port child owns the line, no service yet
	psService               // the child became the service
	psGone                  // removed from _pmtab: the goroutine ends
)

var pstateNames = [...]string{"decide", "idle", "open", "retry", "wait", "child", "service", "gone"}

func (s pstate) String() string { return pstateNames[s] }

// retryReason is why a port waits for a re-check.
type retryReason int

const (
	retryLocked   retryReason = iota + 1 // LOCKED: a dial-out program holds the line
	retrySession                         // SESSION: another session owns the tty
	retryUnaccess                        // UNACCESS: open failed with ENODEV or EBUSY
)

// port is one _pmtab entry being monitored. The monitor changes what it
// wants through update, remove, setEnabled and revive; the port's own
// goroutine (run) carries it out, so a session or a slow port never
// delays another.
type port struct {
	m   *monitor
	tag string

	mu        sync.Mutex
	want      *entry // nil: removed
	enabled   bool   // ttymon's state
	gen       uint64 // bumped by every change that needs the line reopened
	reviveReq bool   // a re-read found the entry unchanged: a NOTVALID port comes back
	exited    bool   // run has returned; the monitor needs a new port for this tag
	kick      chan struct{}
	shown     shown // what the status socket reports (status.go)

	// Owned by the goroutine.
	cur      *entry
	curGen   uint64
	on       bool // enabled, as last taken in
	dead     bool // NOTVALID by the spawn limit
	limit    spawnLimit
	startup  bool // the first open after ttymon started (a foreign session means SESSION)
	why      retryReason
	lockFile bool     // the last lock check found a live UUCP lock file
	lockPid  int      // else the holder of the lock on the device, when known
	endedPid int      // a lockPid found ended before it could be watched
	f        *os.File // the line, while the parent holds it
	label    ttydefs.Entry
	child    *child
	pin      *linePin   // the port's pseudo-terminal, once taken (ptyline.go)
	idle     *idleOwner // a b or c line's own owner, put back after use (owner.go)
	lost     bool       // the port's pseudo-terminal is gone: down until a re-read
	refused  string     // why the pty at the port's path was last refused, as logged
}

func newPort(m *monitor, e *entry, startup bool) *port {
	return &port{
		m: m, tag: e.Tag, want: e, enabled: m.isEnabled(), gen: 1,
		kick: make(chan struct{}, 1), startup: startup,
	}
}

// update replaces the entry with a changed one, or revives it when e is
// identical. It returns false when the goroutine
// has already ended and a new port is needed.
func (p *port) update(e *entry) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return false
	}
	if p.want != nil && same(p.want, e) {
		p.want = e // new line number, same contents
		p.reviveReq = true
	} else {
		p.want = e
		p.gen++
	}
	notify(p.kick)
	return true
}

// remove marks the entry gone.
func (p *port) remove() {
	p.restartIf(func() bool {
		gone := p.want != nil
		p.want = nil
		return gone
	})
}

// setEnabled passes on ttymon's state; a change reopens the port.
func (p *port) setEnabled(on bool) {
	p.restartIf(func() bool {
		was := p.enabled
		p.enabled = on
		return was != on
	})
}

// restartIf runs f, which sets what the port should be, under p.mu. When f
// reports a change, the port's goroutine is told to start over.
func (p *port) restartIf(f func() bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f() {
		p.gen++
		notify(p.kick)
	}
}

// changed reports whether the monitor wants something the port has not
// taken in yet that needs the line given up.
func (p *port) changed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen != p.curGen
}

func (p *port) logf(format string, args ...any) { p.m.logf(format, args...) }

// run is the port's goroutine.
func (p *port) run() {
	st := psDecide
	for st != psGone {
		switch st {
		case psDecide:
			st = p.decide()
		case psIdle:
			<-p.kick
			st = psDecide
		case psOpen:
			st = p.open()
		case psRetry:
			st = p.retry()
		case psWait:
			st = p.waitInput()
		case psChild, psService:
			st = p.waitChild()
		}
		p.show(st)
	}
	p.closeLine()
	p.pin.close()
	p.idle.close()
}

// decide takes in the wanted settings and state.
func (p *port) decide() pstate {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reviveReq {
		p.reviveReq = false
		// NOTVALID by the spawn limit comes back; the count goes on
		// (it started again when the limit refused the open).
		p.dead = false
		// A re-read is the administrator's word that the port's device
		// is to be used: a pty that has gone is forgotten, and whatever
		// now has its name is checked as a new one (ptyline.go).
		p.lost = false
		if p.pin != nil && !p.pin.alive() {
			p.pin.close()
			p.pin = nil
		}
	}
	if p.gen != p.curGen {
		p.curGen = p.gen
		if p.want != nil && (p.cur == nil || !same(p.cur, p.want)) {
			// A new or changed entry starts with a fresh spawn count.
			p.dead = false
			p.limit = spawnLimit{}
			p.lost = false
			p.refused = ""
			if p.cur != nil && p.cur.Device != p.want.Device {
				p.pin.close()
				p.pin = nil
			}
		}
		p.cur, p.on = p.want, p.enabled
	}
	if p.want == nil {
		p.exited = true
		return psGone
	}
	if p.dead || p.lost || !eligible(p.cur, p.on) {
		return psIdle
	}
	return psOpen
}

// eligible says whether the port may be opened: not I, and not (ttymon
// disabled and no disable message).
func eligible(e *entry, enabled bool) bool {
	if e.Flags.InitOnly() {
		return false
	}
	return enabled || e.DisableMsg != ""
}

// disabled reports whether the port shows the disable message.
func (p *port) disabled() bool { return !p.on || p.cur.Disabled() }

// open is open_device and got_carrier (docs/original.md#opening-a-port).
func (p *port) open() pstate {
	if !p.limit.allow(p.m.cfg.Now()) {
		p.logf(msgRespawning, p.tag)
		p.dead = true
		return psIdle
	}
	startup := p.startup
	p.startup = false
	wasSession := p.why == retrySession
	p.why = 0
	e := p.cur
	table := p.m.defs.current()
	p.label = lookupLabel(table, e.Label, p.m.defs.path, p.logf)
	if p.pin != nil && !p.pin.alive() {
		return p.lose()
	}

	f, err := termios.Open(e.Device)
	if err != nil {
		p.logf(msgOpenFailed, e.Device, errno.Text(err))
		if errors.Is(err, unix.ENODEV) || errors.Is(err, unix.EBUSY) {
			p.why = retryUnaccess
			return psRetry
		}
		return psDecide // at once; the spawn limit stops a loop
	}
	p.f = f
	if testHookOpened != nil {
		testHookOpened(e.Device)
	}
	fd := int(p.fd())
	var st unix.Stat_t
	err = unix.Fstat(fd, &st)
	if err == nil && !isTTY(fd, &st) {
		err = errNotTerminal
	}
	if err != nil {
		// Nothing but a terminal gets a new owner and mode: the name
		// may lead to any file by now (a link someone else can change).
		p.logf(msgOpenFailed, e.Device, errno.Text(err))
		p.closeLine()
		return psDecide
	}
	pty := isPty(fd)
	if pty {
		if next, ok := p.takePty(fd, &st); !ok {
			return next
		}
	}
	if p.lockedLine() {
		p.closeLine()
		p.why = retryLocked
		return psRetry
	}
	if !pty {
		if pid := sessionOwner(uint64(st.Rdev), os.Getpid()); pid > 0 {
			if startup || wasSession {
				p.closeLine()
				p.why = retrySession
				return psRetry
			}
			p.logf(msgActiveSession, e.Device)
		}
	}
	if !e.Flags.NoHangup() {
		if hangup(fd, e.Device, p.logf) != nil {
			p.closeLine()
			return psDecide // at once; the spawn limit stops a loop
		}
	}
	if keepsOwner(e) {
		p.keepIdleOwner(fd, &st)
	} else {
		p.dropIdleOwner()
		setOwner(fd, 0, p.m.ttyGID)
	}
	if err := setModules(fd, e.Modules); err != nil {
		logPushFailure(e.Modules, e.Device, err, p.logf)
		p.closeLine()
		return psDecide
	}
	if err := initialModes(fd, e, p.label, p.logf); err != nil {
		p.closeLine() // initialModes logged why
		return psDecide
	}
	return p.gotCarrier()
}

// takePty applies the rules for pseudo-terminal lines (ptyline.go) to
// the pty the port has just opened, with status st. When the port must
// not use it, the line is closed unchanged and takePty returns the next
// state and false.
func (p *port) takePty(fd int, st *unix.Stat_t) (pstate, bool) {
	if p.pin != nil {
		switch {
		case p.pin.holds(fd):
		case !p.pin.alive():
			p.closeLine()
			return p.lose(), false
		default:
			// The path leads to another pty than before (a link was
			// changed): that one is judged as a new one.
			p.pin.close()
			p.pin = nil
		}
	}
	var why string
	if p.pin != nil {
		why = ptySession(st, os.Getpid())
	} else {
		var uucp []int
		if p.cur.Flags.Bidirectional() || p.cur.Flags.Connect() {
			uucp = append(uucp, p.m.uucpUID)
		}
		why = ptyRefusal(st, os.Getpid(), uucp...)
	}
	if why != "" {
		if why != p.refused {
			p.logf(msgPtyRefused, p.tag, p.cur.Device, why)
			p.refused = why
		}
		p.closeLine()
		p.why = retrySession
		return psRetry, false
	}
	p.refused = ""
	if p.pin == nil {
		pin, err := pinLine(fd, p.cur.Device)
		if err != nil {
			p.logf(msgOpenFailed, p.cur.Device, errno.Text(err))
			p.closeLine()
			return psDecide, false
		}
		p.pin = pin
	}
	return 0, true
}

// lose gives the port up until the next re-read: its pseudo-terminal is
// gone, and whatever gets its number next is not the configured line.
func (p *port) lose() pstate {
	p.logf(msgPtyGone, p.tag, p.cur.Device)
	p.pin.close()
	p.pin = nil
	p.lost = true
	return psIdle
}

// gotCarrier is got_carrier: what the port does right after the open
// (docs/original.md#right-after-the-open).
func (p *port) gotCarrier() pstate {
	e := p.cur
	fd := int(p.fd())
	flushLine(fd, p.logf)
	switch {
	case e.Flags.WaitRead():
		return psWait
	case e.Flags.Bidirectional() && p.on && !e.Disabled() && directLine(fd):
		return p.awaitCaller(fd)
	case (e.Flags.Connect() || e.Flags.Bidirectional()) && p.on && !e.Disabled():
		return p.startChild()
	case p.label.Autobaud:
		return psWait
	case e.Timeout.Int() > 0:
		return p.startChild()
	case !e.Flags.Connect():
		// The parent writes the prompt (with CR LF, no flush).
		p.writeLine(promptText(p.m.cfg.Root, fd, e.Device, p.promptOrMessage(), p.disabled(), true))
	}
	// A disabled c port writes nothing here: the original's quirk, kept
	// (docs/original.md#right-after-the-open).
	return psWait
}

// directLine reports whether an open of the line open on fd waits for no
// carrier: a pseudo-terminal, or a line with CLOCAL (soft carrier).
func directLine(fd int) bool {
	if isPty(fd) {
		return true
	}
	t, err := termios.Get(fd)
	return err == nil && t.Cflag&unix.CLOCAL != 0
}

// awaitCaller keeps a bidirectional port on a direct line waiting, line
// held but not locked, for its first character, as the r flag does: the
// child's open would not wait for carrier there, so the port would take
// the lock at once and keep dial-out programs off the line whenever no
// one is logged in. The first character says someone is there, as a
// carrier does on a modem line (the System V manual's b, which implied
// r); the prompt's flush discards it. The line is put in raw mode, so
// one character is enough.
func (p *port) awaitCaller(fd int) pstate {
	lm := lineModes{softCar: p.cur.SoftCar, logf: p.logf}
	if _, err := lm.setTermio(fd, "", "", clearRaw, termios.Drain); err != nil {
		p.closeLine() // setTermio logged why
		return psDecide
	}
	return psWait
}

// promptOrMessage is what the port shows: the disable message when it
// is disabled, the prompt otherwise.
func (p *port) promptOrMessage() string {
	if p.disabled() {
		return p.cur.DisableMsg
	}
	return p.cur.Prompt
}

// writeLine writes b on the line held by the parent. The descriptor is
// non-blocking and served by Go's poller: a line that does not take the
// bytes blocks this port's goroutine only, and not for longer than
// writeTimeout.
func (p *port) writeLine(b []byte) {
	if p.f == nil || len(b) == 0 {
		return
	}
	_ = p.f.SetWriteDeadline(time.Now().Add(writeTimeout))
	// Ignored: a line that cannot be written is noticed by the poll.
	_, _ = p.f.Write(b)
	_ = p.f.SetWriteDeadline(time.Time{})
}

// writeTimeout bounds the parent's prompt write.
const writeTimeout = 10 * time.Second

// fd returns the raw descriptor of the line the parent holds.
func (p *port) fd() uintptr {
	rc, err := p.f.SyscallConn()
	if err != nil {
		return ^uintptr(0)
	}
	var fd uintptr
	// Control cannot fail on an open file.
	_ = rc.Control(func(d uintptr) { fd = d })
	return fd
}

// closeLine closes the line the parent holds, if any.
func (p *port) closeLine() {
	if p.f != nil {
		_ = p.f.Close() // a tty; close errors carry nothing useful
		p.f = nil
	}
}

// lockedLine is the lock check on the open line: a
// live UUCP lock file, or a lock on the device held by another process.
func (p *port) lockedLine() bool {
	p.lockFile, p.lockPid = false, 0
	if pid, err := uucplock.Holder(p.m.cfg.Root.LockDir(), p.cur.Device); err == nil && pid > 0 {
		p.lockFile = true
		return true
	}
	if pid, err := uucplock.RecordLockHolder(p.f); err == nil && pid > 0 {
		p.lockPid = pid
		return true
	}
	took, err := uucplock.FlockDevice(p.f)
	if err == nil && took {
		// We only test: the lock must not stay on the parent's
		// descriptor, or dial-out programs would find the idle line busy.
		_ = unix.Flock(int(p.fd()), unix.LOCK_UN)
	}
	if err == nil && !took {
		p.lockPid, _ = uucplock.FlockHolder(p.f) // 0 when unknown: the timer
		return true
	}
	return false
}

// retry waits for the re-check of a LOCKED, SESSION or UNACCESS port: the
// timer, or for a locked port the removal of its lock file or the end of
// the process holding its lock on the device (re-armed as soon as the
// lock is gone), or a change.
func (p *port) retry() pstate {
	t := time.NewTimer(p.m.cfg.Retry)
	defer t.Stop()
	var gone, ended <-chan struct{}
	if p.why == retryLocked {
		c, cancel := p.m.locks.watch(uucplock.Names(p.cur.Device)...)
		defer cancel()
		gone = c
		switch {
		case p.lockFile:
			// A lock file may have gone between the check that found
			// it and the watch: look again now that a removal cannot
			// be missed.
			if pid, err := uucplock.Holder(p.m.cfg.Root.LockDir(), p.cur.Device); err == nil && pid == 0 {
				return psDecide
			}
		case p.lockPid > 0:
			// A lock on the device itself (picocom's flock) has no file
			// to watch: it goes when its holder ends, at the latest.
			c, stop, ok := exitWatch(p.lockPid)
			if ok {
				defer stop()
				ended = c
			} else if p.lockPid != p.endedPid {
				// It ended after the check: look again now, once for
				// that process. A lock it left to a child would
				// otherwise be looked at in a loop; that one waits for
				// the timer.
				p.endedPid = p.lockPid
				return psDecide
			}
		}
	}
	select {
	case <-t.C:
	case <-gone:
	case <-ended:
	case <-p.kick:
	}
	return psDecide
}

// waitInput: the parent holds the line and polls it.
func (p *port) waitInput() pstate {
	var lockEvent <-chan struct{}
	bidi := p.cur.Flags.Bidirectional()
	if bidi {
		// A dial-out program may take the line while the port waits:
		// the line is let go as soon as it is locked.
		c, cancel := p.m.locks.watch(uucplock.Names(p.cur.Device)...)
		defer cancel()
		lockEvent = c
	}
	switch p.pollLine(lockEvent, bidi) {
	case lineHangup:
		p.closeLine()
		return psDecide
	case lineKick:
		if p.changed() || p.wantGone() {
			p.closeLine()
			return psDecide
		}
		return psWait
	case lineOther:
		if p.lockedLine() {
			p.closeLine()
			p.why = retryLocked
			return psRetry
		}
		return psWait
	}
	if p.lockedLine() {
		p.closeLine()
		p.why = retryLocked
		return psRetry
	}
	return p.startChild()
}

// wantGone reports whether the entry was removed.
func (p *port) wantGone() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.want == nil
}

// lineEvent is what pollLine saw.
type lineEvent int

const (
	lineReadable lineEvent = iota
	lineHangup
	lineKick
	lineOther // a lock file of the line appeared or went, or another process read its input
)

// pollLine waits until the line is readable or hung up, without reading,
// or until the port is kicked or lockEvent is closed (nil: never). In
// canonical mode "readable" means a whole line is there.
// With others, input that another process read first counts too
// (readiness).
func (p *port) pollLine(lockEvent <-chan struct{}, others bool) lineEvent {
	res := make(chan lineEvent, 1)
	f := p.f
	go func() { res <- readiness(f, others) }()
	var ev lineEvent
	select {
	case got := <-res:
		return got
	case <-p.kick:
		ev = lineKick
	case <-lockEvent:
		ev = lineOther
	}
	// A deadline in the past wakes the waiting goroutine.
	_ = f.SetReadDeadline(time.Unix(1, 0))
	<-res
	_ = f.SetReadDeadline(time.Time{})
	return ev
}

// readiness blocks (in Go's poller, not in a thread) until f is readable
// or hung up; it reads nothing. A deadline ends it with lineKick. With
// others, being woken for input that is no longer there ends it with
// lineOther: another process that has the line open read it first.
//
// Why: a dial-out program that locks the line with flock(2) alone
// (picocom) makes no lock file to watch, and it reads what arrives as
// soon as ttymon does; looking for its lock only when ttymon sees the
// input would miss it whenever it reads first.
func readiness(f *os.File, others bool) lineEvent {
	rc, err := f.SyscallConn()
	if err != nil {
		return lineHangup
	}
	ev := lineReadable
	woken := false
	err = rc.Read(func(fd uintptr) bool {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		_, err := unix.Poll(pfd, 0)
		switch r := pfd[0].Revents; {
		case err != nil:
			return false
		case r&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0:
			ev = lineHangup
		case r&unix.POLLIN != 0:
			ev = lineReadable
		case others && woken:
			ev = lineOther
		default:
			// Called first before any wait, then each time the poller
			// wakes it.
			woken = true
			return false
		}
		return true
	})
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return lineKick
	}
	if err != nil {
		return lineHangup
	}
	return ev
}

// startChild hands the line to a new per-port child.
func (p *port) startChild() pstate {
	p.lineInUse()
	c, err := p.m.spawn(p, p.f)
	p.closeLine() // the child holds its own copy from now on
	if err != nil {
		p.lineIdle()
		logSpawnFailure(err, p.logf)
		return psDecide
	}
	p.child = c
	return psChild
}

// waitChild waits for the child to exit. Until it is in service, it may
// ask to start the service, and a change of the port (a re-read, a
// disable) makes it exit. A child in service is never killed and nothing
// more is expected from it.
func (p *port) waitChild() pstate {
	c := p.child
	msgs := c.msgs
	for {
		select {
		case ws := <-c.exited:
			return p.childExited(ws)
		case msg, ok := <-msgs:
			switch {
			case !ok:
				// The child closed its end: it is exiting, or in service.
				msgs = nil
			case c.inService:
				// Nothing is expected: drained until EOF.
			case !p.changed() && !p.wantGone() && isStartRequest(msg) && c.allow() == nil:
				c.inService = true
				return psService
			default:
				c.refuse()
			}
		case <-p.kick:
			if !c.inService && (p.changed() || p.wantGone()) {
				c.terminate()
			}
		}
	}
}

// childExited cleans up after the child or the service:
// the utmp record becomes DEAD_PROCESS when the port has u or is gone,
// and the port is reopened.
func (p *port) childExited(ws syscall.WaitStatus) pstate {
	c := p.child
	p.child = nil
	c.close()
	if c.inService && (c.entry.Utmp() || p.wantGone()) {
		// Without u the service may have made no record: ErrNoRecord is
		// not worth a line.
		err := markDead(p.m.cfg.Root.Utmp(), p.m.cfg.Root.Wtmp(), c.pid, utmpLine(c.entry.Device), int(ws), time.Now())
		if err != nil && !errors.Is(err, utmp.ErrNoRecord) {
			p.logf(msgMarkDead, c.pid, errno.Text(err))
		}
	}
	p.lineIdle()
	if c.entry.Flags.Bidirectional() {
		// DEVIATION: the original left the lock file of a finished
		// session to the next check's stale-lock removal; we remove it
		// when it still holds the child's pid.
		_ = uucplock.Unlock(p.m.cfg.Root.LockDir(), c.entry.Device, c.pid)
	}
	return psDecide
}

// markDead makes the utmp record of the service pid, which led its own
// session on line, DEAD_PROCESS and appends it to wtmp (utmp.Dead). When
// no record has that pid, it marks the live record of that session on
// that line instead.
//
// Why: shadow's login (Debian's /bin/login) forks, and its child, not the
// service pid, writes the user's USER_PROCESS record over ttymon's
// LOGIN_PROCESS (same ut_id) with its own pid and ut_session =
// getsid(0), the service's pid. Matching by pid alone, as the original
// did (Solaris login does not fork), left the user logged in in utmp
// after the session ended and put no DEAD_PROCESS record in wtmp. Found
// by e2e TestTTYMonRealLoginSharedUtmp.
func markDead(utmpPath, wtmpPath string, pid int, line string, status int, now time.Time) error {
	err := utmp.Dead(utmpPath, wtmpPath, pid, status, now)
	if !errors.Is(err, utmp.ErrNoRecord) {
		return err
	}
	recs, rerr := utmp.ReadFile(utmpPath)
	if rerr != nil {
		return err
	}
	for _, r := range recs {
		switch r.Type {
		case utmp.InitProcess, utmp.LoginProcess, utmp.UserProcess:
			if int(r.Session) == pid && r.Line == line && r.Pid > 0 {
				return utmp.Dead(utmpPath, wtmpPath, int(r.Pid), status, now)
			}
		}
	}
	return err
}
