package e2e

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/nlps"
	"github.com/linux-saf/saf/saf/passfd"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
	"github.com/linux-saf/saf/saf/sacmsg"
)

// These tests run the built listen under the built sac (or by hand with a
// fake sac) in a SAF_ROOT sandbox, administered with the built sacadm,
// pmadm and nlsadmin, and talk to it over loopback only. Every wait is a
// bounded loop on observable state. The NLPS request timer (45 s) is
// tested in internal/listen, where a test seam shortens it.

// svcUser is the identity the tests' services run as: the user running
// the tests. The sandbox rule lets any user run its own services (so
// ttymon and listen need no identity switch); as root in CI listen's
// switch to the identity is exercised all the same.
func svcUser(t *testing.T) string {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	return u.Username
}

// lport returns a loopback TCP port nobody listens on right now.
func lport(t *testing.T, network, host string) int {
	t.Helper()
	l, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("no %s on %s: %v", network, host, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// addListenPM registers a listen port monitor tag for net_spec netspec.
func addListenPM(t *testing.T, sb *testexec.Sandbox, tag, netspec string) {
	t.Helper()
	cmd := testexec.Bin(t, "listen") + " " + netspec
	if out, errs, code := sacadm(t, sb, "sacadm", "-a", "-p", tag, "-t", "listen", "-c", cmd, "-v", "4"); code != 0 {
		t.Fatalf("sacadm -a %s: exit %d\n%s%s", tag, code, out, errs)
	}
}

// nlsformat runs the nlsadmin formatter and returns its line.
func nlsformat(t *testing.T, sb *testexec.Sandbox, args ...string) string {
	t.Helper()
	out, errs, code := sacadm(t, sb, "nlsadmin", args...)
	if code != 0 {
		t.Fatalf("nlsadmin %q: exit %d: %s", args, code, errs)
	}
	return strings.TrimSuffix(out, "\n")
}

// rereads counts the listener's finished re-reads.
func rereads(sb *testexec.Sandbox, tag string) int {
	return strings.Count(pmLog(sb, tag), "Re-read complete") + strings.Count(pmLog(sb, tag), "Re-read failed")
}

// pmadmWait runs pmadm with args against a running listener and waits
// until the listener has re-read its table.
func pmadmWait(t *testing.T, sb *testexec.Sandbox, tag string, args ...string) {
	t.Helper()
	n := rereads(sb, tag)
	if out, errs, code := sacadm(t, sb, "pmadm", args...); code != 0 {
		t.Fatalf("pmadm %q: exit %d\n%s%s", args, code, out, errs)
	}
	waitFor(t, "the listener to re-read its table", func() bool { return rereads(sb, tag) > n })
}

// addSvc adds service code with listen data pmspec and waits for the
// listener to take it.
func addSvc(t *testing.T, sb *testexec.Sandbox, tag, code, id, pmspec string) {
	t.Helper()
	pmadmWait(t, sb, tag, "-a", "-p", tag, "-s", code, "-i", id, "-v", "4", "-m", pmspec)
}

func ldial(t *testing.T, network, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(15 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

func lecho(t *testing.T, c net.Conn, line string) {
	t.Helper()
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, len(line)+1)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != line+"\n" {
		t.Fatalf("echo of %q: got %q, %v", line, b, err)
	}
}

func lreadAll(t *testing.T, c net.Conn) string {
	t.Helper()
	b, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

// lrefused checks that a connection to addr is refused: reset at connect
// or no data then EOF or reset, or nothing listens at all (ECONNREFUSED).
func lrefused(t *testing.T, network, addr string) {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial %s: %v", addr, err)
		}
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	b := make([]byte, 16)
	if n, err := c.Read(b); n != 0 || err == nil {
		t.Fatalf("read %q, %v; want the connection refused", b[:n], err)
	}
}

// zombies returns the children of pid that are zombies.
func zombies(pid int) []int {
	var z []int
	for p, st := range children(pid) {
		if st == "Z" {
			z = append(z, p)
		}
	}
	return z
}

func TestListenUnderSac(t *testing.T) {
	sb := testexec.NewSandbox(t)
	id := svcUser(t)
	startSacListen(t, sb)
	waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `Initialization Complete`)
	pid := pmPid(sb, "tcp")
	if pid == 0 {
		t.Fatal("listen holds no _pid lock")
	}

	pCat := lport(t, "tcp4", "127.0.0.1")
	pFds := lport(t, "tcp4", "127.0.0.1")
	pEnv := lport(t, "tcp4", "127.0.0.1")
	addSvc(t, sb, "tcp", "cat", id, nlsformat(t, sb, "-c", "/bin/cat", "-A", fmt.Sprintf("127.0.0.1:%d", pCat)))
	addSvc(t, sb, "tcp", "fds", id, nlsformat(t, sb, "-c", "/bin/ls -l /proc/self/fd", "-A", fmt.Sprintf("127.0.0.1:%d", pFds)))
	addSvc(t, sb, "tcp", "env", id, nlsformat(t, sb, "-c", "/usr/bin/env", "-A", fmt.Sprintf("127.0.0.1:%d", pEnv)))
	cat := fmt.Sprintf("127.0.0.1:%d", pCat)
	fdsBefore := fdCount(pid)

	t.Run("echo", func(t *testing.T) {
		c := ldial(t, "tcp4", cat)
		lecho(t, c, "hello listen")
		lecho(t, c, "twice")
	})
	t.Run("fds", func(t *testing.T) {
		out := lreadAll(t, ldial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pFds)))
		fds := regexp.MustCompile(`(?m) (\d+) -> (.*)$`).FindAllStringSubmatch(out, -1)
		if len(fds) != 4 {
			t.Fatalf("the service's descriptors (ls adds its own 3):\n%s", out)
		}
		for _, m := range fds[:3] {
			if m[2] != fds[0][2] || !strings.HasPrefix(m[2], "socket:") {
				t.Errorf("fd %s -> %s, want the connection", m[1], m[2])
			}
		}
		if fds[3][1] != "3" || !strings.HasPrefix(fds[3][2], "/proc/") {
			t.Errorf("unexpected fd %s -> %s", fds[3][1], fds[3][2])
		}
	})
	t.Run("environment", func(t *testing.T) {
		c := ldial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pEnv))
		port := c.LocalAddr().(*net.TCPAddr).Port
		out := lreadAll(t, c)
		for _, want := range []string{
			fmt.Sprintf("NLSADDR=0002%04X7F0000010000000000000000", port),
			"NLSPROVIDER=tcp", "MPREFIX=tcp", "NLSOPT=", "NLSUDATA=",
		} {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).MatchString(out) {
				t.Errorf("environment lacks %s:\n%s", want, out)
			}
		}
		// The listener's own environment goes on too, as the
		// original's did (TestListenServiceEnvironment).
		for _, want := range []string{"PMTAG=tcp", "ISTATE=enabled"} {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).MatchString(out) {
				t.Errorf("environment lacks %s:\n%s", want, out)
			}
		}
		if regexp.MustCompile(`(?m)^_SAF_`).MatchString(out) {
			t.Errorf("environment holds the launcher's variable:\n%s", out)
		}
	})
	t.Run("identity", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("switching to another user needs root")
		}
		p := lport(t, "tcp4", "127.0.0.1")
		addSvc(t, sb, "tcp", "id", "daemon", nlsformat(t, sb, "-c", "/usr/bin/id", "-A", fmt.Sprintf("127.0.0.1:%d", p)))
		out := lreadAll(t, ldial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p)))
		if !regexp.MustCompile(`^uid=1\(daemon\) gid=1\(daemon\) groups=1\(daemon\)\n$`).MatchString(out) {
			t.Errorf("id printed %q", out)
		}
	})
	t.Run("missing command and user", func(t *testing.T) {
		p1, p2 := lport(t, "tcp4", "127.0.0.1"), lport(t, "tcp4", "127.0.0.1")
		addSvc(t, sb, "tcp", "nocmd", id, fmt.Sprintf(`%s::c::/nonexistent/server`, hexForm(t, sb, "127.0.0.1", p1)))
		addSvc(t, sb, "tcp", "nouser", "nosuchuser", nlsformat(t, sb, "-c", "/bin/cat", "-A", fmt.Sprintf("127.0.0.1:%d", p2)))
		for _, p := range []int{p1, p2} {
			if out := lreadAll(t, ldial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p))); out != "" {
				t.Errorf("got %q", out)
			}
		}
		waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `ERROR: could not exec server\n.*System error: No such file or directory`)
		waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `; Missing or bad passwd entry for <nosuchuser>\n`)
		lecho(t, ldial(t, "tcp4", cat), "still serving")
	})
	t.Run("disable and enable", func(t *testing.T) {
		live := ldial(t, "tcp4", cat)
		lecho(t, live, "before")
		if _, e, code := sacadm(t, sb, "sacadm", "-d", "-p", "tcp"); code != 0 {
			t.Fatalf("sacadm -d: %d %s", code, e)
		}
		waitState(t, sb, "tcp", "DISABLED")
		lrefused(t, "tcp4", cat)
		waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `New state: DISABLED\n(.*\n)*.*Incoming call while disabled: fd \d+, seq \d+`)
		lecho(t, live, "a running service is not affected")
		if _, e, code := sacadm(t, sb, "sacadm", "-e", "-p", "tcp"); code != 0 {
			t.Fatalf("sacadm -e: %d %s", code, e)
		}
		waitState(t, sb, "tcp", "ENABLED")
		lecho(t, ldial(t, "tcp4", cat), "enabled again")
	})
	t.Run("no leaks", func(t *testing.T) {
		for i := range 20 {
			lecho(t, ldial(t, "tcp4", cat), fmt.Sprint("round ", i))
		}
		waitFor(t, "services to be reaped", func() bool { return len(zombies(pid)) == 0 })
		// Services still running hold nothing of the listener's; the
		// listener holds one pidfd for each of them, no more.
		pidfds, running := pidfdCount(pid), len(children(pid))
		if n := fdCount(pid) - pidfds; n > fdsBefore+3 {
			t.Errorf("listen has %d descriptors open besides its %d pidfds, %d before the connections", n, pidfds, fdsBefore)
		}
		if pidfds > running {
			t.Errorf("listen holds %d pidfds for %d running children", pidfds, running)
		}
	})
}

