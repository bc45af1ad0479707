package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
	"github.com/linux-saf/saf/saf/pmtab"
	"golang.org/x/sys/unix"
)

// BenchmarkTTYMon measures the time from a terminal monitor's start to
// its login prompt on 1 and on 500 ptys (all prompts seen), and the
// memory it holds with 1000 idle ptys (ports open, prompts written,
// nobody typing), for ttymon next to util-linux agetty on the same kind
// of ptys in the same run (the method and why:
// docs/testing.md#comparing-with-peers, "Terminal monitors"). One
// benchmark op is one start of the whole configuration on fresh ptys:
//
//	go test -run '^$' -bench '^BenchmarkTTYMon$' -benchtime 3x ./e2e
//
// scripts/bench-ttymon.sh runs exactly that and keeps the log; the last
// lines of the log are a table with ttymon's ratio to each peer.
//
// ttymon runs by hand under a fake sac (pmprototest) in a SAF_ROOT
// sandbox, as TestTTYMonPromptAndService does: one process, one _pmtab
// entry per pty (label 9600, prompt "login: ", no /etc/issue).
//
// agetty runs one process per line, started as init would (own session,
// stdio on /dev/null), with the line named relative to /dev:
//
//	agetty -L -8 --noclear --nohostname --noissue -l /bin/false pts/N 9600 vt100
//
// It prints "login: " and then waits for a name. On any line that is
// not a virtual console agetty sleeps one second before the prompt
// (get_logname: "if ((op->flags & F_VCONSOLE) == 0) sleep(1);", to
// flush pending input); no option turns that off. So agetty is reported
// twice: as it runs, and with LD_PRELOAD of a one-line library whose
// sleep() returns at once (agetty+nosleep, built with cc; left out when
// there is no cc). agetty is root-only (it chowns the line), and it
// writes utmp, wtmp and /run/agetty.reload on every start without an
// option to stop it, so the agettys run in a private mount namespace
// with a tmpfs on /run and a scratch file bound over /var/log/wtmp: the
// system's files are never touched.
//
// Memory is the sum over the monitor's processes (ttymon and any
// children; every agetty) of Rss and of Pss from /proc/<pid>/smaps_rollup,
// read ttyBenchSettle after the last prompt of a configuration's first
// iteration; times are the median over the iterations. Pss divides
// shared pages (libc, the agetty binary) between the processes that map
// them, so it is the fairer sum for many processes of one binary.
//
// What the profile shows (pprof of ttymon with 500 and 1000 ports,
// November 2026): about 86% of ttymon's CPU time before the last prompt
// is sessionOwner (internal/ttymon/line.go), which reads /proc and the
// stat file of every process for each port it opens, so start-up grows
// with ports times processes. With that scan skipped (an experiment, not
// a change) 500 ports prompted in 33 ms instead of 350 ms and 1000 in 60
// ms instead of 620 ms, and 1000 idle ports took 15 MiB PSS instead of
// 22. Since then the ports that check together share one scan
// (ttyOwners in line.go), which gave 35 ms for 500 ports and 65 ms for
// 1000 with the check kept. The idle memory is two goroutines per port (the port's state
// machine and its readiness poll; 6.5 MiB of stacks at 1000 ports) and
// about 4.4 KiB of heap per port. On one port a static build
// (CGO_ENABLED=0) prompted in 3.2 ms instead of 4.3 ms with 4.6 instead
// of 6.2 MiB RSS: the cgo build looks the uucp user and the tty group up
// through libc's NSS and maps libc.
//
// Every configuration is bounded: at most ttyBenchLimit of iterations,
// each waiting at most ttyBenchPromptWait for its prompts; every process
// and pty is stopped and closed at the end of its iteration, and by
// cleanups on failure.
func BenchmarkTTYMon(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("ptys and /proc: Linux only")
	}
	maxPorts := slices.Max(ttyBenchPorts)
	raiseNoFile(b, maxPorts+64)
	if free, err := freePtys(); err != nil {
		b.Skipf("ptys: %v", err)
	} else if free < maxPorts+8 {
		b.Skipf("only %d ptys free (/proc/sys/kernel/pty/max - nr); need %d: sysctl -w kernel.pty.max=%d",
			free, maxPorts+8, 4096+maxPorts)
	}
	monitors := []ttyMonitor{{name: "ttymon", start: startBenchTTYMon(b)}}
	if a, err := newAgetty(b, false); err != nil {
		b.Logf("agetty: skipped: %v", err)
	} else {
		monitors = append(monitors, ttyMonitor{name: "agetty", start: a.start})
		if a, err := newAgetty(b, true); err != nil {
			b.Logf("agetty+nosleep: skipped: %v", err)
		} else {
			monitors = append(monitors, ttyMonitor{name: "agetty+nosleep", start: a.start})
		}
	}
	results := map[string]ttyResult{}
	for _, n := range ttyBenchPorts {
		for _, m := range monitors {
			b.Run(fmt.Sprintf("ports=%d/%s", n, m.name), func(b *testing.B) {
				r := ttyLoop(b, m, n)
				if n == 1 {
					b.ReportMetric(r.allMs, "ms-to-prompt")
				} else {
					b.ReportMetric(r.allMs, "ms-all-prompts")
					b.ReportMetric(r.p50Ms, "p50-ms-to-prompt")
				}
				b.ReportMetric(r.rssMiB, "RSS-MiB")
				b.ReportMetric(r.pssMiB, "PSS-MiB")
				results[fmt.Sprintf("%d/%s", n, m.name)] = r
			})
		}
	}
	// Printed, not logged: a parent benchmark's log shows only with -v.
	fmt.Printf("\nttymon benchmark, same run; command: %s\nagetty: %s\n%s\n",
		benchCommand(), strings.Join(agettyArgs("pts/N"), " "), ttyTable(monitors, results))
}

