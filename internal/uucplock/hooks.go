package uucplock

import "time"

// writeGrace is how long an invalid lock file is given to become valid
// before it counts as stale: a tool that creates its lock with O_EXCL and
// then writes the pid leaves it empty for that moment. Tests change it.
var writeGrace = time.Second

// testHookStale, when set, runs after a lock file has been judged stale
// (under the directory guard) and before it is removed: tests swap the
// file there, as a tool that does not take the guard could.
var testHookStale func(path string)
