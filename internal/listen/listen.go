package listen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/doconfig"
	"github.com/linux-saf/saf/saf/nlsaddr"
	"github.com/linux-saf/saf/saf/passfd"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmproto"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

const prog = "listen"

// maxNetSpec is the longest net_spec.
const maxNetSpec = 64

// Main runs listen with args (without the program name) and returns its
// exit status. In the launcher process (the listener re-executed to
// become a service, see launch.go) it runs the launcher instead.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if spec, ok := os.LookupEnv(envLaunch); ok {
		return launchMain(spec)
	}
	if len(args) == 1 && args[0] == "--help" {
		io.WriteString(stdout, msgHelp)
		return 0
	}
	// One P unless the operator sets GOMAXPROCS: the listener's work per
	// connection is a short sequence (accept, checks, fork and exec) that
	// gains nothing from a second processor, while idle Ps make the Go
	// scheduler pass work between threads (futex wake-ups, spinning Ms).
	// Services run in their own processes and use every processor. e2e
	// BenchmarkListen, same run, listen's own CPU per connection at
	// c=1/8/32: 170/160/155 us with two Ps, 275/125/115 with one.
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(1)
	}
	// sac starts port monitors with no descriptors open; nothing we open
	// may land on 0, 1 or 2 (pmproto.EnsureStdio).
	if err := pmproto.EnsureStdio(); err != nil {
		fmt.Fprintf(stderr, msgStderr, prog, err)
		return exitFatal
	}
	// Signals before the first child. The original blocked every signal but
	// SIGTERM and SIGCHLD; Notify keeps the others from killing us without
	// leaving them ignored in the services (they are reset at exec). The
	// listener ignores no signal (never signal.Ignore here): the direct
	// path (fastpath.go) has no launcher to reset dispositions, and relies
	// on Go setting every signal it handles back to SIG_DFL in the child.
	// Notify also replaces an inherited SIG_IGN of SIGHUP and SIGINT, which
	// Go would otherwise keep.
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	ignored := make(chan os.Signal, 16)
	signal.Notify(ignored, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM, syscall.SIGPIPE)
	go func() {
		for range ignored {
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-term
		cancel()
	}()
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, msgNoSelf, prog, err)
		return exitFatal
	}
	return Run(ctx, Config{
		Root:    paths.FromEnv(os.Getenv),
		Lookup:  os.LookupEnv,
		Environ: os.Environ(),
		Args:    args,
		Self:    self,
		Euid:    os.Geteuid(),
		Stderr:  stderr,
		ReapAll: true,
	})
}

// Config is what Run needs; Main fills it from the process.
type Config struct {
	Root    paths.Root                  // SAF_ROOT
	Lookup  func(string) (string, bool) // the environment: PMTAG, ISTATE
	Environ []string                    // what services inherit (serviceBaseEnv)
	Args    []string                    // the command line, without the program name
	Self    string                      // the program re-executed as the launcher
	Euid    int                         // the effective uid, for the root check
	Stderr  io.Writer                   // where errors go before the log is open
	// ReapAll lets the listener reap any child of its process with
	// wait4(-1), as a daemon must when it is process 1 or a subreaper,
	// and where pidfds cannot be had (reap.go). When false (tests running
	// the listener inside a test binary, whose other children must not
	// be reaped) only the listener's own children are waited for, each
	// by its pid.
	ReapAll bool
}

// listener is one running listen port monitor.
type listener struct {
	cfg     Config
	root    paths.Root
	tag     string
	netspec string
	mprefix string
	tr      transport
	log     *rotLog
	pm      *pmproto.PM
	env     []string // the services' inherited environment

	reap   *reaper        // the one reaper of the children (reap.go)
	fast   bool           // plain exec entries take the direct path (fastpath.go)
	egid   int            // the effective gid, read once for the direct path
	ids    identCache     // identities for the direct path
	eps    []*endpoint    // bound endpoints; only the main loop changes it
	svcs   []*service     // the table in force; only the main loop changes it
	loops  sync.WaitGroup // the accept loops
	seq    atomic.Uint64
	readdb chan struct{}
	rebind chan struct{} // a socket file was found gone (status.go)

	// Service options (options.go, wait.go, activation.go).
	hosts     hostsCache            // hosts.allow and hosts.deny, for wrap
	udpPorts  atomic.Pointer[[]int] // ports of internal udp services, for dgramLoopRisk
	inherited []*inheritedSock      // sockets from the service manager, until bound
}

