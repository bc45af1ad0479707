package ttymon

import (
	"errors"
	"os"
	"os/user"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/linux-saf/saf/internal/cloexec"
	"github.com/linux-saf/saf/internal/console"
	"github.com/linux-saf/saf/internal/errno"
	"github.com/linux-saf/saf/internal/sigreset"
	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/internal/utmp"
	"github.com/linux-saf/saf/saf/doconfig"
	"golang.org/x/sys/unix"
)

// invoke is invoke_service (docs/original.md#starting-the-service): it
// becomes the service and returns only on failure. line is the GOODNAME
// line (nil for a connect-on-carrier port), pushed back into the input
// queue when how is handPushBack.
func (s *session) invoke(argv []string, how handOff, line []byte) error {
	dev := s.e.Device
	// The line must be our controlling terminal.
	if !termios.IsControlling(0) {
		warnNoCtty(s, dev)
	}
	// Tell the parent, and wait for its go-ahead (spawn.go).
	if !s.express {
		if err := s.askParent(); err != nil {
			return exitWith(1)
		}
	}
	// utmp: LOGIN_PROCESS, which login turns into the user's record.
	if !s.express && s.e.Utmp() {
		lineName, now := utmpLine(dev), time.Now()
		id := utmp.IDFor(lineName)
		err := utmp.Login(s.root.Utmp(), os.Getpid(), lineName, id, now)
		if err == nil {
			// Also to wtmp, as agetty does with its
			// record.
			err = utmp.AppendWtmp(s.root.Wtmp(), utmp.LoginRecord(os.Getpid(), lineName, id, now))
		}
		if err != nil {
			// Both lines, as the original: its makeutx wrote both files.
			s.logf(msgMakeutx+detailErr, os.Getpid(), errno.Text(err))
			s.logf(msgAccountFailed)
			return exitWith(1)
		}
	}
	// TTYPROMPT, unless connect-on-carrier.
	if !s.e.Flags.Connect() {
		setenv("TTYPROMPT", s.e.Prompt)
	}
	// HOME and the per-service script.
	if !s.express {
		setenv("HOME", s.e.Home)
		script := s.root.ServiceScript(s.pmtag, s.e.Tag)
		switch n, err := doconfig.Run(script, doconfig.NewProcess(0, doconfig.TTY), 0); {
		case n < 0:
			s.logf(msgDoconfigSystem)
			return exitWith(1)
		case n > 0:
			s.logf(msgDoconfigLine, n, s.e.Tag)
			return exitWith(1)
		case err != nil:
			s.logf(msgDoconfigSystem)
			return exitWith(1)
		}
	}
	// Give the typed line back to a service that reads it itself. Here,
	// while still privileged: TIOCSTI needs CAP_SYS_ADMIN
	// on kernels that restrict it, and after the script, whose push and
	// pop would flush the queue.
	if how == handPushBack && len(line) > 0 {
		if err := pushBack(0, line); err != nil {
			s.logf(msgPushBack, dev, errno.Text(err))
		}
	}
	// The device belongs to the user while the service runs. Done before
	// the identity switch, while still privileged: after the switch the
	// chown could only fail. Through descriptor 0, the line, not by name
	// (setOwner).
	if s.e.UID != 0 {
		setOwner(0, s.e.UID, s.ttyGID) // as in the original: failure is not fatal
	}
	// Identity.
	if err := s.becomeUser(); err != nil {
		return err
	}
	// The descriptor limit back to what ttymon started with; the log line.
	if !s.express {
		if s.noFile > 0 {
			var rl unix.Rlimit
			if unix.Getrlimit(unix.RLIMIT_NOFILE, &rl) == nil {
				rl.Cur = min(s.noFile, rl.Max)
				_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &rl) // lowering never fails
			}
		}
		s.logf(msgStartService, argv[0], dev)
	}
	// TERM, always: the configured type, else agetty's default for the
	// kind of line (issue.go).
	setenv("TERM", termType(0, s.e.TermType))
	// Default signals, umask 022, only descriptors 0, 1 and 2, no
	// parent-death signal (docs/linux.md#service-process-setup).
	unix.Umask(0o022)
	_ = cloexec.From(3)                               // best effort: the exec follows regardless
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0) // cannot fail with 0
	// The signal mask set below is this thread's: the exec must happen
	// on it.
	runtime.LockOSThread()
	sigreset.ForExec()
	err := syscall.Exec(argv[0], argv, os.Environ())
	runtime.UnlockOSThread()
	s.logf(msgExecFailed, errno.Text(err))
	return exitWith(1)
}

