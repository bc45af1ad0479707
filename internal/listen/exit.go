package listen

// The listener's exit statuses (docs/original.md#listen-exit-codes), and
// those of the launcher process that becomes a service. Nobody waits for a
// launcher's status; it is kept for the log and for tests.
const (
	exitOK         = 0
	exitFatal      = 1  // PMTAG/ISTATE missing, log, not root, usage, net_spec, _pid locked
	exitNoFile     = 3  // _sacpipe, _pmpipe or _pid cannot be opened
	exitSIGTERM    = 15 // caught SIGTERM
	exitNoVersion  = 39 // _pmtab has no or an empty version line
	exitBadVersion = 40 // _pmtab version is not 4
	exitBadTable   = 71 // _pmtab cannot be opened or has a bad entry
	exitPoll       = 91 // reading sac's messages failed
	exitChild      = 2  // launcher: the service could not be set up
	exitExecFailed = 1  // launcher: execve failed (listener-started service)
)
