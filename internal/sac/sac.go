// Package sac is the Service Access Controller: it reads /etc/saf/_sactab,
// runs /etc/saf/_sysconfig, starts every port monitor, polls each at the
// sanity interval, restarts a dead or silent one within its restart count,
// and answers sacadm and pmadm on the admin socket /etc/saf/_cmdpipe.
//
// Synopsis
//
//	sac -t sanity_interval
//
// sac runs in the foreground. Its log is /var/saf/_log, on which it holds a
// POSIX record lock while it runs: that lock is how sacadm and pmadm know
// sac is running, and why a second sac waits for the first to exit. The
// log is mode 0600, and one that others could open or lock is replaced by
// a copy at start-up (logfile.go), so that no other user can hold a lock
// on it. Every path is under $SAF_ROOT when it is set.
//
// Port monitors talk to sac over FIFOs: sac writes 8-byte messages to
// /etc/saf/<tag>/_pmpipe and reads 24-byte replies from /etc/saf/_sacpipe
// (see saf/sacmsg and saf/pmproto). A port monitor is started in its own
// process group, in /etc/saf/<tag>, after its _config script, with PMTAG
// and ISTATE in its environment and no open file descriptors at all. Its
// environment is a clean one, not all of sac's (env.go). sac learns a port
// monitor is alive from the POSIX lock it holds on its _pid file.
//
// sacadm -k --force (sacmsg.ACKillForce, our extension) stops a port
// monitor as -k does and also ends its sessions: its child processes,
// collected before it is signalled, get SIGHUP and SIGTERM to their process
// groups and SIGKILL a few seconds later (sessions.go).
//
// Signals: SIGHUP re-reads _sactab (as sacadm -x); SIGTERM and SIGINT end
// sac, leaving the port monitors running, so that the next sac finds them
// and recovers them (docs/original.md#recovery). The original did not catch
// these signals at all; we log why sac exits.
//
// Exit status: 1 usage or log file problems, and the original's codes for
// fatal errors (3 corrupt _sactab, or one without a version stamp; 4 wrong
// _sactab version, 5 cannot chdir, 6 cannot open _sacpipe, 13/14 _sysconfig
// errors, 16 cannot create _cmdpipe ...).
//
// Messages: every text sac logs or prints is a constant in messages.go,
// the original's word for word where it had one, with our detail after
// it; messages_test.go pins them.
package sac

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/linux-saf/saf/internal/console"
	"github.com/linux-saf/saf/internal/errno"
	"github.com/linux-saf/saf/internal/sdnotify"
	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/saflog"
	"golang.org/x/sys/unix"
)

// Fatal exit statuses (docs/original.md#sac-exit-codes).
const (
	exitNoSacTab    = 1
	exitCorrupt     = 3
	exitVersion     = 4
	exitNoHome      = 5
	exitNoSacPipe   = 6
	exitBadState    = 7
	exitSacPipeRead = 8
	exitSysConfig   = 13
	exitSysConfigN  = 14
	exitNoCmdPipe   = 16
)

// Main runs sac with args (without the program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if tag := os.Getenv(envStartTag); tag != "" {
		return startChild(tag) // we are the child that becomes a port monitor
	}
	if len(args) == 1 && args[0] == "--help" {
		io.WriteString(stdout, msgHelp)
		return 0
	}
	interval, ok := parseArgs(args)
	if !ok {
		console.Write(stderr, paths.FromEnv(os.Getenv).Sandboxed(), "sac", msgUsage)
		return 1
	}
	// Become a session and process-group leader without a controlling
	// terminal (SVR4 setpgrp). It fails when sac already leads a process
	// group (started by an interactive shell); then sac simply stays where
	// it is.
	_, _ = unix.Setsid()
	socks, notes := takeSockets(os.Getpid())
	cfg := Config{
		Root:      paths.FromEnv(os.Getenv),
		Interval:  time.Duration(interval) * time.Second,
		Stderr:    stderr,
		Sockets:   socks,
		SockNotes: notes,
		Environ:   os.Environ(),
	}
	return Run(context.Background(), cfg)
}

