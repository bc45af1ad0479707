// Package paths names every file the Service Access Facility owns.
//
// All of them live below a root directory taken from the SAF_ROOT
// environment variable (docs/linux.md#the-sandbox-root): empty means the
// real system, anything else is a sandbox prefix used by tests and demos.
// What a user names (device paths, port-monitor and service commands,
// script files given with -z) is never prefixed. The environment is read
// only at the edge, by the programs' Main functions (see FromEnv);
// everything below takes a Root.
package paths

import (
	"os"
	"path/filepath"
	"strings"
)

// EnvVar is the environment variable that holds the sandbox prefix.
const EnvVar = "SAF_ROOT"

// Root is the prefix applied to framework-owned paths. The zero value is the
// real system root.
type Root struct {
	prefix string
}

// New returns a Root for prefix. A trailing slash is dropped so that joined
// paths never hold "//".
func New(prefix string) Root {
	return Root{prefix: strings.TrimRight(prefix, "/")}
}

// FromEnv returns the Root named by SAF_ROOT in env (os.Getenv when env is nil).
func FromEnv(getenv func(string) string) Root {
	if getenv == nil {
		getenv = os.Getenv
	}
	return New(getenv(EnvVar))
}

// Prefix returns the sandbox prefix ("" for the real system).
func (r Root) Prefix() string { return r.prefix }

// Sandboxed reports whether a SAF_ROOT prefix is in force. In a sandbox the
// admin commands and daemons run as any user.
func (r Root) Sandboxed() bool { return r.prefix != "" }

// Path prefixes an absolute system path such as "/etc/saf/_sactab".
func (r Root) Path(p string) string {
	if r.prefix == "" {
		return p
	}
	return r.prefix + p
}

// Fixed system paths, before prefixing.
const (
	SafDir     = "/etc/saf"
	VarSafDir  = "/var/saf"
	TtyDefs    = "/etc/ttydefs"
	Issue      = "/etc/issue"
	Utmp       = "/var/run/utmp"
	Wtmp       = "/var/log/wtmp"
	LockDir    = "/var/lock"
	SacTabName = "_sactab"
	PMTabName  = "_pmtab"
)

// SafDir is /etc/saf, the home of sac and of every port monitor's directory.
func (r Root) SafDir() string { return r.Path(SafDir) }

// VarSafDir is /var/saf, where the logs live.
func (r Root) VarSafDir() string { return r.Path(VarSafDir) }

// SacTab is /etc/saf/_sactab.
func (r Root) SacTab() string { return r.Path(SafDir + "/_sactab") }

// SysConfig is /etc/saf/_sysconfig, the script sac runs at start-up.
func (r Root) SysConfig() string { return r.Path(SafDir + "/_sysconfig") }

// SacPipe is /etc/saf/_sacpipe, the FIFO port monitors answer sac on.
func (r Root) SacPipe() string { return r.Path(SafDir + "/_sacpipe") }

// CmdPipe is /etc/saf/_cmdpipe, the admin channel socket
// (docs/linux.md#the-admin-socket).
func (r Root) CmdPipe() string { return r.Path(SafDir + "/_cmdpipe") }

// AdminLock is the lock file every admin command holds while it changes
// _sactab, a _pmtab, a script or a port monitor's directories. One lock for
// the whole tree keeps sacadm -a (which replaces directories) and pmadm
// (which edits files inside them) from interleaving.
func (r Root) AdminLock() string { return r.Path(SafDir + "/.lock") }

// SacLog is /var/saf/_log; sac holds a record lock on it while it runs.
func (r Root) SacLog() string { return r.Path(VarSafDir + "/_log") }

// PMDir is /etc/saf/<tag>, a port monitor's home directory.
func (r Root) PMDir(tag string) string { return r.Path(SafDir + "/" + tag) }

// PMVarDir is /var/saf/<tag>, a port monitor's private directory.
func (r Root) PMVarDir(tag string) string { return r.Path(VarSafDir + "/" + tag) }

// PMTab is /etc/saf/<tag>/_pmtab.
func (r Root) PMTab(tag string) string { return filepath.Join(r.PMDir(tag), PMTabName) }

// PMConfig is /etc/saf/<tag>/_config, run by sac before it starts the port monitor.
func (r Root) PMConfig(tag string) string { return filepath.Join(r.PMDir(tag), "_config") }

// PMPid is /etc/saf/<tag>/_pid, locked by the running port monitor.
func (r Root) PMPid(tag string) string { return filepath.Join(r.PMDir(tag), "_pid") }

// PMPipe is /etc/saf/<tag>/_pmpipe, the FIFO sac writes to the port monitor.
func (r Root) PMPipe(tag string) string { return filepath.Join(r.PMDir(tag), "_pmpipe") }

// PMStatus is /etc/saf/<tag>/_status, the socket where a port monitor
// answers status queries (saf/pmstatus; an extension of ours, like the
// admin socket). Its name starts with '_' so that it can never be a
// service's script (service tags are alphanumeric).
func (r Root) PMStatus(tag string) string { return filepath.Join(r.PMDir(tag), "_status") }

// ServiceScript is /etc/saf/<tag>/<svctag>, a per-service configuration script.
func (r Root) ServiceScript(tag, svc string) string { return filepath.Join(r.PMDir(tag), svc) }

// PMLog is /var/saf/<tag>/log.
func (r Root) PMLog(tag string) string { return filepath.Join(r.PMVarDir(tag), "log") }

// PMOldLog is /var/saf/<tag>/o.log, the rotated log.
func (r Root) PMOldLog(tag string) string { return filepath.Join(r.PMVarDir(tag), "o.log") }

// TtyDefs is /etc/ttydefs.
func (r Root) TtyDefs() string { return r.Path(TtyDefs) }

// Issue is /etc/issue, printed by ttymon before each prompt.
func (r Root) Issue() string { return r.Path(Issue) }

// Utmp is the utmp file (glibc's _PATH_UTMP).
func (r Root) Utmp() string { return r.Path(Utmp) }

// Wtmp is the wtmp file (glibc's _PATH_WTMP).
func (r Root) Wtmp() string { return r.Path(Wtmp) }

// LockDir is the directory of FHS UUCP lock files
// (docs/linux.md#uucp-lock-files).
func (r Root) LockDir() string { return r.Path(LockDir) }

// HostsAllow and HostsDeny are the tcp_wrappers access files that listen
// consults for entries with option wrap (our extension, package
// internal/hostsaccess). Like every framework file they are under the sandbox
// prefix; on the real system they are the usual /etc/hosts.allow and
// /etc/hosts.deny.
func (r Root) HostsAllow() string { return r.Path("/etc/hosts.allow") }

// HostsDeny: see HostsAllow.
func (r Root) HostsDeny() string { return r.Path("/etc/hosts.deny") }

// Privileged reports whether a process with real uid uid may run the
// operations the original reserves for root. In a sandbox (SAF_ROOT set)
// everyone may (docs/linux.md#privilege-and-the-sandbox); the files' own
// permissions still apply.
func (r Root) Privileged(uid int) bool { return uid == 0 || r.Sandboxed() }