// TestListenServiceEnvironment: a service inherits the listener's
// environment, as the original's did: PMTAG and ISTATE
// from sac, what the port monitor's _config assigned, and TZ; then the
// variables of the connection.
func TestListenServiceEnvironment(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addListenPM(t, sb, "tcp", "tcp") // no sac yet: into _sactab only
	sb.WriteFile(t, "etc/saf/tcp/_config", "assign FROMCONFIG=from-config\n")
	cmd := exec.Command(testexec.Bin(t, "sac"), "-t", "1")
	cmd.Env = []string{"SAF_ROOT=" + sb.Root, "PATH=/usr/bin:/bin", "TZ=Europe/Paris"}
	runSac(t, sb, cmd)
	waitState(t, sb, "tcp", "ENABLED")
	waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `Initialization Complete`)
	p := lport(t, "tcp4", "127.0.0.1")
	addSvc(t, sb, "tcp", "env", svcUser(t), nlsformat(t, sb, "-c", "/usr/bin/env", "-A", fmt.Sprintf("127.0.0.1:%d", p)))
	out := lreadAll(t, ldial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p)))
	for _, want := range []string{"PMTAG=tcp", "ISTATE=enabled", "FROMCONFIG=from-config", "TZ=Europe/Paris", "NLSPROVIDER=tcp", "MPREFIX=tcp"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).MatchString(out) {
			t.Errorf("the service's environment lacks %s:\n%s", want, out)
		}
	}
}

