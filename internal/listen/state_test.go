package listen

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/passfd"
	"github.com/linux-saf/saf/saf/pmstatus"
	"github.com/linux-saf/saf/saf/sacmsg"
)

// refused checks that the listener refuses a connection to addr: the
// connect fails with a reset (on loopback the reset can come before
// connect returns), or no data comes, then EOF or a reset.
func refused(t *testing.T, network, addr string) {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("dial %s: %v, want success or a reset", addr, err)
		}
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 16)
	n, err := c.Read(b)
	if n != 0 || err == nil {
		t.Fatalf("read %q, %v; want the connection refused", b[:n], err)
	}
}

func TestDisabledPortMonitorResets(t *testing.T) {
	id := me(t)
	p := freePort(t, "tcp4", "127.0.0.1")
	addr := fmt.Sprintf("127.0.0.1:%d", p)
	r := startListener(t, entry("cat", "", id, hexAddr(t, "127.0.0.1", p), "c", "/bin/cat"), options{istate: "disabled"})
	r.waitLog(`Starting state: DISABLED`)
	refused(t, "tcp4", addr)
	r.waitLog(`Incoming call while disabled: fd \d+, seq 1`)

	r.sac.Want(t, r.sac.Poll(t, sacmsg.SCEnable), sacmsg.PMStatus, sacmsg.Enabled)
	r.waitLog(`New state: ENABLED`)
	echo(t, dial(t, "tcp4", addr), "enabled")
	// A repeated order changes nothing and logs nothing.
	r.sac.Want(t, r.sac.Poll(t, sacmsg.SCEnable), sacmsg.PMStatus, sacmsg.Enabled)
	live := dial(t, "tcp4", addr)
	echo(t, live, "before disable")

	r.sac.Want(t, r.sac.Poll(t, sacmsg.SCDisable), sacmsg.PMStatus, sacmsg.Disabled)
	r.waitLog(`New state: DISABLED`)
	refused(t, "tcp4", addr)
	// Running services are not affected.
	echo(t, live, "after disable")
	r.sac.Want(t, r.sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Disabled)
	r.sac.Want(t, r.sac.Poll(t, 9), sacmsg.PMUnknown, sacmsg.Disabled)
	r.waitLog(`Received unknown message from sac -- ignored`)
	if n := strings.Count(r.log(), "New state: ENABLED"); n != 1 {
		t.Errorf("%d New state: ENABLED lines, want 1", n)
	}
}

func TestDisabledServiceResets(t *testing.T) {
	id := me(t)
	p := freePort(t, "tcp4", "127.0.0.1")
	r := startListener(t, entry("off", "x", id, hexAddr(t, "127.0.0.1", p), "c", "/bin/cat"), options{})
	refused(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p))
	r.waitLog(`Request for service on fd \d+ denied: disabled`)
}

func TestUnixAndIPv6Addresses(t *testing.T) {
	id := me(t)
	p6 := freePort(t, "tcp6", "::1")
	root, s := newRoot(t, "tcp")
	writeTable(t, root, "tcp", entry("v6", "", id, hexAddr(t, "::1", p6), "c", "/bin/cat"))
	r := startIn(t, root, s, options{})
	r.waitLog(`Service v6: fd \d+ addr \\x000A`)
	c := dial(t, "tcp6", fmt.Sprintf("[::1]:%d", p6))
	echo(t, c, "over IPv6")
	// IPv6-only: the same port on IPv4 loopback is not ours.
	if c4, err := net.DialTimeout("tcp4", fmt.Sprintf("127.0.0.1:%d", p6), time.Second); err == nil {
		c4.Close()
		t.Log("something else listens on the IPv4 port; not checking V6ONLY")
	}

	uroot, us := newRoot(t, "local")
	sock := filepath.Join(t.TempDir(), "svc.sock")
	writeTable(t, uroot, "local", entry("u", "", id, sock, "c", "/usr/bin/env")+entry("dyn", "", id, "", "cd", "/bin/cat"))
	ur := startIn(t, uroot, us, options{args: []string{"local"}})
	ur.waitLog(`Service dyn: fd \d+ dynamic addr \\x00`)
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != unixSocketMode {
		t.Fatalf("socket file: %v %v", fi, err)
	}
	out := readAll(t, dial(t, "unix", sock))
	if !strings.Contains(out, "NLSPROVIDER=local\n") || !strings.Contains(out, "NLSADDR=\n") {
		t.Errorf("env over a unix socket:\n%s", out)
	}
	ur.cancel()
	if code := ur.exit(); code != exitSIGTERM {
		t.Errorf("exit %d", code)
	}
	if _, err := os.Lstat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file left behind: %v", err)
	}
}