// Run runs the listener until ctx is done (SIGTERM: it then returns 15)
// or a fatal error, and returns the exit status
// (docs/original.md#listen-exit-codes).
func Run(ctx context.Context, cfg Config) int {
	// No PMTAG: exit silently.
	tag, ok := cfg.Lookup(pmproto.EnvPMTag)
	if !ok || tag == "" {
		return exitFatal
	}
	if err := pmproto.ValidTag(tag); err != nil {
		fmt.Fprintf(cfg.Stderr, msgStderr, prog, err)
		return exitFatal
	}
	l := &listener{cfg: cfg, root: cfg.Root, tag: tag, readdb: make(chan struct{}, 1), rebind: make(chan struct{}, 1), egid: os.Getegid()}
	l.env = serviceBaseEnv(cfg.Environ)
	// One reaper for every child, before the first child exists.
	rp, err := newReaper(cfg.ReapAll) // reap.go
	if err != nil {
		// Children are reaped all the same, a slower way.
		fmt.Fprintf(cfg.Stderr, msgStderr, prog, err)
	}
	l.reap = rp
	defer rp.close()

	// _pid is locked before the log is touched: a second listener for the
	// same tag must not move the running one's log aside. Its errors are
	// reported in the original's order below, once the log is open.
	pm, openErr := pmproto.Open(pmproto.Config{
		Root:  cfg.Root,
		Env:   pmproto.Env{Tag: tag, State: sacmsg.Disabled},
		Name:  prog,
		Hooks: l.hooks(),
		Logf:  l.pmLogf,
	})
	if pm != nil {
		l.pm = pm
		defer pm.Close()
	}
	// The log, moved aside unless another listener holds _pid.
	locked := errors.Is(openErr, pmproto.ErrAlreadyRunning)
	logPath := cfg.Root.PMLog(tag)
	lg, err := openLog(logPath, cfg.Root.PMOldLog(tag), !locked, logOptions)
	if err != nil {
		fmt.Fprintf(cfg.Stderr, msgNoLog, prog, logPath, errno.Text(err))
		return exitFatal
	}
	l.log = lg
	defer lg.Close()
	return l.run(ctx, openErr)
}

// logf logs one line.
func (l *listener) logf(format string, args ...any) { l.log.Printf(format, args...) }

// fatal logs lines and the terminating line and returns code.
func (l *listener) fatal(code int, lines ...string) int {
	for _, s := range lines {
		l.logf("%s", s)
	}
	l.logf("%s", msgTerminating)
	return code
}