// hexForm is nlsadmin's table form of host:port.
func hexForm(t *testing.T, sb *testexec.Sandbox, host string, port int) string {
	t.Helper()
	line := nlsformat(t, sb, "-c", "/bin/true", "-A", net.JoinHostPort(host, fmt.Sprint(port)))
	return line[:strings.IndexByte(line, ':')]
}

func TestListenNLPS(t *testing.T) {
	sb := testexec.NewSandbox(t)
	id := svcUser(t)
	startSacListen(t, sb)
	p := lport(t, "tcp4", "127.0.0.1")
	addr := fmt.Sprintf("127.0.0.1:%d", p)
	// Service 0 as nlsadmin -i makes it, with an address as nlsadmin -l
	// gives it; the program is served inside listen
	// (docs/linux.md#nlps-server-in-the-listener).
	addSvc(t, sb, "tcp", "0", "root", nlsformat(t, sb, "-c", "/usr/lib/saf/nlps_server", "-A", addr))
	pmadmWait(t, sb, "tcp", "-a", "-p", "tcp", "-s", "cat", "-i", id, "-v", "4", "-m", "::c::/bin/cat", "-y", "echo")
	pmadmWait(t, sb, "tcp", "-a", "-p", "tcp", "-s", "off", "-i", id, "-v", "4", "-m", "::c::/bin/cat", "-f", "x")

	t.Run("version 2", func(t *testing.T) {
		c := ldial(t, "tcp4", addr)
		text, err := nlps.Request(c, "cat")
		if err != nil || text != "NLPS (cat) exec: /bin/cat" {
			t.Fatalf("Request: %q, %v", text, err)
		}
		lecho(t, c, "via NLPS")
	})
	t.Run("version 0", func(t *testing.T) {
		c := ldial(t, "tcp4", addr)
		io.WriteString(c, "NLPS:000:001:cat\x00right after the request\n")
		b := make([]byte, len("right after the request\n"))
		if _, err := io.ReadFull(c, b); err != nil || string(b) != "right after the request\n" {
			t.Fatalf("got %q, %v (the server read past the request?)", b, err)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		c := ldial(t, "tcp4", addr)
		text, err := nlps.Request(c, "nope")
		if !errors.Is(err, nlps.ErrUnknownService) || text != "NLPS: Request for service code <nope> denied, unknown service code" {
			t.Fatalf("Request: %q, %v", text, err)
		}
		waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `; NLPS: Request for service code <nope> denied, unknown service code\n`)
	})
	t.Run("disabled", func(t *testing.T) {
		c := ldial(t, "tcp4", addr)
		if text, err := nlps.Request(c, "off"); !errors.Is(err, nlps.ErrServiceDisabled) || text != "NLPS: Request for service code <off> denied, service is disabled" {
			t.Fatalf("Request: %q, %v", text, err)
		}
		// nlsadmin -e enables it; NLPS reads the table for every request.
		if _, e, code := sacadm(t, sb, "nlsadmin", "-e", "off", "tcp"); code != 0 {
			t.Fatalf("nlsadmin -e: %d %s", code, e)
		}
		c2 := ldial(t, "tcp4", addr)
		if _, err := nlps.Request(c2, "off"); err != nil {
			t.Fatalf("after nlsadmin -e: %v", err)
		}
		lecho(t, c2, "enabled")
	})
	t.Run("garbage", func(t *testing.T) {
		c := ldial(t, "tcp4", addr)
		io.WriteString(c, "HELLO\r\n")
		if out := lreadAll(t, c); out != "" {
			t.Errorf("answer %q", out)
		}
		waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `NLPS: Unknown service request \(ignored\)\n.*NLPS: No/bad service request received`)
	})
	t.Run("oversize", func(t *testing.T) {
		c := ldial(t, "tcp4", addr)
		io.WriteString(c, "NLPS:002:002:"+strings.Repeat("x", 1100)+"\x00")
		if out := lreadAll(t, c); out != "" {
			t.Errorf("answer %q", out)
		}
		waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `NLPS: recieve buffer not large enough`)
	})
	t.Run("bad format", func(t *testing.T) {
		// Answered by closing after 10 seconds; the wait itself is
		// checked in internal/listen.
		c := ldial(t, "tcp4", addr)
		io.WriteString(c, "NLPS:abc\x00")
		waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `ATT service: bad message format`)
	})
}

