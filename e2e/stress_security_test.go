package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/nlps"
)

// Attacks on listen from a hostile local user and a hostile network
// peer, each a row of make stress: a socket file swapped for a symbolic
// link while the listener binds it, clients that connect to the NLPS
// address and never send a request, and a burst of connections larger
// than the original's listen queue.

// TestStressSocketFileRace: an unprivileged user who can write the
// directory of a root listener's socket file swaps the file for a
// symbolic link to a root-owned 0600 file the moment it appears, while
// the listener binds it again and again (its entry removed and added
// back). The listener must never change the link's target: it used to
// chmod the socket file by name after bind, which made the target 0666.
func TestStressSocketFileRace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the listener must be root and the attacker another user: run as root")
	}
	rebinds := stressN(t, 1000, 30)
	deadline := stressBudget(2*time.Minute, 20*time.Second)
	row := newRow(t, "security: socket file swapped for a symlink at bind")
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	dir := publicDir(t, "saf-race-")
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(secret, []byte("root:secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "svc.sock")
	entry := fmt.Sprintf("u::%s:reserved:reserved:reserved:%s::c::/bin/true#\n", svcUser(t), sock)
	x := startFakeListen(t, "unix", "", "")
	row.before(x.pid)

	attacker := exec.Command(buildTool(t, "symswap"), sock, secret)
	attacker.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	if err := attacker.Start(); err != nil {
		t.Fatal(err)
	}
	stopAttacker := func() {
		attacker.Process.Kill()
		attacker.Wait()
	}
	defer stopAttacker()

	for i := 0; i < rebinds && time.Now().Before(deadline); i++ {
		writePMTab(t, x.sac, entry)
		x.reread(t)
		writePMTab(t, x.sac, "")
		x.reread(t)
		row.Iterations++
		fi, err := os.Stat(secret)
		if err != nil || fi.Mode().Perm() != 0o600 {
			row.Failures++
			t.Fatalf("after %d binds the symlink's target is %v (%v), want mode 0600", i+1, fi.Mode(), err)
		}
	}
	stopAttacker()
	if b, err := os.ReadFile(secret); err != nil || string(b) != "root:secret\n" {
		row.Failures++
		t.Errorf("the target was changed: %q, %v", b, err)
	}
	// The listener still binds and serves once the attacker is gone.
	os.Remove(sock)
	writePMTab(t, x.sac, entry)
	x.reread(t)
	c, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		row.Failures++
		fi, lerr := os.Lstat(sock)
		t.Fatalf("after the attack: %v (the file: %v %v %+v)", err, fi.Mode(), lerr, fi.Sys())
	}
	c.Close()
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode().Perm() != 0o666 || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		row.Failures++
		t.Errorf("socket file after the attack: %v %v", fi.Mode(), err)
	}
	writePMTab(t, x.sac, "")
	x.reread(t)
	waitReaped(x.pid, 5*time.Second) // /bin/true
	row.after(x.pid)
	row.Zombies = zombieCount(x.pid)
	t.Logf("%d binds under attack, %d refused (a link was in the way)", row.Iterations, strings.Count(x.log(), "Service u ignored"))
}

// nlpsListen is a listener whose NLPS server (code 0) is on a loopback
// port, with cat reachable through it.
func nlpsListen(t *testing.T) (*fakeListen, string) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	id := svcUser(t)
	body := fmt.Sprintf("0::root:reserved:reserved:reserved:%s::c::/usr/lib/saf/nlps_server#\n", hexAddr(t, addr)) +
		fmt.Sprintf("cat::%s:reserved:reserved:reserved:::c::/bin/cat#\n", id)
	return startFakeListen(t, "tcp", body, ""), addr
}

// nlpsCat asks the NLPS server at addr for cat and checks the echo.
func nlpsCat(addr, line string) error {
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nlps.Request(c, "cat"); err != nil {
		return err
	}
	io.WriteString(c, line+"\n")
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != line+"\n" {
		return fmt.Errorf("NLPS cat %q: %q %v", line, got, err)
	}
	return nil
}

// servers counts pid's children that are not the cat service a real
// client asked for: NLPS servers or launchers waiting for a request.
func servers(pid int) int {
	n := 0
	for kid := range children(pid) {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", kid)); err == nil && string(b) != "cat\n" {
			n++
		}
	}
	return n
}