// run is the rest of the start-up once the log is open, in the original's
// order (docs/original.md#listen-startup), and the main loop.
func (l *listener) run(ctx context.Context, openErr error) int {
	// The umask is listen's own, and services get it too: the launcher sets
	// it again (a script may change it), a service on the direct path
	// inherits it. Nothing the listener creates relies on another: the log
	// is created 0444 and socket files are bound under a umask of their own
	// (bindUnix).
	unix.Umask(0o022)
	// The direct path hands the service whatever the listener leaves
	// open without close-on-exec and whatever signal state it has; it
	// is used only when that state is clean (fastpath.go).
	cloexecFrom3()
	resetLibcSignals()
	l.fast = signalsClean()
	if l.cfg.Euid != 0 && !l.root.Sandboxed() {
		return l.fatal(exitFatal, msgNotRoot, msgFailedStart)
	}
	// Options.
	fs := pflag.NewFlagSet(prog, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(false) // getopt: options come first
	mprefix := fs.StringP("minor-prefix", "m", "", "")
	if err := fs.Parse(l.cfg.Args); err != nil || fs.NArg() != 1 {
		return l.fatal(exitFatal, msgUsage)
	}
	l.netspec = fs.Arg(0)
	l.mprefix = l.netspec
	if fs.Changed("minor-prefix") {
		l.mprefix = *mprefix
	}
	if len(l.netspec) > maxNetSpec {
		return l.fatal(exitFatal, msgNetSpecLong, msgFailedStart)
	}
	tr, ok := lookupTransport(l.netspec)
	if !ok {
		return l.fatal(exitFatal, fmt.Sprintf(msgNoNetconfig, l.netspec), msgFailedStart)
	}
	l.tr = tr
	// The pipes to sac and _pid, opened before the log.
	if openErr != nil {
		code, lines := openFailure(openErr)
		return l.fatal(code, lines...)
	}
	// The version and tag lines.
	l.logf(msgVersionLine)
	l.logf(msgTag, l.tag)
	// ISTATE.
	istate, ok := l.cfg.Lookup(pmproto.EnvIState)
	if !ok {
		return l.fatal(exitFatal, msgNoIState)
	}
	if istate == pmproto.IStateEnabled {
		l.pm.SetState(sacmsg.Enabled)
		l.logf(msgStartEnabled)
	} else {
		l.pm.SetState(sacmsg.Disabled)
		l.logf(msgStartDisable)
	}
	// The table.
	svcs, notes, err := readTable(l.root.PMTab(l.tag))
	if err != nil {
		te := err.(*tableError)
		return l.fatal(te.Code, te.Lines...)
	}
	for _, n := range notes {
		l.logf("%s", n)
	}
	// Binding, with the sockets of a service manager if there are any
	// (activation.go).
	l.inherited = inheritedSockets(l.cfg.Lookup, l.logf)
	l.svcs = svcs
	l.bindAll(svcs, nil)
	l.dropInherited()
	l.logf(msgNetOpened, len(l.eps), addresses(len(l.eps)), l.fdsFree())
	if !l.fast {
		// Not an error, but a listener several times slower than it
		// could be: say why (fastpath.go, signalsClean).
		l.logf(msgSlowStart)
	}
	l.logf(msgInitComplete)
	defer l.startStatus(svcs)() // sacadm --status (status.go)
	return l.loop(ctx)
}

// openFailure maps pmproto.Open's error to the listener's lines and exit
// status.
func openFailure(err error) (int, []string) {
	if errors.Is(err, pmproto.ErrAlreadyRunning) {
		return exitFatal, []string{msgLockPID, msgFailedStart}
	}
	var oe *pmproto.OpenError
	if !errors.As(err, &oe) {
		return exitFatal, []string{err.Error(), msgFailedStart}
	}
	detail := fmt.Sprintf(msgFileDetail, oe.Path, errno.Text(oe.Err))
	switch oe.Op {
	case pmproto.OpOpenSacPipe:
		return exitNoFile, []string{msgNoSacPipe, detail}
	case pmproto.OpOpenPMPipe:
		return exitNoFile, []string{msgNoPMPipe, detail}
	case pmproto.OpLockPid:
		return exitFatal, []string{msgLockPID, detail, msgFailedStart}
	}
	return exitNoFile, []string{msgNoPIDFile, detail}
}

// addresses is the word that follows n in msgNetOpened and
// msgRereadComplete: "address" for 1, "addresses" for any other number.
func addresses(n int) string {
	if n == 1 {
		return msgAddress
	}
	return msgAddresses
}

// fdsFree is the descriptor limit less the bound endpoints and the
// listener's own 6, as the original counted.
func (l *listener) fdsFree() int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return int(min(rl.Cur, 1<<31-1)) - len(l.eps) - 6
}

// hooks are the listener's part in sac's messages
// (docs/original.md#listen-sac-messages-and-reread).
func (l *listener) hooks() pmproto.Hooks {
	return pmproto.Hooks{
		Received: func(m sacmsg.SacMsg) {
			switch m.Type {
			case sacmsg.SCStatus, sacmsg.SCEnable, sacmsg.SCDisable, sacmsg.SCReadDB:
			default:
				l.logf(msgUnknownSacMsg)
			}
		},
		OnEnable: func(from sacmsg.State) {
			if from != sacmsg.Enabled {
				l.logf(msgNewEnabled)
			}
		},
		OnDisable: func(from sacmsg.State) {
			if from != sacmsg.Disabled {
				l.logf(msgNewDisabled)
			}
		},
		OnReadDB: func() {
			// Re-read after this round of messages; several READDBs in a
			// row make one re-read.
			select {
			case l.readdb <- struct{}{}:
			default:
			}
		},
	}
}

// pmLogf takes pmproto's lines: ttymon's "Got ..." texts are not the
// listener's (it logs from its hooks); the rest, such as a failed reply,
// is kept.
func (l *listener) pmLogf(format string, args ...any) {
	if strings.HasPrefix(format, "Got ") || l.log == nil {
		return
	}
	l.logf(format, args...)
}

// loop is the main loop (docs/original.md#listen-main-loop): the accept
// loops run on their own; here sac's messages, re-reads and SIGTERM are
// handled.
func (l *listener) loop(ctx context.Context) int {
	pctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- l.pm.Run(pctx) }()
	for {
		select {
		case <-ctx.Done():
			// The services keep running in their own sessions; only
			// the listening sockets go.
			l.logf(msgSIGTERM)
			l.closeAll()
			return l.fatal(exitSIGTERM)
		case <-l.readdb:
			if code := l.reread(); code != exitOK {
				l.closeAll()
				return code
			}
		case <-l.rebind:
			l.rebindGone()
		case err := <-runErr:
			l.closeAll()
			return l.fatal(exitPoll, fmt.Sprintf(msgSacReadError, err), msgSystemError)
		}
	}
}