func TestListenPassFD(t *testing.T) {
	sb := testexec.NewSandbox(t)
	id := svcUser(t)
	sock := filepath.Join(t.TempDir(), "standing.sock")
	pl, err := passfd.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close()
	startSacListen(t, sb)
	p, p0 := lport(t, "tcp4", "127.0.0.1"), lport(t, "tcp4", "127.0.0.1")
	addSvc(t, sb, "tcp", "lp", id, fmt.Sprintf("%s::p::%s", hexForm(t, sb, "127.0.0.1", p), sock))
	addSvc(t, sb, "tcp", "0", "root", nlsformat(t, sb, "-c", "/usr/lib/saf/nlps_server", "-A", fmt.Sprintf("127.0.0.1:%d", p0)))
	addSvc(t, sb, "tcp", "lpv", id, "::p::"+sock)

	// The standing server: answers every connection it is handed.
	go func() {
		for {
			f, err := pl.Accept()
			if err != nil {
				return
			}
			b := make([]byte, 64)
			n, _ := f.Read(b)
			fmt.Fprintf(f, "standing server got %q\n", b[:n])
			f.Close()
		}
	}()
	c := ldial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p))
	io.WriteString(c, "job")
	if out := lreadAll(t, c); out != "standing server got \"job\"\n" {
		t.Errorf("direct: %q", out)
	}
	c = ldial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p0))
	if _, err := nlps.Request(c, "lpv"); err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "job2")
	if out := lreadAll(t, c); out != "standing server got \"job2\"\n" {
		t.Errorf("through NLPS: %q", out)
	}
	waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `Connect: fd \d+, svctag lp, seq \d+, type passfd`)
}