// TestStressNLPSSlowClients: a peer opens thousands of connections to
// the NLPS address and never finishes a request. They cost the listener
// descriptors, not processes (it used to fork a server per connection,
// each waiting 45 s), no more than its bound of pending requests stay
// open, and a client that asks is served throughout.
func TestStressNLPSSlowClients(t *testing.T) {
	n := stressN(t, 3000, 400)
	deadline := stressBudget(2*time.Minute, 20*time.Second)
	row := newRow(t, "security: NLPS connections that never send a request")
	x, addr := nlpsListen(t)
	lf := followLog(t, x.sac.Log()) // the log rotates every 1000 lines
	if err := nlpsCat(addr, "warm-up"); err != nil {
		t.Fatal(err)
	}
	waitReaped(x.pid, 5*time.Second)
	row.before(x.pid)
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	maxKids, maxFDs := 0, 0
	for i := 0; i < n && time.Now().Before(deadline); i++ {
		c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
		if err != nil {
			row.Failures++
			t.Fatalf("connection %d: %v", i, err)
		}
		if i%2 == 0 {
			io.WriteString(c, "NLPS:002:") // half a request
		}
		idle = append(idle, c)
		row.Iterations++
		if i%250 == 249 {
			maxKids = max(maxKids, servers(x.pid))
			maxFDs = max(maxFDs, fdCount(x.pid))
			if err := nlpsCat(addr, fmt.Sprintf("after %d idle", i+1)); err != nil {
				row.Failures++
				t.Errorf("a real client among %d idle ones: %v", i+1, err)
			}
		}
	}
	time.Sleep(200 * time.Millisecond)
	maxKids = max(maxKids, servers(x.pid))
	maxFDs = max(maxFDs, fdCount(x.pid))
	rss := rssKiB(x.pid)
	t.Logf("%d idle connections: listener at most %d children, %d fds, %d KiB RSS (before: %d fds, %d KiB)",
		row.Iterations, maxKids, maxFDs, rss, row.FDsBefore, row.MemBefore)
	if maxKids != 0 {
		row.Failures++
		t.Errorf("%d processes for connections that named no service", maxKids)
	}
	// 256 pending requests at most, and a few descriptors to spare for
	// the services started meanwhile.
	if maxFDs > row.FDsBefore+256+16 {
		row.Failures++
		t.Errorf("listener held %d descriptors (%d before): pending requests are not bounded", maxFDs, row.FDsBefore)
	}
	if lf.lines(0, `the oldest dropped`) == 0 && row.Iterations > 256 {
		row.Failures++
		t.Error("no log line about dropped requests")
	}
	for _, c := range idle {
		c.Close()
	}
	idle = nil
	if got := waitFlat(x.pid, row.FDsBefore, 15*time.Second); got > row.FDsBefore {
		row.Failures++
		t.Errorf("listener holds %d descriptors after the clients left, %d before", got, row.FDsBefore)
	}
	if err := nlpsCat(addr, "at the end"); err != nil {
		row.Failures++
		t.Error(err)
	}
	waitReaped(x.pid, 5*time.Second)
	row.after(x.pid)
	row.Zombies = zombieCount(x.pid)
}

// listenOverflows is the kernel's count of connections dropped because a
// listen queue was full (TcpExt ListenOverflows, /proc/net/netstat); -1
// when the kernel does not count them.
func listenOverflows() int {
	b, err := os.ReadFile("/proc/net/netstat")
	if err != nil {
		return -1
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) == 0 || names[0] != "TcpExt:" || len(values) != len(names) {
			continue
		}
		for j, name := range names {
			if name == "ListenOverflows" {
				n, _ := strconv.Atoi(values[j])
				return n
			}
		}
	}
	return -1
}

// TestStressAcceptBurst: 200 clients at a time connect to a plain
// service. With the original's listen queue of 100 the queue overflowed
// and clients waited for SYN retransmissions (one, three, seven seconds);
// with the system's maximum no connection is dropped and none waits.
func TestStressAcceptBurst(t *testing.T) {
	n := stressN(t, 5000, 600)
	const conc = 200
	deadline := stressBudget(2*time.Minute, 30*time.Second)
	row := newRow(t, "security: burst of 200 concurrent connections")
	hi := buildTool(t, "hi")
	addr := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	x := startFakeListen(t, "tcp", fmt.Sprintf("hi::%s:reserved:reserved:reserved:%s::c::%s#\n", svcUser(t), hexAddr(t, addr), hi), "")
	if err := hiOnce(addr); err != nil {
		t.Fatal(err)
	}
	waitReaped(x.pid, 5*time.Second)
	row.before(x.pid)
	before := listenOverflows()
	const slow = 3 * time.Second
	ran, failed, errs := parallel(n, conc, deadline, func(i int) error {
		start := time.Now()
		if err := hiOnce(addr); err != nil {
			return err
		}
		if d := time.Since(start); d > slow {
			return fmt.Errorf("connection %d answered after %v", i, d.Round(time.Millisecond))
		}
		return nil
	})
	overflows := listenOverflows() - before
	if before < 0 {
		t.Log("no TcpExt ListenOverflows counter in /proc/net/netstat: queue overflows are not counted")
		overflows = 0
	}
	row.Iterations, row.Failures = ran, failed
	t.Logf("%d connections, %d at a time: %d failed or slower than %v, %d listen queue overflows", ran, conc, failed, slow, overflows)
	if failed > 0 {
		t.Errorf("%d of %d connections failed or waited: %v", failed, ran, errs)
	}
	if overflows > 0 {
		row.Failures++
		t.Errorf("the listen queue overflowed %d times", overflows)
	}
	if got := waitFlat(x.pid, row.FDsBefore, 10*time.Second); got > row.FDsBefore {
		row.Failures++
		t.Errorf("listener holds %d descriptors, %d before", got, row.FDsBefore)
	}
	row.after(x.pid)
	row.Zombies = zombieCount(x.pid)
}
