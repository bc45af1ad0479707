package listen

import (
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"syscall"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/doconfig"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/saflog"
	"golang.org/x/sys/unix"
)

// The launcher.
//
// Go cannot run code between fork and exec, and a service needs some
// (docs/linux.md#the-launcher-and-the-direct-path): its per-service script,
// the module check, the identity switch with initgroups, its home
// directory. So, as sac does for port monitors, the listener starts itself
// again in launcher mode for every exec service: a new session, the
// connection on fds 0, 1 and 2 in blocking mode, the listener's log on fd
// 3, the entry in the environment variable envLaunch. The launcher carries
// out the rest of the original's service start
// (docs/original.md#listen-service-start) in order, logging to the
// listener's log with its own pid, and finally execve's the service, so the
// service's pid is the launcher's. For a service the NLPS server starts
// (nlpsserver.go, which has read the request and answered), it does the
// same with the NLPS server's messages, or passes the connection to a
// standing server.
//
// Whatever fails, the launcher exits and the client sees the connection
// close without data; the listener never learns of it.
//
// Only entries that need it get a launcher: a per-service script, a
// service the NLPS server starts, a command line that does not split (its
// messages are here), or an identity an unprivileged listener cannot
// take. The others are started by the listener directly (fastpath.go).
// What the service gets is the same either way, and is decided in one
// place for both (setup.go).

// envLaunch holds the JSON launchSpec that turns the listen program into
// a launcher. It is removed before anything else runs.
const envLaunch = "_SAF_LISTEN_LAUNCH"

// launchLogFD is the launcher's descriptor for the listener's log.
const launchLogFD = 3

// launchSpec is what the listener tells the launcher.
type launchSpec struct {
	Root     string   `json:"root"` // SAF_ROOT prefix
	Tag      string   `json:"tag"`  // PMTAG
	Code     string   `json:"code"` // service code
	Identity string   `json:"identity"`
	Utmp     bool     `json:"utmp,omitempty"` // flag u
	Modules  []string `json:"modules,omitempty"`
	Command  string   `json:"command"`
	ByNLPS   bool     `json:"bynlps,omitempty"` // started by the NLPS server (its texts)
	PassFD   bool     `json:"passfd,omitempty"` // NLPS: pass the connection to Command
}

// texts are the messages that differ between a service the listener
// starts and one the NLPS server starts.
type texts struct {
	prefix   string // before the identity messages
	push     string
	execFail string
	execCode int
}

var (
	listenerTexts = texts{
		prefix:   "",
		push:     msgPushExit,
		execFail: msgExecFailed,
		execCode: exitExecFailed,
	}
	nlpsTexts = texts{
		prefix:   msgNLPSPrefix,
		push:     msgNLPSPushExit,
		execFail: msgNLPSExecFailed,
		execCode: exitChild,
	}
)

// launchMain runs in the launcher process.
func launchMain(js string) int {
	// Ignored: Unsetenv fails only for names holding '=' or NUL.
	_ = os.Unsetenv(envLaunch)
	var spec launchSpec
	jsErr := json.Unmarshal([]byte(js), &spec)
	logf := launchLog(paths.New(spec.Root), spec.Tag)
	if jsErr != nil {
		logf(msgBadLaunch, jsErr)
		return exitChild
	}
	// A script's umask, which runs later, wins (setup.go).
	unix.Umask(serviceUmask)
	root := paths.New(spec.Root)
	l, err := pmtab.ParseListen("::c::" + spec.Command)
	if err != nil { // cannot happen: the tail above always has five fields
		logf(msgBadLaunch, err)
		return exitChild
	}
	l.Modules = spec.Modules
	s := &service{Code: spec.Code, Identity: spec.Identity, Listen: l}
	if spec.Utmp {
		s.Flags |= flagUtmp
	}
	switch {
	case spec.PassFD:
		return nlpsPassFD(root, spec.Tag, s, logf)
	case spec.ByNLPS:
		return execService(root, spec.Tag, s, logf, nlpsTexts)
	}
	return execService(root, spec.Tag, s, logf, listenerTexts)
}

