package listen

import (
	"fmt"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/linux-saf/saf/internal/sdnotify"
	"github.com/linux-saf/saf/saf/nlps"
	"github.com/linux-saf/saf/saf/nlsaddr"
	"github.com/linux-saf/saf/saf/paths"
	"golang.org/x/sys/unix"
)

// What a service gets.
//
// A service is started in one of two ways: by the listener itself (the
// direct path, fastpath.go), or by a launcher, this program started
// again to do in the child what needs code there: a per-service script,
// the NLPS server's messages, a switch an unprivileged listener cannot
// make (launch.go). Whichever way it is started, a service gets exactly
// this (listen(8), SERVICES), and each line is decided in one place
// that both ways use:
//
//	identity  the entry's user: uid, gid and the user's own groups     lookupIdent
//	          (initgroups), or no switch at all when the listener
//	          already is that user and group (the SAF_ROOT sandbox)
//	cwd       the identity's home directory                            ident.home
//	env       listen's environment (PMTAG, ISTATE, what the port       serviceBaseEnv,
//	          monitor's _config assigned, TZ ...) without the          connVars,
//	          launcher's variable, socket activation's and             ident.homeVars
//	          NOTIFY_SOCKET; then NLSADDR, NLSOPT, NLSPROVIDER,
//	          MPREFIX, NLSUDATA; then what a per-service script
//	          assigns; then HOME and PATH (for a repeated name, its
//	          first value)
//	fds       the connection on 0, 1 and 2, in blocking mode, and      serviceSetup.procAttr
//	          nothing else (everything else is close-on-exec)
//	session   a new session, no controlling terminal                   serviceSetup.procAttr
//	umask     022; a per-service script's umask wins                   serviceUmask
//	signals   every disposition SIG_DFL, an empty mask                 (below)
//	utmp      flag u: USER_PROCESS when it starts, DEAD_PROCESS        utmpStart, reaped
//	          when it is reaped (utmp.go)
//	parent    the listener, which reaps it (reap.go)
//
// One connection's start is a serviceSetup, made once (newSetup), from
// which each way takes what it needs:
//
//   - the direct path turns it into the service's own ProcAttr: the
//     identity's credential and home, the environment with HOME and PATH
//     (ident.connEnv), the descriptors and session of procAttr. The umask
//     is the listener's own (run sets serviceUmask), and the signal state
//     too: Go resets every signal it handles to SIG_DFL in the child, and
//     the direct path is used only while the listener ignores and blocks
//     none (signalsClean). The listener writes the utmp record just after
//     the fork.
//   - the launcher gets the ProcAttr of procAttr for itself (the same
//     descriptors and session, the log on fd 3), the environment without
//     HOME and PATH, and the rest as its launchSpec (serviceSetup.spec).
//     In the child it sets serviceUmask, writes the utmp record, runs the
//     script, switches to lookupIdent's identity, changes to its home,
//     sets ident.homeVars, resets the signals and marks every descriptor
//     from 3 up close-on-exec before the exec (execService).
//
// TestServiceSetupSame starts one probe through each way and compares
// what it sees, field by field.

// serviceUmask is every service's umask (listen(8); the original left
// its services umask 0).
const serviceUmask = 0o022

// serviceSetup is one service start for one connection (see above).
type serviceSetup struct {
	svc    *service
	conn   int           // the connection: the service's fds 0, 1 and 2
	peer   unix.Sockaddr // the caller; nil for a wait service
	vars   []string      // the connection's variables (connVars)
	byNLPS bool          // asked for through the NLPS server: its texts and utmp record
	passFD bool          // through the NLPS server: the connection goes to a standing server
}

// newSetup is the start of s for connection conn from peer.
func (l *listener) newSetup(s *service, conn int, peer unix.Sockaddr) serviceSetup {
	return serviceSetup{svc: s, conn: conn, peer: peer, vars: connVars(l.netspec, l.mprefix, peer)}
}

// utmp reports whether the service's start and end go into utmp: flag
// u, unless the connection is only passed on.
func (su *serviceSetup) utmp() bool { return su.svc.Flags&flagUtmp != 0 && !su.passFD }

// procAttr is the ProcAttr of the process started for su, the service
// itself or its launcher: the connection on 0, 1 and 2 (and extra
// after them), a session of its own, and the reaper's pidfd slot
// (reap.go).
func (su *serviceSetup) procAttr(dir string, env []string, cred *syscall.Credential, pidfd *int, extra ...uintptr) *syscall.ProcAttr {
	c := uintptr(su.conn)
	return &syscall.ProcAttr{
		Dir:   dir,
		Env:   env,
		Files: append([]uintptr{c, c, c}, extra...),
		Sys:   &syscall.SysProcAttr{Setsid: true, Credential: cred, PidFD: pidfd},
	}
}

// spec is what the launcher is told to do for su.
func (su *serviceSetup) spec(root paths.Root, tag string) launchSpec {
	s := su.svc
	return launchSpec{
		Root:     root.Prefix(),
		Tag:      tag,
		Code:     s.Code,
		Identity: s.Identity,
		Utmp:     su.utmp(),
		Modules:  s.Modules,
		Command:  s.Command,
		ByNLPS:   su.byNLPS,
		PassFD:   su.passFD,
	}
}

