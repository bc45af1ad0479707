package listen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/user"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/nlsaddr"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
	"github.com/linux-saf/saf/saf/sacmsg"
)

// These tests run the listener inside the test binary (Run), with a fake
// sac on its pipes, and the test binary itself as the launcher: TestMain
// turns it into one when the listener starts it. The NLPS timers are
// short here (the listener reads NLPS requests itself).

const (
	testNLPSTimeout = 700 * time.Millisecond
	testBadDelay    = 400 * time.Millisecond
)

func TestMain(m *testing.M) {
	if js, ok := os.LookupEnv(envLaunch); ok {
		os.Exit(launchMain(js))
	}
	nlpsTimeout, badRequestDelay = testNLPSTimeout, testBadDelay
	os.Exit(m.Run())
}

// run is one listener running in this process.
type run struct {
	t      *testing.T
	root   paths.Root
	sac    *pmprototest.Sac
	tag    string
	cancel context.CancelFunc
	done   chan int
}

// options for startListener.
type options struct {
	istate   string // default "enabled"
	args     []string
	noWait   bool // do not wait for "Initialization Complete"
	noIState bool
	env      []string // NAME=VALUE given to the listener, in place of this process's NAME
}

// me is the user the tests run as: services run as them, so the
// identity switch works without privileges too.
func me(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	return u.Username
}

// newRoot makes a sandbox with the fake sac's pipes for tag.
func newRoot(t *testing.T, tag string) (paths.Root, *pmprototest.Sac) {
	t.Helper()
	dir := t.TempDir()
	s := pmprototest.New(t, dir, tag)
	return paths.New(dir), s
}

