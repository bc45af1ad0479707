package listen

import (
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/internal/utmp"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/saflog"
)

// utmp entries for services with flag u (docs/linux.md#utmp-and-wtmp).
//
// The launcher, which becomes the service, writes a USER_PROCESS record
// for its own pid into utmp and appends it to wtmp, before the module
// push, the script and the identity switch (so with listen's privileges);
// for a service started on the direct path (fastpath.go) the listener
// writes the same record for the child's pid just after the fork:
//
//	ut_user  "." + pmtag for a service the listener starts; the entry's
//	         identity for one the NLPS server starts
//	ut_id    "ls" (listener) or "ps" (NLPS server) + two characters from
//	         the pid (base 62 of pid mod 3844)
//	ut_line  MPREFIX + the pid in decimal: a socket has no minor device
//	         number (st_rdev is 0), so the original's MPREFIX + minor
//	         would always be "<prefix>00"; the pid is unique while the
//	         service lives
//	ut_pid   the service's pid; ut_session the same (it leads a session)
//	ut_tv    now
//
// The original forked twice so init inherited the service; Linux init
// does not clean up utmp, so the listener stays the parent instead: when
// its reaper collects a service started by an entry with flag u, or any
// service the NLPS server started (the listener cannot know its flags),
// it marks the record DEAD_PROCESS with the exit status and appends that
// to wtmp (utmp.Dead). Failing to write utmp is logged and the service
// runs anyway.

// utmpIDChars are the characters of ut_id's generated part.
const utmpIDChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// utmpRecord returns the USER_PROCESS record of the service with pid
// (docs/linux.md#utmp-and-wtmp). nlps selects the NLPS server's user and id
// prefix.
func utmpRecord(tag, identity, mprefix string, nlps bool, pid int, now time.Time) utmp.Record {
	user, id := "."+tag, "ls"
	if nlps {
		user, id = identity, "ps"
	}
	n := pid % (len(utmpIDChars) * len(utmpIDChars))
	id += string(utmpIDChars[n/len(utmpIDChars)]) + string(utmpIDChars[n%len(utmpIDChars)])
	return utmp.Record{
		Type:    utmp.UserProcess,
		Pid:     int32(pid),
		Line:    mprefix + strconv.Itoa(pid),
		ID:      id,
		User:    user,
		Session: int32(pid),
		Time:    now,
	}
}

// utmpLogin writes the service's USER_PROCESS record in the launcher, which
// is about to become the service. MPREFIX is the launcher's own
// environment: the listener put it there for the service.
func utmpLogin(root paths.Root, tag string, s *service, nlps bool, logf saflog.Logf) {
	utmpStart(root, tag, s, nlps, os.Getenv("MPREFIX"), os.Getpid(), logf)
}

// utmpStart writes the USER_PROCESS record of the service with pid: the
// launcher's own, or, on the direct path (fastpath.go), the child's, by
// the listener right after the fork and before the reaper can see it
// end (startTracked holds utmpMu).
func utmpStart(root paths.Root, tag string, s *service, nlps bool, mprefix string, pid int, logf saflog.Logf) {
	r := utmpRecord(tag, s.Identity, mprefix, nlps, pid, time.Now())
	err := utmp.Put(root.Utmp(), r)
	if err == nil {
		err = utmp.AppendWtmp(root.Wtmp(), r)
	}
	if err != nil {
		logf(msgUtmpFailed, s.Code, errno.Text(err))
	}
}

// utmpPids holds the pids of running launchers whose end must be
// recorded in utmp, with the root of their files. The central reaper
// looks a pid up under utmpMu, which launch holds from the start of such
// a child until it is registered, so a child that exits at once is never
// reaped unrecorded.
var (
	utmpMu   sync.Mutex
	utmpPids = map[int]paths.Root{}
)

// startTracked runs start, which starts a child and returns its pid,
// and registers the pid when track is set.
func startTracked(track bool, root paths.Root, start func() (int, error)) error {
	if !track {
		_, err := start()
		return err
	}
	utmpMu.Lock()
	defer utmpMu.Unlock()
	pid, err := start()
	if err == nil {
		utmpPids[pid] = root
	}
	return err
}

// reaped records the end of child pid with wait status ws, if it was
// registered: DEAD_PROCESS in utmp and wtmp. No record (the launcher
// failed before writing it, or an NLPS service without flag u) is the
// common case and not an error; other errors have nowhere to go but are
// rare (the files were writable a moment ago).
func reaped(pid int, ws syscall.WaitStatus) {
	if onReaped != nil {
		onReaped(pid, ws)
	}
	sessionEnded(pid) // status.go
	childGone(pid)    // options.go
	utmpMu.Lock()
	root, ok := utmpPids[pid]
	delete(utmpPids, pid)
	utmpMu.Unlock()
	if !ok {
		return
	}
	// Ignored: see above.
	_ = utmp.Dead(root.Utmp(), root.Wtmp(), pid, int(ws), time.Now())
}
