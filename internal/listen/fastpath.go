package listen

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/internal/sigreset"
	"github.com/linux-saf/saf/saf/doconfig"
	"golang.org/x/sys/unix"
)

// The direct path (the fast path).
//
// Starting the launcher costs a fork and exec of this program, a 5 MB
// dynamically linked Go binary, for every connection, before the
// service's own exec: the benchmark (e2e BenchmarkListen) put listen at a
// third of the connection rate of tcpserver and inetd, with two thirds of
// the CPU in launchers. Most entries need nothing that only code in the
// child can do (docs/linux.md#the-launcher-and-the-direct-path), so for
// them the listener prepares everything itself and starts the service
// with one fork and exec (syscall.ForkExec):
//
//   - no per-service script: /etc/saf/<tag>/<svctag> does not exist when
//     the connection arrives (stat'ed every time: scripts are not part of
//     the table and may come and go without a re-read);
//   - modules are checked here with the launcher's own code and
//     message: timod, tirdwr and sockmod are no-ops on a socket
//     (docs/linux.md#line-disciplines), any other fails the service;
//   - not a service the NLPS server starts (it has the NLPS server's
//     messages, launch.go);
//   - a command line that splits (the launcher logs the errors);
//   - an identity the listener can switch to: listen is root, or it
//     already is that user and group (the SAF_ROOT sandbox);
//     an unprivileged listener's failing switch is left to the launcher,
//     whose messages say which call failed;
//   - the listener's signal state is clean (signalsClean, at start-up).
//
// How the direct path gives the service what setup.go lists: its
// ProcAttr is serviceSetup.procAttr with the identity's credential (the
// child calls setgroups, setgid and setuid) and home directory, and the
// environment of connEnv; modules are checked on the socket here, and
// the utmp record is written just after the fork (under utmpMu, so the
// reaper cannot record the end first).
//
// The service is the listener's child, as a launcher is, and is reaped
// by the same reaper (reap.go): nothing here waits for it. The system
// calls up to the fork are raw (rawsys_linux.go), and the connection's
// log line is only queued before it (dispatch, rotLog.Defer).
//
// Failures are logged with the launcher's texts, by the listener (so
// with the listener's pid), and close the connection. ForkExec reports
// the errno of whichever step failed in the child; a failure is blamed on
// the home directory when the identity cannot reach it (homeReachable),
// on the exec otherwise.

// identTTL is how long a looked-up identity is used before it is looked
// up again; a re-read of _pmtab forgets them all at once.
const identTTL = 10 * time.Second

// identCache caches identities for the direct path.
type identCache struct {
	mu sync.Mutex
	m  map[string]*ident
}

// clear forgets every identity (on re-read).
func (c *identCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

// lookup returns the identity id, from the cache when it is fresh. msg is
// the launcher's message for a failure ("" with ok set when the listener
// cannot switch to id itself: the launcher must go). Failures are not
// cached, so a user added a moment ago works at once. When the listener
// is not root it must already be the user and group, or the launcher is
// used, whose messages say which call failed (lookupIdent's WARNING
// applies).
func (c *identCache) lookup(id string, euid, egid int) (it *ident, msg string) {
	now := time.Now()
	c.mu.Lock()
	it = c.m[id]
	c.mu.Unlock()
	if it != nil && now.Before(it.expires) {
		return it, ""
	}
	// The C library's name service modules are the only code in the
	// listener that may open a descriptor without O_CLOEXEC (everything
	// Go opens has it): mark whatever they left, so the service gets
	// exactly 0, 1 and 2. Here, on a cache miss, rather than once per
	// connection.
	defer cloexecFrom3()
	it, u, msg := lookupIdent(id, euid, egid) // setup.go
	if it == nil {
		return nil, msg
	}
	if it.switching {
		if euid != 0 {
			return nil, "" // the launcher fails with the right message
		}
		if msg := it.lookupGroups(u); msg != "" {
			return nil, msg
		}
	}
	// Without cred (the sandbox's own user) the child keeps listen's
	// identity and groups, as the launcher's skipped switch does.
	it.expires = now.Add(identTTL)
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*ident{}
	}
	c.m[id] = it
	c.mu.Unlock()
	return it, ""
}

// direct starts su's service on the direct path when it can take it. It
// returns false, having done nothing, when it needs the launcher; true
// when it took the connection, which is closed by then whether the
// service started or not, with the service's pid (0 when it did not
// start).
func (l *listener) direct(su *serviceSetup) (took bool, pid int) {
	s := su.svc
	if !l.fast || su.byNLPS {
		return false, 0
	}
	argv := s.argv
	if argv == nil || isNLPSArgv0(argv[0]) {
		return false, 0
	}
	if !lstatAbsent(l.root.ServiceScript(l.tag, s.Code)) { // rawsys_linux.go
		return false, 0 // a script, or one we cannot tell about: the launcher
	}
	it, msg := l.ids.lookup(s.Identity, l.cfg.Euid, l.egid)
	if it == nil && msg == "" {
		return false, 0
	}
	defer closeRaw(su.conn) // the parent's copy goes once the child has it
	if it == nil {
		l.logf("%s", msg)
		return true, 0
	}
	if len(s.Modules) > 0 {
		if err := doconfig.NewProcess(su.conn, doconfig.Socket).Push(s.Modules); err != nil {
			l.logf("%s", listenerTexts.push)
			return true, 0
		}
	}
	attr := su.procAttr(it.home, it.connEnv(l.env, su.vars), it.cred, l.reap.slot())
	pid, err := l.spawn(su, argv[0], argv, attr, true)
	if err != nil {
		if !homeReachable(it) {
			l.logf(msgChdir, it.home)
		} else {
			l.logf("%s", listenerTexts.execFail)
			l.logf(msgSysError, errno.Text(err))
		}
		return true, 0
	}
	if startedDirect != nil {
		startedDirect(s.Code, pid)
	}
	return true, pid
}