// parseArgs reads "-t N": exactly one -t, N parsed as atoi and > 0
// ("-t 10x" is 10, as in the original).
func parseArgs(args []string) (int, bool) {
	seen, n := false, 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		var v string
		switch {
		case a == "-t" && i+1 < len(args):
			v = args[i+1]
			i++
		case strings.HasPrefix(a, "-t") && len(a) > 2:
			v = a[2:]
		default:
			return 0, false
		}
		if seen {
			return 0, false
		}
		seen = true
		n = atoi(v)
	}
	return n, seen && n > 0
}

func atoi(s string) int {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	// int64, then saturated: on a 32-bit system n*10 past 1<<30 would
	// wrap an int to any value at all (a pid of 1, say).
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<30; i++ {
		n = n*10 + int64(s[i]-'0')
	}
	return int(min(n, math.MaxInt))
}

// Config is what Run needs; tests fill it directly.
type Config struct {
	Root     paths.Root
	Interval time.Duration // sanity poll interval
	// Self is the program re-executed to start a port monitor (it runs
	// the _config script in the new process, then execs the port
	// monitor); default /proc/self/exe.
	Self   string
	Stderr io.Writer
	// Sockets are the sockets from the service manager by port monitor
	// tag, passed to each on its start (activation.go); SockNotes are
	// what taking them found, for the log.
	Sockets   map[string][]*os.File
	SockNotes []string
	// Environ is the environment sac was started with, less the
	// activation variables; the port monitors get only part of it
	// (env.go).
	Environ []string
}

// fatalError ends sac with a logged message and an exit status.
type fatalError struct {
	code int
	msg  string
}

func (e *fatalError) Error() string { return e.msg }

func fatal(code int, format string, args ...any) error {
	return &fatalError{code: code, msg: fmt.Sprintf(format, args...)}
}

// sac is the controller's state; only the event loop touches it.
type sac struct {
	cfg     Config
	root    paths.Root
	log     *saflog.Log
	logf    saflog.Logf
	sacpipe *os.File
	pms     []*pm // sorted by tag, as the original kept them
	reqs    chan adminReq
	msgs    chan sacmsg.PMMsg
	readErr chan error
	noise   map[string]*noise // complaints about messages, by text (logNoisy)
	pmEnv   []string          // what every port monitor starts from (env.go)
}

// noise is one complaint's rate limit: when it was last logged and how
// many times it was left out since.
type noise struct {
	last    time.Time
	dropped int
}

// Run is sac after argument parsing. It returns the exit status.
func Run(ctx context.Context, cfg Config) int {
	if cfg.Self == "" {
		cfg.Self = "/proc/self/exe"
	}
	s := &sac{cfg: cfg, root: cfg.Root}
	logPath := s.root.SacLog()
	f, note, err := openLog(logPath, cfg.Stderr)
	var le *lockError
	switch {
	case errors.As(err, &le):
		console.Write(cfg.Stderr, cfg.Root.Sandboxed(), "sac", fmt.Sprintf(msgLockLog, logPath, lockMsg(le.err)))
		return 1
	case err != nil:
		console.Write(cfg.Stderr, cfg.Root.Sandboxed(), "sac", fmt.Sprintf(msgOpenLog, logPath, errno.Text(err)))
		return 1
	}
	log := saflog.New(f, saflog.Options{MaxLine: 512, Syslog: saflog.Syslog("sac", 3 /* LOG_ERR */)})
	defer log.Close()
	s.log, s.logf = log, log.Printf
	s.logf(msgStarting)
	if note != "" {
		s.logf("%s", note)
	}
	for _, n := range cfg.SockNotes {
		s.logf("%s", n)
	}
	err = s.run(ctx)
	var fe *fatalError
	if errors.As(err, &fe) {
		s.logf("%s", fe.msg)
		s.logf(msgExiting)
		return fe.code
	}
	s.logf(msgExiting)
	return 0
}

// lockMsg is the text after "could not lock logfile": the system's error
// text (the original's strerror) for a failed system call, and the whole
// story for a log that had to be replaced and could not be.
func lockMsg(err error) string {
	switch err.(type) {
	case syscall.Errno, *fs.PathError:
		return errno.Text(err)
	}
	return err.Error()
}

