package ttymon

import (
	"bytes"
	"errors"
	"os"
	"os/signal"
	"time"

	"github.com/linux-saf/saf/internal/errno"
	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/saflog"
	"github.com/linux-saf/saf/ttydefs"
	"golang.org/x/sys/unix"
)

// session is the pre-service life of one port: the per-port child of SAC
// mode and express mode, which runs the same logic in its own process. It
// works on descriptor 0, the line, with raw system calls: an *os.File would
// put the line in non-blocking mode for Go's poller, and the service
// inherits the line's open file description.
type session struct {
	root     paths.Root
	pmtag    string
	e        *entry
	label    ttydefs.Entry // the current ttydefs entry (moves on BREAK)
	autobaud bool          // the port's own label is autobaud
	table    *ttydefs.Table
	disabled bool // ttymon disabled or the port has x
	express  bool
	noFile   uint64
	ttyGID   int
	logf     saflog.Logf
	lm       lineModes

	parent    int // the socket to the parent, -1 in express mode
	sigR      int // read end of the SIGINT self-pipe
	sigCh     chan os.Signal
	ignoreInt bool       // SIGINT is ignored (autobaud sampling)
	deadline  time.Time  // the timeout (zero: none)
	speed     string     // the speed autobaud found, appended to the final flags
	devLock   *os.File   // keeps the device lock of a b port
	keys      typedKeys  // the erase and kill keys typed at the prompt (lineedit.go)
	held      *heldModes // the line's own modes while it is in the reading modes
}

// result kinds of poll_data (docs/original.md#reading-the-login-name).
type answer int

const (
	goodName answer = iota
	badSpeed
	noName
)

// waitEvent is what wait saw.
type waitEvent int

const (
	evReadable waitEvent = iota
	evHangup
	evInterrupt
	evTimeout
	evParent
	evEnd // SIGTERM or SIGHUP while the name is read (catchEnd)
)

// armSignals turns SIGINT into a byte on a pipe that wait polls. Notify,
// not Ignore: an ignored SIGINT would reach the service ignored.
func (s *session) armSignals() error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	s.sigR = p[0]
	s.sigCh = make(chan os.Signal, 8)
	signal.Notify(s.sigCh, unix.SIGINT)
	go func() {
		for sig := range s.sigCh {
			b := sigByteInt
			if sig != unix.SIGINT {
				b = sigByteEnd
			}
			// A full pipe already says "interrupted".
			_, _ = unix.Write(p[1], []byte{b})
		}
	}()
	return nil
}

// What the signal goroutine writes on the pipe.
const (
	sigByteInt byte = 0 // SIGINT
	sigByteEnd byte = 1 // SIGTERM or SIGHUP (catchEnd)
)

// catchEnd makes SIGTERM and SIGHUP end wait (evEnd) instead of the
// process, so that the modes of the line can be put back; the returned
// function gives both their disposition back. A SIGHUP ignored from the
// start stays ignored.
func (s *session) catchEnd() (release func()) {
	if s.sigCh == nil {
		return func() {} // no signal pipe (armSignals) to report them on
	}
	sigs := []os.Signal{unix.SIGTERM}
	if !signal.Ignored(unix.SIGHUP) {
		sigs = append(sigs, unix.SIGHUP)
	}
	signal.Notify(s.sigCh, sigs...)
	return func() { signal.Reset(sigs...) }
}

// wait blocks until the line can be read or hung up, SIGINT arrives
// (unless ignored), the parent goes away, the timeout expires or, while
// catchEnd holds them, SIGTERM or SIGHUP arrives.
func (s *session) wait() waitEvent {
	for {
		fds := []unix.PollFd{{Fd: 0, Events: unix.POLLIN}, {Fd: int32(s.sigR), Events: unix.POLLIN}}
		if s.parent >= 0 {
			fds = append(fds, unix.PollFd{Fd: int32(s.parent), Events: unix.POLLIN})
		}
		timeout := -1
		if !s.deadline.IsZero() {
			d := time.Until(s.deadline)
			if d <= 0 {
				return evTimeout
			}
			timeout = int((d + time.Millisecond - 1) / time.Millisecond)
		}
		n, err := unix.Poll(fds, timeout)
		if errors.Is(err, unix.EINTR) || n == 0 {
			continue
		}
		if err != nil {
			return evHangup
		}
		if len(fds) > 2 && fds[2].Revents != 0 {
			// Nothing is sent before the start request: this is the
			// parent hanging up (it ended, or no longer wants this
			// child).
			return evParent
		}
		if fds[1].Revents != 0 {
			var b [16]byte
			n, _ := unix.Read(s.sigR, b[:]) // drain; non-blocking
			if bytes.IndexByte(b[:max(n, 0)], sigByteEnd) >= 0 {
				return evEnd
			}
			if !s.ignoreInt {
				return evInterrupt
			}
			continue
		}
		r := fds[0].Revents
		switch {
		case r&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0:
			return evHangup
		case r&unix.POLLIN != 0:
			return evReadable
		}
	}
}