// closeAll closes every endpoint and waits for every accept loop, those
// of endpoints closed by earlier re-reads included, to end.
func (l *listener) closeAll() {
	for _, ep := range l.eps {
		ep.close()
	}
	l.eps = nil
	l.loops.Wait()
}

// bindAll binds the entries of svcs that have an address or flag d,
// static ones first, then dynamic ones, each in file order, skipping codes
// in skip.
func (l *listener) bindAll(svcs []*service, skip map[string]bool) {
	for _, dyn := range []bool{false, true} {
		for _, s := range svcs {
			if s.bindable() && s.dynamic() == dyn && !skip[s.Code] {
				l.bind(s)
			}
		}
	}
	// The ports no internal udp service answers (dgramLoopRisk).
	var ports []int
	for _, ep := range l.eps {
		if ep.kind == kindDgram {
			if ap, err := nlsaddr.ParseSockaddr(ep.local); err == nil {
				ports = append(ports, int(ap.Port()))
			}
		}
	}
	l.udpPorts.Store(&ports)
}

// bind binds one entry and starts accepting on it.
func (l *listener) bind(s *service) {
	if s.passfd() && s.Listen.Flags&pmtab.LFlagOptions != 0 && s.Options.Internal == "" && socketKind(s) != kindAccept {
		l.logf(msgIgnored, s.Code, whyPassfdWait)
		return
	}
	ep, err := l.takeInherited(s) // activation.go
	if ep == nil && err == nil {
		ep, err = bindService(l.tr, s)
	}
	if err != nil {
		var be *bindError
		if errors.As(err, &be) {
			l.logf(msgIgnored, s.Code, be.Why)
			l.logf(msgIgnoredReason, errno.Text(be.Err))
		} else {
			l.logf(msgIgnored, s.Code, whyBind)
			l.logf(msgIgnoredReason, err)
		}
		return
	}
	l.eps = append(l.eps, ep)
	if ep.dynamic {
		l.logf(msgServiceDynamic, s.Code, ep.fd, nlsaddr.Hex(ep.local))
	} else {
		l.logf(msgServiceAddr, s.Code, ep.fd, ep.addrText())
	}
	l.rpcSet(ep, s)
	l.loops.Add(1)
	go l.serve(ep)
}

// serve runs ep's loop until the endpoint is closed.
func (l *listener) serve(ep *endpoint) {
	defer l.loops.Done()
	defer close(ep.done)
	rc, err := ep.f.SyscallConn()
	if err != nil {
		l.logf(msgServeError, ep.svc.Load().Code, err)
		return
	}
	switch ep.kind {
	case kindWait:
		l.waitLoop(ep, rc) // wait.go
	case kindDgram:
		l.dgramLoop(ep, rc) // wait.go
	default:
		ep.acceptLoop(rc, func(nfd int, peer unix.Sockaddr) { l.dispatch(ep, nfd, peer) }, l.acceptErrors(), l.log.Flush)
	}
}

// acceptErrors returns an endpoint's accept error logger: at most one line
// a second, so a listener out of descriptors does not flood its log
// (docs/architecture.md#logging). Each endpoint's loop calls its own
// logger, from one goroutine.
func (l *listener) acceptErrors() func(error) {
	var last time.Time
	suppressed := 0
	return func(err error) {
		if time.Since(last) < time.Second {
			suppressed++
			return
		}
		if suppressed > 0 {
			l.logf(msgAcceptMore, suppressed)
			suppressed = 0
		}
		l.logf(msgAcceptFailed, errno.Text(err))
		last = time.Now()
	}
}