func writeTable(t *testing.T, root paths.Root, tag, body string) {
	t.Helper()
	if err := os.WriteFile(root.PMTab(tag), []byte("# VERSION=4\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startListener runs the listener for tag "tcp" (or args' net_spec) on a
// table holding body.
func startListener(t *testing.T, body string, o options) *run {
	t.Helper()
	root, s := newRoot(t, "tcp")
	writeTable(t, root, "tcp", body)
	return startIn(t, root, s, o)
}

func startIn(t *testing.T, root paths.Root, s *pmprototest.Sac, o options) *run {
	t.Helper()
	if o.istate == "" {
		o.istate = "enabled"
	}
	if o.args == nil {
		o.args = []string{"tcp"}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PMTAG": s.Tag, "ISTATE": o.istate}
	if o.noIState {
		delete(env, "ISTATE")
	}
	environ := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return slices.ContainsFunc(o.env, func(e string) bool {
			k, _, _ := strings.Cut(e, "=")
			return strings.HasPrefix(kv, k+"=")
		})
	})
	environ = append(append(environ, o.env...), "PMTAG="+s.Tag, "ISTATE="+o.istate)
	ctx, cancel := context.WithCancel(context.Background())
	r := &run{t: t, root: root, sac: s, tag: s.Tag, cancel: cancel, done: make(chan int, 1)}
	cfg := Config{
		Root:    root,
		Lookup:  func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Environ: environ,
		Args:    o.args,
		Self:    self,
		Euid:    os.Geteuid(),
		Stderr:  io.Discard,
	}
	go func() { r.done <- Run(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("listener did not stop")
		}
		if t.Failed() {
			t.Logf("log:\n%s", r.log())
		}
	})
	if !o.noWait {
		r.waitLog(`Initialization Complete`)
	}
	return r
}

func (r *run) log() string {
	b, _ := os.ReadFile(r.root.PMLog(r.tag))
	return string(b)
}

// waitLog waits up to 10 seconds for the log to match re.
func (r *run) waitLog(re string) []string {
	r.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := rx.FindStringSubmatch(r.log()); m != nil {
			return m
		}
		select {
		case code := <-r.done:
			r.done <- code
			if m := rx.FindStringSubmatch(r.log()); m != nil {
				return m
			}
			r.t.Fatalf("listener exited %d before logging %q", code, re)
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for the log to match %q", re)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exit waits for the listener to exit and returns its status.
func (r *run) exit() int {
	r.t.Helper()
	select {
	case code := <-r.done:
		r.done <- code
		return code
	case <-time.After(10 * time.Second):
		r.t.Fatal("listener did not exit")
	}
	return -1
}

// reread tells the listener to re-read its table and waits for it.
func (r *run) reread(t *testing.T) {
	t.Helper()
	done := regexp.MustCompile(`Re-read complete|Re-read failed`)
	n := len(done.FindAllString(r.log(), -1))
	r.sac.Send(t, sacmsg.SCReadDB)
	r.sac.Reply(t)
	deadline := time.Now().Add(10 * time.Second)
	for len(done.FindAllString(r.log(), -1)) <= n {
		if time.Now().After(deadline) {
			t.Fatal("no re-read")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T, network, host string) int {
	t.Helper()
	l, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("no %s on %s: %v", network, host, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// hexAddr is the _pmtab hex form of host:port.
func hexAddr(t *testing.T, host string, port int) string {
	t.Helper()
	ap := netip.AddrPortFrom(netip.MustParseAddr(host), uint16(port))
	s, err := nlsaddr.HexForm(ap)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// entry is a _pmtab line.
func entry(code, flags, id, addr, lflags, cmd string) string {
	return fmt.Sprintf("%s:%s:%s:reserved:reserved:reserved:%s::%s::%s#\n", code, flags, id, addr, lflags, cmd)
}

func dial(t *testing.T, network, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

func readAll(t *testing.T, c net.Conn) string {
	t.Helper()
	b, err := io.ReadAll(c)
	if err != nil && !isReset(err) {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func isReset(err error) bool {
	return err != nil && (errors.Is(err, os.ErrDeadlineExceeded) == false) &&
		(strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

// echo checks that c echoes a line back.
func echo(t *testing.T, c net.Conn, line string) {
	t.Helper()
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, len(line)+1)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != line+"\n" {
		t.Fatalf("echo of %q: got %q, %v", line, b, err)
	}
}

func TestExecServices(t *testing.T) {
	id := me(t)
	pCat := freePort(t, "tcp4", "127.0.0.1")
	pFds := freePort(t, "tcp4", "127.0.0.1")
	pEnv := freePort(t, "tcp4", "127.0.0.1")
	pSh := freePort(t, "tcp4", "127.0.0.1")
	body := entry("cat", "", id, hexAddr(t, "127.0.0.1", pCat), "c", "/bin/cat") +
		entry("fds", "", id, hexAddr(t, "127.0.0.1", pFds), "c", "/bin/ls -l /proc/self/fd") +
		entry("env", "", id, hexAddr(t, "127.0.0.1", pEnv), "c", "/usr/bin/env") +
		entry("sh", "", id, hexAddr(t, "127.0.0.1", pSh), "", `/bin/sh -c 'umask; read p c s pp pg sid rest < /proc/$$/stat; echo "pid=$$ sid=$sid"; pwd'`)
	r := startListener(t, body, options{args: []string{"-m", "tp", "tcp"}})
	r.waitLog(`Net opened, 4 addresses bound, \d+ fds free`)

	t.Run("cat", func(t *testing.T) {
		c := dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pCat))
		echo(t, c, "hello")
		echo(t, c, "again")
		r.waitLog(`Connect: fd \d+, svctag cat, seq \d+, type exec`)
	})
	t.Run("fds", func(t *testing.T) {
		c := dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pFds))
		out := readAll(t, c)
		fds := regexp.MustCompile(`(?m) (\d+) -> (.*)$`).FindAllStringSubmatch(out, -1)
		var sock string
		for _, m := range fds {
			switch m[1] {
			case "0", "1", "2":
				if sock == "" {
					sock = m[2]
				}
				if m[2] != sock || !strings.HasPrefix(sock, "socket:") {
					t.Errorf("fd %s is %s, want the connection (%s)", m[1], m[2], sock)
				}
			case "3":
				// ls's own directory descriptor.
				if !strings.HasPrefix(m[2], "/proc/") {
					t.Errorf("fd 3 is %s", m[2])
				}
			default:
				t.Errorf("service has fd %s -> %s open", m[1], m[2])
			}
		}
		if len(fds) != 4 {
			t.Errorf("service fds:\n%s", out)
		}
	})
	t.Run("env", func(t *testing.T) {
		c := dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pEnv))
		local := c.LocalAddr().(*net.TCPAddr)
		out := readAll(t, c)
		env := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				env[k] = v
			}
		}
		want := map[string]string{
			"NLSADDR":     strings.TrimPrefix(hexAddr(t, "127.0.0.1", local.Port), `\x`),
			"NLSOPT":      "",
			"NLSUDATA":    "",
			"NLSPROVIDER": "tcp",
			"MPREFIX":     "tp",
		}
		u, _ := user.Lookup(id)
		want["HOME"] = u.HomeDir
		if u.Uid == "0" {
			want["PATH"] = "/usr/sbin:/usr/bin"
		} else {
			want["PATH"] = "/usr/bin:"
		}
		for k, v := range want {
			if got, ok := env[k]; !ok || got != v {
				t.Errorf("%s=%q (set %v), want %q", k, got, ok, v)
			}
		}
		// The listener's environment, as the original passed it on.
		for k, v := range map[string]string{"PMTAG": "tcp", "ISTATE": "enabled"} {
			if got, ok := env[k]; !ok || got != v {
				t.Errorf("%s=%q (set %v), want %q", k, got, ok, v)
			}
		}
		if v, ok := env[envLaunch]; ok {
			t.Errorf("service sees %s=%s", envLaunch, v)
		}
	})
	t.Run("session", func(t *testing.T) {
		c := dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pSh))
		out := readAll(t, c)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || lines[0] != "0022" {
			t.Fatalf("service printed %q, want umask 0022, pid/sid and cwd", out)
		}
		var pid, sid int
		if _, err := fmt.Sscanf(lines[1], "pid=%d sid=%d", &pid, &sid); err != nil || pid != sid {
			t.Errorf("%q: the service must lead its own session", lines[1])
		}
		u, _ := user.Lookup(id)
		if lines[2] != u.HomeDir {
			t.Errorf("cwd %q, want home %q", lines[2], u.HomeDir)
		}
	})
}

// dialNoFail dials a loopback address once, quickly.
func dialNoFail(addr string) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, 2*time.Second)
}

