package ttymon

import (
	"context"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strconv"
	"sync"
	"time"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmproto"
	"github.com/linux-saf/saf/saf/pmstatus"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/saflog"
	"golang.org/x/sys/unix"
)

// Config is what SAC mode needs. Main fills it from the environment;
// tests build their own.
type Config struct {
	Root   paths.Root
	Env    pmproto.Env // PMTAG and ISTATE
	Stderr io.Writer   // for messages before the log is open
	// Self is the binary re-executed as the per-port child; default
	// /proc/self/exe.
	Self string
	// Retry is how often LOCKED, SESSION and UNACCESS ports are checked
	// again; default RetryInterval.
	Retry time.Duration
	// Now is the clock of the spawn limit; default time.Now.
	Now func() time.Time
}

// RetryInterval is the re-check period of locked, session-owned and
// unaccessible ports.
const RetryInterval = 60 * time.Second

// reservedFDs is how many descriptors ttymon keeps for itself.
const reservedFDs = 7

// The uucp user and the tty group when the databases have neither.
const (
	defaultUucpUID = 5
	defaultTTYGID  = 7
)

// monitor is ttymon in SAC mode: the log, the connection to sac, the
// port table and one goroutine per port (port.go). The goroutine running
// run owns the table; ports only read what they are handed.
type monitor struct {
	cfg  Config
	log  *logFile
	logf saflog.Logf
	pm   *pmproto.PM
	defs *defs

	uucpUID int
	ttyGID  int
	noFile  uint64 // the RLIMIT_NOFILE soft limit ttymon started with
	locks   *lockWatch

	mu      sync.Mutex
	enabled bool

	ports    map[string]*port
	stateCh  chan struct{} // the enabled state changed
	readDB   chan struct{} // SC_READDB received
	finished chan *port    // a removed port's goroutine ended
	done     chan struct{} // closed when run returns
	wg       sync.WaitGroup

	// The status socket (status.go).
	started   time.Time
	statusReq chan chan []*port // the status server asks the main loop for the ports
	loopDone  chan struct{}     // closed when the main loop has ended
}

// isEnabled reports ttymon's state.
func (m *monitor) isEnabled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.enabled
}

func (m *monitor) setEnabled(on bool) {
	m.mu.Lock()
	changed := m.enabled != on
	m.enabled = on
	m.mu.Unlock()
	if changed {
		notify(m.stateCh)
	}
}

// notify does a non-blocking send on a channel with room for one.
func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// fatal logs msg and the exit line, as every fatal error of the original
// did, and returns 1.
func (m *monitor) fatal(msg string) int {
	m.logf("%s", msg)
	m.logf(msgExiting)
	return 1
}

