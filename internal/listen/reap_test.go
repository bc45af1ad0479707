package listen

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// reapLog collects what reaped reports for a set of pids.
type reapLog struct {
	mu   sync.Mutex
	want map[int]bool
	got  map[int]syscall.WaitStatus
}

// watchReaped sets onReaped for the test and returns the log.
func watchReaped(t *testing.T) *reapLog {
	t.Helper()
	r := &reapLog{want: map[int]bool{}, got: map[int]syscall.WaitStatus{}}
	onReaped = func(pid int, ws syscall.WaitStatus) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.want[pid] {
			if _, dup := r.got[pid]; dup {
				t.Errorf("pid %d reported twice", pid)
			}
			r.got[pid] = ws
		}
	}
	t.Cleanup(func() { onReaped = nil })
	return r
}

func (r *reapLog) expect(pid int) {
	r.mu.Lock()
	r.want[pid] = true
	r.mu.Unlock()
}

// wait waits until every expected pid was reported, and returns the
// statuses.
func (r *reapLog) wait(t *testing.T) map[int]syscall.WaitStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		done := len(r.got) == len(r.want)
		out := make(map[int]syscall.WaitStatus, len(r.got))
		for k, v := range r.got {
			out[k] = v
		}
		r.mu.Unlock()
		if done {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("reaped %d of %d children", len(out), len(r.want))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// devNull returns descriptors for a child's 0, 1 and 2 on /dev/null: a
// child left running must not hold the test's output open (go test
// waits for it).
func devNull(t *testing.T) []uintptr {
	t.Helper()
	f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return []uintptr{f.Fd(), f.Fd(), f.Fd()}
}

// spawn starts sh -c script with its pidfd when withPidfd, as the
// listener starts its children.
func spawn(t *testing.T, script string, withPidfd bool) (pid, pidfd int) {
	t.Helper()
	pidfd = -1
	attr := &syscall.ProcAttr{Files: devNull(t), Sys: &syscall.SysProcAttr{}}
	if withPidfd {
		attr.Sys.PidFD = &pidfd
	}
	pid, pidfd, err := forkExec("/bin/sh", []string{"sh", "-c", script}, attr)
	if err != nil {
		t.Fatal(err)
	}
	if withPidfd && pidfd < 0 {
		t.Fatal("no pidfd from the kernel")
	}
	return pid, pidfd
}

// pidfds counts this process's open pidfds.
func pidfds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if l, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); strings.Contains(l, "pidfd") {
			n++
		}
	}
	return n
}

// exists reports whether process pid exists at all (a zombie does).
func exists(pid int) bool { return syscall.Kill(pid, 0) == nil }

func newPoll(t *testing.T) *childPoll {
	t.Helper()
	if !pidfdWorks() {
		t.Skip("the kernel has no pidfds")
	}
	cp, err := newChildPoll()
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func TestChildPollReapsWithStatus(t *testing.T) {
	cp := newPoll(t)
	defer cp.close()
	log := watchReaped(t)
	before := pidfds(t)
	want := map[int]int{}
	for i := range 20 {
		pid, pidfd := spawn(t, fmt.Sprintf("exit %d", i), true)
		log.expect(pid)
		want[pid] = i
		if !cp.add(pid, pidfd) {
			t.Fatal("add refused a pidfd")
		}
	}
	// One killed by a signal: the status says so.
	pid, pidfd := spawn(t, "exec sleep 60", true)
	log.expect(pid)
	cp.add(pid, pidfd)
	syscall.Kill(pid, syscall.SIGTERM)
	got := log.wait(t)
	for p, code := range want {
		if ws := got[p]; !ws.Exited() || ws.ExitStatus() != code {
			t.Errorf("pid %d: status %#x, want exit %d", p, int(ws), code)
		}
	}
	if ws := got[pid]; !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("killed child: status %#x, want SIGTERM", int(ws))
	}
	for p := range got {
		if exists(p) {
			t.Errorf("pid %d still exists (a zombie?)", p)
		}
	}
	if n := pidfds(t); n != before {
		t.Errorf("%d pidfds open after the children were reaped, %d before", n, before)
	}
}