func (s *sac) run(ctx context.Context) error {
	// Signals first, before any child exists.
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, unix.SIGCHLD, unix.SIGHUP, unix.SIGTERM, unix.SIGINT)
	defer signal.Stop(sigs)
	// SIGPIPE is left alone on purpose: an ignored signal stays ignored
	// across exec, and port monitors and their services must get the
	// default. Go already turns EPIPE on our own pipes and sockets into an
	// error instead of a death.

	if err := os.Chdir(s.root.SafDir()); err != nil {
		return fatal(exitNoHome, msgNoHome, s.root.SafDir(), errno.Text(err))
	}
	sys := &recordingEnv{Process: scriptEnv()}
	switch line, err := runScript(s.root.SysConfig(), sys); {
	case line < 0:
		return fatal(exitSysConfig, msgSysConfigSys, err)
	case line > 0:
		s.logf(msgSysConfigLine, line)
		return fatal(exitSysConfigN, msgSysConfigError)
	}
	s.pmEnv = pmEnviron(s.cfg.Environ, sys.assigned, s.root)
	if err := s.openSacPipe(); err != nil {
		return err
	}
	defer s.sacpipe.Close()
	ln, err := sacmsg.Listen(s.root.CmdPipe())
	if err != nil {
		return fatal(exitNoCmdPipe, msgNoCmdPipe, err)
	}
	defer os.Remove(s.root.CmdPipe())
	defer ln.Close()
	if err := s.readTable(false); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.reqs = make(chan adminReq)
	s.msgs = make(chan sacmsg.PMMsg, 64)
	s.readErr = make(chan error, 1)
	srv := &sacmsg.Server{Handle: s.handleAdmin(ctx), Logf: s.logf}
	go srv.Serve(ctx, ln)
	go s.readSacPipe()

	s.startAll()
	s.poll()
	// Under systemd (Type=notify) sac is ready once it answers the admin
	// channel and has started its port monitors.
	_ = sdnotify.Notify(os.Getenv, sdnotify.Ready, fmt.Sprintf(msgNotifyStatus, len(s.pms))) // no systemd: nothing to tell
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case sig := <-sigs:
			switch sig {
			case unix.SIGCHLD:
				s.reap()
			case unix.SIGHUP:
				s.logf(msgSIGHUP)
				_ = sdnotify.Notify(os.Getenv, sdnotify.Reloading)
				if err := s.readTable(true); err != nil {
					s.logf(msgKeepTable, err)
				}
				_ = sdnotify.Notify(os.Getenv, sdnotify.Ready)
			default:
				s.logf(msgSignal, sigName(sig))
				_ = sdnotify.Notify(os.Getenv, sdnotify.Stopping)
				return nil
			}
		case <-tick.C:
			s.poll()
		case m := <-s.msgs:
			s.handleMsg(m)
		case err := <-s.readErr:
			return fatal(exitSacPipeRead, msgSacPipeRead, err)
		case r := <-s.reqs:
			ack, data := s.admin(r.cmd)
			r.reply <- adminReply{ack, data}
		}
	}
}

func sigName(sig os.Signal) string {
	if s, ok := sig.(syscall.Signal); ok {
		return unix.SignalName(s)
	}
	return sig.String()
}

// openSacPipe creates _sacpipe if needed and opens it read/write, so that
// sac never sees end-of-file. The original set umask 0 to create the FIFO
// and left it so, handing umask 0 to every port monitor; we set the mode
// explicitly and keep sac's umask.
func (s *sac) openSacPipe() error {
	path := s.root.SacPipe()
	if err := mkfifo(path); err != nil {
		return fatal(exitNoSacPipe, msgNoSacPipe, err.Error())
	}
	f, err := openFIFO(path)
	if err != nil {
		return fatal(exitNoSacPipe, msgNoSacPipe, errno.Text(err))
	}
	s.sacpipe = f
	return nil
}

