package sac

import "github.com/linux-saf/saf/saf/doconfig"

// runScript interprets a configuration script with no restrictions, as
// sac does for _sysconfig and its child does for _config: 0
// for success or a missing script, -1 for a system error, else the
// failing line. env is this process (see scriptEnv), or one that also
// records what the script assigns (recordingEnv).
var runScript = func(path string, env doconfig.Env) (int, error) {
	return doconfig.Run(path, env, 0)
}

// scriptEnv is this process with no stream (fd -1: push and pop fail).
// Commands a "run" line starts are reaped by sac's reaper (or, in the
// child, handed to the port monitor it becomes, as in the original).
func scriptEnv() *doconfig.Process { return doconfig.NewProcess(-1, doconfig.NoStream) }
