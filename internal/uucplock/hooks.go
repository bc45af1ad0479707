package uucplock

import "time"

// writeGrace is how long an invalid lock file is given to become valid
// before it counts as stale: a tool that creates its lock with O_EXCL and
// then writes the pid leaves it empty for that moment. Tests change it.
var writeGrace = time.Second
