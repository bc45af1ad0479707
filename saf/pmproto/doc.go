// Package pmproto is the port monitor's side of the sac protocol: what
// ttymon, listen and any other port monitor written in Go must do for the
// Service Access Controller. The wire records themselves live in package
// sacmsg; this package is the start-up, the files, and the message loop
// around them (the repository's
// docs/architecture.md#what-a-port-monitor-must-do lists the duties).
//
// # Start-up
//
// sac starts a port monitor with cwd /etc/saf/<tag>, no open file
// descriptors at all, and two variables in its environment:
//
//	PMTAG   the port monitor's tag
//	ISTATE  "enabled" or "disabled": the state to start in; anything but
//	        exactly "enabled" means disabled
//
// ReadEnv reads them and UnsetEnv removes them from the process
// environment, so services the port monitor starts do not see them (as
// ttymon does). Open then, in ttymon's order:
//
//  1. opens /etc/saf/<tag>/_pid (created mode 0600), takes a POSIX record
//     write lock on the whole file (fcntl F_SETLK: sac tests exactly this
//     lock to decide the port monitor is alive and to find the pid it
//     signals), truncates it and writes the decimal pid followed by one NUL
//     byte. The file stays open, and so locked, until Close or exit. If
//     another process holds a write lock, Open fails with an error that
//     matches ErrAlreadyRunning. A read lock is not a port monitor's (see
//     below): the file is replaced instead.
//  2. opens /etc/saf/_sacpipe write-only, for the replies;
//  3. opens /etc/saf/<tag>/_pmpipe read/write, for sac's messages. Holding
//     it for writing too means the port monitor never sees end-of-file,
//     whatever sac does.
//
// Every path is absolute, built from a paths.Root (SAF_ROOT): nothing
// depends on the cwd sac gave. Every descriptor is close-on-exec.
//
// # Opening _sacpipe
//
// Opening a FIFO write-only blocks until some process has it open for
// reading. sac opens _sacpipe read/write at start-up and keeps it open, so
// under sac that never blocks; but the original ttymon, started by hand
// without sac, hung there forever. Open uses O_NONBLOCK instead, which
// fails at once with ENXIO when nobody reads the FIFO; the error then says
// that sac is not running. The descriptor stays non-blocking and is
// served by Go's poller, so a reply write waits (without holding a thread)
// when the pipe is full, and gives up after a timeout rather than hanging
// the port monitor on a sac that stopped reading (see Run).
//
// # Messages
//
// Run reads 8-byte sacmsg headers from _pmpipe, skips any data a header
// announces (sac never sends any), and answers every header with exactly
// one 24-byte pmmsg on _sacpipe, written with one write(2): pm_type
// PM_STATUS, pm_state the state after handling, pm_maxclass 1, pm_tag
// PMTAG, pm_size 0.
//
//	SC_STATUS   nothing; reply the current state
//	SC_ENABLE   Hooks.OnEnable, then the state is ENABLED; reply
//	SC_DISABLE  Hooks.OnDisable, then the state is DISABLED; reply
//	SC_READDB   Hooks.OnReadDB (which may only schedule the re-read); reply
//	            the current state
//	other       reply PM_UNKNOWN with the current state
//
// Lines logged through Config.Logf are ttymon's: "Got SC_ENABLE message",
// "Got SC_DISABLE message", "Got SC_READDB message", "Got unknown message
// <n>", and "sanity response to SAC failed: <strerror>" when a reply cannot
// be written. A port monitor with other texts (listen) passes a Logf that
// drops them and logs from its hooks.
//
// The owner may change the state itself with SetState: STARTING while it
// initialises, STOPPING when it shuts down on SIGTERM. SetState sends
// nothing; the next reply carries the new state. An unsolicited message
// would count with sac as an answer to its poll (sac takes any message
// from a port monitor as a sign of life) and could hide a port monitor
// that stopped answering. STOPPING is final: SC_ENABLE and SC_DISABLE
// received afterwards are answered with STOPPING and their hooks are not
// called, so a port monitor on its way out is not re-enabled.
//
// # Decisions the original leaves open or gets wrong
//
//   - An empty PMTAG counts as missing, and a tag that could not travel in
//     pm_tag (longer than 14 bytes, or holding a NUL) or that is not a
//     single path element ("/", ".", "..") is refused: it would name a file
//     outside /etc/saf/<tag>.
//   - _pid is opened without O_TRUNC and truncated only once the lock is
//     held, so a second copy started by mistake cannot wipe the pid of the
//     one that is running (ttymon tests the lock first, then truncates:
//     racy). A symlink at _pid, _pmpipe or _sacpipe is not followed, and
//     a _pid or FIFO of the wrong file type is refused rather than opened
//     (opening a FIFO planted at _pid would block), as is a FIFO with more
//     than one link (a hard link to a file elsewhere) or one that belongs
//     to neither root nor the port monitor's user: a root port monitor
//     whose directory someone else can write must not take messages from
//     their FIFO. A _pid like that is not written but replaced, as below.
//   - _pid is mode 0600, not the original's 0644: anyone who can open it,
//     even read-only, can take a POSIX read lock on it, which keeps the
//     port monitor from its write lock (it would not start), and sac
//     took the holder for the port monitor. A _pid found with a wider
//     mode (sacadm made it 0644), of another owner or with other links,
//     and one that another process holds a read lock on (port monitors
//     take only write locks), is replaced: a new file, made 0600 in the
//     same directory and write-locked, is renamed over it
//     (lockfile.ReplaceLocked). Whoever had the old one open, before any
//     chmod too, keeps a descriptor and a lock on a file that is no
//     longer _pid. The replacement is logged through Config.Logf, except
//     for a mode that was only too wide: "replaced <path>: <why>". A
//     port monitor that may not create files in its directory narrows a
//     too-wide mode in place instead.
//   - POSIX locks belong to the process, and closing any descriptor of a
//     file releases all of the process's locks on it. So a second Open of
//     the same _pid in one process would succeed and its Close would drop
//     the first one's lock: Open remembers the _pid files this process
//     holds and refuses the second one with ErrAlreadyRunning, without
//     opening the file. The same trap catches any other code in the port
//     monitor's process that opens _pid, even only to read it
//     (lockfile.RecordLocked included): it must not.
//   - A header whose size field is negative or above sacmsg.MaxDataSize
//     cannot be skipped sanely. Its type is handled as usual (ttymon
//     ignores the size altogether), the size is logged, and no data is
//     skipped.
//   - A reply write that fails is logged and the loop goes on (ttymon
//     does the same); sac notices the missing answer at its next poll.
//
// Hooks are called from the goroutine running Run, one message at a time;
// State and SetState are safe from any goroutine.
package pmproto
