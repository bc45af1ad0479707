package sac

import (
	"strings"

	"github.com/linux-saf/saf/internal/sdnotify"
	"github.com/linux-saf/saf/saf/doconfig"
	"github.com/linux-saf/saf/saf/paths"
)

// The port monitors' environment.
//
// The original passed a port monitor sac's whole environment (as
// _sysconfig left it) plus the _config assignments, ISTATE and PMTAG.
// Under init that is a handful of variables; started from a root shell it
// is root's OLDPWD, HOME, SHELL, tool settings and tokens, and a port
// monitor passes its environment on to every service, which may run as an
// ordinary user. So sac starts each port monitor from a clean base: what
// init or systemd would have given sac (PATH, TZ and the locale), the
// framework's own SAF_ settings (SAF_ROOT, SAF_SERVICES, ...), then what
// _sysconfig assigned. The start-up child adds the _config assignments,
// ISTATE and PMTAG, as the original did. Nothing else sac inherited goes
// on (man/sac.8, ENVIRONMENT).

// defaultPath is the PATH a port monitor gets when sac has none: the one
// init and systemd give system services.
const defaultPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

// inheritable reports whether the variable name, from the environment
// sac was started with, goes on to the port monitors.
func inheritable(name string) bool {
	switch name {
	case "PATH", "TZ", "LANG", "LANGUAGE":
		return true
	}
	return strings.HasPrefix(name, "LC_") || strings.HasPrefix(name, "SAF_")
}

// reserved reports whether name is a variable only sac itself sets for a
// port monitor, whatever sac inherited or _sysconfig assigned: systemd's
// notification socket (a port monitor holding it could speak for sac),
// the socket-activation variables (set in the start-up child for a port
// monitor that has sockets, activation.go), and the start-up child's own.
func reserved(name string) bool {
	switch name {
	case sdnotify.EnvSocket, envListenPID, envListenFDs, envListenFDNames,
		envStartTag, envStartCmd, envStartIState, envStartFDs:
		return true
	}
	return false
}

// pmEnviron returns the environment a port monitor's start-up child
// starts from: the inheritable variables of inherited (the environment
// sac was started with), PATH defaulted, overridden by the _sysconfig
// assignments in order, with SAF_ROOT set to root's prefix (or removed
// for the real root) so that the port monitor uses sac's files. Each name
// appears once, in the order it first appeared.
func pmEnviron(inherited, sysconfig []string, root paths.Root) []string {
	var env []string
	idx := map[string]int{}
	set := func(kv string) {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "" || reserved(name) {
			return
		}
		if i, ok := idx[name]; ok {
			env[i] = kv
			return
		}
		idx[name] = len(env)
		env = append(env, kv)
	}
	for _, kv := range inherited {
		if name, _, _ := strings.Cut(kv, "="); inheritable(name) {
			set(kv)
		}
	}
	if _, ok := idx["PATH"]; !ok {
		set(defaultPath)
	}
	for _, kv := range sysconfig {
		set(kv)
	}
	if root.Sandboxed() {
		set(paths.EnvVar + "=" + root.Prefix())
	} else if i, ok := idx[paths.EnvVar]; ok {
		env = append(env[:i], env[i+1:]...)
	}
	return env
}

// recordingEnv is the process environment of doconfig.Process that also
// records every assignment, in order: sac applies _sysconfig to itself
// (its effects hold for sac, as in the original) and passes what it
// assigned on to the port monitors.
type recordingEnv struct {
	*doconfig.Process
	assigned []string
}

// Setenv sets name in sac's environment and records it.
func (r *recordingEnv) Setenv(name, value string) error {
	if err := r.Process.Setenv(name, value); err != nil {
		return err
	}
	r.assigned = append(r.assigned, name+"="+value)
	return nil
}