// armTimeout starts the port's timeout, if it has one.
func (s *session) armTimeout() {
	if t := s.e.Timeout.Int(); t > 0 {
		s.deadline = time.Now().Add(time.Duration(t) * time.Second)
	}
}

// writePrompt is write_prompt.
func (s *session) writePrompt(flush, clear bool) {
	if flush {
		flushLine(0, s.logf)
	}
	s.holdForPrompt()
	text := s.e.Prompt
	if s.disabled {
		text = s.e.DisableMsg
	}
	writeAll(0, promptText(s.root, 0, s.e.Device, text, s.disabled, clear))
}

// writeAll writes b to fd, retrying short writes.
func writeAll(fd int, b []byte) {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n <= 0 {
			return // a dead line is noticed by the next poll
		}
		b = b[n:]
	}
}

// readInput reads what the line has; EINTR is retried.
func readInput(buf []byte) (int, error) {
	for {
		n, err := unix.Read(0, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return n, err
	}
}

// readByte reads one byte for wait-read. ok is false for a failed read:
// hang-up, end of file, SIGINT (a read the signal interrupted, as in the
// original) or a gone parent.
func (s *session) readByte() (byte, bool) {
	for {
		switch s.wait() {
		case evReadable:
		case evTimeout:
			continue // no timeout is armed before the prompt
		default:
			return 0, false
		}
		var b [1]byte
		n, err := readInput(b[:])
		if errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil || n != 1 {
			return 0, false
		}
		return b[0], true
	}
}

// pollData is poll_data on Linux. A line in canonical mode gets its name
// read and edited by ttymon (readName); the keys the user typed are kept
// for the session (s.keys), and forgotten at a new speed. Otherwise the
// line is read as it is (pollLine).
func (s *session) pollData() (answer, []byte, error) {
	t := s.held.modes()
	if t == nil {
		var err error
		t, err = termios.Get(0)
		if err != nil || t.Lflag&unix.ICANON == 0 {
			return s.pollLine()
		}
	}
	a, line, keys, err := s.readName(t)
	if a == badSpeed {
		s.keys = typedKeys{}
	} else {
		s.keys.merge(keys)
	}
	return a, line, err
}

// readName reads the name in the reading modes and edits it
// (lineEditor), then puts the line's modes t back. A line already
// waiting was typed before this process took the line, at the parent's
// prompt: the kernel has edited it; it is read as it is and only the
// erase and kill keys the kernel did not know are applied.
func (s *session) readName(t *unix.Termios) (answer, []byte, typedKeys, error) {
	if s.held == nil {
		if n, err := termios.InputPending(0); err == nil && n > 0 {
			return s.reedit()
		}
		if !s.holdReading(t) {
			a, line, err := s.pollLine() // the kernel edits, as before
			return a, line, typedKeys{}, err
		}
	}
	a, line, keys, err := s.editLine(newEditConfig(t))
	if a == noName && err == nil {
		// The prompt is written again in the reading modes (no flush
		// then), so what is typed right after it is echoed once.
		return a, line, keys, nil
	}
	if rerr := s.releaseModes(); rerr != nil && err == nil {
		s.logf(msgRestoreModes, errno.Text(rerr))
		return 0, nil, typedKeys{}, exitWith(1)
	}
	return a, line, keys, err
}

// heldModes are the line's own modes while the name is read in the
// reading modes, and the release of the signals that end the wait.
type heldModes struct {
	t       unix.Termios
	release func()
}

// modes returns the held modes, or nil when the line is in its own.
func (h *heldModes) modes() *unix.Termios {
	if h == nil {
		return nil
	}
	return &h.t
}

// holdReading puts the line, whose own modes are t, in the reading
// modes, and reports whether it did. It is done before the child writes
// a prompt (writePrompt), so that what is typed after the prompt is not
// echoed by the kernel as well as by the line editor.
func (s *session) holdReading(t *unix.Termios) bool {
	if s.held != nil {
		return true
	}
	// The modes must not outlive this process: the next open of the
	// line starts from them.
	release := s.catchEnd()
	raw := readingModes(*t)
	if termios.Set(0, &raw, termios.Now) != nil {
		release()
		return false
	}
	s.held = &heldModes{t: *t, release: release}
	return true
}

// holdForPrompt is holdReading for a canonical line with nothing typed
// yet (what was typed is the kernel's to have edited: reedit).
func (s *session) holdForPrompt() {
	if s.held != nil {
		return
	}
	t, err := termios.Get(0)
	if err != nil || t.Lflag&unix.ICANON == 0 {
		return
	}
	if n, err := termios.InputPending(0); err != nil || n > 0 {
		return
	}
	s.holdReading(t)
}

// releaseModes puts the line's own modes back, if the reading modes
// hold it.
func (s *session) releaseModes() error {
	h := s.held
	if h == nil {
		return nil
	}
	s.held = nil
	defer h.release()
	return restoreModes(0, &h.t)
}

// restoreModes puts the line's modes t back on fd after the name was
// read. A line hung up meanwhile refuses them on fd; they are set
// through a new open of the same device (reopen), since a serial line
// keeps its modes for its next open.
func restoreModes(fd int, t *unix.Termios) error {
	err := termios.Set(fd, t, termios.Now)
	if err == nil {
		return nil
	}
	fd2, oerr := reopen(fd, unix.O_RDWR|unix.O_NONBLOCK|unix.O_NOCTTY)
	if oerr != nil {
		return err
	}
	defer unix.Close(fd2)
	return termios.Set(fd2, t, termios.Now)
}

// reedit reads the line the kernel has edited (pollLine) and edits it
// again with the erase and kill keys the kernel did not take (the zero
// editConfig: no echo, no mapping; the kernel did both).
func (s *session) reedit() (answer, []byte, typedKeys, error) {
	a, line, err := s.pollLine()
	if a != goodName || err != nil {
		return a, line, typedKeys{}, err
	}
	var ed lineEditor
	for _, c := range line {
		if _, r := ed.feed(c); r != editMore {
			return s.edited(&ed, r)
		}
	}
	return 0, nil, typedKeys{}, exitWith(1) // not reached: a GOODNAME line has its end
}

// editLine reads the line byte by byte, waiting as pollLine does, and
// edits it with cfg, writing the echo.
func (s *session) editLine(cfg editConfig) (answer, []byte, typedKeys, error) {
	ed := lineEditor{cfg: cfg}
	for {
		if ok, a, err := s.awaitInput(); !ok {
			return a, nil, typedKeys{}, err
		}
		var b [1]byte
		n, err := readInput(b[:])
		if errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil || n == 0 {
			return 0, nil, typedKeys{}, s.readFailed(err)
		}
		echo, r := ed.feed(b[0])
		writeAll(0, echo)
		if r != editMore {
			return s.edited(&ed, r)
		}
	}
}

// edited turns the end of an edited line into poll_data's answer.
func (s *session) edited(ed *lineEditor, r editResult) (answer, []byte, typedKeys, error) {
	switch r {
	case editBreak:
		return badSpeed, nil, typedKeys{}, nil
	case editEmpty:
		return noName, nil, ed.keys, nil
	case editName:
		return goodName, ed.line(), ed.keys, nil
	}
	// No end of line: as pollLine, the original exits.
	return 0, nil, typedKeys{}, exitWith(1)
}

// awaitInput waits until the line can be read, as poll_data does; when
// it cannot (ok false), a and err are pollData's answer.
func (s *session) awaitInput() (ok bool, a answer, err error) {
	for {
		switch s.wait() {
		case evTimeout, evParent, evEnd:
			return false, 0, exitWith(1)
		case evHangup:
			s.logf(msgPollHup)
			return false, 0, exitWith(1)
		case evInterrupt:
			// With no peek, an empty input queue means BREAK (BRKINT
			// flushed it) or the interrupt key.
			if n, err := termios.InputPending(0); err == nil && n == 0 {
				return false, badSpeed, nil
			}
			continue
		}
		return true, 0, nil
	}
}

// readFailed is the exit for a read of the line that failed or found
// its end; EIO is the hang-up.
func (s *session) readFailed(err error) error {
	if errors.Is(err, unix.EIO) {
		s.logf(msgPollHup)
	}
	return exitWith(1)
}

// pollLine reads the line as it is: the line cannot be peeked at, so it
// is read; in canonical mode a read returns exactly one line.
// line is the data of a GOODNAME.
func (s *session) pollLine() (answer, []byte, error) {
	buf := make([]byte, peekSize)
	for {
		if ok, a, err := s.awaitInput(); !ok {
			return a, nil, err
		}
		n, err := readInput(buf)
		if errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil || n == 0 {
			return 0, nil, s.readFailed(err)
		}
		for i, c := range buf[:n] {
			switch c {
			case 0:
				return badSpeed, nil, nil
			case '\n', '\r':
				if i == 0 {
					return noName, nil, nil
				}
				return goodName, buf[:n], nil
			}
		}
		// Neither a NUL nor an end of line: the original exits (and the
		// parent reopens the port).
		return 0, nil, exitWith(1)
	}
}

// peekSize is how much of the input the original looked at.
const peekSize = 255

// answerLoop reads answers and reacts to them until a service is started
// (docs/original.md#reactions-to-the-answer).
func (s *session) answerLoop() error {
	for {
		a, line, err := s.pollData()
		if err != nil {
			return err
		}
		switch a {
		case goodName:
			s.deadline = time.Time{}
			if s.disabled {
				s.writePrompt(true, false) // the disable message
				break
			}
			argv, how, err := serviceArgv(s.e.Service, s.e.Device, loginName(line))
			if errors.Is(err, errBadName) {
				s.logf(msgNameRefused, loginName(line))
				s.writePrompt(true, true)
				break
			}
			if err != nil {
				s.logf(msgServiceCommand, s.e.Tag, err)
				return exitWith(1)
			}
			if _, err := s.lm.setTermio(0, s.label.Final, s.speed, clearNone, termios.Drain); err != nil {
				s.logf(msgSetFinal)
				return exitWith(1)
			}
			if err := s.giveKeys(); err != nil {
				s.logf(msgSetFinal)
				return exitWith(1)
			}
			return s.invoke(argv, how, line)
		case badSpeed:
			if err := s.nextSpeed(); err != nil {
				return err
			}
			s.writePrompt(true, true)
		case noName:
			s.writePrompt(false, false)
		}
		s.armTimeout()
	}
}

// giveKeys gives the session the erase and kill keys the user typed at
// the prompt (typedKeys.apply), over the final modes.
func (s *session) giveKeys() error {
	t, err := termios.Get(0)
	if err != nil {
		return err
	}
	if !s.keys.apply(t) {
		return nil
	}
	return termios.Set(0, t, termios.Drain)
}

// nextSpeed is the BADSPEED reaction: the next label, autobaud or its
// initial flags.
func (s *session) nextSpeed() error {
	next, err := s.nextLabel()
	if err != nil {
		return err
	}
	s.label = next
	if next.Autobaud {
		if s.lm.autobaudRaw(0) != nil {
			return exitWith(1) // autobaudRaw logged why
		}
		return s.runAutobaud()
	}
	s.speed = "" // no autobaud speed any more
	unsupported, err := s.lm.setTermio(0, next.Initial, "", clearNone, termios.Drain)
	if err != nil || len(unsupported) > 0 {
		// The original went on with the next prompt.
		s.logf(msgSpeedWarning, next.Label)
	}
	return nil
}

// nextLabel is next_speed: the entry after s.label,
// logging a nextlabel that names no entry; an error when even s.label is
// gone (the child then exits 1).
func (s *session) nextLabel() (ttydefs.Entry, error) {
	next, bad, err := s.table.NextSpeed(s.label)
	if bad {
		s.logf(msgNextLabelBad, s.label.Label, s.label.Next)
	}
	if err != nil {
		s.logf(msgLabelLost, s.label.Label)
		return ttydefs.Entry{}, exitWith(1)
	}
	return next, nil
}

// autobaudTries is how often one autobaud label samples.
const autobaudTries = 5

// runAutobaud is do_autobaud: sample what the user types
// at 2400 baud and find the speed, which the final flags of the label
// then get; on failure the next label is tried, sampling again while
// labels are autobaud, else with its initial flags.
func (s *session) runAutobaud() error {
	for {
		speed, err := s.sampleSpeed()
		if err != nil {
			return err
		}
		if speed != "" {
			s.speed = speed
			if _, err := s.lm.setTermio(0, s.label.Final, speed, clearCanon, termios.Drain); err != nil {
				return exitWith(1) // setTermio logged why
			}
			return nil
		}
		next, err := s.nextLabel()
		if err != nil {
			return err
		}
		s.label = next
		if next.Autobaud {
			continue
		}
		s.speed = ""
		if _, err := s.lm.setTermio(0, next.Initial, "", clearCanon, termios.Drain); err != nil {
			return exitWith(1) // setTermio logged why
		}
		return nil
	}
}

// sampleSpeed samples one autobaud label (the original's autobaud()): the
// line goes into autobaud raw mode first, which discards whatever is
// waiting (the RETURN that woke the parent included: the user presses
// RETURN again), then up to autobaudTries reads, each matched against the
// table. It returns the speed found, or "" when none matched. SIGINT is
// ignored meanwhile.
func (s *session) sampleSpeed() (string, error) {
	// A failure is logged and sampling goes on, as in the original.
	_ = s.lm.autobaudRaw(0)
	s.ignoreInt = true
	defer func() { s.ignoreInt = false }()
	for try := 0; try < autobaudTries; try++ {
		s.armTimeout()
		switch s.wait() {
		case evReadable:
		case evHangup:
			s.logf(msgPollHup)
			return "", exitWith(1)
		default:
			return "", exitWith(1) // the timeout, or the parent went away
		}
		var buf [autobaudVMin]byte
		n, err := readInput(buf[:])
		if err != nil && !errors.Is(err, unix.EAGAIN) {
			s.logf(msgAutobaudRead, errno.Text(err))
			s.logf(msgExiting)
			return "", exitWith(1)
		}
		if speed := autobaudMatch(buf[:max(n, 0)]); speed != "" {
			return speed, nil
		}
		flushLine(0, s.logf) // the next try starts clean
	}
	return "", nil
}

// autobaudMatch maps the bytes a RETURN typed at some speed produces at
// 2400 baud to that speed; "" when none matches.
func autobaudMatch(b []byte) string {
	switch {
	case bytes.Equal(b, []byte{0x00, 0x00, 0x00}), bytes.Equal(b, []byte{0x00}):
		return "110"
	case bytes.Equal(b, []byte{0xe6, 0x80}):
		return "1200"
	case bytes.Equal(b, []byte{0x0d}):
		return "2400"
	case bytes.Equal(b, []byte{0xf9}), bytes.Equal(b, []byte{0xf2}):
		return "4800"
	case bytes.Equal(b, []byte{0xff}):
		return "9600"
	}
	return ""
}

// prompting is what the child does before the answer: autobaud if the
// label says so, the final flags, the prompt and the timeout where the
// parent has not prompted already; then the answer loop.
func (s *session) prompting() error {
	if s.autobaud {
		if err := s.runAutobaud(); err != nil {
			return err
		}
	}
	if _, err := s.lm.setTermio(0, s.label.Final, "", clearNone, termios.Drain); err != nil {
		s.logf(msgSetFinal)
		return exitWith(1)
	}
	f := s.e.Flags
	switch {
	case f.WaitRead() || s.autobaud || s.express || s.e.Timeout.Int() > 0:
		s.writePrompt(true, true)
		s.armTimeout()
	case f.Bidirectional():
		s.writePrompt(true, true)
	}
	return s.answerLoop()
}

// logTo returns a Logf writing to the SAC-mode log at path with this
// process's pid, or discarding when it cannot be opened.
func logTo(path string) saflog.Logf {
	l, err := openLog(path, logPerm(), false)
	if err != nil {
		return saflog.Discard
	}
	return l.Printf // close-on-exec; lives until the exec or the exit
}