// serviceBaseEnv is the environment services inherit from the listener's:
// all of it, PMTAG and ISTATE, the assignments of the
// port monitor's _config script and TZ included, as the original's
// services had it, with PATH=/usr/sbin:/usr/bin when there is no PATH
// (the launcher sets the final PATH after the service's script ran). Only
// what must never reach a service is dropped: the launcher's own
// variable, socket activation's (the descriptors they describe are not
// the service's) and NOTIFY_SOCKET (a service must not speak to the
// service manager for listen). The variables the listener sets for each
// connection (connVars) are dropped here too, and so replaced, not
// repeated.
func serviceBaseEnv(environ []string) []string {
	drop := []string{envLaunch,
		envListenPID, envListenFDs, envListenFDNames, // activation.go
		sdnotify.EnvSocket,
		nlps.EnvAddr, nlps.EnvOpt, nlps.EnvUData, nlps.EnvProvider, nlps.EnvMPrefix}
	hasPath := false
	env := slices.DeleteFunc(slices.Clone(environ), func(kv string) bool {
		hasPath = hasPath || strings.HasPrefix(kv, "PATH=")
		for _, k := range drop {
			if strings.HasPrefix(kv, k+"=") {
				return true
			}
		}
		return false
	})
	if !hasPath {
		env = append(env, "PATH=/usr/sbin:/usr/bin")
	}
	return env
}

// connVars is what the listener adds to a service's environment for a
// connection: the caller's address in hex (empty
// without a caller), empty options and user data, the net_spec and the
// minor prefix.
func connVars(netspec, mprefix string, peer unix.Sockaddr) []string {
	return []string{
		nlps.EnvAddr + "=" + nlsaddr.Hex(sockaddrBytes(peer)),
		nlps.EnvOpt + "=",
		nlps.EnvProvider + "=" + netspec,
		nlps.EnvMPrefix + "=" + mprefix,
		nlps.EnvUData + "=",
	}
}

// ident is an identity as a service gets it (lookupIdent).
type ident struct {
	uid, gid int
	home     string // pw_dir: the service's directory and HOME
	// switching is set when the process starting the service must
	// switch to uid, gid and groups: it is root, or another user.
	switching bool
	group     string // the primary group's name (lookupGroups)
	groups    []int  // the user's groups, as initgroups sets them (lookupGroups)
	cred      *syscall.Credential

	// The direct path's cache (identCache): when to look again, and
	// the service environment's share that depends on the identity
	// alone (connEnv).
	expires          time.Time
	envOnce          sync.Once
	envHead, envTail []string
}

// lookupIdent looks up the passwd entry of identity id for a service
// started by a process with euid and egid. msg is the launcher's message
// when there is no usable entry. When it.switching, lookupGroups must
// follow before the identity can be taken.
//
// WARNING: security-sensitive, with lookupGroups: what they return is
// what drops root's privileges for the service, the user's uid, gid and
// groups (none of root's supplementary groups). When the process is not
// root and already is the user and group, nothing is switched (the
// SAF_ROOT sandbox). Re-verify with go test ./internal/listen -run
// 'TestLauncherIdentity|TestDirect|TestServiceSetupSame' (as root, so the
// switch really happens) and go test ./e2e -run TestListenUnderSac.
func lookupIdent(id string, euid, egid int) (it *ident, u *user.User, msg string) {
	u, err := user.Lookup(id)
	if err != nil {
		return nil, nil, fmt.Sprintf(msgNoPasswd, id)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, nil, fmt.Sprintf(msgNoPasswd, id)
	}
	it = &ident{uid: uid, gid: gid, home: u.HomeDir}
	it.switching = euid == 0 || uid != euid || gid != egid
	return it, u, ""
}

// lookupGroups completes a switching identity with its primary group's
// name and the user's groups, or the primary group alone when they
// cannot be listed (the original kept the listener's own groups). It
// returns the launcher's message when the group does not
// exist.
func (it *ident) lookupGroups(u *user.User) (msg string) {
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return fmt.Sprintf(msgNoGroup, u.Gid)
	}
	it.group = g.Name
	it.groups = []int{it.gid}
	if ids, err := u.GroupIds(); err == nil {
		it.groups = it.groups[:0]
		for _, s := range ids {
			if n, err := strconv.Atoi(s); err == nil {
				it.groups = append(it.groups, n)
			}
		}
	}
	gs := make([]uint32, len(it.groups))
	for i, g := range it.groups {
		gs[i] = uint32(g)
	}
	it.cred = &syscall.Credential{Uid: uint32(it.uid), Gid: uint32(it.gid), Groups: gs}
	return ""
}

// homeVars are HOME and PATH as the service gets them, whatever a script
// assigned: the home directory, and a PATH by
// uid (with the original's trailing colon for users other than root).
func (it *ident) homeVars() [2]struct{ k, v string } {
	path := "/usr/bin:"
	if it.uid == 0 {
		path = "/usr/sbin:/usr/bin"
	}
	return [2]struct{ k, v string }{{"HOME", it.home}, {"PATH", path}}
}
