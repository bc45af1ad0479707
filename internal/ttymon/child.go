package ttymon

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/internal/uucplock"
	"github.com/linux-saf/saf/saf/paths"
	"golang.org/x/sys/unix"
)

// childMain is the per-port child (the original's "tmchild"): ttymon
// re-executed by the parent in a new session, with the line the parent
// held on descriptor 0 and the socket of spawn.go on childSockFD. It
// returns only to exit; a started service replaces the process.
func childMain() int {
	cfg, err := readChildConfig(childSockFD)
	if err != nil {
		// Nothing to log to yet; the parent sees the exit and reopens.
		return 1
	}
	root := paths.New(cfg.Root)
	e := cfg.Entry
	s := &session{
		root:     root,
		pmtag:    cfg.PMTag,
		e:        &e,
		label:    cfg.Label,
		autobaud: cfg.Label.Autobaud,
		table:    readDefsQuiet(root.TtyDefs()),
		disabled: cfg.Disabled,
		noFile:   cfg.NoFile,
		ttyGID:   cfg.TTYGID,
		logf:     logTo(root.PMLog(cfg.PMTag)),
		parent:   childSockFD,
	}
	s.lm = lineModes{softCar: e.SoftCar, logf: s.logf}
	return exitCode(s.runChild())
}

// exitCode turns the end of a session into an exit status.
func exitCode(err error) int {
	var x *exitError
	if errors.As(err, &x) {
		return x.code
	}
	if err != nil {
		return 1
	}
	return 0
}

// readChildConfig reads the one JSON line the parent sends.
func readChildConfig(fd int) (*childConfig, error) {
	// A byte at a time, so nothing after the line is consumed: the
	// socket is polled with raw system calls from here on.
	r := bufio.NewReaderSize(oneByteReader{fd}, 16)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return nil, err
	}
	var cfg childConfig
	if err := json.Unmarshal(line, &cfg); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// oneByteReader reads one byte per read(2).
type oneByteReader struct{ fd int }

