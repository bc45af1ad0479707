package e2e

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/nlps"
	"golang.org/x/sys/unix"
)

// logFollower collects every line a listener logs, across its log
// rotations (after 1000 lines the log is renamed o.log and a new one
// started, or emptied when that fails), so that a phase's lines can be
// counted whatever the rotation did to the files. It reads every
// 20 ms, so as not to miss a rotation, and whenever it is asked for the
// text, so that the text holds all that was logged before.
type logFollower struct {
	path string
	mu   sync.Mutex
	text strings.Builder
	file *os.File // the log being read, nil until it exists
	ino  uint64
	buf  []byte
	stop chan struct{}
	done chan struct{}
}

func followLog(t *testing.T, path string) *logFollower {
	f := &logFollower{path: path, buf: make([]byte, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go f.run()
	t.Cleanup(f.close)
	return f
}

func (f *logFollower) run() {
	defer close(f.done)
	for {
		f.mu.Lock()
		f.readLocked()
		f.mu.Unlock()
		select {
		case <-f.stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// readLocked reads what was logged since the last call.
func (f *logFollower) readLocked() {
	for {
		if f.file == nil {
			fl, err := os.Open(f.path)
			if err != nil {
				return
			}
			var st unix.Stat_t
			unix.Fstat(int(fl.Fd()), &st)
			f.file, f.ino = fl, st.Ino
		}
		f.drainLocked()
		// Emptied in place:
		// read it again from its start.
		var fst unix.Stat_t
		if off, err := f.file.Seek(0, io.SeekCurrent); err == nil && unix.Fstat(int(f.file.Fd()), &fst) == nil && fst.Size < off {
			f.file.Seek(0, io.SeekStart)
			f.drainLocked()
		}
		// Rotated: the name now holds a new file; finish the old one
		// and go on with the new one.
		var st unix.Stat_t
		if err := unix.Stat(f.path, &st); err != nil || st.Ino == f.ino {
			return
		}
		f.drainLocked()
		f.file.Close()
		f.file = nil
	}
}

// drainLocked reads the current file to its end.
func (f *logFollower) drainLocked() {
	for n, _ := f.file.Read(f.buf); n > 0; n, _ = f.file.Read(f.buf) {
		f.text.Write(f.buf[:n])
	}
}

func (f *logFollower) close() {
	select {
	case <-f.stop:
	default:
		close(f.stop)
		<-f.done
		if f.file != nil {
			f.file.Close()
		}
	}
}

// String returns everything logged so far.
func (f *logFollower) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.readLocked()
	return f.text.String()
}

// lines counts the log lines since mark (a String length) matching re.
func (f *logFollower) lines(mark int, re string) int {
	s := f.String()[mark:]
	if re == "" {
		return strings.Count(s, "\n")
	}
	return len(regexp.MustCompile("(?m)"+re).FindAllStringIndex(s, -1))
}

// echo dials addr, sends a line and reads it back.
func echoOnce(addr, line string) error {
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return err
	}
	b := make([]byte, len(line)+1)
	if _, err := io.ReadFull(c, b); err != nil {
		return err
	}
	if string(b) != line+"\n" {
		return fmt.Errorf("echo of %q: %q", line, b)
	}
	return nil
}

// parallel runs f(i) for i < n on c goroutines, stopping early at
// deadline; it returns how many ran and how many failed, and the first
// errors.
func parallel(n, c int, deadline time.Time, f func(i int) error) (ran, failed int, errs []error) {
	var next, nran, nfail atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || time.Now().After(deadline) {
					return
				}
				nran.Add(1)
				if err := f(i); err != nil {
					nfail.Add(1)
					mu.Lock()
					if len(errs) < 5 {
						errs = append(errs, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return int(nran.Load()), int(nfail.Load()), errs
}

// TestStressListen: a listener under sac with two direct services (a, b)
// and NLPS, through a connection flood, stalled and garbage NLPS
// requests, clients that reset at once, and accept failing with EMFILE
// (its descriptor limit lowered while it runs). It keeps serving, ends
// with the descriptors it started with and no zombies, and logs each kind
// of trouble a bounded number of times.
func TestStressListen(t *testing.T) {
	flood := stressN(t, 2000, 0) // longer than a quick test can be
	deadline := stressBudget(2*time.Minute, 20*time.Second)
	row := newRow(t, "listen: flood/stall/garbage/reset/EMFILE")
	fail := func(format string, args ...any) {
		t.Helper()
		row.Failures++
		t.Errorf(format, args...)
	}
	sb := testexec.NewSandbox(t)
	id := svcUser(t)
	startSacListen(t, sb)
	lf := followLog(t, sb.Path("/var/saf/tcp/log"))
	addrs := map[string]string{}
	for _, name := range []string{"a", "b", "nlps"} {
		addrs[name] = fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	}
	addSvc(t, sb, "tcp", "a", id, nlsformat(t, sb, "-c", "/bin/cat", "-A", addrs["a"]))
	addSvc(t, sb, "tcp", "b", id, nlsformat(t, sb, "-c", "/bin/cat", "-A", addrs["b"]))
	addSvc(t, sb, "tcp", "0", "root", nlsformat(t, sb, "-c", "/usr/lib/saf/nlps_server", "-A", addrs["nlps"]))
	pmadmWait(t, sb, "tcp", "-a", "-p", "tcp", "-s", "cat", "-i", id, "-v", "4", "-m", "::c::/bin/cat")
	pid := pmPid(sb, "tcp")
	if pid == 0 {
		t.Fatal("no listener")
	}
	nlpsEcho := func(line string) error {
		c, err := net.DialTimeout("tcp4", addrs["nlps"], 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := nlps.Request(c, "cat"); err != nil {
			return err
		}
		io.WriteString(c, line+"\n")
		b := make([]byte, len(line)+1)
		if _, err := io.ReadFull(c, b); err != nil || string(b) != line+"\n" {
			return fmt.Errorf("NLPS echo %q: %q %v", line, b, err)
		}
		return nil
	}
	serving := func(when string) {
		t.Helper()
		defer func() { t.Logf("%s: listen has %d fds, %d KiB RSS", when, fdCount(pid), rssKiB(pid)) }()
		for _, s := range []string{"a", "b"} {
			if err := echoOnce(addrs[s], "still there "+when); err != nil {
				fail("service %s %s: %v", s, when, err)
			}
		}
		if err := nlpsEcho("NLPS " + when); err != nil {
			fail("NLPS %s: %v", when, err)
		}
	}
	// Warm up, then the baseline.
	serving("at the start")
	waitReaped(pid, 5*time.Second)
	row.before(pid)
	t.Logf("baseline: %d fds, %d KiB", row.FDsBefore, row.MemBefore)

	// 1. A flood on a, 16 clients at a time, while b and NLPS serve.
	mark := len(lf.String())
	ran, failed, errs := parallel(flood, 16, deadline, func(i int) error { return echoOnce(addrs["a"], fmt.Sprintf("flood %d", i)) })
	row.Iterations += ran
	if failed > 0 {
		fail("flood: %d of %d connections failed: %v", failed, ran, errs)
	}
	serving("after the flood")
	memMid := rssKiB(pid) // the heap has grown to its working size
	if n := lf.lines(mark, ""); n > 2*ran+20 {
		fail("flood: %d log lines for %d connections", n, ran)
	}

	// 2. Stalled NLPS requests: half a request, then nothing. Each
	// holds a server process until its 45 s timer; the others go on.
	stalled := stressN(t, 100, 5)
	var held []net.Conn
	for i := 0; i < stalled; i++ {
		c, err := net.DialTimeout("tcp4", addrs["nlps"], 5*time.Second)
		if err != nil {
			fail("stalled client %d: %v", i, err)
			continue
		}
		io.WriteString(c, "NLPS:002:0")
		held = append(held, c)
	}
	row.Iterations += len(held)
	serving("with stalled NLPS requests")
	// 3. Garbage NLPS requests of every kind, the stalled ones still
	// held: noise, oversize, bad formats (answered by a close after 10 s),
	// unknown service codes, and a client that sends half and leaves.
	garbage := []string{"HELLO\r\n", "\x00\x00\x00\x00\x00\x00", "NLPS:002:002:" + strings.Repeat("x", 1100) + "\x00",
		"NLPS:abc\x00", "NLPS:009:009:cat\x00", "NLPS:002:002:nope\x00", "NLPS:002:002:ca"}
	ng := stressN(t, 200, 7)
	mark = len(lf.String())
	ran, failed, errs = parallel(ng, 32, deadline, func(i int) error {
		c, err := net.DialTimeout("tcp4", addrs["nlps"], 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		g := garbage[i%len(garbage)]
		if _, err := io.WriteString(c, g); err != nil {
			return err
		}
		if strings.HasSuffix(g, "ca") {
			return nil // leaves in the middle of the request
		}
		_, err = io.Copy(io.Discard, c) // the server closes
		if err != nil && !isReset(err) {
			return fmt.Errorf("garbage %q: %w", g, err)
		}
		return nil
	})
	row.Iterations += ran
	if failed > 0 {
		fail("garbage: %d of %d clients failed: %v", failed, ran, errs)
	}
	serving("after garbage requests")
	for _, c := range held {
		c.Close()
	}
	// At most a Connect line and three lines of complaint per request.
	if n := lf.lines(mark, ""); n > 4*ran+20 {
		fail("garbage: %d log lines for %d requests", n, ran)
	}

	// 4. Clients that reset at once (SO_LINGER 0), on every address.
	nr := stressN(t, 1000, 20)
	mark = len(lf.String())
	ran, failed, errs = parallel(nr, 16, deadline, func(i int) error {
		addr := addrs[[]string{"a", "b", "nlps"}[i%3]]
		c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
		if err != nil {
			return err
		}
		c.(*net.TCPConn).SetLinger(0)
		return c.Close()
	})
	row.Iterations += ran
	if failed > 0 {
		fail("resets: %d of %d clients failed: %v", failed, ran, errs)
	}
	serving("after the resets")
	if n := lf.lines(mark, ""); n > 4*ran+20 {
		fail("resets: %d log lines for %d clients", n, ran)
	}

	// 5. No descriptor left, twice: the soft limit lowered to the
	// lowest free descriptor number, so that accept fails with EMFILE,
	// and then to one more, so that accept works and starting the
	// service fails. The listener must back off (not spin), log the
	// trouble a bounded number of times, answer every queued client
	// (served, or closed when it cannot be served) and serve again once
	// the limit is back.
	for _, extra := range []int{0, 1} {
		waitFlat(pid, row.FDsBefore, 10*time.Second)
		var old unix.Rlimit
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
			t.Fatal(err)
		}
		low := unix.Rlimit{Cur: uint64(lowestFreeFD(pid) + extra), Max: old.Max}
		mark = len(lf.String())
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &low, nil); err != nil {
			t.Fatal(err)
		}
		emfile := 2 * time.Second
		cpu0, _ := cpuTicks(pid)
		t0 := time.Now()
		ne := stressN(t, 30, 4)
		queued := make(chan error, ne)
		for i := 0; i < ne; i++ {
			go func(i int) { queued <- echoOnce(addrs[[]string{"a", "b"}[i%2]], fmt.Sprintf("queued %d", i)) }(i)
		}
		time.Sleep(emfile)
		cpu1, _ := cpuTicks(pid)
		busy := float64(cpu1-cpu0) / 100 / time.Since(t0).Seconds()
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &old, nil); err != nil {
			t.Fatal(err)
		}
		served := 0
		for i := 0; i < ne; i++ {
			row.Iterations++
			switch err := <-queued; {
			case err == nil:
				served++
			case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err):
				// closed: it could not be served
			default:
				fail("a client queued while out of descriptors: %v", err)
			}
		}
		serving("after EMFILE")
		emLog := lf.String()[mark:]
		accepts := lf.lines(mark, `TLI t_accept failed`)
		other := lf.lines(mark, "") - lf.lines(mark, `Connect: |TLI t_accept failed|NLPS \(cat\) exec`)
		t.Logf("limit %d (lowest free fd + %d) for %v: %d of %d queued clients served; %d \"t_accept failed\" lines, %d other lines; %.1f%% CPU",
			low.Cur, extra, emfile, served, ne, accepts, other, 100*busy)
		if !strings.Contains(emLog, "Too many open files") {
			fail("EMFILE not logged:\n%s", emLog)
		}
		if extra == 0 && accepts == 0 {
			fail("accept did not fail:\n%s", emLog)
		}
		// At most a line a second and a count of those left out, for
		// each of the three endpoints; at most three lines for a client
		// dropped.
		if accepts > 3*(int(emfile/time.Second)+2) || other > 3*(ne-served)+10 {
			fail("EMFILE: %d t_accept lines and %d others in %v for %d clients", accepts, other, emfile, ne)
		}
		if busy > 0.10 {
			fail("the listener spun while out of descriptors: %.1f%% CPU", 100*busy)
		}
	}

	// The end: nothing leaked, every child reaped, still under sac.
	row.FDsAfter = waitFlat(pid, row.FDsBefore, 15*time.Second)
	// Go gives freed memory back to the system over a few seconds (its
	// scavenger), more slowly on a busy machine: wait for that, up to a
	// bound; memory held by a leak never comes back. The slack is what
	// the later phases add to the working set the flood left: Go keeps
	// the stacks of the 100 stalled and 32 concurrent garbage clients'
	// goroutines for reuse (2.1 MiB was seen once in 13 runs), while a
	// leak of a few KiB a connection is over it.
	const slackKiB = 3 * 1024
	row.MemAfter = rssKiB(pid)
	for deadlineM := time.Now().Add(10 * time.Second); row.MemAfter > memMid+slackKiB && time.Now().Before(deadlineM); row.MemAfter = rssKiB(pid) {
		time.Sleep(200 * time.Millisecond)
	}
	deadlineZ := time.Now().Add(5 * time.Second)
	for row.Zombies = zombieCount(pid); row.Zombies > 0 && time.Now().Before(deadlineZ); row.Zombies = zombieCount(pid) {
		time.Sleep(50 * time.Millisecond)
	}
	if row.FDsAfter > row.FDsBefore {
		fail("descriptors: %d before, %d after", row.FDsBefore, row.FDsAfter)
		out, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, e := range out {
			l, _ := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", pid), e.Name()))
			t.Logf("fd %s -> %s", e.Name(), l)
		}
	}
	if row.Zombies > 0 {
		for _, z := range zombies(pid) {
			st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", z))
			t.Logf("zombie: %s", st)
		}
		fail("%d zombies", row.Zombies)
	}
	if row.MemAfter > memMid+slackKiB {
		fail("RSS grew from %d KiB after the flood to %d KiB", memMid, row.MemAfter)
	}
	if p := pmPid(sb, "tcp"); p != pid || states(t, sb)["tcp"] != "ENABLED" {
		fail("the listener was restarted or is not enabled (pid %d, was %d)", p, pid)
	}
	if t.Failed() {
		s := lf.String()
		if len(s) > 8000 {
			s = s[len(s)-8000:]
		}
		t.Logf("listener log (end):\n%s", s)
	}
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

// lowestFreeFD returns the lowest descriptor number pid has free.
func lowestFreeFD(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	open := map[string]bool{}
	for _, e := range ents {
		open[e.Name()] = true
	}
	n := 0
	for open[fmt.Sprint(n)] {
		n++
	}
	return n
}
