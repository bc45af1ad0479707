package sac

import "github.com/linux-saf/saf/saf/doconfig"

// runScript interprets a configuration script in this process, with no
// stream (fd -1: push and pop fail) and no restrictions, as sac does for
// _sysconfig and its child does for _config (sac.md 7.1): 0 for success
// or a missing script, -1 for a system error, else the failing line.
// Commands a "run" line starts are reaped by sac's reaper (or, in the
// child, handed to the port monitor it becomes, as in the original).
var runScript = func(path string) (int, error) {
	return doconfig.Run(path, doconfig.NewProcess(-1, doconfig.NoStream), 0)
}