// reread re-reads _pmtab (docs/original.md#listen-sac-messages-and-reread).
// Endpoints whose entry keeps its service code and address (or stays
// dynamic) are kept with their queued connections; the others are closed,
// and new ones bound. It returns a non-zero exit status when the re-read is
// fatal.
func (l *listener) reread() int {
	l.logf(msgRereading)
	// Identities may have changed too: look them up again (fastpath.go).
	l.ids.clear()
	svcs, notes, err := readTable(l.root.PMTab(l.tag))
	if err != nil {
		te := err.(*tableError)
		if te.Fatal {
			// A wrong version or an unopenable table is fatal even
			// now: the original's quirk, kept.
			return l.fatal(te.Code, te.Lines...)
		}
		for _, s := range te.Lines {
			l.logf("%s", s)
		}
		// The original said "Using new data base file" here, which was
		// wrong.
		l.logf(msgRereadFailed)
		return exitOK
	}
	for _, n := range notes {
		l.logf("%s", n)
	}
	byCode := map[string]*service{}
	for _, s := range svcs {
		if s.bindable() {
			byCode[s.Code] = s
		}
	}
	kept := map[string]bool{}
	var keep []*endpoint
	for _, ep := range l.eps {
		old := ep.svc.Load()
		ns := byCode[old.Code]
		if ns != nil && !kept[ns.Code] && ns.dynamic() == ep.dynamic && (ep.dynamic || ns.Address == ep.addr) && sameSocket(old, ns) && !ep.fileGone() {
			ep.svc.Store(ns)
			kept[ns.Code] = true
			keep = append(keep, ep)
			l.logf(msgServiceAddr, ns.Code, ep.fd, ep.addrText())
			if !sameRPC(old.RPC, ns.RPC) {
				l.rpcUnset(ep, old)
				l.rpcSet(ep, ns)
			}
			continue
		}
		l.logf(msgUnbind, old.Code, ep.fd, ep.addrText())
		l.rpcUnset(ep, old)
		ep.close()
	}
	l.eps = keep
	l.svcs = svcs
	l.bindAll(svcs, kept)
	l.publishStatus(svcs)
	l.logf(msgRereadComplete, len(l.eps), addresses(len(l.eps)), l.fdsFree())
	return exitOK
}

// rebindGone binds again every endpoint whose socket file was removed
// or replaced (fileGone): nobody could reach it by name any more. The
// connections still queued on the old socket are reset as it closes. A
// re-read does the same for the endpoints it would keep.
func (l *listener) rebindGone() {
	var keep []*endpoint
	var again []*service
	for _, ep := range l.eps {
		if !ep.fileGone() {
			keep = append(keep, ep)
			continue
		}
		s := ep.svc.Load()
		l.logf(msgUnbind+detailFileGone, s.Code, ep.fd, ep.addrText())
		l.rpcUnset(ep, s)
		ep.close()
		again = append(again, s)
	}
	if len(again) == 0 {
		return
	}
	l.eps = keep
	for _, s := range again {
		l.bind(s)
	}
	l.publishStatus(l.svcs)
}

func sameRPC(a, b *pmtab.ListenRPC) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// dispatch handles one accepted connection
// (docs/original.md#dispatching-a-connection).
func (l *listener) dispatch(ep *endpoint, nfd int, peer unix.Sockaddr) {
	seq := l.seq.Add(1)
	s := ep.svc.Load()
	if l.pm.State() != sacmsg.Enabled {
		l.logf(msgCallDisabled, ep.fd, seq)
		reset(nfd)
		return
	}
	if s.disabled() {
		l.logf(msgDeniedDisabled, ep.fd)
		reset(nfd)
		return
	}
	if s.Listen.Flags&pmtab.LFlagOptions != 0 {
		// The only test a plain entry pays for options.
		l.dispatchOpts(ep, s, nfd, peer, seq) // options.go
		return
	}
	typ := typeExec
	if s.passfd() {
		typ = typePassfd
	}
	// Queued, not written: a write here would be the first system call
	// made through the Go scheduler since the listener was idle, which
	// wakes the runtime's monitor thread for the fork that follows
	// (rawsys_linux.go); the accept loop writes the queue once no
	// connection waits, and any other line written meanwhile goes after
	// it (rotLog.Defer).
	l.log.Defer(msgConnect, ep.fd, s.Code, seq, typ)
	if s.passfd() {
		// In its own goroutine: a slow standing server must not hold up
		// the next connection.
		go l.passFD(s, nfd)
		return
	}
	if s.nlps() {
		l.serveNLPSConn(ep, s, nfd, peer, nil) // nlpsserver.go
		return
	}
	l.launch(s, nfd, peer)
}