func geteuid() int { return os.Geteuid() }

// hexBytes is the sockaddr bytes of host:port in the listener's layout.
func hexBytes(t *testing.T, host string, port int) ([]byte, error) {
	t.Helper()
	a, err := nlsaddr.Parse(hexAddr(t, host, port))
	return a.Bytes, err
}

// TestServiceBaseEnv: services inherit the listener's environment, PMTAG,
// ISTATE, the port monitor's _config assignments and TZ included;
// only the launcher's variable, socket activation's
// and NOTIFY_SOCKET are dropped, and the connection's variables, which
// connVars sets again.
func TestServiceBaseEnv(t *testing.T) {
	got := serviceBaseEnv([]string{"PMTAG=tcp", "ISTATE=enabled", "NLSADDR=00", "HOME=/root", "MPREFIX=x", envLaunch + "={}", "TZ=UTC",
		"LISTEN_PID=1", "LISTEN_FDS=1", "LISTEN_FDNAMES=x", "NOTIFY_SOCKET=/run/systemd/notify", "FROMCONFIG=yes", "NLSOPT=", "NLSUDATA=", "NLSPROVIDER=tcp"})
	if want := "PMTAG=tcp ISTATE=enabled HOME=/root TZ=UTC FROMCONFIG=yes PATH=/usr/sbin:/usr/bin"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := serviceBaseEnv([]string{"PATH=/bin"}); len(got) != 1 || got[0] != "PATH=/bin" {
		t.Errorf("PATH kept: %q", got)
	}
}
