package e2e

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/nlsaddr"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
)

// BenchmarkListen measures connections per second and the p50/p99
// latency (dial to EOF) of our listen next to the classic fork+exec
// listeners, all running the same trivial service (testdata/hi, which
// writes "hi\n" and exits), all on their own 127.0.0.1 port, in the same
// run, taking turns (interleaved; the method and why:
// docs/testing.md#comparing-with-peers). One benchmark op is one
// connection to each server, and the sub-benchmark of a concurrency
// reports listen's figures with its ratio to each peer's rate (x-peer,
// above 1: listen is faster):
//
//	go test -run '^$' -bench '^BenchmarkListen$' -benchtime 2000x ./e2e
//
// scripts/bench-listen.sh runs exactly that and keeps the log. Every
// configuration is bounded by b.N connections and listenBenchLimit of
// wall time; the log ends with a table with every server's figures and
// each peer's ratio to listen at the same concurrency.
//
// The peers, each configured so its own limits do not cap the figure:
//
//	tcpserver      tcpserver -HRl0 -c 1000 -b 1024 (Debian ucspi-tcp)
//	xinetd         xinetd -dontfork, cps 1000000 1, instances and
//	               per_source UNLIMITED (Debian xinetd)
//	openbsd-inetd  inetd -i, nowait.1000000 (Debian openbsd-inetd; it
//	               conflicts with xinetd in apt, so it may be unpacked
//	               with dpkg -x: set SAF_BENCH_INETD to its inetd)
//
// A peer that is not installed, or that needs root when the benchmark is
// not root, is left out with a log line. listen runs by hand under a fake
// sac (as TestListenByHand does) in a SAF_ROOT sandbox, with one exec
// entry for the same program.
func BenchmarkListen(b *testing.B) {
	hi := buildHi(b)
	servers := []benchServer{
		{name: "listen", start: startBenchListen},
		{name: "tcpserver", start: startTcpserver},
		{name: "xinetd", start: startXinetd},
		{name: "openbsd-inetd", start: startInetd},
	}
	var running []benchServer
	for _, s := range servers {
		addr, pid, err := s.start(b, hi)
		if err != nil {
			b.Logf("%s: skipped: %v", s.name, err)
			continue
		}
		if err := waitServing(addr); err != nil {
			b.Logf("%s: skipped: not serving on %s: %v", s.name, addr, err)
			continue
		}
		s.addr, s.pid = addr, pid
		running = append(running, s)
	}
	results := map[string]benchResult{}
	for _, c := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			rs := interleaved(running, b.N, c)
			for _, s := range running {
				r := rs[s.name]
				if r.ok == 0 {
					b.Fatalf("%s: no connection succeeded (%d failed: %v)", s.name, r.failed, r.firstErr)
				}
				if r.failed > 0 {
					b.Logf("%s: %d of %d connections failed, first: %v", s.name, r.failed, r.ok+r.failed, r.firstErr)
				}
				results[fmt.Sprintf("%d/%s", c, s.name)] = r
			}
			// One line per concurrency: listen's figures and its ratio
			// to each peer's rate (the table below has the rest).
			ours := rs["listen"]
			b.ReportMetric(float64(ours.wall)/float64(max(ours.ok, 1)), "ns/op")
			b.ReportMetric(ours.rate(), "conns/s")
			b.ReportMetric(ms(ours.pct(50)), "p50-ms")
			b.ReportMetric(ms(ours.pct(99)), "p99-ms")
			b.ReportMetric(ours.cpuPerConn(ours.cpu.self), "daemon-cpu-us/conn")
			for _, s := range running[1:] {
				b.ReportMetric(ours.rate()/rs[s.name].rate(), "x-"+s.name)
			}
		})
	}
	// Printed, not logged: a parent benchmark's log shows only with -v.
	fmt.Printf("\nlisten benchmark, same run, %d rounds interleaved; command: %s\n%s\n", benchRounds, benchCommand(), benchTable(running, results))
}

// benchRounds is how many slices each configuration's connections are
// cut into. The servers take turns, one slice each, in an order that
// rotates from round to round, so that a drift in the machine's speed
// (another tenant, the CPU's clock) is spread over all of them instead
// of falling on whichever ran first or last; the figures are the sums
// over the rounds.
const benchRounds = 4

// benchWarmup is the number of connections each server serves, not
// counted, before a concurrency's first round.
const benchWarmup = 50