// passFD hands a connection to a standing server
// (docs/original.md#passing-a-connection, docs/linux.md#passing-connections),
// in the listener's own process.
func (l *listener) passFD(s *service, nfd int) {
	defer unix.Close(nfd)
	sock := doconfig.NewProcess(nfd, doconfig.Socket)
	if len(s.Modules) > 0 {
		if err := sock.Push(s.Modules); err != nil {
			l.logf(msgPushModules, strings.Join(s.Modules, ","))
			return
		}
	}
	// assign and run are forbidden here (run's built-ins included), so
	// the script cannot touch the listener's own environment, directory,
	// umask or limits.
	if line, _ := doconfig.Run(l.root.ServiceScript(l.tag, s.Code), sock, doconfig.NoAssign|doconfig.NoRun); line != 0 {
		l.logf(msgDoconfig, line, s.Code)
		return
	}
	if err := passfd.Send(s.Command, nfd, passfdTimeout); err != nil {
		var pe *passfd.Error
		if errors.As(err, &pe) && pe.Op == passfd.OpConnect {
			l.logf(msgOpenFailed, s.Command)
		} else {
			l.logf(msgPassfdFailed, s.Command)
		}
		l.logf(msgReason, errno.Text(err))
	}
}

// launch starts s for the connection nfd from peer: directly when it
// can (fastpath.go), through the launcher otherwise (launch.go). It
// closes nfd and returns the child's pid, 0 when
// nothing started.
func (l *listener) launch(s *service, nfd int, peer unix.Sockaddr) int {
	su := l.newSetup(s, nfd, peer) // setup.go
	if took, pid := l.direct(&su); took {
		return pid
	}
	return l.startLauncher(&su)
}

// startLauncher starts the launcher for su: this program again, with the
// connection on 0, 1 and 2, the log on 3, and su's spec in its
// environment. It closes the connection and returns the child's pid, 0
// when nothing started.
func (l *listener) startLauncher(su *serviceSetup) int {
	defer closeRaw(su.conn) // the parent's copy goes once the child has it
	js, err := json.Marshal(su.spec(l.root, l.tag))
	if err != nil {
		l.logf(msgForkError)
		l.logf(msgReason, err)
		return 0
	}
	logFile, err := l.log.dup()
	if err != nil {
		l.logf(msgForkError)
		l.logf(msgFileDetail, l.log.path, errno.Text(err))
		return 0
	}
	defer logFile.Close()
	// HOME and PATH are the launcher's to set, after the script.
	env := slices.Concat(l.env, su.vars, []string{envLaunch + "=" + string(js)})
	attr := su.procAttr(l.root.PMDir(l.tag), env, nil, l.reap.slot(), logFile.Fd())
	pid, err := l.spawn(su, l.cfg.Self, []string{prog}, attr, false)
	if err != nil {
		l.logf(msgForkError)
		l.logf(msgReason, errno.Text(err))
		return 0
	}
	return pid
}

// spawn forks and execs path with argv and attr for su, and has the
// child reaped (reap.go) and shown in the status (status.go). A service
// with flag u is tracked from before the fork so that its end is
// recorded (utmp.go); with utmpHere the listener writes its start too,
// just after the fork (the launcher writes its own).
func (l *listener) spawn(su *serviceSetup, path string, argv []string, attr *syscall.ProcAttr, utmpHere bool) (int, error) {
	var pid, pidfd int
	err := startTracked(su.utmp(), l.root, func() (int, error) {
		var err error
		pid, pidfd, err = forkExec(path, argv, attr)
		if err == nil && utmpHere && su.utmp() {
			// Under utmpMu: the reaper cannot record the end before
			// this records the start.
			utmpStart(l.root, l.tag, su.svc, su.byNLPS, l.mprefix, pid, l.logf)
		}
		return pid, err
	})
	if err != nil {
		return 0, err
	}
	l.sessionStarted(su.svc.Code, pid, su.peer)
	l.reap.started(pid, pidfd)
	return pid, nil
}

// nlpsServerName is the program name that means "the NLPS server": the
// entry nlsadmin -i creates for service 0 runs /usr/lib/saf/nlps_server.
// The listener serves NLPS itself
// (docs/linux.md#nlps-server-in-the-listener), so any exec entry whose
// program is called nlps_server is served by the launcher (nlpsserver.go)
// and no such program needs to exist.
const nlpsServerName = "nlps_server"

// isNLPSServer reports whether command runs the NLPS server.
func isNLPSServer(command string) bool {
	argv, err := pmtab.SplitCommand(command)
	if err != nil {
		return false
	}
	return isNLPSArgv0(argv[0])
}

// isNLPSArgv0 reports whether a command's argv[0] runs the NLPS server.
func isNLPSArgv0(a0 string) bool {
	if i := strings.LastIndexByte(a0, '/'); i >= 0 {
		a0 = a0[i+1:]
	}
	return a0 == nlpsServerName
}