// newMonitor returns a monitor for cfg, with the defaults filled in; run
// starts it.
func newMonitor(cfg Config) *monitor {
	if cfg.Self == "" {
		cfg.Self = "/proc/self/exe"
	}
	if cfg.Retry <= 0 {
		cfg.Retry = RetryInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	return &monitor{
		cfg:       cfg,
		enabled:   cfg.Env.State == sacmsg.Enabled,
		ports:     map[string]*port{},
		stateCh:   make(chan struct{}, 1),
		readDB:    make(chan struct{}, 1),
		finished:  make(chan *port, 16),
		done:      make(chan struct{}),
		started:   time.Now(),
		statusReq: make(chan chan []*port),
		loopDone:  make(chan struct{}),
	}
}

// run is the start-up (docs/original.md#ttymon-startup), then the main
// loop. It returns the exit status.
func (m *monitor) run(ctx context.Context) int {
	cfg := &m.cfg
	root, tag := cfg.Root, cfg.Env.Tag
	defer close(m.done)
	defer m.shutdown()

	// Signals before anything else. SIGQUIT is ignored by the original;
	// we catch and drop it instead, so that children do not inherit an
	// ignored SIGQUIT.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGQUIT)
	defer signal.Stop(sigs)

	logPath := root.PMLog(tag)
	var err error
	m.log, err = openLog(logPath, logPerm(), true)
	if err != nil {
		consPrint(root, cfg.Stderr, sprintf(msgCreateLog, logPath, errno.Text(err))+consoleNUL)
		return 1
	}
	defer m.log.Close()
	m.logf = m.log.Printf
	m.logf(msgBlank)
	m.logf(msgStarting)

	m.pm, err = pmproto.Open(pmproto.Config{
		Root: root,
		Env:  cfg.Env,
		Name: progName, // for pmproto's "pid file is locked. ttymon may already be running!"
		Hooks: pmproto.Hooks{
			OnEnable:  func(sacmsg.State) { m.setEnabled(true) },
			OnDisable: func(sacmsg.State) { m.setEnabled(false) },
			OnReadDB:  func() { notify(m.readDB) },
		},
		Logf: m.logf,
	})
	if err != nil {
		return m.fatal(err.Error()) // pmproto words it as the original did
	}
	defer m.pm.Close()
	state := stateDisabled
	if m.enabled {
		state = stateEnabled
	}
	m.logf(msgPMTag, tag)
	m.logf(msgStartState, state)

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	pmDone := make(chan error, 1)
	go func() { pmDone <- m.pm.Run(runCtx) }()

	maxPorts := m.raiseNoFile()

	data, msg := readPMTabFile(root.PMTab(tag))
	if msg != "" {
		return m.fatal(msg)
	}
	m.defs = newDefs(root.TtyDefs(), m.logf)
	if err := m.defs.checkVersion(); err != nil {
		// The file named is the one read, SAF_ROOT included.
		return m.fatal(sprintf(msgCheckTTYDefs, root.TtyDefs()))
	}
	m.defs.load()
	m.lookupIDs()
	m.locks = newLockWatch(root.LockDir())
	defer m.locks.Close()
	entries := readPMTab(data, maxPorts, m.logf)
	m.logf(msgInitDone)
	for _, e := range entries {
		m.addPort(e, true)
	}
	// sacadm --status (status.go). Without the socket ttymon works as
	// before; sacadm then shows only what _pmtab says.
	if srv, err := pmstatus.Serve(root.PMStatus(tag), m.snapshot); err != nil {
		m.logf(msgStatusSocket, err)
	} else {
		defer srv.Close()
	}
	defer close(m.loopDone) // before srv.Close: a pending answer stops waiting for the loop
	return m.loop(ctx, sigs, pmDone, maxPorts)
}

// loop is the main loop: signals, sac's messages and the ports' reports,
// until ttymon stops. It returns the exit status.
func (m *monitor) loop(ctx context.Context, sigs <-chan os.Signal, pmDone <-chan error, maxPorts int) int {
	for {
		select {
		case <-ctx.Done():
			return m.fatal(msgCaughtSIGTERM)
		case s := <-sigs:
			if s == unix.SIGTERM {
				m.pm.SetState(sacmsg.Stopping)
				return m.fatal(msgCaughtSIGTERM)
			}
		case <-m.stateCh:
			on := m.isEnabled()
			for _, p := range m.ports {
				p.setEnabled(on)
			}
		case <-m.readDB:
			m.reread(maxPorts)
		case p := <-m.finished:
			if q := m.ports[p.tag]; q == p {
				delete(m.ports, p.tag)
			}
		case r := <-m.statusReq:
			r <- m.portList()
		case err := <-pmDone:
			// _pmpipe cannot be read any more: without it sac cannot
			// reach us. The original would loop on a dead pipe; we stop.
			return m.fatal(sprintf(msgPMPipeRead, errno.Text(err)))
		}
	}
}

// logPerm is the log file's creation mode: 0444 as the original. Outside
// root that would keep a sandboxed ttymon from opening its own log a second
// time, so there it is 0644.
func logPerm() os.FileMode {
	if os.Geteuid() == 0 {
		return 0o444
	}
	return 0o644
}

// raiseNoFile raises the RLIMIT_NOFILE soft limit to the hard limit,
// logs the original's two lines about it (files, ports) and returns the
// number of ports ttymon may monitor.
func (m *monitor) raiseNoFile() int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		m.logf(msgGetrlimit, errno.Text(err))
		return 0
	}
	m.noFile = rl.Cur
	if rl.Cur < rl.Max {
		raised := unix.Rlimit{Cur: rl.Max, Max: rl.Max}
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &raised); err != nil {
			m.logf(msgSetrlimit, errno.Text(err))
		}
	}
	n := int(min(rl.Max, 1<<30))
	m.logf(msgMaxFiles, n)
	m.logf(msgMaxPorts, n-reservedFDs)
	return max(n-reservedFDs, 1)
}