// interleaved makes n connections to each server, c at a time, in
// benchRounds rounds, and returns each server's summed result.
func interleaved(servers []benchServer, n, c int) map[string]benchResult {
	out := map[string]benchResult{}
	for _, s := range servers {
		loadLoop(s.addr, min(benchWarmup, n), c, listenBenchLimit)
	}
	per := max(n/benchRounds, 1)
	for round := range benchRounds {
		for i := range servers {
			s := servers[(i+round)%len(servers)]
			cpu0, sw0 := readCPU(s.pid), contextSwitches(s.pid)
			r := loadLoop(s.addr, per, c, listenBenchLimit/benchRounds)
			r.cpu = readCPU(s.pid).sub(cpu0)
			r.switches = contextSwitches(s.pid) - sw0
			out[s.name] = out[s.name].merge(r)
		}
	}
	for name, r := range out {
		slices.Sort(r.lat)
		out[name] = r
	}
	return out
}

// listenBenchLimit bounds one configuration's load loops in wall time
// (each round gets its share): a peer that slows to a crawl cannot hold
// the benchmark up, and -benchtime 6000x still fits at c=1.
const listenBenchLimit = 30 * time.Second

type benchServer struct {
	name  string
	start func(b *testing.B, hi string) (addr string, pid int, err error)
	addr  string
	pid   int
}

// cpuTimes is a process's CPU time: its own, and that of its children
// it has waited for (the services, and for listen the launchers).
type cpuTimes struct{ self, children time.Duration }

func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	return cpuTimes{self: a.self - b.self, children: a.children - b.children}
}

// readCPU reads utime+stime and cutime+cstime from /proc/<pid>/stat
// (zero when it cannot: the figure is then missing, not wrong).
func readCPU(pid int) cpuTimes {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTimes{}
	}
	// The fields after the command name, which may hold blanks, start
	// at field 3 (state); utime is field 14.
	i := strings.LastIndexByte(string(data), ')')
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 15 {
		return cpuTimes{}
	}
	tick := func(s string) time.Duration {
		n, _ := strconv.ParseInt(s, 10, 64)
		return time.Duration(n) * time.Second / clockTicks
	}
	return cpuTimes{self: tick(f[11]) + tick(f[12]), children: tick(f[13]) + tick(f[14])}
}

// contextSwitches is the number of context switches, voluntary and not,
// of every thread of process pid so far (0 when it cannot be read: the
// figure is then missing, not wrong). A Go daemon's threads hand work to
// each other; a C daemon's one thread does not.
func contextSwitches(pid int) int {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0
	}
	n := 0
	for _, t := range tasks {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, t.Name()))
		if err != nil {
			continue // the thread has gone
		}
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && (k == "voluntary_ctxt_switches" || k == "nonvoluntary_ctxt_switches") {
				c, _ := strconv.Atoi(strings.TrimSpace(v))
				n += c
			}
		}
	}
	return n
}

// clockTicks is USER_HZ, which /proc reports times in: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// buildHi builds the service once for the benchmark, static (no cgo).
func buildHi(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	// Reachable by other users: the inetds may run it as another user.
	if err := os.Chmod(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(dir, "hi")
	cmd := exec.Command("go", "build", "-o", p, "-ldflags=-s -w", "./testdata/hi")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build ./e2e/testdata/hi: %v\n%s", err, out)
	}
	return p
}

// freePort returns a 127.0.0.1 TCP port nobody listens on right now.
func freePort(b *testing.B) int {
	b.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Skipf("no tcp4 on 127.0.0.1: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startDaemon starts cmd and stops it at the end of the benchmark:
// SIGTERM, then SIGKILL after 5 seconds.
func startDaemon(b *testing.B, cmd *exec.Cmd) (int, error) {
	b.Helper()
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan struct{})
	go func() {
		// Ignored: the daemon's exit status after SIGTERM says nothing.
		_ = cmd.Wait()
		close(done)
	}()
	b.Cleanup(func() {
		// Ignored: it may have exited already.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill() // ignored: as above
			<-done
		}
	})
	return cmd.Process.Pid, nil
}

