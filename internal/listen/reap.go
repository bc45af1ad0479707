package listen

import (
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Reaping children (docs/linux.md#reaping-through-pidfds; the original
// never waited for them).
//
// The listener waits for its children in one of three ways, each there
// for a reason:
//
//   - Through their pidfds, the rule. Every child the listener starts (a
//     service on the direct path, or a launcher) gets a pidfd, which goes
//     into an epoll set of the listener's own (childPoll) that sits in
//     Go's network poller with the listening sockets: when a child exits,
//     the poller wakes the one goroutine that collects the status with a
//     non-blocking wait4 on that pid and calls reaped. No SIGCHLD is
//     asked for (the Go runtime's own handler drops it), so an exit costs
//     no signal goroutine, no hand-over of the processor between threads
//     and no wake-up of the runtime's monitor thread (rawsys_linux.go),
//     and a child is waited for by its pid only, so a listener inside a
//     test binary leaves the binary's other children alone.
//   - wait4(-1) on every SIGCHLD (startReapAll), in the listen program
//     only (Config.ReapAll), where a pidfd cannot do the job: listen is
//     process 1 (a container's init) or a child subreaper, so orphans it
//     never started become its children and only wait4(-1) finds them;
//     the kernel has no pidfds (before Linux 5.3); or a child could not
//     have one, because the pidfds held reached their budget or the
//     descriptors ran out at the fork. In the last case it starts with
//     that child and reaps every child from then on; when it takes the
//     status of a child that has a pidfd, the pidfd's wait4 finds ECHILD
//     and only closes it.
//   - A blocking wait4 on one pid (waitBlocking), where wait4(-1) must
//     not be used (a listener inside a test binary) and a child has no
//     pidfd; for a child whose pidfd is readable before it can be waited
//     for; and for the children still running when the listener stops.

// reaper is the listener's one reaper (see above).
type reaper struct {
	poll    *childPoll // the children's pidfds; nil when they are not used
	reapAll bool       // wait4(-1) allowed: the listen program (Config.ReapAll)

	mu      sync.Mutex
	stopAll func() // stops the wait4(-1) reaper, once it runs
	closed  bool
}

// newReaper picks the ways of reaping for this process and starts them.
// An error is for the caller to report: children are reaped all the same.
func newReaper(reapAll bool) (*reaper, error) {
	r := &reaper{reapAll: reapAll}
	var err error
	if !(reapAll && mustReapOrphans()) && pidfdWorks() {
		r.poll, err = newChildPoll()
	}
	if r.poll == nil && reapAll {
		r.startAll()
	}
	return r, err
}

// mustReapOrphans reports whether children this process did not start
// can become its own: it is process 1 of its pid namespace, or a child
// subreaper (the attribute survives execve, so a wrapper may have set it
// before it ran listen).
func mustReapOrphans() bool {
	if os.Getpid() == 1 {
		return true
	}
	var v int32
	// Ignored error: a kernel without the query has no subreapers.
	_ = unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&v)), 0, 0, 0)
	return v != 0
}