// ttyBenchPorts are the configurations: one line, many lines, and the
// idle-memory one.
var ttyBenchPorts = []int{1, 500, 1000}

const (
	// ttyBenchLimit bounds one configuration's iterations in wall time:
	// no iteration starts after it, so with ttyBenchPromptWait a
	// configuration ends within about a minute.
	ttyBenchLimit = 25 * time.Second
	// ttyBenchPromptWait bounds one iteration's wait for its prompts.
	ttyBenchPromptWait = 30 * time.Second
	// ttyBenchSettle is how long the lines stay idle after the last
	// prompt before memory is read.
	ttyBenchSettle = 500 * time.Millisecond
	// ttyPrompt is every monitor's prompt.
	ttyPrompt = "login: "
	// agettySleep is agetty's documented delay before the prompt on a
	// line that is not a virtual console (agetty.c get_logname).
	agettySleep = time.Second
)

// ttyMonitor is one terminal monitor under test. start starts it on
// every pty of ptys and returns when it started it (set-up before that
// is not counted), the pids whose memory counts and a function that
// stops them all and reaps them.
type ttyMonitor struct {
	name  string
	start func(b *testing.B, ptys []*testpty.Pair) (t0 time.Time, pids func() []int, stop func())
}

// ttyResult is the median of one configuration's iterations.
type ttyResult struct {
	iters          int
	allMs, p50Ms   float64 // start to the last prompt; median port
	rssMiB, pssMiB float64
}

// ttyLoop runs b.N iterations of monitor m on n fresh ptys, within
// ttyBenchLimit.
func ttyLoop(b *testing.B, m ttyMonitor, n int) ttyResult {
	var all, p50, rss, pss []float64
	begin := time.Now()
	for i := 0; i < b.N && (i == 0 || time.Since(begin) < ttyBenchLimit); i++ {
		b.StopTimer()
		ptys := make([]*testpty.Pair, n)
		for j := range ptys {
			ptys[j] = testpty.Open(b)
		}
		seen := make(chan time.Time, n)
		for _, p := range ptys {
			go waitPrompt(p, seen)
		}
		b.StartTimer()
		t0, pids, stop := m.start(b, ptys)
		lat, err := collectPrompts(seen, n, t0)
		b.StopTimer()
		if err != nil {
			stop()
			closePtys(ptys)
			b.Fatalf("%s on %d ptys: %v", m.name, n, err)
		}
		if i == 0 {
			// Memory once per configuration: the settle time would
			// otherwise dominate the 1-port runs.
			time.Sleep(ttyBenchSettle) // idle lines, by definition a wait
			r, p, err := memory(pids())
			if err != nil {
				b.Logf("memory of %s: %v", m.name, err)
			}
			rss = append(rss, float64(r)/1024)
			pss = append(pss, float64(p)/1024)
			if m.name == "ttymon" && n == slices.Max(ttyBenchPorts) {
				logStatus(b, pids())
			}
		}
		stop()
		closePtys(ptys)
		all = append(all, ms(lat[len(lat)-1]))
		p50 = append(p50, ms(lat[(len(lat)-1)/2]))
		b.StartTimer()
	}
	return ttyResult{iters: len(all), allMs: median(all), p50Ms: median(p50), rssMiB: median(rss), pssMiB: median(pss)}
}