// TestChildPollPidfdHeldElsewhere: a reaped child's pidfd may still be
// held elsewhere (by a child being forked at that moment, which has a
// copy of every descriptor until it execs), and its number may already
// be a later child's pidfd. The later child is reaped all the same.
func TestChildPollPidfdHeldElsewhere(t *testing.T) {
	cp := newPoll(t)
	defer cp.close()
	log := watchReaped(t)
	first, fd := spawn(t, "exit 0", true)
	held, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(held)
	log.expect(first)
	cp.add(first, fd)
	log.wait(t)
	// The next child's pidfd gets the number the first one had.
	second, fd2 := spawn(t, "exec sleep 60", true)
	if fd2 != fd {
		if err := unix.Dup3(fd2, fd, unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		unix.Close(fd2)
	}
	log.expect(second)
	cp.add(second, fd)
	time.Sleep(50 * time.Millisecond) // the run goroutine sees any stale entry
	if err := syscall.Kill(second, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if ws := log.wait(t)[second]; !ws.Signaled() {
		t.Errorf("second child: status %#x, want killed", int(ws))
	}
}

// TestReaperWithoutPidfd: where wait4(-1) is not allowed (a listener in
// a test binary), a child without a pidfd is waited for by its pid, and
// reported with its status, whether it exited before it was registered
// or after.
func TestReaperWithoutPidfd(t *testing.T) {
	r := &reaper{}
	defer r.close()
	log := watchReaped(t)
	early, _ := spawn(t, "exit 7", false)
	log.expect(early)
	waitZombie(t, early)
	r.started(early, -1)
	var late []int
	for range 5 {
		pid, _ := spawn(t, "sleep 0.2; exit 9", false)
		log.expect(pid)
		late = append(late, pid)
		r.started(pid, -1)
	}
	got := log.wait(t)
	if ws := got[early]; ws.ExitStatus() != 7 {
		t.Errorf("early child: status %#x, want exit 7", int(ws))
	}
	for _, p := range late {
		if ws := got[p]; ws.ExitStatus() != 9 {
			t.Errorf("pid %d: status %#x, want exit 9", p, int(ws))
		}
	}
}

// waitZombie waits until pid has exited and not been reaped.
func waitZombie(t *testing.T, pid int) {
	t.Helper()
	for range 1000 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(f) > 0 && f[0] == "Z" {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("pid %d did not exit", pid)
}

// startN starts n children running argv (sleep 60 when empty) the way
// the listener starts them (a pidfd while the budget allows), and
// registers them.
func startN(t *testing.T, r *reaper, log *reapLog, n int, argv ...string) (pids []int, withFd int) {
	t.Helper()
	if len(argv) == 0 {
		argv = []string{"/bin/sleep", "60"}
	}
	for range n {
		attr := &syscall.ProcAttr{Files: devNull(t), Sys: &syscall.SysProcAttr{PidFD: r.slot()}}
		pid, pidfd, err := forkExec(argv[0], argv, attr)
		if err != nil {
			t.Fatal(err)
		}
		if pidfd >= 0 {
			withFd++
		}
		log.expect(pid)
		pids = append(pids, pid)
		r.started(pid, pidfd)
	}
	return pids, withFd
}

// TestReaperBudget: past the budget, children are started without a
// pidfd and reaped all the same; pidfds never exceed it.
func TestReaperBudget(t *testing.T) {
	cp := newPoll(t)
	cp.budget = 2
	r := &reaper{poll: cp}
	defer r.close()
	log := watchReaped(t)
	before := pidfds(t)
	pids, withFd := startN(t, r, log, 5)
	if withFd != 2 {
		t.Errorf("%d children had a pidfd, want the budget, 2", withFd)
	}
	if n := pidfds(t) - before; n != 2 {
		t.Errorf("%d pidfds held, want 2", n)
	}
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGKILL)
	}
	got := log.wait(t)
	for _, p := range pids {
		if ws := got[p]; !ws.Signaled() {
			t.Errorf("pid %d: status %#x, want killed", p, int(ws))
		}
	}
	if !cp.room() {
		t.Error("no room for a pidfd once the children are gone")
	}
}

// TestChildPollClose: children still running when the listener stops
// are reaped all the same.
func TestChildPollClose(t *testing.T) {
	cp := newPoll(t)
	log := watchReaped(t)
	pid, fd := spawn(t, "sleep 0.3", true)
	log.expect(pid)
	cp.add(pid, fd)
	cp.close()
	if got := log.wait(t); len(got) != 1 {
		t.Errorf("reaped %v", got)
	}
}

// TestReaperLeavesOthers: without ReapAll the reaper never takes a child
// it did not start (the test binary's own, here), which exec.Cmd must be
// able to wait for, whether its own children have a pidfd or not.
func TestReaperLeavesOthers(t *testing.T) {
	cp := newPoll(t)
	cp.budget = 2
	r := &reaper{poll: cp}
	defer r.close()
	log := watchReaped(t)
	startN(t, r, log, 5, "/bin/sh", "-c", "exit 0")
	for range 5 {
		cmd := exec.Command("/bin/sh", "-c", "exit 5")
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 5 {
			t.Fatalf("exec.Cmd lost its child's status: %v", err)
		}
	}
	log.wait(t)
}

// envReapAllTest runs TestReapAll's body in a test binary of its own:
// wait4(-1) takes every child of the process, which exec.Cmd and the
// other tests' listeners must keep.
const envReapAllTest = "_SAF_LISTEN_TEST_REAPALL"

// TestReapAll: where the listen program reaps with wait4(-1). As a child
// subreaper it reaps from the start, orphans it never started included;
// otherwise from the first child that has no pidfd (the budget is
// reached), after which every child is reported once, those with a
// pidfd too.
func TestReapAll(t *testing.T) {
	if os.Getenv(envReapAllTest) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestReapAll$", "-test.v")
		cmd.Env = append(os.Environ(), envReapAllTest+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestReapAll") {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	t.Run("budget", func(t *testing.T) {
		cp := newPoll(t)
		cp.budget = 1
		r := &reaper{poll: cp, reapAll: true}
		defer r.close()
		log := watchReaped(t)
		pids, withFd := startN(t, r, log, 4)
		if withFd != 1 || r.stopAll == nil {
			t.Errorf("%d children with a pidfd (want 1), wait4(-1) running: %v", withFd, r.stopAll != nil)
		}
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
		got := log.wait(t) // and never twice (watchReaped)
		for _, p := range pids {
			if ws := got[p]; !ws.Signaled() {
				t.Errorf("pid %d: status %#x, want killed", p, int(ws))
			}
		}
	})
	t.Run("subreaper", func(t *testing.T) {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			t.Skip(err)
		}
		defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
		r, err := newReaper(true)
		if err != nil {
			t.Fatal(err)
		}
		defer r.close()
		if r.poll != nil || r.stopAll == nil {
			t.Fatalf("a subreaper must reap with wait4(-1) from the start")
		}
		log := watchReaped(t)
		file := filepath.Join(t.TempDir(), "orphan")
		// The shell leaves an orphan behind, which becomes ours.
		pid, _ := spawn(t, "(sleep 0.5; exit 6) & echo $! > "+file, false)
		log.expect(pid)
		r.started(pid, -1)
		var orphan int
		for range 500 {
			if b, err := os.ReadFile(file); err == nil && strings.HasSuffix(string(b), "\n") {
				fmt.Sscan(string(b), &orphan)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if orphan == 0 {
			t.Fatal("no orphan")
		}
		log.expect(orphan)
		if ws := log.wait(t)[orphan]; ws.ExitStatus() != 6 {
			t.Errorf("orphan: status %#x, want exit 6", int(ws))
		}
	})
}

// TestAcceptRaw: the addresses acceptRaw decodes are those package
// syscall's accept gives.
func TestAcceptRaw(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, network, addr string
		bind                string // the client's own address ("" for none)
	}{
		{"tcp4", "tcp4", "127.0.0.1:0", ""},
		{"tcp6", "tcp6", "[::1]:0", ""},
		{"unix unnamed", "unix", filepath.Join(dir, "s1"), ""},
		{"unix path", "unix", filepath.Join(dir, "s2"), filepath.Join(dir, "client")},
		{"unix abstract", "unix", filepath.Join(dir, "s3"), "@saf-test-" + fmt.Sprint(os.Getpid())},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ln, err := net.Listen(c.network, c.addr)
			if err != nil {
				t.Skipf("%s: %v", c.network, err)
			}
			defer ln.Close()
			f, err := ln.(interface{ File() (*os.File, error) }).File()
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			lfd := int(f.Fd())
			if err := unix.SetNonblock(lfd, true); err != nil {
				t.Fatal(err)
			}
			if _, _, err := acceptRaw(lfd); err != unix.EAGAIN {
				t.Errorf("accept with nobody waiting: %v, want EAGAIN", err)
			}
			var d net.Dialer
			if c.bind != "" {
				d.LocalAddr = &net.UnixAddr{Name: c.bind, Net: "unix"}
			}
			conn, err := d.Dial(c.network, ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			nfd, peer, err := acceptRaw(lfd)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(nfd)
			if fl, _ := unix.FcntlInt(uintptr(nfd), unix.F_GETFD, 0); fl&unix.FD_CLOEXEC == 0 {
				t.Error("accepted descriptor is not close-on-exec")
			}
			if nb, _ := unix.FcntlInt(uintptr(nfd), unix.F_GETFL, 0); nb&unix.O_NONBLOCK != 0 {
				t.Error("accepted descriptor is non-blocking; services want it blocking")
			}
			// What package syscall makes of the same peer.
			sa, err := syscall.Getpeername(nfd)
			if err != nil {
				t.Fatal(err)
			}
			var want unix.Sockaddr
			switch a := sa.(type) {
			case *syscall.SockaddrInet4:
				want = &unix.SockaddrInet4{Port: a.Port, Addr: a.Addr}
			case *syscall.SockaddrInet6:
				want = &unix.SockaddrInet6{Port: a.Port, ZoneId: a.ZoneId, Addr: a.Addr}
			case *syscall.SockaddrUnix:
				want = &unix.SockaddrUnix{Name: a.Name}
			}
			if fmt.Sprintf("%#v", peer) != fmt.Sprintf("%#v", want) {
				t.Errorf("peer %#v, want %#v", peer, want)
			}
			if c.network != "unix" {
				la := conn.LocalAddr().(*net.TCPAddr)
				if sockaddrPort(peer) != la.Port { // wait.go
					t.Errorf("peer port %d, client's %d", sockaddrPort(peer), la.Port)
				}
			}
		})
	}
}

func TestLstatAbsent(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		absent bool
	}{
		{file, false},
		{dir, false},
		{dangling, false}, // lstat: the link itself exists
		{filepath.Join(dir, "missing"), true},
		{filepath.Join(file, "below"), false}, // ENOTDIR: cannot tell, the launcher decides
	} {
		if got := lstatAbsent(c.path); got != c.absent {
			t.Errorf("lstatAbsent(%s) = %v, want %v", c.path, got, c.absent)
		}
	}
}
