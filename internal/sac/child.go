package sac

import (
	"os"
	"strconv"
	"syscall"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/internal/cloexec"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/saflog"
	"golang.org/x/sys/unix"
)

// The environment that turns sac into the child that starts a port monitor.
// They are removed before the port monitor runs.
const (
	envStartTag    = "_SAF_SAC_START_TAG"
	envStartCmd    = "_SAF_SAC_START_CMD"
	envStartIState = "_SAF_SAC_START_ISTATE"
)

// startChild runs in the process sac forked for a port monitor: cd to its
// home, run its _config script, set PMTAG and ISTATE, close every file
// descriptor and exec the port monitor's command. Its messages go to
// sac's log with this process's pid, which is also the port monitor's.
// It returns only on failure; the exit is then a death sac counts.
func startChild(tag string) int {
	cmd := os.Getenv(envStartCmd)
	istate := os.Getenv(envStartIState)
	nsock, _ := strconv.Atoi(os.Getenv(envStartFDs))
	for _, k := range []string{envStartTag, envStartCmd, envStartIState, envStartFDs} {
		os.Unsetenv(k)
	}
	// The sockets for the port monitor (activation.go) must not reach
	// what the _config script runs: close-on-exec until the last step.
	for fd := listenFDsStart; fd < listenFDsStart+nsock; fd++ {
		unix.CloseOnExec(fd)
	}
	root := paths.FromEnv(os.Getenv)
	logf := saflog.Discard
	if log, err := saflog.Open(root.SacLog(), logMode, saflog.Options{MaxLine: 512}); err == nil {
		logf = log.Printf // closed by the exec (close-on-exec)
	}
	home := root.PMDir(tag)
	if err := os.Chdir(home); err != nil {
		logf(msgChdirPM, home, errno.Text(err))
		return 1
	}
	switch line, err := runScript(root.PMConfig(tag), scriptEnv()); {
	case line < 0:
		logf(msgConfigSys, tag, err)
		return 1
	case line > 0:
		logf(msgConfigLine, tag, line)
		return 1
	}
	// Set after _config, so that the script cannot override them.
	if os.Setenv("ISTATE", istate) != nil || os.Setenv("PMTAG", tag) != nil {
		logf(msgExpandEnv, tag)
		return 1
	}
	argv, err := splitCommand(cmd)
	if err != nil {
		if err == errUnterminated {
			logf(msgUnterminated, tag)
		} else {
			logf(msgTooManyWords, MaxArgs, tag)
		}
		return 1
	}
	if len(argv) == 0 {
		logf(msgExecEmpty, tag)
		return 1
	}
	logf(msgStartingPM, tag)
	// A port monitor starts with no open descriptors at all, 0, 1 and
	// 2 included, as in the original.
	_ = cloexec.From(0) // best effort: the exec follows regardless
	if nsock > 0 {
		if err := passSockets(tag, nsock); err != nil {
			logf(msgPassSockets, tag, errno.Text(err))
			return 1
		}
	}
	// This process started with the clean environment spawn built
	// (env.go); since then only _config, ISTATE, PMTAG and the
	// activation variables went into it.
	err = syscall.Exec(argv[0], argv, os.Environ())
	logf(msgExecPM, tag, errno.Text(err))
	return 1
}
