package listen

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linux-saf/saf/internal/hostsaccess"
	"github.com/linux-saf/saf/saf/pmtab"
	"golang.org/x/sys/unix"
)

// Service options (our extension; the syntax is in
// saf/pmtab/listenopts.go).
//
// Everything here is opt-in: dispatch tests one bit of the entry's flags
// (flag o) and hands only entries with options to dispatchOpts. A plain
// entry's connection never takes a lock, allocates or logs anything
// because options exist (the benchmark, e2e BenchmarkListen, measures
// exactly that path).
//
// An entry with options goes through these checks, in this order, for
// every connection (every datagram of an internal UDP service):
//
//	allow, deny   the peer's address against the lists
//	wrap          hosts.allow, then hosts.deny (package internal/hostsaccess)
//	rate          more than N in the period: a pause (doubling)
//	max           instances running
//	persource     instances running from the peer's network
//
// A refused connection is reset at once; a refused datagram is dropped.
// Each kind of refusal is logged once per burst: the first refusal is
// logged, later ones are counted, and the count is logged once no
// refusal of that kind has come for burstQuiet.
//
// An instance is a service process (counted from its start until the
// reaper collects it) or an internal TCP session (until it ends). The
// entry's timeout ends a process's session with SIGHUP to its process
// group (the service leads a session, so its group is its pid) and
// SIGKILL killDelay later; it ends an internal session by closing it.

// refusal is a kind of refused connection; each has its own burst log.
type refusal int

const (
	refAccess    refusal = iota // allow or deny
	refWrap                     // hosts.allow / hosts.deny
	refRate                     // paused by rate
	refMax                      // max
	refPerSource                // persource
	refLoop                     // UDP: a datagram that could loop
	refDisabled                 // the listener or the entry is disabled (wait and UDP services)
	refTimeout                  // a session was ended by timeout
	refFailed                   // a wait service failed to start
	refPending                  // NLPS: the oldest request not yet complete dropped
	nRefusals
)

// refusalWhat is how the summary line names each kind.
var refusalWhat = [nRefusals]string{
	refAccess:    whatAccess,
	refWrap:      whatWrap,
	refRate:      whatRate,
	refMax:       whatMax,
	refPerSource: whatPerSource,
	refLoop:      whatLoop,
	refDisabled:  whatDisabled,
	refTimeout:   whatTimeout,
	refFailed:    whatFailed,
	refPending:   whatPending,
}

// burstLog logs the first event of a burst and counts the rest; the count
// is logged when the burst has been quiet for burstQuiet.
type burstLog struct {
	mu     sync.Mutex
	active bool
	n      int
	last   time.Time
	timer  *time.Timer
	quiet  time.Duration // burstQuiet when the burst started
}

// hit records one event: line is logged when it starts a burst.
func (b *burstLog) hit(logf func(string, ...any), code string, kind refusal, line func() string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.last = time.Now()
	if b.active {
		b.n++
		return
	}
	b.active, b.n, b.quiet = true, 0, burstQuiet
	logf("%s", line())
	b.timer = time.AfterFunc(b.quiet, func() { b.check(logf, code, kind) })
}

// check ends the burst when it has been quiet long enough, logging how
// many events were not logged; otherwise it looks again later.
func (b *burstLog) check(logf func(string, ...any), code string, kind refusal) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if quiet := time.Since(b.last); quiet < b.quiet {
		b.timer.Reset(b.quiet - quiet)
		return
	}
	if b.n > 0 {
		logf(msgBurstMore, code, b.n, refusalWhat[kind])
	}
	b.active, b.n = false, 0
}