// A socket file left by a listener that was killed is replaced.
func TestStaleUnixSocket(t *testing.T) {
	id := me(t)
	sock := filepath.Join(t.TempDir(), "svc.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	root, s := newRoot(t, "unix")
	writeTable(t, root, "unix", entry("u", "", id, sock, "c", "/bin/cat"))
	r := startIn(t, root, s, options{args: []string{"unix"}})
	r.waitLog(`Net opened, 1 address bound`)
	echo(t, dial(t, "unix", sock), "fresh socket")
}

func TestBindFailures(t *testing.T) {
	id := me(t)
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	p := busy.Addr().(*net.TCPAddr).Port
	body := entry("busy", "", id, hexAddr(t, "127.0.0.1", p), "c", "/bin/cat") +
		entry("text", "", id, "nonsense", "c", "/bin/cat") +
		entry("shell", "", id, `\!date\!`, "c", "/bin/cat")
	r := startListener(t, body, options{})
	r.waitLog(`  Service busy ignored: unable to bind requested address\n`)
	r.waitLog(`  Service text ignored: invalid address nonsense\n`)
	r.waitLog(`  Service shell ignored: invalid address \\!date\\!\n`)
	r.waitLog(`Net opened, 0 addresses bound`)
}

func TestPassFDService(t *testing.T) {
	id := me(t)
	p := freePort(t, "tcp4", "127.0.0.1")
	dir := t.TempDir()
	sock := filepath.Join(dir, "standing.sock")
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	pf := freePort(t, "tcp4", "127.0.0.1")
	pm := freePort(t, "tcp4", "127.0.0.1")
	pl, err := passfd.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close()
	body := entry("lp", "", id, hexAddr(t, "127.0.0.1", p), "p", sock) +
		entry("fifo", "", id, hexAddr(t, "127.0.0.1", pf), "p", fifo) +
		fmt.Sprintf("mods::%s:reserved:reserved:reserved:%s::p:ldterm:%s#\n", id, hexAddr(t, "127.0.0.1", pm), sock)
	r := startListener(t, body, options{})

	got := make(chan *os.File, 1)
	go func() {
		f, err := pl.Accept()
		if err != nil {
			t.Error(err)
		}
		got <- f
	}()
	c := dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p))
	io.WriteString(c, "request bytes\n")
	f := <-got
	if f == nil {
		t.FailNow()
	}
	defer f.Close()
	b := make([]byte, len("request bytes\n"))
	if _, err := io.ReadFull(f, b); err != nil || string(b) != "request bytes\n" {
		t.Fatalf("standing server read %q, %v", b, err)
	}
	io.WriteString(f, "reply\n")
	f.Close()
	if out := readAll(t, c); out != "reply\n" {
		t.Errorf("client got %q", out)
	}
	r.waitLog(`Connect: fd \d+, svctag lp, seq 1, type passfd`)

	// A FIFO is not a standing server: the connection is dropped at once,
	// and the listener never blocks on it.
	start := time.Now()
	refused(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pf))
	if time.Since(start) > 3*time.Second {
		t.Errorf("pass-fd to a FIFO took %v", time.Since(start))
	}
	r.waitLog(`Open failed: ` + regexp.QuoteMeta(fifo))
	// A module Linux sockets cannot have.
	refused(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pm))
	r.waitLog(`Could not push modules: ldterm`)
}

func TestMissingCommandAndUser(t *testing.T) {
	id := me(t)
	p1 := freePort(t, "tcp4", "127.0.0.1")
	p2 := freePort(t, "tcp4", "127.0.0.1")
	p3 := freePort(t, "tcp4", "127.0.0.1")
	p4 := freePort(t, "tcp4", "127.0.0.1")
	body := entry("nocmd", "", id, hexAddr(t, "127.0.0.1", p1), "c", "/nonexistent/server -x") +
		entry("nouser", "", "nosuchuser", hexAddr(t, "127.0.0.1", p2), "c", "/bin/cat") +
		entry("quote", "", id, hexAddr(t, "127.0.0.1", p3), "c", "/bin/echo 'unterminated") +
		fmt.Sprintf("mods::%s:reserved:reserved:reserved:%s::c:timod,ptem:/bin/cat#\n", id, hexAddr(t, "127.0.0.1", p4))
	r := startListener(t, body, options{})
	for _, p := range []int{p1, p2, p3, p4} {
		if out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p))); out != "" {
			t.Errorf("port %d: got %q", p, out)
		}
	}
	r.waitLog(`ERROR: could not exec server\n.*System error: No such file or directory\n`)
	r.waitLog(`; Missing or bad passwd entry for <nosuchuser>\n`)
	r.waitLog(`invalid command line, non-terminated string for service code quote\n`)
	r.waitLog(`; Can't push server's modules: exit\n`)
	// The listener carries on.
	r.sac.Want(t, r.sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
}