// waitPrompt reads p's master until the prompt has been written, and
// sends the time it was seen; it gives up silently when the master is
// closed.
func waitPrompt(p *testpty.Pair, seen chan<- time.Time) {
	var tail []byte
	var buf [4096]byte
	for {
		n, err := p.Master.Read(buf[:])
		if n > 0 {
			tail = append(tail, buf[:n]...)
			if bytes.HasSuffix(tail, []byte(ttyPrompt)) {
				seen <- time.Now()
				return
			}
			tail = tail[max(len(tail)-len(ttyPrompt), 0):]
		}
		switch {
		case err == nil:
		case errors.Is(err, syscall.EIO):
			// Every slave descriptor closed after an open (a monitor
			// reopening the line): the master has nothing until the
			// next open, and the poller would spin.
			time.Sleep(time.Millisecond)
		default:
			return
		}
	}
}

// collectPrompts waits for n prompts and returns their latencies from
// t0, sorted.
func collectPrompts(seen <-chan time.Time, n int, t0 time.Time) ([]time.Duration, error) {
	timer := time.NewTimer(ttyBenchPromptWait)
	defer timer.Stop()
	lat := make([]time.Duration, 0, n)
	for len(lat) < n {
		select {
		case t := <-seen:
			lat = append(lat, t.Sub(t0))
		case <-timer.C:
			return nil, fmt.Errorf("%d of %d prompts after %v", len(lat), n, ttyBenchPromptWait)
		}
	}
	slices.Sort(lat)
	return lat, nil
}

func closePtys(ptys []*testpty.Pair) {
	for _, p := range ptys {
		// Ignored: testpty's cleanup reports anything but ErrClosed,
		// and a second close is ErrClosed.
		_ = p.Master.Close()
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit (the
// benchmark holds a master per pty; the children inherit it), and the
// hard limit too, as root, when it is below need.
func raiseNoFile(b *testing.B, need int) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		b.Fatal(err)
	}
	if rl.Max < uint64(need) && os.Geteuid() == 0 {
		rl.Max = uint64(need)
	}
	rl.Cur = rl.Max
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		b.Logf("setrlimit NOFILE %d: %v", rl.Max, err)
	}
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		b.Fatal(err)
	}
	if rl.Cur < uint64(need) {
		b.Skipf("RLIMIT_NOFILE is %d, need %d (ulimit -n %d)", rl.Cur, need, need)
	}
}

// freePtys is how many more ptys the system hands out.
func freePtys() (int, error) {
	read := func(name string) (int, error) {
		b, err := os.ReadFile("/proc/sys/kernel/pty/" + name)
		if err != nil {
			return 0, err
		}
		return strconv.Atoi(strings.TrimSpace(string(b)))
	}
	maxN, err := read("max")
	if err != nil {
		return 0, err
	}
	nr, err := read("nr")
	if err != nil {
		return 0, err
	}
	return maxN - nr, nil
}

// memory sums Rss and Pss (KiB) of pids from /proc/<pid>/smaps_rollup.
func memory(pids []int) (rss, pss int, err error) {
	for _, pid := range pids {
		f, e := os.Open(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if e != nil {
			err = errors.Join(err, e)
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 2 {
				continue
			}
			v, _ := strconv.Atoi(fields[1]) // bad lines count 0
			switch fields[0] {
			case "Rss:":
				rss += v
			case "Pss:":
				pss += v
			}
		}
		f.Close() // read-only
	}
	return rss, pss, err
}

// logStatus logs the thread count and memory lines of ttymon's
// /proc/<pid>/status, for the report.
func logStatus(b *testing.B, pids []int) {
	for _, pid := range pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		var keep []string
		for _, l := range strings.Split(string(data), "\n") {
			for _, k := range []string{"Threads:", "VmRSS:", "RssAnon:", "RssFile:", "VmData:", "FDSize:"} {
				if strings.HasPrefix(l, k) {
					keep = append(keep, strings.Join(strings.Fields(l), " "))
				}
			}
		}
		b.Logf("pid %d: %s", pid, strings.Join(keep, ", "))
	}
}

// descendants returns pid and every process below it.
func descendants(pid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return []int{pid}
	}
	kids := map[int][]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 {
			pp, _ := strconv.Atoi(f[1]) // malformed: 0, nobody's child
			kids[pp] = append(kids[pp], p)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, kids[out[i]]...)
	}
	return out
}