// pidfdWorks reports whether the kernel gives pidfds (pidfd_open, Linux
// 5.3; clone's CLONE_PIDFD came with 5.2).
func pidfdWorks() bool {
	fd, err := unix.PidfdOpen(os.Getpid(), 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// slot returns where ForkExec should put the child's pidfd, or nil when
// the child is to have none: pidfds are not used, or those held already
// reach their budget (childPoll). The slot starts at -1, which ForkExec
// leaves when the kernel gives none.
func (r *reaper) slot() *int {
	if r.poll == nil || !r.poll.room() {
		return nil
	}
	fd := -1
	return &fd
}

// forkExec is syscall.ForkExec with the child's pidfd in attr.Sys.PidFD
// when one was asked for. A child that cannot have one because the
// descriptors have run out is started without it rather than refused.
func forkExec(argv0 string, argv []string, attr *syscall.ProcAttr) (pid, pidfd int, err error) {
	pid, err = syscall.ForkExec(argv0, argv, attr)
	if err != nil && attr.Sys.PidFD != nil && (errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)) {
		attr.Sys.PidFD = nil
		pid, err = syscall.ForkExec(argv0, argv, attr)
	}
	if err != nil {
		return 0, -1, err
	}
	pidfd = -1
	if attr.Sys.PidFD != nil {
		pidfd = *attr.Sys.PidFD
	}
	return pid, pidfd, nil
}

// started arranges for child pid (with its pidfd, or -1) to be reaped:
// reaped is called with its status once it has exited.
func (r *reaper) started(pid, pidfd int) {
	if pidfd >= 0 {
		if r.poll != nil && r.poll.add(pid, pidfd) {
			return
		}
		closeRaw(pidfd)
	}
	if r.reapAll && r.startAll() {
		return
	}
	go waitBlocking(pid)
}

// startAll makes sure the wait4(-1) reaper runs, and reports whether it
// does (not once the listener has stopped).
func (r *reaper) startAll() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	if r.stopAll == nil {
		r.stopAll = startReapAll()
	}
	return true
}

// close stops reaping when the listener stops. Children the pidfds watch
// are then waited for one by one; under wait4(-1) the program is about
// to exit.
func (r *reaper) close() {
	r.mu.Lock()
	r.closed = true
	stop := r.stopAll
	r.mu.Unlock()
	if stop != nil {
		stop()
	}
	if r.poll != nil {
		r.poll.close()
	}
}

// childPoll holds the pidfds of the running children in an epoll
// instance of its own, itself in Go's poller: one goroutine serves every
// child, and a child costs three raw system calls here (epoll_ctl when
// it starts, epoll_ctl and close when it is reaped: forget), no goroutine, no os.File and no
// wake-up of the runtime's monitor (rawsys_linux.go).
//
// A pidfd is a descriptor held for as long as the service runs. So that
// many long sessions cannot use up the descriptors that accept needs,
// pidfds are held up to a budget, half the soft RLIMIT_NOFILE (which Go
// raised to the hard limit at start-up: 262144 under systemd's default).
// Children started beyond it are the other ways' (reaper.started).
type childPoll struct {
	epfd   int
	f      *os.File // epfd, in Go's poller
	done   chan struct{}
	budget int

	mu   sync.Mutex
	open map[int]int // pidfd -> pid, registered and not yet reaped
	shut bool
}

// newChildPoll makes the epoll instance and starts its goroutine.
func newChildPoll() (*childPoll, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	// Non-blocking, so that os.NewFile puts it in the poller (an epoll
	// descriptor is readable while it has events ready).
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	cp := &childPoll{
		epfd:   epfd,
		f:      os.NewFile(uintptr(epfd), "children"),
		done:   make(chan struct{}),
		budget: pidfdBudget(),
		open:   map[int]int{},
	}
	rc, err := cp.f.SyscallConn()
	if err != nil {
		cp.f.Close()
		return nil, err
	}
	go cp.run(rc)
	return cp, nil
}

// pidfdBudget is how many pidfds the listener holds at most: half its
// soft RLIMIT_NOFILE.
func pidfdBudget() int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == unix.RLIM_INFINITY {
		return 1 << 20
	}
	return int(min(rl.Cur/2, 1<<30))
}

// room reports whether one more pidfd fits the budget.
func (cp *childPoll) room() bool {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return len(cp.open) < cp.budget
}

// add registers child pid's pidfd, which childPoll owns from then on;
// false (the pidfd untouched) when it cannot.
func (cp *childPoll) add(pid, pidfd int) bool {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.shut {
		return false
	}
	// The pid rides in the event's data next to the descriptor.
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(pidfd), Pad: int32(pid)}
	if _, _, e := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(cp.epfd), unix.EPOLL_CTL_ADD, uintptr(pidfd), uintptr(unsafe.Pointer(&ev)), 0, 0); e != 0 {
		return false
	}
	cp.open[pidfd] = pid
	return true
}