// directEnv is env as the launcher hands it to the service: os.Environ's
// view of it (a repeated name keeps its first value, syscall.copyenv),
// then HOME and PATH set as becomeUser sets them, in place when present.
func directEnv(env []string, it *ident) []string {
	head, tail := directEnvParts(env, it)
	return append(head, tail...)
}

// connEnv is directEnv(base + conn, it) for a connection's variables conn
// (connVars), whose names base never holds (serviceBaseEnv drops them)
// and which are neither HOME nor PATH: the identity's share of the work
// is done once, on its first connection, so a connection costs one
// slice (a map and ~50 strings less).
func (it *ident) connEnv(base, conn []string) []string {
	it.envOnce.Do(func() { it.envHead, it.envTail = directEnvParts(slices.Clone(base), it) })
	env := make([]string, 0, len(it.envHead)+len(conn)+len(it.envTail))
	return append(append(append(env, it.envHead...), conn...), it.envTail...)
}

// directEnvParts is directEnv cut in two: env deduplicated with HOME and
// PATH replaced where env has them, and the HOME and PATH that go after
// it. env is reused.
func directEnvParts(env []string, it *ident) (head, tail []string) {
	seen := make(map[string]bool, len(env))
	out := env[:0]
	for _, kv := range env {
		k, _, ok := strings.Cut(kv, "=")
		if ok {
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, kv)
	}
	for _, kv := range it.homeVars() {
		i := slices.IndexFunc(out, func(s string) bool { return strings.HasPrefix(s, kv.k+"=") })
		if i >= 0 {
			out[i] = kv.k + "=" + kv.v
		} else {
			tail = append(tail, kv.k+"="+kv.v)
		}
	}
	return out, tail
}

// homeReachable reports whether the identity can chdir to its home
// directory: it is a directory, and every directory on the way, itself
// included, is searchable by the uid, gid and groups the child has. It
// only chooses the message after a failed start, so it reads mode bits
// (no ACLs, no capabilities beyond root's).
func homeReachable(it *ident) bool {
	fi, err := os.Stat(it.home)
	if err != nil || !fi.IsDir() {
		return false
	}
	uid, gids := os.Geteuid(), []int{os.Getegid()}
	if it.cred != nil {
		uid, gids = it.uid, append([]int{it.gid}, it.groups...)
	} else if gs, err := os.Getgroups(); err == nil {
		gids = append(gids, gs...)
	}
	if uid == 0 {
		return true
	}
	dir := filepath.Clean(it.home)
	for {
		var st unix.Stat_t
		if unix.Stat(dir, &st) != nil {
			return false
		}
		var bit uint32
		switch {
		case int(st.Uid) == uid:
			bit = 0o100
		case slices.Contains(gids, int(st.Gid)):
			bit = 0o010
		default:
			bit = 0o001
		}
		if st.Mode&bit == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

// resetLibcSignals sets signals 32-34, the C library's own (glibc's
// SIGCANCEL and SIGSETXID, musl's equivalents), back to SIG_DFL when they
// were inherited ignored: some parents leave them so (GNU make does), Go
// installs no handler of its own on them, so without this the direct path
// would hand SIG_IGN on to every service. Neither Go nor the C library
// needs them ignored; the C library installs its handlers when it first
// uses them.
func resetLibcSignals() {
	// On failure signalsClean sees the SIG_IGN and the launcher path is
	// used.
	for sig := 32; sig <= 34; sig++ {
		sigreset.Unignore(sig)
	}
}

// signalsClean reports whether a child forked by this process starts with
// default signal dispositions and an empty signal mask, as every service
// must (docs/linux.md#service-process-setup), without a launcher to reset
// them: no signal is ignored (Go sets every signal it handles back to
// SIG_DFL in the child, but an inherited SIG_IGN that Go left alone stays),
// and the calling thread blocks nothing. Main's signal.Notify calls replace
// the inherited SIG_IGN of SIGHUP and SIGINT, which Go alone would keep, so
// under sac this holds; a test binary started under nohup does not, and
// gets the launcher for every service.
//
// The mask check sees only signals Go lets a thread block; a listener
// started with, say, SIGTERM blocked passes it on to direct children (Go
// restores its initial mask in the child), as the original listener did.
func signalsClean() bool { return sigreset.Clean() }