// startBenchTTYMon returns the start function of ttymon: a fresh
// sandbox per start, one _pmtab entry per pty.
func startBenchTTYMon(b *testing.B) func(*testing.B, []*testpty.Pair) (time.Time, func() []int, func()) {
	bin := testexec.Bin(b, "ttymon")
	u, err := user.Current()
	if err != nil {
		b.Skip(err)
	}
	return func(b *testing.B, ptys []*testpty.Pair) (time.Time, func() []int, func()) {
		b.StopTimer() // the sandbox is set-up, not start-up
		sb := testexec.NewSandbox(b)
		if err := os.Chmod(sb.Root, 0o755); err != nil {
			b.Fatal(err)
		}
		sb.WriteFile(b, "etc/ttydefs", "# VERSION=1\nfast:9600:9600 sane::fast\n")
		for _, d := range []string{"/var/lock", "/var/run", "/var/log"} {
			if err := os.MkdirAll(sb.Path(d), 0o755); err != nil {
				b.Fatal(err)
			}
		}
		var tab strings.Builder
		tab.WriteString("# VERSION=1\n")
		for i, p := range ptys {
			tab.WriteString(tmLine(fmt.Sprintf("p%d", i), "", u.Username, pmtab.TTY{
				Device: p.SlavePath, Service: "/bin/false", Label: "fast", Prompt: ttyPrompt,
			}))
		}
		s := pmprototest.New(b, sb.Root, "tm")
		sb.WriteFile(b, "etc/saf/tm/_pmtab", tab.String())
		cmd := exec.Command(bin)
		cmd.Env = s.Env("enabled")
		cmd.Dir = s.Dir()
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		b.StartTimer()
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		stopped := false
		stop := func() {
			if stopped {
				return
			}
			stopped = true
			// Errors ignored: ttymon may have gone already; its exit
			// status after SIGTERM is 1 by design.
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-done
			}
			if b.Failed() {
				log, _ := os.ReadFile(s.Log())
				b.Logf("ttymon output:\n%s\nlog (tail):\n%s", out.String(), tailString(string(log), 2000))
			}
		}
		b.Cleanup(stop)
		return t0, func() []int { return descendants(cmd.Process.Pid) }, stop
	}
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// agettyArgs is the agetty command line for line (relative to /dev): a
// local line (-L, no carrier wait), 8 bits, no screen clear, no host
// name and no /etc/issue, so the prompt is just "login: ".
func agettyArgs(line string) []string {
	return []string{"-L", "-8", "--noclear", "--nohostname", "--noissue", "-l", "/bin/false", line, "9600", "vt100"}
}

// agetty starts agettys inside a private mount namespace held by one
// locked OS thread.
type agetty struct {
	bin     string
	preload string        // LD_PRELOAD, for nosleep
	run     chan func()   // runs a function on the namespace's thread
	ready   chan error    // the namespace is set up
	done    chan struct{} // closed to end the thread
}

// newAgetty finds agetty and sets up its namespace; nosleep adds the
// LD_PRELOAD library that takes out agetty's one-second sleep.
func newAgetty(b *testing.B, nosleep bool) (*agetty, error) {
	bin, err := exec.LookPath("agetty")
	if err != nil {
		for _, p := range []string{"/usr/sbin/agetty", "/sbin/agetty"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w (apt-get install util-linux)", err)
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("needs root (agetty chowns the line; the private mount namespace needs CAP_SYS_ADMIN)")
	}
	a := &agetty{bin: bin, run: make(chan func()), ready: make(chan error), done: make(chan struct{})}
	if nosleep {
		if a.preload, err = buildNosleep(b); err != nil {
			return nil, err
		}
	}
	wtmp := filepath.Join(b.TempDir(), "wtmp")
	if err := os.WriteFile(wtmp, nil, 0o644); err != nil {
		return nil, err
	}
	go a.thread(wtmp)
	if err := <-a.ready; err != nil {
		return nil, fmt.Errorf("private mount namespace: %w", err)
	}
	b.Cleanup(func() { close(a.done) })
	return a, nil
}

// thread owns the mount namespace: unshared on this locked thread only,
// never unlocked, so the thread ends with the goroutine and the Go
// runtime never starts other threads from it (newm hands off to its
// template thread for locked threads). Children forked here inherit the
// namespace.
func (a *agetty) thread(wtmp string) {
	runtime.LockOSThread()
	err := func() error {
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			return os.NewSyscallError("unshare", err)
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			return &os.PathError{Op: "mount private", Path: "/", Err: err}
		}
		if err := unix.Mount("tmpfs", "/run", "tmpfs", 0, "mode=0755"); err != nil {
			return &os.PathError{Op: "mount tmpfs", Path: "/run", Err: err}
		}
		if _, err := os.Stat("/var/log/wtmp"); err == nil {
			if err := unix.Mount(wtmp, "/var/log/wtmp", "", unix.MS_BIND, ""); err != nil {
				return &os.PathError{Op: "mount bind", Path: "/var/log/wtmp", Err: err}
			}
		}
		return nil
	}()
	a.ready <- err
	if err != nil {
		return
	}
	for {
		select {
		case f := <-a.run:
			f()
		case <-a.done:
			return
		}
	}
}