// mkfifo makes a FIFO of mode 0600 at path unless one is there. Its mode
// is made exact by openFIFO, through the descriptor: a chmod by name
// follows whatever was swapped in at path meanwhile.
func mkfifo(path string) error {
	fi, err := os.Lstat(path)
	if err == nil {
		if fi.Mode()&os.ModeNamedPipe == 0 {
			return fmt.Errorf(msgErrExistsNotFIFO, path)
		}
		return nil
	}
	if err := unix.Mkfifo(path, 0o600); err != nil && !errors.Is(err, unix.EEXIST) {
		return &os.PathError{Op: "mkfifo", Path: path, Err: err}
	}
	afterMkfifo(path)
	return nil
}

// errNotFIFO: openFIFO found something other than a FIFO.
var errNotFIFO = errors.New(msgErrNotFIFO)

// errLinked: openFIFO or openPid found a file with more than one name,
// which may be a hard link to someone else's file. sacadm and the port
// monitors make these files with one name.
var errLinked = errors.New(msgErrLinked)

// openFIFO opens the FIFO at path read/write (so that writes never fail
// for want of a reader and reads never see end-of-file) and non-blocking
// (so that a port monitor that stops reading never blocks sac; Go's
// poller blocks only the goroutine), and makes it mode 0600 through the
// descriptor.
//
// WARNING: sac runs as root and opens _sacpipe and every _pmpipe by name,
// in directories an administrator may hand to a port monitor's user. A
// symbolic link there is not followed (O_NOFOLLOW), and anything that
// is not a FIFO with one name (a hard link to /etc/shadow or to another
// FIFO, a device) is closed without a byte written and without a mode
// change. Re-verify with go test -run PMPipe ./internal/sac
func openFIFO(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	fail := func(op string, err error) (*os.File, error) {
		unix.Close(fd)
		return nil, &os.PathError{Op: op, Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fail("fstat", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return fail("open", errNotFIFO)
	}
	if st.Nlink != 1 {
		return fail("open", errLinked)
	}
	if st.Mode&0o7777 != 0o600 {
		if err := unix.Fchmod(fd, 0o600); err != nil {
			return fail("fchmod", err)
		}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// readSacPipe reads port monitors' replies: fixed 24-byte headers, then
// any data they announce, which is skipped.
func (s *sac) readSacPipe() {
	buf := make([]byte, sacmsg.PMMsgSize)
	for {
		if _, err := io.ReadFull(s.sacpipe, buf); err != nil {
			if !errors.Is(err, os.ErrClosed) {
				s.readErr <- err
			}
			return
		}
		m, err := sacmsg.ParsePMMsg(buf)
		if err != nil {
			// A header we cannot parse (no NUL in the tag, a size
			// out of range) comes from no port monitor we know.
			s.msgs <- sacmsg.PMMsg{}
			continue
		}
		if m.Size > 0 {
			if !s.dataFollows(int(m.Size)) {
				// Announced and not sent (a port monitor killed
				// between two writes, or garbage): what follows is
				// other port monitors' replies, which must not be
				// taken for its data. It counts as an invalid
				// message.
				m.Type, m.Size = 0, 0
				s.msgs <- m
				continue
			}
			if _, err := io.CopyN(io.Discard, s.sacpipe, int64(m.Size)); err != nil {
				s.readErr <- err
				return
			}
		}
		s.msgs <- m
	}
}

// dataFollows reports whether the size bytes of data a header announced
// are in _sacpipe already. A port monitor writes a reply and its data in
// one write of at most PIPE_BUF bytes, which the pipe takes whole, so its
// data is there as soon as its header is; data that is not may never
// come. (The original waited for it, read the next port monitors' replies
// as that data, and then killed them as silent.)
func (s *sac) dataFollows(size int) bool {
	rc, err := s.sacpipe.SyscallConn()
	if err != nil {
		return false
	}
	n, ierr := 0, error(nil)
	if err := rc.Control(func(fd uintptr) { n, ierr = termios.InputPending(int(fd)) }); err != nil {
		return false
	}
	return ierr == nil && n >= size
}

// find returns the port monitor with tag, or nil.
func (s *sac) find(tag string) *pm {
	i := sort.Search(len(s.pms), func(i int) bool { return s.pms[i].tag >= tag })
	if i < len(s.pms) && s.pms[i].tag == tag {
		return s.pms[i]
	}
	return nil
}

// byPid returns the port monitor whose child has pid, or nil.
func (s *sac) byPid(pid int) *pm {
	for _, p := range s.pms {
		if p.pid == pid {
			return p
		}
	}
	return nil
}

// reap collects every exited child (one reaper for all children; the
// original reaped one per SIGCHLD and could lose deaths). Children that are
// not port monitors (a _sysconfig "run" command) are just reaped.
func (s *sac) reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		p := s.byPid(pid)
		if p == nil {
			continue
		}
		p.pid = 0
		p.status = int(ws)
		if p.pstate == sacmsg.NotRunning || p.pstate == sacmsg.Failed {
			continue
		}
		s.pollFail(p, true)
	}
}

// checkLock tells whether tag's _pid file is locked by a running port
// monitor and by whom. We take the holder's pid from the lock itself, which
// cannot be stale; the original read it from the file.
func (s *sac) checkLock(tag string) int {
	f, err := openPid(s.root.PMPid(tag))
	if err != nil {
		// Whatever the reason, a missing directory or _pid file
		// included, as the original.
		s.logf(msgCantOpenPid, tag, err)
		return 0
	}
	defer f.Close()
	pid, locked, err := lockfile.RecordLockedFile(f)
	if err != nil {
		s.logf(msgCantOpenPid, tag, err)
		return 0
	}
	if !locked {
		return 0
	}
	if pid <= 0 { // should not happen; fall back to the file as the original
		b := make([]byte, 511)
		n, _ := f.ReadAt(b, 0) // what was read, if anything, is all there is
		pid = atoi(strings.TrimRight(string(b[:n]), "\x00\n"))
	}
	return pid
}

// errNotRegular: openPid found something other than a regular file.
var errNotRegular = errors.New(msgErrNotRegular)

// openPid opens a port monitor's _pid file to test its lock.
//
// WARNING: whoever holds a lock on the file sac opens here is the port
// monitor to sac, and gets its SIGTERM and SIGKILL from root. A symbolic
// link at _pid, planted in a directory handed to the port monitor's
// user, would point sac at any process holding a lock on any file (a
// root daemon's pid file, sac's own /var/saf/_log), so it is not
// followed, and a hard link (where fs.protected_hardlinks allows one) is
// refused the same way; a FIFO or a terminal there must neither block
// sac in open nor become its controlling terminal, so only a regular
// file is taken. Re-verify with go test -run CheckLock ./internal/sac
func openPid(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		err = errNotRegular
	case st.Nlink != 1:
		err = errLinked
	}
	if err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// sendSig signals the port monitor through its _pid lock. The original
// could not signal a port monitor that does not hold the lock, and then
// started a second one beside it; when the port monitor is our own child,
// not yet reaped (so its pid cannot have been reused), we signal it by pid
// instead.
func (s *sac) sendSig(p *pm, sig unix.Signal) bool {
	pid := s.checkLock(p.tag)
	if pid <= 0 {
		pid = p.pid
	}
	if pid <= 0 {
		return false
	}
	return unix.Kill(pid, sig) == nil
}

// closePipe closes the port monitor's _pmpipe.
func (p *pm) closePipe() {
	if p.pipe != nil {
		p.pipe.Close()
		p.pipe = nil
	}
}

// send writes one message to the port monitor.
func (s *sac) send(p *pm, typ byte) {
	if p.pipe == nil {
		s.logf(msgMessageFailed, p.tag)
		return
	}
	b, _ := sacmsg.SacMsg{Type: typ}.AppendMarshal(nil) // fixed layout: cannot fail
	if _, err := p.pipe.Write(b); err != nil {
		s.logf(msgMessageFailed, p.tag)
	}
}

// poll is one sanity round (docs/original.md#sanity-polling).
func (s *sac) poll() {
	for _, p := range s.pms {
		if p.pstate == sacmsg.NotRunning || p.pstate == sacmsg.Failed || p.killPending {
			continue
		}
		if p.pstate == sacmsg.Stopping {
			// Told to stop and still there a whole interval later: SIGTERM,
			// then SIGKILL. The original waited forever for a port monitor
			// that ignored SIGTERM.
			p.stopPolls++
			if p.stopPolls > 1 && s.sendSig(p, unix.SIGKILL) {
				s.logf(msgNoStop, p.tag)
			}
		}
		if !p.ok {
			s.pollFail(p, false)
			continue
		}
		typ := byte(sacmsg.SCStatus)
		if p.sstate != p.pstate {
			switch p.sstate {
			case sacmsg.Enabled:
				typ = sacmsg.SCEnable
			case sacmsg.Disabled:
				typ = sacmsg.SCDisable
			}
		}
		s.send(p, typ)
		p.ok = false
	}
}

// pollFail handles a port monitor that died or stopped answering
// (docs/original.md#death-and-restart).
func (s *sac) pollFail(p *pm, death bool) {
	if p.pstate == sacmsg.Stopping {
		s.logf(msgHasStopped, p.tag)
		p.pstate, p.lstate = sacmsg.NotRunning, sacmsg.NotRunning
		p.killPending = false
		p.closePipe()
		if !death {
			s.sendSig(p, unix.SIGKILL) // silent and still holding _pid
		}
		return
	}
	if !death {
		if s.sendSig(p, unix.SIGKILL) && p.pid > 0 {
			// Our own child: restart once its death is reaped, so
			// that the new one does not find _pid still locked and
			// the death is not counted twice.
			p.killPending = true
			return
		}
	}
	restart := msgDiedRestart
	if !death || p.killPending {
		restart = msgMuteRestart
	}
	p.killPending = false
	p.closePipe()
	if p.rscnt < p.rsmax {
		s.logf(restart, p.tag)
		p.rscnt++
		s.startPM(p)
		return
	}
	p.sstate, p.pstate = sacmsg.Failed, sacmsg.Failed
	s.logf(msgHasFailed, p.tag)
}

// logNoisy logs a complaint about what a port monitor wrote to _sacpipe at
// most once a second: a port monitor that writes garbage in a loop must not
// fill the log, and syslog, with a line per message. The next line logged
// says how many were left out. The texts are handleMsg's few complaints,
// one per kind and tag, so the map stays small.
func (s *sac) logNoisy(msg string) {
	if s.noise == nil {
		s.noise = map[string]*noise{}
	}
	n := s.noise[msg]
	if n == nil {
		n = &noise{}
		s.noise[msg] = n
	}
	now := time.Now()
	if !n.last.IsZero() && now.Sub(n.last) < time.Second {
		n.dropped++
		return
	}
	if n.dropped > 0 {
		s.logf(msgNoiseRepeat, msg, n.dropped, int(now.Sub(n.last)/time.Second))
	} else {
		s.logf("%s", msg)
	}
	n.last, n.dropped = now, 0
}

// handleMsg applies a reply from a port monitor
// (docs/original.md#reading-replies).
func (s *sac) handleMsg(m sacmsg.PMMsg) {
	p := s.find(m.Tag)
	if p == nil {
		s.logNoisy(msgUnknownProcess)
		return
	}
	p.ok = true
	p.maxcls = m.MaxClass
	switch m.Type {
	case sacmsg.PMUnknown:
		s.logNoisy(fmt.Sprintf(msgDidntRecognize, p.tag))
	case sacmsg.PMStatus:
	default:
		s.logNoisy(fmt.Sprintf(msgInvalidMessage, p.tag))
		return
	}
	r := sacmsg.State(m.State)
	if r < sacmsg.Starting || r > sacmsg.Stopping {
		s.logNoisy(fmt.Sprintf(msgInvalidState, p.tag))
		r = sacmsg.Unknown
	}
	S, P := p.sstate, p.pstate
	switch {
	case S == P && S == sacmsg.Unknown: // recovery
		p.sstate, p.pstate = r, r
		if r == sacmsg.Enabled || r == sacmsg.Disabled {
			p.lstate = r
		}
	case S == P:
		p.pstate = r // changed without orders; the next poll orders it back
	case S == r:
		s.logf(msgChangedState, p.tag, P, r)
		p.pstate = r
	case P != r && P != sacmsg.Stopping:
		p.pstate = r
	}
}
