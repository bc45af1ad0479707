package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
)

// Socket activation through sac (ours; docs/linux.md#socket-activation): a
// socket handed to sac the way systemd does (LISTEN_FDS, LISTEN_PID,
// LISTEN_FDNAMES naming the port monitor) reaches the listen port monitor
// of that tag on each of its starts; listen serves it without binding, and
// a connection made while listen is down waits in the socket's queue until
// sac has restarted it.
func TestSacSocketActivation(t *testing.T) {
	sb := testexec.NewSandbox(t)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no tcp4 on 127.0.0.1: %v", err)
	}
	addr := ln.Addr().String()
	sock, err := ln.(*net.TCPListener).File() // a dup of the listening socket
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	defer sock.Close()

	// Everything is in the tables before sac and listen start: listen
	// matches inherited sockets to entries at its start.
	cmd := testexec.Bin(t, "listen") + " tcp"
	if out, errs, code := sacadm(t, sb, "sacadm", "-a", "-p", "tcp", "-t", "listen", "-c", cmd, "-v", "4", "-n", "3"); code != 0 {
		t.Fatalf("sacadm -a: exit %d\n%s%s", code, out, errs)
	}
	spec := nlsformat(t, sb, "-c", opsScript(t), "-A", addr)
	if out, errs, code := sacadm(t, sb, "pmadm", "-a", "-p", "tcp", "-s", "echo", "-i", svcUser(t), "-v", "4", "-m", spec); code != 0 && code != 4 {
		t.Fatalf("pmadm -a: exit %d\n%s%s", code, out, errs)
	}

	// LISTEN_PID must be sac's pid: the shell's, kept by exec.
	sac := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=tcp exec "$0" -t 1`, testexec.Bin(t, "sac"))
	sac.Env = sb.Env()
	sac.ExtraFiles = []*os.File{sock}
	runSac(t, sb, sac)
	sock.Close() // sac holds it now

	waitLog(t, "sac", func() string { return sacLog(sb) }, `socket activation: 1 socket\(s\) for port monitor <tcp>`)
	waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `Service echo: socket fd 3 taken from the service manager`)
	if strings.Contains(pmLog(sb, "tcp"), "bind") {
		t.Errorf("listen bound a socket itself:\n%s", pmLog(sb, "tcp"))
	}
	c := ldial(t, "tcp4", addr)
	readPID(t, c)
	opsEcho(t, c, "first")
	c.Close()

	// listen dies; sac restarts it with the same socket. A connection
	// made in between waits in the queue sac keeps open.
	pid := pmPid(sb, "tcp")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "listen to be gone", func() bool { return !alive(pid) })
	queued := ldial(t, "tcp4", addr)
	waitFor(t, "sac to restart listen", func() bool { p := pmPid(sb, "tcp"); return p > 0 && p != pid })
	readPID(t, queued)
	opsEcho(t, queued, "queued while listen was down")
	// The new listen (its log starts afresh) took the socket too.
	if log := pmLog(sb, "tcp"); !strings.Contains(log, fmt.Sprintf("; %d; Service echo: socket fd 3 taken from the service manager", pmPid(sb, "tcp"))) {
		t.Errorf("the restarted listen did not take the socket; log:\n%s", log)
	}
}