// start starts one agetty per pty, each in its own session, as init
// does.
func (a *agetty) start(b *testing.B, ptys []*testpty.Pair) (time.Time, func() []int, func()) {
	var procs []*exec.Cmd
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		for _, c := range procs {
			_ = c.Process.Kill() // ignored: it may have exited (reaped below)
		}
		for _, c := range procs {
			_ = c.Wait() // killed: the status says nothing
		}
	}
	b.Cleanup(stop)
	var startErr error
	finished := make(chan struct{})
	t0 := time.Now()
	a.run <- func() {
		defer close(finished)
		for _, p := range ptys {
			c := exec.Command(a.bin, agettyArgs(strings.TrimPrefix(p.SlavePath, "/dev/"))...)
			c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			c.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
			if a.preload != "" {
				c.Env = append(c.Env, "LD_PRELOAD="+a.preload)
			}
			if err := c.Start(); err != nil {
				startErr = err
				return
			}
			procs = append(procs, c)
		}
	}
	<-finished
	if startErr != nil {
		stop()
		b.Fatalf("agetty: %v", startErr)
	}
	return t0, func() []int {
		pids := make([]int, len(procs))
		for i, c := range procs {
			pids[i] = c.Process.Pid
		}
		return pids
	}, stop
}

// buildNosleep builds a library whose sleep() returns at once.
func buildNosleep(b *testing.B) (string, error) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return "", fmt.Errorf("no C compiler for the LD_PRELOAD library: %w", err)
	}
	dir := b.TempDir()
	src := filepath.Join(dir, "nosleep.c")
	so := filepath.Join(dir, "nosleep.so")
	code := "unsigned int sleep(unsigned int s) { (void)s; return 0; }\n"
	if err := os.WriteFile(src, []byte(code), 0o644); err != nil {
		return "", err
	}
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-O2", "-o", so, src).CombinedOutput(); err != nil {
		return "", fmt.Errorf("cc nosleep.c: %v\n%s", err, out)
	}
	return so, nil
}

// ttyTable formats the results with ttymon's ratio to each peer (below
// 1: ttymon is faster or smaller).
func ttyTable(monitors []ttyMonitor, results map[string]ttyResult) string {
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "monitor\tports\titers\tms to last prompt\tp50 ms\tRSS MiB\tPSS MiB\tttymon/peer time\tttymon/peer RSS\tttymon/peer PSS\t")
	row := func(name string, n int, r, ours ttyResult, haveOurs bool) {
		rt, rr, rp := "-", "-", "-"
		if haveOurs && name != "ttymon" {
			rt = fmt.Sprintf("%.3f", ours.allMs/r.allMs)
			rr = fmt.Sprintf("%.2f", ours.rssMiB/r.rssMiB)
			rp = fmt.Sprintf("%.2f", ours.pssMiB/r.pssMiB)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t%.1f\t%.1f\t%s\t%s\t%s\t\n",
			name, n, r.iters, r.allMs, r.p50Ms, r.rssMiB, r.pssMiB, rt, rr, rp)
	}
	for _, n := range ttyBenchPorts {
		ours, haveOurs := results[fmt.Sprintf("%d/ttymon", n)]
		for _, m := range monitors {
			r, ok := results[fmt.Sprintf("%d/%s", n, m.name)]
			if !ok {
				continue
			}
			row(m.name, n, r, ours, haveOurs)
			if m.name == "agetty" {
				// The documented sleep taken out by arithmetic: every
				// agetty sleeps the same second, in parallel.
				d := r
				d.allMs -= ms(agettySleep)
				d.p50Ms -= ms(agettySleep)
				row("agetty - 1 s", n, d, ours, haveOurs)
			}
		}
	}
	// Ignored: a strings.Builder does not fail.
	_ = tw.Flush()
	return sb.String()
}