// extState is an endpoint's run-time state for its entry's options. Every
// endpoint has one (a plain entry's is never touched); it is kept, with
// the endpoint, across re-reads.
type extState struct {
	mu        sync.Mutex
	active    int                  // instances running
	perSource map[netip.Prefix]int // instances running per source network

	winStart, pausedUntil, pauseEnd time.Time
	winCount                        int
	pause                           time.Duration // the last pause

	logs [nRefusals]burstLog

	pending pendingSet // NLPS connections whose request is being read (nlpsserver.go)

	chargenLine atomic.Int64 // UDP chargen: the line the next reply starts at
}

// refuse logs a refusal of kind for the entry code, once per burst.
func (l *listener) refuse(ep *endpoint, code string, kind refusal, line func() string) {
	ep.ext.logs[kind].hit(l.logf, code, kind, line)
}

// peerAddr is the IP address of peer; the zero Addr for anything else (a
// unix-domain peer).
func peerAddr(peer unix.Sockaddr) netip.Addr {
	switch sa := peer.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(sa.Addr)
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(sa.Addr).Unmap()
	}
	return netip.Addr{}
}

// peerText is the peer for the log.
func peerText(a netip.Addr) string {
	if !a.IsValid() {
		return msgLocalPeer
	}
	return a.String()
}

// sourceKey is the persource group of a: its v4prefix or v6prefix
// network.
func sourceKey(o *pmtab.ListenOptions, a netip.Addr) netip.Prefix {
	bits := o.V6Prefix
	if a.Is4() {
		bits = o.V4Prefix
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.PrefixFrom(a, a.BitLen())
	}
	return p
}

// admit decides whether the peer at a may have a new instance of s on ep.
// It returns the refusal kind and a line-maker for the log, or ok with a
// release function that must be called once when the instance ends.
// access says whether allow, deny and wrap apply (not to wait services,
// which have no caller's address).
func (l *listener) admit(ep *endpoint, s *service, a netip.Addr, access bool) (kind refusal, why func() string, release func()) {
	o := &s.Options
	if access && (len(o.Allow) > 0 && (!a.IsValid() || !pmtab.MatchAddressList(o.Allow, a)) ||
		len(o.Deny) > 0 && a.IsValid() && pmtab.MatchAddressList(o.Deny, a)) {
		return refAccess, func() string {
			return fmt.Sprintf(msgRefusedAccess, s.Code, peerText(a))
		}, nil
	}
	if access && o.Wrap != "" {
		if ok, rule := l.hosts.allowed(l.root, o.Wrap, a, l.logf); !ok {
			return refWrap, func() string {
				return fmt.Sprintf(msgRefusedWrap, s.Code, peerText(a), rule, o.Wrap)
			}, nil
		}
	}
	x := ep.ext
	now := time.Now()
	x.mu.Lock()
	defer x.mu.Unlock()
	if o.Rate > 0 {
		if now.Before(x.pausedUntil) {
			return refRate, func() string {
				return fmt.Sprintf(msgRefusedRate, s.Code, peerText(a))
			}, nil
		}
		if now.Sub(x.winStart) >= o.RatePer {
			x.winStart, x.winCount = now, 0
		}
		x.winCount++
		if x.winCount > o.Rate {
			// Over the rate: a pause, twice the last one when the
			// overrun comes within pausemax of the last pause's end
			// (a service that is still being hammered), else the
			// first one again.
			p := o.Pause
			if !x.pauseEnd.IsZero() && now.Sub(x.pauseEnd) < o.PauseMax {
				p = min(2*x.pause, o.PauseMax)
			}
			x.pause, x.pausedUntil, x.pauseEnd = p, now.Add(p), now.Add(p)
			x.winStart, x.winCount = time.Time{}, 0
			// Every pause is logged: pauses are rare by
			// construction. The refusals during it are a burst.
			l.logf(msgRatePause, s.Code, o.Rate, o.RatePer, p)
			return refRate, func() string {
				return fmt.Sprintf(msgRefusedRate, s.Code, peerText(a))
			}, nil
		}
	}
	if o.MaxInstances > 0 && x.active >= o.MaxInstances {
		return refMax, func() string {
			return fmt.Sprintf(msgRefusedMax, s.Code, peerText(a), o.MaxInstances, o.MaxInstances)
		}, nil
	}
	var key netip.Prefix
	track := o.PerSource > 0 && a.IsValid()
	if track {
		key = sourceKey(o, a)
		if x.perSource[key] >= o.PerSource {
			return refPerSource, func() string {
				return fmt.Sprintf(msgRefusedSource, s.Code, peerText(a), o.PerSource, key, o.PerSource)
			}, nil
		}
		if x.perSource == nil {
			x.perSource = map[netip.Prefix]int{}
		}
		x.perSource[key]++
	}
	x.active++
	var once sync.Once
	return 0, nil, func() {
		once.Do(func() {
			x.mu.Lock()
			x.active--
			if track {
				if x.perSource[key]--; x.perSource[key] <= 0 {
					delete(x.perSource, key)
				}
			}
			x.mu.Unlock()
		})
	}
}

