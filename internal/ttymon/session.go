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
// mode (ttymon.md 9) and express mode (18.2), which runs the same logic
// in its own process. It works on descriptor 0, the line, with raw
// system calls: an *os.File would put the line in non-blocking mode for
// Go's poller, and the service inherits the line's open file description.
type session struct {
	root     paths.Root
	pmtag    string
	e        *entry
	label    ttydefs.Entry // the current ttydefs entry (moves on BREAK)
	autobaud bool          // the port's own label is autobaud (the marker of 10.2)
	table    *ttydefs.Table
	disabled bool // ttymon disabled or the port has x (14)
	express  bool
	noFile   uint64
	ttyGID   int
	logf     saflog.Logf
	lm       lineModes

	parent    int // the socket to the parent, -1 in express mode
	sigR      int // read end of the SIGINT self-pipe
	sigCh     chan os.Signal
	ignoreInt bool      // SIGINT is ignored (autobaud sampling, 11)
	deadline  time.Time // the timeout (zero: none)
	speed     string    // the speed autobaud found, appended to the final flags
	devLock   *os.File  // keeps the device lock of a b port (13.2)
}

// result kinds of poll_data (ttymon.md 9.5).
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
)

// armSignals turns SIGINT into a byte on a pipe that wait polls
// (ttymon.md 9.1, 11). Notify, not Ignore: an ignored SIGINT would reach
// the service ignored (STYLE.md 11).
func (s *session) armSignals() error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	s.sigR = p[0]
	s.sigCh = make(chan os.Signal, 8)
	signal.Notify(s.sigCh, unix.SIGINT)
	go func() {
		for range s.sigCh {
			// A full pipe already says "interrupted".
			_, _ = unix.Write(p[1], []byte{0})
		}
	}()
	return nil
}

// wait blocks until the line can be read or hung up, SIGINT arrives
// (unless ignored), the parent goes away or the timeout expires.
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
			// hang-up of ttymon.md 9.10.
			return evParent
		}
		if fds[1].Revents != 0 {
			var b [16]byte
			_, _ = unix.Read(s.sigR, b[:]) // drain; non-blocking
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

// armTimeout starts the port's timeout, if it has one (ttymon.md 9.3
// step 5, 9.6).
func (s *session) armTimeout() {
	if t := s.e.Timeout.Int(); t > 0 {
		s.deadline = time.Now().Add(time.Duration(t) * time.Second)
	}
}

// writePrompt is write_prompt (ttymon.md 9.4).
func (s *session) writePrompt(flush, clear bool) {
	if flush {
		flushLine(0, s.logf)
	}
	text := s.e.Prompt
	if s.disabled {
		text = s.e.DisableMsg
	}
	writeAll(0, promptText(s.root.Issue(), text, clear))
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

// readByte reads one byte for wait-read (ttymon.md 9.2 step 3). ok is
// false for a failed read: hang-up, end of file, SIGINT (a read the
// signal interrupted, as in the original) or a gone parent.
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

// pollData is poll_data (ttymon.md 9.5) on Linux: the line cannot be
// peeked at, so it is read; in canonical mode a read returns exactly
// one line (21.4). line is the data of a GOODNAME.
func (s *session) pollData() (answer, []byte, error) {
	buf := make([]byte, peekSize)
	for {
		switch s.wait() {
		case evTimeout, evParent:
			return 0, nil, exitWith(1)
		case evHangup:
			s.logf(msgPollHup)
			return 0, nil, exitWith(1)
		case evInterrupt:
			// ttymon.md 11, 21.2: with no peek, an empty input queue
			// means BREAK (BRKINT flushed it) or the interrupt key.
			if n, err := termios.InputPending(0); err == nil && n == 0 {
				return badSpeed, nil, nil
			}
			continue
		}
		n, err := readInput(buf)
		if errors.Is(err, unix.EAGAIN) {
			continue
		}
		if errors.Is(err, unix.EIO) {
			s.logf(msgPollHup)
			return 0, nil, exitWith(1)
		}
		if err != nil || n == 0 {
			return 0, nil, exitWith(1)
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
		// parent reopens the port; ttymon.md 10.2).
		return 0, nil, exitWith(1)
	}
}

// peekSize is how much of the input the original looked at (ttymon.md 20).
const peekSize = 255

// answerLoop is ttymon.md 9.5 and 9.6 until a service is started.
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

// nextSpeed is the BADSPEED reaction (ttymon.md 9.6): the next label,
// autobaud or its initial flags.
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

// autobaudTries is how often one autobaud label samples (ttymon.md 20).
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

// sampleSpeed samples one autobaud label (ttymon.md 12, the original's
// autobaud()): the line goes into autobaud raw mode first, which
// discards whatever is waiting (the RETURN that woke the parent
// included: the user presses RETURN again), then up to autobaudTries
// reads, each matched against the table. It returns the speed found, or
// "" when none matched. SIGINT is ignored meanwhile.
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
// 2400 baud to that speed (ttymon.md 12); "" when none matches.
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

// prompting is ttymon.md 9.3 steps 3 to 5, then the answer loop.
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