// setenv sets a variable of the service's environment. os.Setenv fails
// only for names with '=' or NUL; ours have neither.
func setenv(k, v string) { _ = os.Setenv(k, v) }

// warnNoCtty warns that the line is not the controlling terminal: two
// console messages, each with the NUL byte cons_printf wrote after it, and
// the same on the line (with "there" in lower case) unless the line is the
// console.
func warnNoCtty(s *session, dev string) {
	first := sprintf(msgCtty, dev)
	consPrint(s.root, os.Stderr, first+consoleNUL)
	consPrint(s.root, os.Stderr, msgCttyCons+consoleNUL)
	if dev != console.Path {
		writeAll(2, []byte(first+msgCttyPort))
	}
}

// askParent sends the start request and waits for the go-ahead; an error
// means the parent refused or went away.
func (s *session) askParent() error {
	writeAll(s.parent, []byte(protoStart+strconv.Itoa(os.Getpid())+"\n"))
	var b [2]byte
	got := 0
	for got < 2 {
		n, err := unix.Read(s.parent, b[got:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			return errors.New(errTextParentGone)
		}
		got += n
	}
	if string(b[:]) != protoGo {
		return errors.New(errTextBadAnswer)
	}
	return nil
}

// utmpLine is ut_line for a device: the path without "/dev/", or its last
// component for other paths.
func utmpLine(dev string) string {
	if rest, ok := strings.CutPrefix(dev, "/dev/"); ok {
		return rest
	}
	return dev[strings.LastIndexByte(dev, '/')+1:]
}

// pushBack puts line back into the input queue with TIOCSTI, with echo off
// so it is not shown twice, and restores the modes without flushing the
// input. ISIG is off too: a signal character the user typed literally
// (after ^V) must not signal this process on its way back.
func pushBack(fd int, line []byte) error {
	t, err := termios.Get(fd)
	if err != nil {
		return err
	}
	quiet := *t
	quiet.Lflag &^= unix.ECHO | unix.ECHONL | unix.ISIG
	if err := termios.Set(fd, &quiet, termios.Now); err != nil {
		return err
	}
	err = termios.PushInput(fd, line)
	if rerr := termios.Set(fd, t, termios.Now); err == nil {
		err = rerr
	}
	return err
}

// becomeUser switches to the service's identity: group, supplementary
// groups from the group database (initgroups), user, and the home
// directory. A process that already runs as that user and group keeps its
// identity (a sandboxed ttymon serving its own user).
//
// WARNING: this is where the service stops running as root. The order
// (groups before the uid) matters, and syscall.Set* act on every thread
// of the process. Re-verify with:
//
//	go test ./internal/ttymon/ -run 'TestBecomeUser'
func (s *session) becomeUser() error {
	e := s.e
	if os.Geteuid() != e.UID || os.Getegid() != e.GID || os.Getuid() != e.UID || os.Getgid() != e.GID {
		groups, err := supplementaryGroups(e.Identity, e.GID)
		if err != nil {
			s.logf(msgGroups, e.Identity, errno.Text(err))
			return exitWith(1)
		}
		if err := syscall.Setgroups(groups); err != nil {
			s.logf(msgSetGroups, e.Identity, errno.Text(err))
			return exitWith(1)
		}
		if err := syscall.Setgid(e.GID); err != nil {
			s.logf(msgSetGID, e.GID, errno.Text(err))
			return exitWith(1)
		}
		if err := syscall.Setuid(e.UID); err != nil {
			s.logf(msgSetUID, e.UID, errno.Text(err))
			return exitWith(1)
		}
	}
	if err := os.Chdir(e.Home); err != nil {
		s.logf(msgChdir, e.Home, errno.Text(err))
		return exitWith(1)
	}
	return nil
}

// supplementaryGroups is initgroups(3): the primary gid and every group
// listing the user.
func supplementaryGroups(name string, gid int) ([]int, error) {
	groups := []int{gid}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, err
	}
	ids, err := u.GroupIds()
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		n, err := strconv.Atoi(id)
		if err != nil || n == gid {
			continue
		}
		groups = append(groups, n)
	}
	return groups, nil
}