// lookupIDs finds the uucp user and the tty group.
func (m *monitor) lookupIDs() {
	m.uucpUID, m.ttyGID = defaultUucpUID, defaultTTYGID
	if u, err := user.Lookup("uucp"); err == nil {
		if id, err := strconv.Atoi(u.Uid); err == nil {
			m.uucpUID = id
		}
	}
	g, err := user.LookupGroup("tty")
	if err != nil {
		m.logf(msgNoTTYGroup)
		return
	}
	if id, err := strconv.Atoi(g.Gid); err == nil {
		m.ttyGID = id
	}
}

// addPort starts monitoring e (a new tag): the one-time soft-carrier
// setting, then the port's goroutine.
func (m *monitor) addPort(e *entry, startup bool) {
	if e.SoftCar != pmtab.SoftCarrierUnset {
		m.softCarrier(e)
	}
	p := newPort(m, e, startup)
	m.ports[e.Tag] = p
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		p.run()
		select {
		case m.finished <- p:
		case <-m.done:
		}
	}()
}

// shutdown removes every port when run returns: lines the parent holds
// are closed and children not in service are made to exit. Services keep
// running, as in the original.
func (m *monitor) shutdown() {
	for _, p := range m.ports {
		p.remove()
	}
}

// softCarrier applies the soft-carrier field once
// (docs/original.md#soft-carrier): failures are logged and ignored.
func (m *monitor) softCarrier(e *entry) {
	fd, err := unix.Open(e.Device, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		m.logf(msgOpenFailed, e.Device, errno.Text(err))
		return
	}
	defer unix.Close(fd) // read-only; nothing to report
	if isPty(fd) {
		// Not yet the port's pty (ptyline.go): another user's terminal
		// is left alone.
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return
		}
		var uucp []int
		if e.Flags.Bidirectional() || e.Flags.Connect() {
			uucp = append(uucp, m.uucpUID)
		}
		if why := ptyRefusal(&st, os.Getpid(), uucp...); why != "" {
			m.logf(msgSoftCarrier, e.Device, sprintf(reasonNotTaking, why))
			return
		}
	}
	if err := termios.SetSoftCarrier(fd, e.SoftCar == pmtab.SoftCarrierOn); err != nil {
		m.logf(msgSoftCarrier, e.Device, errno.Text(err))
	}
}

// reread is the re-read of SC_READDB (docs/original.md#ttymon-reread):
// _pmtab is read again; identical entries are left alone, changed ones
// replace theirs, new ones are added, missing ones are removed. Running
// services are never touched.
func (m *monitor) reread(maxPorts int) {
	// DEVIATION (docs/linux.md#reload-failures-keep-the-old-table): the
	// original's re-read ended ttymon on these two failures, as at
	// start-up. A table that cannot be read now is logged and the ports go
	// on as they were; the next SC_READDB tries again.
	data, msg := readPMTabFile(m.cfg.Root.PMTab(m.cfg.Env.Tag))
	if msg != "" {
		m.logf("%s", msg)
		return
	}
	entries := readPMTab(data, maxPorts, m.logf)
	next := map[string]*entry{}
	for _, e := range entries {
		next[e.Tag] = e
	}
	for tag, p := range m.ports {
		if _, ok := next[tag]; !ok {
			p.remove()
		}
	}
	for _, e := range entries {
		p, ok := m.ports[e.Tag]
		if !ok || !p.update(e) {
			m.addPort(e, false)
		}
	}
}

// readPMTabFile reads _pmtab and checks its version stamp. On failure it
// returns the message to log: the file named is the one read, SAF_ROOT
// included, with the reason after it.
func readPMTabFile(path string) ([]byte, string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, sprintf(msgOpenPMTab+detailErr, path, errno.Text(err))
	}
	if v, err := admfile.Version(data); err != nil || v != PMTabVersion {
		return nil, msgCheckPMTab
	}
	return data, ""
}