// pmadm -a and -r while a session runs: the re-read keeps the session and
// every unchanged endpoint (same socket), drops removed ones.
func TestListenRereadWithLiveSession(t *testing.T) {
	sb := testexec.NewSandbox(t)
	id := svcUser(t)
	startSacListen(t, sb)
	pa, pb := lport(t, "tcp4", "127.0.0.1"), lport(t, "tcp4", "127.0.0.1")
	a, b := fmt.Sprintf("127.0.0.1:%d", pa), fmt.Sprintf("127.0.0.1:%d", pb)
	addSvc(t, sb, "tcp", "a", id, nlsformat(t, sb, "-c", "/bin/cat", "-A", a))
	fd := regexp.MustCompile(`Service a: fd (\d+) `).FindStringSubmatch(pmLog(sb, "tcp"))[1]
	live := ldial(t, "tcp4", a)
	lecho(t, live, "first")

	addSvc(t, sb, "tcp", "b", id, nlsformat(t, sb, "-c", "/bin/cat", "-A", b))
	lecho(t, live, "after pmadm -a")
	lecho(t, ldial(t, "tcp4", b), "the new service")
	if n := strings.Count(pmLog(sb, "tcp"), "Service a: fd "+fd+" "); n < 2 {
		t.Errorf("service a was not kept on its socket (fd %s):\n%s", fd, pmLog(sb, "tcp"))
	}

	pmadmWait(t, sb, "tcp", "-r", "-p", "tcp", "-s", "a")
	lecho(t, live, "after pmadm -r of its own service")
	lrefused(t, "tcp4", a)
	waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `Unbind a: fd `+fd+` addr `)
	lecho(t, ldial(t, "tcp4", b), "b is untouched")
}

// Stopping listen (sacadm -k sends SIGTERM) leaves running sessions alone.
func TestListenStopLeavesSession(t *testing.T) {
	sb := testexec.NewSandbox(t)
	id := svcUser(t)
	startSacListen(t, sb)
	p := lport(t, "tcp4", "127.0.0.1")
	addr := fmt.Sprintf("127.0.0.1:%d", p)
	addSvc(t, sb, "tcp", "cat", id, nlsformat(t, sb, "-c", "/bin/cat", "-A", addr))
	live := ldial(t, "tcp4", addr)
	lecho(t, live, "before")
	if _, e, code := sacadm(t, sb, "sacadm", "-k", "-p", "tcp"); code != 0 {
		t.Fatalf("sacadm -k: %d %s", code, e)
	}
	waitState(t, sb, "tcp", "NOTRUNNING")
	waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `caught SIGTERM \(exiting\)\n.*\*\*\* listener terminating!!! \*\*\*\n$`)
	lecho(t, live, "the session outlives listen")
	lrefused(t, "tcp4", addr)
	// Started again, it binds the same address at once (SO_REUSEADDR).
	if _, e, code := sacadm(t, sb, "sacadm", "-s", "-p", "tcp"); code != 0 {
		t.Fatalf("sacadm -s: %d %s", code, e)
	}
	waitState(t, sb, "tcp", "ENABLED")
	waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `Net opened, 1 address bound`)
	lecho(t, ldial(t, "tcp4", addr), "new listener")
	lecho(t, live, "old session still there")
}