func (r oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Read(r.fd, p[:1])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

// runChild is the child up to the prompt: the line opened again,
// blocking, wait-read, the lock and the modules of a b or c port, then the
// prompt, or a c port's service at once.
func (s *session) runChild() error {
	if err := s.armSignals(); err != nil {
		s.logf(msgPipeFailed, errno.Text(err))
		return exitWith(1)
	}
	f := s.e.Flags
	// The line is opened again by name below. What it is is taken from
	// the parent's descriptor first, so that the open can be checked to
	// reach the same line: the name may lead elsewhere by now (a link
	// someone changed, a pty number given to another terminal), and the
	// line's owner and mode are changed later (ptyline.go).
	ref, err := refLine(0, s.e.Device)
	if err != nil {
		s.logf(msgOpenLine, s.e.Device, errno.Text(err))
		return exitWith(1)
	}
	defer ref.close()
	if f.Connect() || f.Bidirectional() {
		// The blocking open below waits for carrier; the parent's
		// descriptor must not keep the line open meanwhile.
		unix.Close(0) // ours, inherited; nothing to report
	}
	if err := openLine(s.e.Device, ref); err != nil {
		s.logf(msgOpenLine, s.e.Device, errno.Text(err))
		return exitWith(1)
	}
	ref.close() // fd 0 holds the line from now on
	if f.WaitRead() {
		if err := s.waitRead(); err != nil {
			return err
		}
	}
	if f.Bidirectional() && !s.lockLine() {
		return exitWith(0) // the parent finds the lock and waits
	}
	if f.Connect() || f.Bidirectional() {
		// The line is no longer idle: root's, group tty, mode 0620,
		// until the service gives it to its user. The parent puts its
		// own owner back when this process or the service ends
		// (owner.go).
		setOwner(0, 0, s.ttyGID)
	}
	if (f.Connect() || f.Bidirectional()) && s.e.Modules != "" {
		if err := setModules(0, s.e.Modules); err != nil {
			logPushFailure(s.e.Modules, s.e.Device, err, s.logf)
			return exitWith(1)
		}
	}
	if f.Connect() && !s.disabled {
		// Connect-on-carrier: no prompt, no hunting, no TTYPROMPT.
		if _, err := s.lm.setTermio(0, s.label.Final, "", clearNone, termios.Drain); err != nil {
			s.logf(msgSetFinal)
			return exitWith(1)
		}
		argv, how, err := serviceArgv(s.e.Service, s.e.Device, "")
		if err != nil {
			s.logf(msgServiceCommand, s.e.Tag, err)
			return exitWith(1)
		}
		return s.invoke(argv, how, nil)
	}
	return s.prompting()
}

// openLine opens the device as descriptor 0, blocking (which waits for
// carrier on a modem line without CLOCAL), makes it the controlling
// terminal of this session and duplicates it to 1 and 2. The descriptor
// must be open on the line ref describes; else it is closed untouched and
// openLine fails with errOtherLine. The open itself does not take the
// terminal as controlling terminal, so a refused one is left as it was.
func openLine(device string, ref *lineRef) error {
	const flags = unix.O_RDWR | unix.O_NOCTTY | unix.O_CLOEXEC
	fd, err := unix.Open(device, flags, 0)
	for errors.Is(err, unix.EINTR) {
		fd, err = unix.Open(device, flags, 0)
	}
	if err != nil {
		return err
	}
	if !ref.matches(fd) {
		unix.Close(fd) // not ours; nothing was done to it
		return errOtherLine
	}
	if fd != 0 {
		err = unix.Dup3(fd, 0, 0) // replaces the inherited descriptor
		unix.Close(fd)            // the spare; nothing to report
		if err != nil {
			return os.NewSyscallError("dup3", err)
		}
	} else if _, err := unix.FcntlInt(0, unix.F_SETFD, 0); err != nil {
		return os.NewSyscallError("fcntl", err)
	}
	// Our controlling terminal unless another session holds it; invoke
	// warns about that.
	_ = termios.SetControlling(0)
	for _, to := range []int{1, 2} {
		if err := unix.Dup3(0, to, 0); err != nil {
			return os.NewSyscallError("dup3", err)
		}
	}
	return nil
}

// waitRead is wait-read: wait for count newlines, or for one byte when
// count is 0, before prompting. The bytes are discarded.
func (s *session) waitRead() error {
	count := s.e.Count.Int()
	if count > 0 {
		if _, err := s.lm.setTermio(0, s.label.Final, "", clearCanon, termios.Drain); err != nil {
			s.logf(msgSetFinal)
			return exitWith(1)
		}
		for seen := 0; seen < count; {
			b, ok := s.readByte()
			if !ok || b == 0 || b == 0x04 {
				unix.Close(0) // exiting anyway
				return exitWith(0)
			}
			if b == '\n' {
				seen++
			}
		}
	} else {
		if _, err := s.lm.setTermio(0, "", "", clearRaw, termios.Drain); err != nil {
			s.logf(msgSetRaw)
			return exitWith(1)
		}
		if b, ok := s.readByte(); !ok || b == 0x04 {
			return exitWith(0)
		}
	}
	if !s.autobaud {
		if _, err := s.lm.setTermio(0, s.label.Final, "", clearCanon, termios.Drain); err != nil {
			s.logf(msgSetFinal)
			return exitWith(1)
		}
	}
	return nil
}

// lockLine takes the UUCP lock of a bidirectional port
// (docs/linux.md#uucp-lock-files): the lock file with our pid, then a lock
// on the device itself (up to 5 attempts 2 s apart); failing that, the lock
// file goes again.
func (s *session) lockLine() bool {
	dir := s.root.LockDir()
	if err := uucplock.Lock(dir, s.e.Device, os.Getpid()); err != nil {
		if !errors.Is(err, uucplock.ErrLocked) {
			// Not in the original, which exits silently: without a lock
			// directory a b port would only end "respawning too rapidly".
			s.logf(msgCannotLock, s.e.Device, errno.Text(err))
		}
		return false
	}
	// Kept in s so that its finalizer never closes descriptor 0; the
	// lock lives on the line's open file description, which the service
	// inherits.
	s.devLock = os.NewFile(0, s.e.Device)
	for try := 0; try < deviceLockTries; try++ {
		if try > 0 {
			sleep(deviceLockPause)
		}
		took, err := uucplock.FlockDevice(s.devLock)
		if err == nil && took {
			return true
		}
	}
	_ = uucplock.Unlock(dir, s.e.Device, os.Getpid()) // best effort; a stale lock is removed by the next check
	return false
}
