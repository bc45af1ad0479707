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

// Reaping children (listen.md 5.11 [LINUX]).
//
// Every child the listener starts (a service on the direct path, or a
// launcher) is waited for through its pidfd, which goes into an epoll
// set of the listener's own (childPoll) that sits in Go's network poller
// with the listening sockets: when a child exits, the poller wakes the
// one goroutine that collects the status with a non-blocking wait4 on
// that pid and calls reaped. The listener asks for no SIGCHLD (the Go
// runtime's own handler drops it), so an exit costs no signal goroutine,
// no hand-over of the processor between threads and no wake-up of the
// runtime's monitor thread (rawsys_linux.go).
// A pidfd-tracked child is waited for by pid, never with wait4(-1), so
// the children of a test binary that runs the listener in-process are
// safe too.
//
// The SIGCHLD reaper (wait4(-1) on every SIGCHLD) stays for where a
// pidfd cannot do the job:
//   - listen is process 1 (a container's init) or a child subreaper:
//     orphans it did not start become its children and must be reaped;
//   - the kernel has no pidfds (before Linux 5.3).
//
// Without pidfds and without ReapAll (tests on such a kernel), each child
// is waited for by a goroutine blocked in wait4 on its pid.
type reapMode int

const (
	reapPidfd reapMode = iota // each child's pidfd in the poller
	reapAll                   // SIGCHLD and wait4(-1)
	reapEach                  // a blocking wait4 per child
)

// chooseReap picks the reaper for this process. reapAll is true for the
// listen program (Config.ReapAll).
func chooseReap(reapAllWanted bool) reapMode {
	if reapAllWanted && mustReapOrphans() {
		return reapAll
	}
	if pidfdWorks() {
		return reapPidfd
	}
	if reapAllWanted {
		return reapAll
	}
	return reapEach
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

// pidfdSlot returns where ForkExec should put the child's pidfd, or nil
// when the child is to have none: the reaper does not use them, or the
// pidfds held already reach their budget (childPoll). The slot starts at
// -1, which ForkExec leaves when the kernel gives none.
func (l *listener) pidfdSlot() *int {
	if l.reap != reapPidfd || l.children == nil || !l.children.room() {
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

// childStarted arranges for child pid (with its pidfd, or -1) to be
// reaped: reaped is called with its status once it has exited. Under the
// SIGCHLD reaper there is nothing to do.
func (l *listener) childStarted(pid, pidfd int) {
	switch {
	case l.reap == reapAll:
		if pidfd >= 0 {
			closeRaw(pidfd) // not asked for; kept from leaking all the same
		}
	case l.children != nil:
		if pidfd >= 0 && l.children.add(pid, pidfd) {
			return
		}
		if pidfd >= 0 {
			closeRaw(pidfd)
		}
		l.children.addBare(pid)
	default:
		go waitBlocking(pid)
	}
}

// childPoll holds the pidfds of the running children in an epoll
// instance of its own, itself in Go's poller: one goroutine serves every
// child, and a child costs two raw system calls here (epoll_ctl when it
// starts, close when it is reaped), no goroutine, no os.File and no
// wake-up of the runtime's monitor (rawsys_linux.go).
//
// A pidfd is a descriptor held for as long as the service runs. So that
// many long sessions cannot use up the descriptors that accept needs,
// pidfds are held up to a budget, half the soft RLIMIT_NOFILE (which Go
// raised to the hard limit at start-up: 262144 under systemd's default).
// Children started beyond it, or when the pidfd could not be had, are
// "bare": SIGCHLD is asked for from the first of them on, and each one
// makes a sweep of the bare children with wait4 on their own pids (never
// wait4(-1), which would take the pidfd children's statuses).
type childPoll struct {
	epfd   int
	f      *os.File // epfd, in Go's poller
	done   chan struct{}
	budget int

	mu    sync.Mutex
	open  map[int]int      // pidfd -> pid, registered and not yet reaped
	bare  map[int]struct{} // children without a pidfd, not yet reaped
	sigch chan os.Signal   // SIGCHLD, once there was a bare child
	stop  chan struct{}    // ends the sweeper
	shut  bool
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
		bare:   map[int]struct{}{},
		stop:   make(chan struct{}),
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

// addBare registers child pid, which has no pidfd, with the sweeper,
// starting it on the first one.
func (cp *childPoll) addBare(pid int) {
	cp.mu.Lock()
	if cp.shut {
		cp.mu.Unlock()
		go waitBlocking(pid)
		return
	}
	cp.bare[pid] = struct{}{}
	start := cp.sigch == nil
	if start {
		cp.sigch = make(chan os.Signal, 1)
		signal.Notify(cp.sigch, syscall.SIGCHLD)
	}
	cp.mu.Unlock()
	if start {
		go cp.sweeper()
	}
	// A child that exited before SIGCHLD was asked for sent it to
	// nobody: this sweep finds it.
	cp.sweep()
}

// sweeper sweeps the bare children on every SIGCHLD, until close.
func (cp *childPoll) sweeper() {
	for {
		select {
		case <-cp.sigch:
			cp.sweep()
		case <-cp.stop:
			return
		}
	}
}

// sweep reaps the bare children that have exited. Under the lock, so
// that a pid reaped here and at once reused by a new bare child is not
// forgotten.
func (cp *childPoll) sweep() {
	type exit struct {
		pid int
		ws  unix.WaitStatus
	}
	var gone []exit
	cp.mu.Lock()
	for pid := range cp.bare {
		var ws unix.WaitStatus
		r, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		switch {
		case r == 0, errors.Is(err, unix.EINTR):
			// Running, or interrupted: the next sweep.
		case err != nil:
			delete(cp.bare, pid) // ECHILD: not ours any more
		default:
			delete(cp.bare, pid)
			gone = append(gone, exit{pid, ws})
		}
	}
	cp.mu.Unlock()
	for _, g := range gone {
		reaped(g.pid, syscall.WaitStatus(g.ws))
	}
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
	_, ok := cp.open[pidfd]
	delete(cp.open, pidfd)
	cp.mu.Unlock()
	if !ok {
		return // close took it
	}
	var ws unix.WaitStatus
	r, _, e := unix.RawSyscall6(unix.SYS_WAIT4, uintptr(pid), uintptr(unsafe.Pointer(&ws)), unix.WNOHANG, 0, 0, 0)
	closeRaw(pidfd) // also takes it out of the epoll set
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

// close stops both goroutines; children still running are handed to
// blocking waits, so that they are reaped all the same.
func (cp *childPoll) close() {
	cp.mu.Lock()
	cp.shut = true
	open, bare := cp.open, cp.bare
	cp.open, cp.bare = map[int]int{}, map[int]struct{}{}
	if cp.sigch != nil {
		signal.Stop(cp.sigch)
	}
	cp.mu.Unlock()
	close(cp.stop)
	cp.f.Close() // ends run's Read
	<-cp.done
	for pidfd, pid := range open {
		closeRaw(pidfd)
		go waitBlocking(pid)
	}
	for pid := range bare {
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

// startReaper reaps every child as it exits, with wait4(-1) on SIGCHLD:
// the one reaper of the process under reapAll. It returns a function
// that stops it.
func startReaper() func() {
	ch := make(chan os.Signal, 64)
	signal.Notify(ch, syscall.SIGCHLD)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
			case <-done:
				return
			}
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
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