func TestListenIPv6AndUnix(t *testing.T) {
	sb := testexec.NewSandbox(t)
	id := svcUser(t)
	startSac(t, sb)
	addListenPM(t, sb, "tcp", "tcp")
	addListenPM(t, sb, "local", "unix")
	waitState(t, sb, "tcp", "ENABLED")
	waitState(t, sb, "local", "ENABLED")

	p6 := lport(t, "tcp6", "::1")
	a6 := fmt.Sprintf("[::1]:%d", p6)
	addSvc(t, sb, "tcp", "v6", id, nlsformat(t, sb, "-c", "/usr/bin/env", "-A", a6))
	c := ldial(t, "tcp6", a6)
	port := c.LocalAddr().(*net.TCPAddr).Port
	out := lreadAll(t, c)
	want := fmt.Sprintf("NLSADDR=000A%04X", port) + "00000000" + strings.Repeat("0", 31) + "1" + "00000000" + "\n"
	if !strings.Contains(out, want) {
		t.Errorf("IPv6 service environment lacks %s:\n%s", want, out)
	}

	sock := filepath.Join(t.TempDir(), "svc.sock")
	addSvc(t, sb, "local", "u", id, nlsformat(t, sb, "-c", "/bin/cat", "-A", sock))
	lecho(t, ldial(t, "unix", sock), "over a unix socket")
	if _, e, code := sacadm(t, sb, "sacadm", "-k", "-p", "local"); code != 0 {
		t.Fatalf("sacadm -k: %d %s", code, e)
	}
	waitState(t, sb, "local", "NOTRUNNING")
	waitFor(t, "the socket file to go", func() bool {
		_, err := os.Lstat(sock)
		return errors.Is(err, os.ErrNotExist)
	})
}