// launchLog returns the launcher's logger: the listener's log on fd 3
// (made close-on-exec at once, so the service never sees it), or, when fd
// 3 is not open, the log file itself.
func launchLog(root paths.Root, tag string) saflog.Logf {
	if _, err := unix.FcntlInt(launchLogFD, unix.F_GETFD, 0); err == nil {
		unix.CloseOnExec(launchLogFD)
		return saflog.New(os.NewFile(launchLogFD, "log"), logOptions).Printf
	}
	if tag != "" {
		if lg, err := saflog.Open(root.PMLog(tag), logMode, logOptions); err == nil {
			return lg.Printf // closed by the exec
		}
	}
	return saflog.Discard
}

// execService carries out the service start from argv on for s in this
// process and execs it. It returns only on failure, with the exit status.
func execService(root paths.Root, tag string, s *service, logf saflog.Logf, t texts) int {
	// argv.
	argv, err := pmtab.SplitCommand(s.Command)
	if err != nil {
		switch {
		case errors.Is(err, pmtab.ErrListenQuote):
			logf(msgNonTerminated, s.Code)
		case errors.Is(err, pmtab.ErrListenTooManyArgs):
			// Ours: the original overflowed silently.
			logf(msgTooManyArgs, pmtab.ListenMaxArgs, s.Code)
		default:
			logf(msgEmptyCommand, s.Code)
		}
		return exitChild
	}
	// The utmp record.
	if s.Flags&flagUtmp != 0 {
		utmpLogin(root, tag, s, t == nlpsTexts, logf)
	}
	// Modules on the connection (docs/linux.md#line-disciplines).
	sock := doconfig.NewProcess(0, doconfig.Socket)
	if len(s.Modules) > 0 {
		if err := sock.Push(s.Modules); err != nil {
			logf("%s", t.push)
			return exitChild
		}
	}
	// The per-service script, every statement allowed. Its run children are
	// left to the service, as in the original.
	script := root.ServiceScript(tag, s.Code)
	if line, _ := doconfig.Run(script, sock, 0); line != 0 {
		// Fatal for NLPS-started services too, which the original got wrong
		// (docs/original.md#nlps-service-start).
		logf(msgDoconfig, line, s.Code)
		return exitChild
	}
	// The identity, home directory, HOME and PATH.
	if code := becomeUser(s.Identity, logf, t.prefix); code != exitOK {
		return code
	}
	// Exec, with only fds 0-2 and default signals
	// (docs/linux.md#service-process-setup).
	cloexecFrom3()
	runtime.LockOSThread() // the signal mask below is this thread's, which execs
	resetSignals()
	err = syscall.Exec(argv[0], argv, os.Environ())
	logf("%s", t.execFail)
	logf(msgSysError, errno.Text(err))
	return t.execCode
}

// becomeUser switches to the identity id as lookupIdent and lookupGroups
// give it (setup.go): setgid, setgroups, setuid, home directory, HOME and
// PATH. When the listener runs unprivileged (a SAF_ROOT sandbox) and
// already is that user and group, the switch is skipped; otherwise a
// switch it is not allowed to make fails with the original's messages.
//
// WARNING: security-sensitive. The order setgid, setgroups, setuid is
// what drops every privilege; re-verify with
// go test ./internal/listen -run TestLauncherIdentity (as root).
func becomeUser(id string, logf saflog.Logf, prefix string) int {
	it, u, msg := lookupIdent(id, os.Geteuid(), os.Getegid()) // setup.go
	if it != nil && it.switching {
		msg = it.lookupGroups(u)
	}
	if msg != "" {
		logf("%s%s", prefix, msg)
		return exitChild
	}
	if it.switching {
		if err := syscall.Setgid(it.gid); err != nil {
			logf("%s"+msgSetGid, prefix, it.group)
			return exitChild
		}
		if err := syscall.Setgroups(it.groups); err != nil {
			logf("%s"+msgSetGroups, prefix, id)
			return exitChild
		}
		if err := syscall.Setuid(it.uid); err != nil {
			logf("%s"+msgSetUid, prefix, id)
			return exitChild
		}
	}
	if err := os.Chdir(it.home); err != nil {
		logf("%s"+msgChdir, prefix, it.home)
		return exitChild
	}
	// HOME and PATH override whatever the script assigned.
	for _, kv := range it.homeVars() {
		if os.Setenv(kv.k, kv.v) != nil {
			logf(msgNoEnv)
			break
		}
	}
	return exitOK
}