func TestServiceScript(t *testing.T) {
	id := me(t)
	p := freePort(t, "tcp4", "127.0.0.1")
	pbad := freePort(t, "tcp4", "127.0.0.1")
	root, s := newRoot(t, "tcp")
	writeTable(t, root, "tcp",
		entry("env", "", id, hexAddr(t, "127.0.0.1", p), "c", `/bin/sh -c 'echo $GREETING; umask'`)+
			entry("bad", "", id, hexAddr(t, "127.0.0.1", pbad), "c", "/bin/cat"))
	os.WriteFile(root.ServiceScript("tcp", "env"), []byte("# a service script\nassign GREETING=\"hello there\"\nrun umask 027\npush timod\n"), 0o644)
	os.WriteFile(root.ServiceScript("tcp", "bad"), []byte("assign A=1\nnonsense\n"), 0o644)
	r := startIn(t, root, s, options{})
	if out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p))); out != "hello there\n0027\n" {
		t.Errorf("service printed %q", out)
	}
	if out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pbad))); out != "" {
		t.Errorf("service printed %q", out)
	}
	r.waitLog(`doconfig failed on line 2 of script bad\n`)
}

func TestLauncherIdentity(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch identity")
	}
	p := freePort(t, "tcp4", "127.0.0.1")
	r := startListener(t, entry("id", "", "daemon", hexAddr(t, "127.0.0.1", p), "c", `/bin/sh -c 'id; pwd; echo $HOME $PATH'`), options{})
	out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p)))
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("service printed %q\nlog:\n%s", out, r.log())
	}
	// initgroups: daemon's own groups only, none of root's.
	if !regexp.MustCompile(`^uid=1\(daemon\) gid=1\(daemon\) groups=1\(daemon\)`).MatchString(lines[0]) {
		t.Errorf("id: %s", lines[0])
	}
	if lines[1] != "/usr/sbin" || lines[2] != "/usr/sbin /usr/bin:" {
		t.Errorf("cwd and environment: %q", lines[1:])
	}
}

func TestAcceptErrorsAreThrottled(t *testing.T) {
	dir := t.TempDir()
	lg, err := openLog(filepath.Join(dir, "log"), filepath.Join(dir, "o.log"), false, logOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer lg.Close()
	l := &listener{log: lg}
	f := l.acceptErrors()
	for range 50 {
		f(syscall.EMFILE)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "log"))
	if n := strings.Count(string(b), "TLI t_accept failed: Too many open files\n"); n != 1 || strings.Count(string(b), "\n") != 1 {
		t.Errorf("log:\n%s", b)
	}
}

// A socket file someone deleted is bound again: at the next re-read, and
// when sacadm --status asks (which reports it missing meanwhile). Before,
// the listener kept reporting the address bound and nobody could connect.
func TestDeletedUnixSocketRebound(t *testing.T) {
	id := me(t)
	sock := filepath.Join(t.TempDir(), "svc.sock")
	root, s := newRoot(t, "unix")
	writeTable(t, root, "unix", entry("u", "", id, sock, "c", "/bin/cat"))
	r := startIn(t, root, s, options{args: []string{"unix"}})
	r.waitLog(`Net opened, 1 address bound`)
	echo(t, dial(t, "unix", sock), "first")

	// At a re-read.
	if err := os.Remove(sock); err != nil {
		t.Fatal(err)
	}
	r.reread(t)
	echo(t, dial(t, "unix", sock), "after the re-read")

	// When the status is asked for.
	if err := os.Remove(sock); err != nil {
		t.Fatal(err)
	}
	st, err := pmstatus.Query(root.PMStatus("unix"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Services) != 1 || st.Services[0].State != "socket-missing" {
		t.Errorf("status of a service whose socket file is gone: %+v", st.Services)
	}
	r.waitLog(`Unbind u: fd \d+ addr .*: socket file removed or replaced`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err = pmstatus.Query(root.PMStatus("unix"), 5*time.Second)
		if err == nil && len(st.Services) == 1 && st.Services[0].State == "listening" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status after the rebind: %+v %v", st.Services, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	echo(t, dial(t, "unix", sock), "after the status")
}
