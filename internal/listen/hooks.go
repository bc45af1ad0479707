package listen

import (
	"syscall"
	"time"

	"github.com/linux-saf/saf/saf/nlps"
	"github.com/linux-saf/saf/saf/passfd"
	"golang.org/x/sys/unix"
)

// Seams for tests. Only tests change them; none is a knob a user can turn.
// The launcher process reads them too, so the package's tests set them in
// TestMain for the children they start.
var (
	// nlpsTimeout bounds the whole NLPS request (the original's 45 s).
	nlpsTimeout = nlps.RequestTimeout
	// badRequestDelay is the wait before closing after a request that
	// does not scan or names an unknown version (the original's 10 s).
	badRequestDelay = nlps.BadRequestDelay
	// passfdTimeout bounds the hand-off to a standing server.
	passfdTimeout = passfd.DialTimeout
	// acceptPause is the pause after accept failed for lack of
	// descriptors or memory.
	acceptPause = 100 * time.Millisecond
	// beforeAccept, when set, runs before every accept: tests hold
	// connections in the kernel's queue with it.
	beforeAccept func()
	// startedDirect, when set, is called with the service code and pid
	// of every service started on the direct path (fastpath.go), so
	// tests can tell the two paths apart.
	startedDirect func(code string, pid int)
	// onReaped, when set, is called with the pid and wait status of
	// every child the listener reaps (reap.go), before anything else.
	onReaped func(pid int, ws syscall.WaitStatus)
)

// Seams of the service options (options.go, internal.go, wait.go).
var (
	// burstQuiet is how long a kind of refusal must stop before the
	// count of those not logged is logged.
	burstQuiet = time.Second
	// internalIdle ends an internal TCP session that makes no progress.
	internalIdle = time.Minute
	// internalTotal bounds an internal TCP session without a timeout.
	internalTotal = 10 * time.Minute
	// killDelay is the time between SIGHUP and SIGKILL when a session
	// times out.
	killDelay = 5 * time.Second
	// waitRetry is the rest after a wait service failed to start.
	waitRetry = time.Second
)

// afterBind, when set, runs just after a unix socket file was bound at
// path, before anything else looks at it: tests put a symlink in its
// place there, as someone who can write the directory could.
var afterBind func(path string)

// unshareFS gives the calling thread a umask of its own (bindUnix); tests
// make it fail, as a seccomp filter may.
var unshareFS = func() error { return unix.Unshare(unix.CLONE_FS) }
