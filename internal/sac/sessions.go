package sac

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/linux-saf/saf/saf/saflog"
	"golang.org/x/sys/unix"
)

// sacadm -k --force (sacmsg.ACKillForce, an extension): stop the port
// monitor and end the sessions it started.
//
// A session is a child process of the port monitor: ttymon's per-port
// children (which become the login service) and listen's services each
// run in a session of their own (setsid), so each child leads a process
// group that holds everything the session started. The children are
// collected before the port monitor is signalled, since once it exits
// they are re-parented and can no longer be told apart from anyone
// else's processes. Then each group gets SIGHUP (what a hang-up of the
// line would send: shells and login sessions end on it) and SIGTERM, and
// after forceGrace, SIGKILL if anything of it is left.

// forceGrace is how long sessions have to end after SIGHUP and SIGTERM
// before they get SIGKILL. A seam for tests.
var forceGrace = 3 * time.Second

// forcePoll is how often the groups are checked during the grace.
const forcePoll = 50 * time.Millisecond

// procDir is /proc; a seam for tests of the fallback.
var procDir = "/proc"

// childrenOf returns the pids of pid's children: from
// /proc/<pid>/task/*/children (Linux 3.5 and later with
// CONFIG_PROC_CHILDREN), or, when the kernel has no such files, by
// scanning the parent pid of every process in /proc/*/stat.
func childrenOf(pid int) []int {
	if kids, ok := childrenFiles(pid); ok {
		return kids
	}
	return childrenByScan(pid)
}

// childrenFiles reads the children files of every thread of pid. ok is
// false when the kernel does not provide them.
func childrenFiles(pid int) (kids []int, ok bool) {
	files, err := filepath.Glob(filepath.Join(procDir, strconv.Itoa(pid), "task", "*", "children"))
	if err != nil || len(files) == 0 {
		return nil, false
	}
	seen := map[int]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended meanwhile
		}
		ok = true
		for _, w := range bytes.Fields(b) {
			if n, err := strconv.Atoi(string(w)); err == nil && n > 0 && !seen[n] {
				seen[n] = true
				kids = append(kids, n)
			}
		}
	}
	return kids, ok
}

// childrenByScan finds the processes whose parent is pid in /proc/*/stat.
func childrenByScan(pid int) []int {
	ents, err := os.ReadDir(procDir)
	if err != nil {
		return nil
	}
	var kids []int
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil || n <= 0 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(procDir, e.Name(), "stat"))
		if err != nil {
			continue // it exited meanwhile
		}
		if ppid, ok := statPPid(b); ok && ppid == pid {
			kids = append(kids, n)
		}
	}
	return kids
}

// statFields returns the fields of a /proc/<pid>/stat line after comm:
// "pid (comm) state ppid ...". comm may hold blanks and parentheses, so
// they are counted from its last ')'. Field 0 is the state, 1 the parent
// pid, 19 the start time.
func statFields(b []byte) [][]byte {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return bytes.Fields(b[i+1:])
}

// statPPid returns the parent pid from a /proc/<pid>/stat line.
func statPPid(b []byte) (int, bool) {
	f := statFields(b)
	if len(f) < 2 {
		return 0, false
	}
	n, err := strconv.Atoi(string(f[1]))
	return n, err == nil
}

// session is a process collected as a session leader: its pid and its
// start time, so that a pid reused by another process is never signalled.
type session struct {
	pid   int
	start string
}

// procState returns pid's state letter and start time; ok is false when
// there is no such process.
func procState(pid int) (state byte, start string, ok bool) {
	b, err := os.ReadFile(filepath.Join(procDir, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, "", false
	}
	f := statFields(b)
	if len(f) < 20 || len(f[0]) != 1 {
		return 0, "", false
	}
	return f[0][0], string(f[19]), true
}

// collectSessions returns the sessions of the port monitor with pid.
func collectSessions(pid int) []session {
	var out []session
	for _, k := range childrenOf(pid) {
		if _, start, ok := procState(k); ok {
			out = append(out, session{pid: k, start: start})
		}
	}
	return out
}

// alive reports whether anything of the session still runs: its leader
// (the same process: same start time; not a zombie), or, once the leader
// is gone, a live process of its process group. The group's id cannot
// be reused while a process is in it, so a group found here is still the
// session's.
func (ss session) alive() bool {
	st, start, ok := procState(ss.pid)
	if ok && start == ss.start {
		return st != 'Z' && st != 'X' || groupLive(ss.pid)
	}
	return !ok && groupLive(ss.pid)
}

// groupLive reports whether a process that is not a zombie is in process
// group pgid.
func groupLive(pgid int) bool {
	if unix.Kill(-pgid, 0) != nil {
		return false // no such group: nothing to scan for
	}
	ents, err := os.ReadDir(procDir)
	if err != nil {
		return true // cannot tell: assume it runs
	}
	want := strconv.Itoa(pgid)
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile(filepath.Join(procDir, e.Name(), "stat"))
		if err != nil {
			continue
		}
		if f := statFields(b); len(f) > 2 && string(f[2]) == want && len(f[0]) == 1 && f[0][0] != 'Z' && f[0][0] != 'X' {
			return true
		}
	}
	return false
}

// signal sends sig to the session's process group, or to the leader
// alone when it leads none (a child that has not yet called setsid).
func (ss session) signal(sig unix.Signal) bool {
	if err := unix.Kill(-ss.pid, sig); err == nil {
		return true
	}
	return unix.Kill(ss.pid, sig) == nil
}

// endSessions ends the sessions of port monitor tag: SIGHUP and SIGTERM
// to each process group, SIGKILL after forceGrace to those whose leader
// is still there. It blocks until they are gone or killed; sac runs it
// in a goroutine of its own, so the event loop goes on.
func endSessions(tag string, sessions []session, logf saflog.Logf) {
	var left []session
	for _, ss := range sessions {
		if !ss.alive() {
			continue
		}
		ss.signal(unix.SIGHUP)
		ss.signal(unix.SIGTERM)
		left = append(left, ss)
	}
	deadline := time.Now().Add(forceGrace)
	for len(left) > 0 && time.Now().Before(deadline) {
		time.Sleep(forcePoll)
		left = slices.DeleteFunc(left, func(ss session) bool { return !ss.alive() })
	}
	for _, ss := range left {
		// The group when there is one, the leader alone otherwise;
		// never a process with the leader's pid but another start
		// time (alive checked it just now).
		sent := unix.Kill(-ss.pid, unix.SIGKILL) == nil
		if st, start, ok := procState(ss.pid); ok && start == ss.start && st != 'Z' {
			sent = unix.Kill(ss.pid, unix.SIGKILL) == nil || sent
		}
		if sent {
			logf(msgSessionKill, ss.pid, tag)
		}
	}
}

// errNoPid: the port monitor's pid is not known.
var errNoPid = errors.New(msgErrNoPid)

// pmPid returns the pid of the running port monitor p, as sendSig
// would signal it.
func (s *sac) pmPid(p *pm) (int, error) {
	pid := s.checkLock(p.tag)
	if pid <= 0 {
		pid = p.pid
	}
	if pid <= 0 {
		return 0, errNoPid
	}
	return pid, nil
}