// dispatchOpts handles a connection to an entry with options (dispatch
// has checked the listener's and the entry's state).
func (l *listener) dispatchOpts(ep *endpoint, s *service, nfd int, peer unix.Sockaddr, seq uint64) {
	a := peerAddr(peer)
	kind, why, release := l.admit(ep, s, a, true)
	if release == nil {
		l.refuse(ep, s.Code, kind, why)
		reset(nfd)
		return
	}
	o := &s.Options
	switch {
	case o.Internal != "":
		l.logf(msgConnect, ep.fd, s.Code, seq, fmt.Sprintf(typeInternal, o.Internal))
		total := internalTotal
		if o.Timeout > 0 {
			total = o.Timeout
		}
		go func() {
			defer release()
			serveInternal(o.Internal, nfd, total)
		}()
	case s.passfd():
		// The standing server owns the connection once it has it:
		// nothing to count beyond the hand-off.
		l.logf(msgConnect, ep.fd, s.Code, seq, typePassfd)
		go func() {
			defer release()
			l.passFD(s, nfd)
		}()
	case s.nlps():
		l.logf(msgConnect, ep.fd, s.Code, seq, typeExec)
		l.serveNLPSConn(ep, s, nfd, peer, release)
	default:
		l.logf(msgConnect, ep.fd, s.Code, seq, typeExec)
		l.startWatched(ep, s, nfd, peer, release)
	}
}

// startWatched starts s's process for nfd (closing nfd) through the
// usual paths and calls onExit when the reaper has collected it (at once
// if it did not start). It applies the entry's timeout. It returns the
// pid, 0 when nothing started.
func (l *listener) startWatched(ep *endpoint, s *service, nfd int, peer unix.Sockaddr, onExit func()) int {
	var t *sessionTimer
	if d := s.Options.Timeout; d > 0 {
		t = &sessionTimer{}
	}
	pid := watchChild(func() int { return l.launch(s, nfd, peer) }, func() {
		if t != nil {
			t.stop()
		}
		onExit()
	})
	if pid == 0 {
		onExit()
		return 0
	}
	if t != nil {
		t.start(s.Options.Timeout, pid, func() {
			l.refuse(ep, s.Code, refTimeout, func() string {
				return fmt.Sprintf(msgTimedOut, s.Code, pid, s.Options.Timeout, killDelay)
			})
		})
	}
	return pid
}

// sessionTimer ends a process session after its timeout: SIGHUP to the
// process group, SIGKILL killDelay later unless the service has been
// reaped by then.
type sessionTimer struct {
	mu      sync.Mutex
	t       *time.Timer
	stopped bool
}

func (st *sessionTimer) start(d time.Duration, pid int, logTimeout func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.stopped {
		return
	}
	st.t = time.AfterFunc(d, func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.stopped {
			return
		}
		logTimeout()
		// Ignored: ESRCH means the group is gone already.
		_ = unix.Kill(-pid, unix.SIGHUP)
		st.t = time.AfterFunc(killDelay, func() {
			st.mu.Lock()
			defer st.mu.Unlock()
			if !st.stopped {
				_ = unix.Kill(-pid, unix.SIGKILL) // ignored: as above
			}
		})
	})
}