// run reaps children as their pidfds become readable, until close.
func (cp *childPoll) run(rc syscall.RawConn) {
	defer close(cp.done)
	var evs [32]unix.EpollEvent
	// Ignored: Read ends with an error only when close closed the
	// descriptor, which is the way out.
	_ = rc.Read(func(uintptr) bool {
		for {
			n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(cp.epfd), uintptr(unsafe.Pointer(&evs[0])), uintptr(len(evs)), 0, 0, 0)
			if e == unix.EINTR {
				continue
			}
			if e != 0 {
				return false // cannot happen on a valid epfd; wait again
			}
			for _, ev := range evs[:n] {
				cp.reap(int(ev.Fd), int(ev.Pad))
			}
			if int(n) < len(evs) {
				return false // drained: wait for the poller
			}
		}
	})
}

// reap collects child pid, whose pidfd is readable.
func (cp *childPoll) reap(pidfd, pid int) {
	cp.mu.Lock()
	owner, ok := cp.open[pidfd]
	if !ok || owner != pid {
		// close took it, or the event is for an earlier child whose
		// pidfd had this number; the present one is not touched.
		cp.mu.Unlock()
		return
	}
	delete(cp.open, pidfd)
	cp.mu.Unlock()
	var ws unix.WaitStatus
	r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(&ws)), unix.WNOHANG, 0, 0, 0)
	cp.forget(pidfd)
	switch {
	case e != 0:
		// ECHILD: not ours to wait for any more; nothing to report.
	case r == 0:
		// Readable but not yet waitable (the leader has exited, other
		// threads have not): wait the slow way rather than spin.
		go waitBlocking(pid)
	default:
		reaped(pid, syscall.WaitStatus(ws))
	}
}

// forget takes pidfd out of the epoll set, then closes it. Closing alone
// is not enough: epoll drops an entry only when no process holds the
// pidfd any more, and a child being forked meanwhile (between its clone
// and its exec) holds a copy of every descriptor. Such an entry would
// go on reporting the old child under a descriptor number that a later
// child's pidfd may have by then, and that child would never be reaped.
func (cp *childPoll) forget(pidfd int) {
	ev := unix.EpollEvent{}
	// Ignored: the entry is gone already only if the descriptor is.
	_, _, _ = unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(cp.epfd), unix.EPOLL_CTL_DEL, uintptr(pidfd), uintptr(unsafe.Pointer(&ev)), 0, 0)
	closeRaw(pidfd)
}

// close stops the goroutine; children still running are handed to
// blocking waits, so that they are reaped all the same.
func (cp *childPoll) close() {
	cp.mu.Lock()
	cp.shut = true
	open := cp.open
	cp.open = map[int]int{}
	cp.mu.Unlock()
	cp.f.Close() // ends run's Read
	<-cp.done
	for pidfd, pid := range open {
		closeRaw(pidfd)
		go waitBlocking(pid)
	}
}

// waitBlocking waits for child pid in a blocking wait4 (its own thread
// while it waits) and reports it.
func waitBlocking(pid int) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err == nil {
			reaped(pid, syscall.WaitStatus(ws))
		}
		return
	}
}

// startReapAll reaps every child of the process as it exits, with
// wait4(-1) on SIGCHLD, beginning with those that have exited already
// (SIGCHLD was nobody's before). It returns a function that stops it.
func startReapAll() func() {
	ch := make(chan os.Signal, 64)
	signal.Notify(ch, syscall.SIGCHLD)
	done := make(chan struct{})
	go func() {
		for {
			for {
				var ws unix.WaitStatus
				pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
				if errors.Is(err, unix.EINTR) {
					continue
				}
				if pid <= 0 || err != nil {
					break
				}
				reaped(pid, syscall.WaitStatus(ws))
			}
			select {
			case <-ch:
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