func startBenchListen(b *testing.B, hi string) (string, int, error) {
	u, err := user.Current()
	if err != nil {
		return "", 0, err
	}
	root := b.TempDir()
	s := pmprototest.New(b, root, "tcp")
	port := freePort(b)
	addr, err := nlsaddr.HexForm(netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(port)))
	if err != nil {
		return "", 0, err
	}
	tab := fmt.Sprintf("# VERSION=4\nhi::%s:reserved:reserved:reserved:%s::c::%s\n", u.Username, addr, hi)
	if err := os.WriteFile(filepath.Join(s.Dir(), "_pmtab"), []byte(tab), 0o644); err != nil {
		return "", 0, err
	}
	cmd := exec.Command(testexec.Bin(b, "listen"), "tcp")
	cmd.Env = s.Env("enabled")
	cmd.Dir = s.Dir()
	pid, err := startDaemon(b, cmd)
	if err != nil {
		return "", 0, err
	}
	b.Cleanup(func() {
		if b.Failed() {
			log, _ := os.ReadFile(s.Log())
			b.Logf("listen log:\n%s", log)
		}
	})
	return fmt.Sprintf("127.0.0.1:%d", port), pid, nil
}

func startTcpserver(b *testing.B, hi string) (string, int, error) {
	bin, err := exec.LookPath("tcpserver")
	if err != nil {
		return "", 0, fmt.Errorf("%w (apt-get install ucspi-tcp)", err)
	}
	port := freePort(b)
	// -c and -b raised: the defaults (40 children, backlog 20) stall c=32.
	cmd := exec.Command(bin, "-HRl0", "-c", "1000", "-b", "1024", "127.0.0.1", fmt.Sprint(port), hi)
	pid, err := startDaemon(b, cmd)
	if err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("127.0.0.1:%d", port), pid, nil
}

func startXinetd(b *testing.B, hi string) (string, int, error) {
	bin, err := exec.LookPath("xinetd")
	if err != nil {
		if _, e := os.Stat("/usr/sbin/xinetd"); e != nil {
			return "", 0, fmt.Errorf("%w (apt-get install xinetd)", err)
		}
		bin = "/usr/sbin/xinetd"
	}
	if os.Geteuid() != 0 {
		return "", 0, errors.New("needs root")
	}
	port := freePort(b)
	// Without cps, instances and per_source, xinetd serves 50
	// connections and then closes the port for 10 s.
	conf := fmt.Sprintf(`service safbench
{
	type        = UNLISTED
	socket_type = stream
	protocol    = tcp
	wait        = no
	user        = root
	server      = %s
	bind        = 127.0.0.1
	port        = %d
	cps         = 1000000 1
	instances   = UNLIMITED
	per_source  = UNLIMITED
}
`, hi, port)
	p := filepath.Join(b.TempDir(), "xinetd.conf")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		return "", 0, err
	}
	// -dontfork: foreground; -d would need a terminal for its log.
	pid, err := startDaemon(b, exec.Command(bin, "-dontfork", "-f", p))
	if err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("127.0.0.1:%d", port), pid, nil
}

// inetdPid is where openbsd-inetd writes its pid while it runs.
const inetdPid = "/run/inetd.pid"

func startInetd(b *testing.B, hi string) (string, int, error) {
	bin := os.Getenv("SAF_BENCH_INETD")
	if bin == "" {
		for _, p := range []string{"/usr/sbin/inetd", "/var/tmp/saf-bench-peers/openbsd-inetd/usr/sbin/inetd"} {
			if _, err := os.Stat(p); err == nil {
				bin = p
				break
			}
		}
	}
	if bin == "" {
		return "", 0, errors.New("no inetd (apt-get install openbsd-inetd, or apt-get download it, dpkg -x, and set SAF_BENCH_INETD)")
	}
	if os.Geteuid() != 0 {
		return "", 0, errors.New("needs root")
	}
	if _, err := os.Stat(inetdPid); err == nil {
		return "", 0, fmt.Errorf("%s exists: another inetd runs", inetdPid)
	}
	port := freePort(b)
	// nowait.N: at most N starts a minute; the default, 256, would stop
	// the benchmark after 255 connections.
	conf := fmt.Sprintf("127.0.0.1:%d stream tcp nowait.1000000 root %s hi\n", port, hi)
	p := filepath.Join(b.TempDir(), "inetd.conf")
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		return "", 0, err
	}
	// -i: foreground, no debug output.
	pid, err := startDaemon(b, exec.Command(bin, "-i", p))
	if err != nil {
		return "", 0, err
	}
	return fmt.Sprintf("127.0.0.1:%d", port), pid, nil
}