// listen started by hand with PMTAG set, a fake sac on its pipes: the
// start-up and SIGTERM exit statuses of the original
// (docs/original.md#listen-exit-codes).
func TestListenByHand(t *testing.T) {
	// No PMTAG: exit 1, silently.
	noTag := exec.Command(testexec.Bin(t, "listen"), "tcp")
	noTag.Env = []string{"SAF_ROOT=" + t.TempDir(), "ISTATE=enabled"}
	noTag.Dir = t.TempDir()
	if out, err := noTag.CombinedOutput(); exitCode(err) != 1 || len(out) != 0 {
		t.Errorf("without PMTAG: exit %d, output %q", exitCode(err), out)
	}
	// Start-up failures: the exit status and the original's log lines.
	for _, tt := range []struct {
		name, netspec, table string
		code                 int
		log                  string
	}{
		{"unknown net_spec", "foo", "# VERSION=4\n", 1,
			`; no netconfig entry for <foo>\n.*; Listener failed to start properly\n`},
		{"no version line", "tcp", "e::root:r:r:r:::c::/bin/cat\n", 39,
			`; Data base file has been corrupted: .*\n.*; Database file has been corrupted\n`},
		{"other version", "tcp", "# VERSION=3\n", 40,
			`; Database file is not at the current version: .*\n`},
		{"duplicate code", "tcp", "# VERSION=4\ne::root:r:r:r:::c::/bin/cat\ne::root:r:r:r:::c::/bin/cat\n", 71,
			`; Data base file: Duplicate service code: <e>\n`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := pmprototest.New(t, t.TempDir(), "tcp")
			if err := os.WriteFile(filepath.Join(s.Dir(), "_pmtab"), []byte(tt.table), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(testexec.Bin(t, "listen"), tt.netspec)
			cmd.Env, cmd.Dir = s.Env("enabled"), s.Dir()
			if out, err := cmd.CombinedOutput(); exitCode(err) != tt.code {
				t.Errorf("exit %d, want %d (%s)", exitCode(err), tt.code, out)
			}
			b, _ := os.ReadFile(s.Log())
			if !regexp.MustCompile(tt.log + `.*; \*\*\* listener terminating!!! \*\*\*\n$`).Match(b) {
				t.Errorf("log:\n%s", b)
			}
		})
	}
	x := startFakeListen(t, "tcp", "", "")
	waitLog(t, "listen", x.log, `(?s)No database\?  0 entries\?\n.*Net opened, 0 addresses bound, \d+ fds free\n.*Initialization Complete`)
	s := x.sac
	s.Want(t, s.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
	s.Want(t, s.Poll(t, sacmsg.SCDisable), sacmsg.PMStatus, sacmsg.Disabled)
	x.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-x.done:
		if code := exitCode(x.err); code != 15 {
			t.Errorf("after SIGTERM: exit %d, want 15", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("listen did not exit on SIGTERM")
	}
	if !regexp.MustCompile(`New state: DISABLED\n.*caught SIGTERM \(exiting\)\n.*\*\*\* listener terminating!!! \*\*\*\n$`).MatchString(x.log()) {
		t.Errorf("log:\n%s", x.log())
	}
}

// The whole listener set-up done with nlsadmin, as its users do it, under
// a running sac: -i makes the port monitor and its NLPS service, -l gives
// NLPS an address, -a adds a service, clients reach it by service code;
// -v lists, -d disables, -q and -k query and stop.
func TestListenAdministeredWithNlsadmin(t *testing.T) {
	sb := testexec.NewSandbox(t)
	id := svcUser(t)
	testexec.Bin(t, "listen") // the program nlsadmin -i registers
	startSac(t, sb)
	nls := func(want int, args ...string) string {
		t.Helper()
		out, e, code := sacadm(t, sb, "nlsadmin", args...)
		if code != want {
			t.Fatalf("nlsadmin %q: exit %d, want %d\n%s%s", args, code, want, out, e)
		}
		return out
	}
	nls(0, "-i", "tcp")
	waitState(t, sb, "tcp", "ENABLED")
	addr := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	nls(0, "-l", addr, "tcp")
	if got := nls(0, "-l", "-", "tcp"); got != hexForm(t, sb, "127.0.0.1", mustPort(t, addr))+"\n" {
		t.Errorf("nlsadmin -l - = %q", got)
	}
	nls(0, "-a", "echo", "-c", "/bin/cat", "-y", "echo service", "-w", id, "tcp")
	var c net.Conn
	waitFor(t, "the NLPS address", func() bool {
		var err error
		c, err = net.DialTimeout("tcp4", addr, time.Second)
		return err == nil
	})
	c.SetDeadline(time.Now().Add(15 * time.Second))
	defer c.Close()
	if text, err := nlps.Request(c, "echo"); err != nil || text != "NLPS (echo) exec: /bin/cat" {
		t.Fatalf("Request: %q, %v", text, err)
	}
	lecho(t, c, "hello through nlsadmin")
	if v := nls(0, "-v", "tcp"); !strings.Contains(v, "echo\tNOADDR\tENABLED \tNORPC\t"+id+"\tNOMODULES\t/bin/cat\t# echo service\n") {
		t.Errorf("nlsadmin -v:\n%s", v)
	}
	nls(0, "-q", "-z", "echo", "tcp")
	nls(0, "-d", "echo", "tcp")
	nls(1, "-q", "-z", "echo", "tcp")
	c2 := ldial(t, "tcp4", addr)
	if _, err := nlps.Request(c2, "echo"); !errors.Is(err, nlps.ErrServiceDisabled) {
		t.Errorf("disabled service: %v", err)
	}
	nls(0, "-q", "tcp")
	nls(0, "-k", "tcp")
	waitState(t, sb, "tcp", "NOTRUNNING")
	nls(1, "-q", "tcp")
	nls(0, "-s", "tcp")
	waitState(t, sb, "tcp", "ENABLED")
}

func mustPort(t *testing.T, hostport string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(hostport)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(p, &n)
	return n
}