// stop is called when the service has been reaped: its pid may be reused
// from now on, so no signal may go to it any more.
func (st *sessionTimer) stop() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.stopped = true
	if st.t != nil {
		st.t.Stop()
	}
}

// Children whose end someone waits for (limits, timeouts, wait services).
// The reaper calls childGone for every child it collects; it looks only
// when watched is not zero, so a listener without options pays one
// atomic load per child. watchChild holds watchMu from before the start
// until the pid is registered, and watched is raised before the start, so
// a child that ends at once is never reaped unseen.
var (
	watchMu  sync.Mutex
	watched  atomic.Int32
	watchers = map[int]func(){}
)

// watchChild runs start, which starts a child and returns its pid (0 when
// it did not), and registers onExit for it.
func watchChild(start func() int, onExit func()) int {
	watchMu.Lock()
	defer watchMu.Unlock()
	watched.Add(1)
	pid := start()
	if pid <= 0 {
		watched.Add(-1)
		return 0
	}
	watchers[pid] = onExit
	return pid
}

// childGone runs the onExit of a watched child that has been reaped.
func childGone(pid int) {
	if watched.Load() == 0 {
		return
	}
	watchMu.Lock()
	f := watchers[pid]
	delete(watchers, pid)
	watchMu.Unlock()
	if f != nil {
		watched.Add(-1)
		f()
	}
}

// hostsCache holds hosts.allow and hosts.deny, read again when either
// changes (by size, modification time or inode); an unreadable file
// counts as empty, as tcp_wrappers has it.
type hostsCache struct {
	mu          sync.Mutex
	allow, deny hostsFile
}

type hostsFile struct {
	stamp [4]int64
	rules *hostsaccess.Rules
}

// load returns path's rules, reading the file when it changed. Each read
// logs the lines that were skipped and the rules with words that can
// never match (they need a host name or another service): a deny rule
// made of those never denies anyone, and that must not go unnoticed.
func (h *hostsFile) load(path string, logf func(string, ...any)) *hostsaccess.Rules {
	var st unix.Stat_t
	var stamp [4]int64
	if unix.Stat(path, &st) == nil {
		stamp = [4]int64{int64(st.Size), int64(st.Mtim.Sec), int64(st.Mtim.Nsec), int64(st.Ino)}
	}
	if h.rules != nil && stamp == h.stamp {
		return h.rules
	}
	h.stamp, h.rules = stamp, hostsaccess.ReadFile(path)
	for _, err := range h.rules.Errors {
		var le *hostsaccess.LineError
		if errors.As(err, &le) {
			logf(msgHostsIgnored, le.File, le.Line, le.Err)
		}
	}
	for _, r := range h.rules.List {
		if never := r.NeverMatch(); len(never) > 0 {
			logf(msgHostsNever, r.File, r.Line, strings.Join(never, ", "))
		}
	}
	return h.rules
}

// allowed applies hosts.allow and hosts.deny to daemon and a. rule names
// the deciding rule for the log.
func (h *hostsCache) allowed(root rootPaths, daemon string, a netip.Addr, logf func(string, ...any)) (ok bool, rule string) {
	h.mu.Lock()
	allow, deny := h.allow.load(root.HostsAllow(), logf), h.deny.load(root.HostsDeny(), logf)
	h.mu.Unlock()
	ok, r := hostsaccess.Check(allow, deny, daemon, a)
	if r == nil {
		return ok, msgNoRule
	}
	return ok, fmt.Sprintf(msgRuleAt, r.File, r.Line)
}

// rootPaths is what hostsCache needs of paths.Root.
type rootPaths interface {
	HostsAllow() string
	HostsDeny() string
}