// waitServing waits, at most 10 seconds, until addr answers "hi\n".
func waitServing(addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := hiOnce(addr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hiOnce makes one connection to addr and checks the reply.
func hiOnce(addr string) error {
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	// Ignored: a deadline on a fresh connection cannot fail.
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var buf [16]byte
	n, err := io.ReadFull(c, buf[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	if string(buf[:n]) != "hi\n" {
		return fmt.Errorf("reply %q, want %q", buf[:n], "hi\n")
	}
	return nil
}

type benchResult struct {
	ok, failed int
	firstErr   error
	wall       time.Duration
	lat        []time.Duration // sorted
	cpu        cpuTimes        // the daemon's, over the run
	switches   int             // the daemon's context switches, all its threads
}

// cpuPerConn is d per successful connection, in microseconds.
func (r benchResult) cpuPerConn(d time.Duration) float64 {
	if r.ok == 0 {
		return 0
	}
	return float64(d) / float64(time.Microsecond) / float64(r.ok)
}

func (r benchResult) rate() float64 { return float64(r.ok) / r.wall.Seconds() }

// merge adds o, one round, to r; the latencies are left unsorted.
func (r benchResult) merge(o benchResult) benchResult {
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
	r.ok += o.ok
	r.failed += o.failed
	r.wall += o.wall
	r.lat = append(r.lat, o.lat...)
	r.cpu.self += o.cpu.self
	r.cpu.children += o.cpu.children
	r.switches += o.switches
	return r
}

// pct returns the p-th percentile latency (nearest rank).
func (r benchResult) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := (len(r.lat)*p + 99) / 100
	return r.lat[max(i-1, 0)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// loadLoop makes n connections to addr, c at a time, and stops early
// after limit.
func loadLoop(addr string, n, c int, limit time.Duration) benchResult {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		r        benchResult
		wg       sync.WaitGroup
		start    = time.Now()
		deadline = start.Add(limit)
	)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			ok, failed := 0, 0
			var first error
			for next.Add(1) <= int64(n) && time.Now().Before(deadline) {
				t0 := time.Now()
				if err := hiOnce(addr); err != nil {
					failed++
					if first == nil {
						first = err
					}
					continue
				}
				ok++
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			r.ok += ok
			r.failed += failed
			if r.firstErr == nil {
				r.firstErr = first
			}
			r.lat = append(r.lat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.wall = time.Since(start)
	slices.Sort(r.lat)
	return r
}

// benchCommand is the go test command line that ran the benchmark,
// quoted for a shell.
func benchCommand() string {
	cmd := []string{"go", "test", "./e2e"}
	args := os.Args[1:]
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(args[i], "-test."), "=")
		if !strings.HasPrefix(args[i], "-test.") {
			continue
		}
		if !hasVal && name != "v" && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			val, hasVal = args[i+1], true
			i++
		}
		switch name {
		case "paniconexit0", "timeout", "testlogfile", "gocoverdir":
			continue
		}
		if !hasVal {
			cmd = append(cmd, "-"+name)
			continue
		}
		cmd = append(cmd, "-"+name+"="+shellQuote(val))
	}
	return strings.Join(cmd, " ")
}

// shellQuote quotes s for sh when it holds anything but plain characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=._/,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// benchTable formats the results with each peer's ratio listen/peer at
// the same concurrency (above 1: listen is faster).
func benchTable(servers []benchServer, results map[string]benchResult) string {
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tc\tconns\tconns/s\tp50 ms\tp99 ms\tfailed\tdaemon cpu us/conn\tchildren cpu us/conn\tdaemon ctxsw/conn\tlisten/peer conns/s\tlisten/peer p50\t")
	for _, c := range []int{1, 8, 32} {
		ours, haveOurs := results[fmt.Sprintf("%d/listen", c)]
		for _, s := range servers {
			r, ok := results[fmt.Sprintf("%d/%s", c, s.name)]
			if !ok {
				continue
			}
			ratio, latRatio := "-", "-"
			if haveOurs && s.name != "listen" {
				ratio = fmt.Sprintf("%.2f", ours.rate()/r.rate())
				latRatio = fmt.Sprintf("%.2f", ms(ours.pct(50))/ms(r.pct(50)))
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t%d\t%.0f\t%.0f\t%.1f\t%s\t%s\t\n",
				s.name, c, r.ok, r.rate(), ms(r.pct(50)), ms(r.pct(99)), r.failed,
				r.cpuPerConn(r.cpu.self), r.cpuPerConn(r.cpu.children), float64(r.switches)/float64(max(r.ok, 1)), ratio, latRatio)
		}
	}
	// Ignored: a strings.Builder does not fail.
	_ = tw.Flush()
	return sb.String()
}
