package e2e

import (
	"os"
	"os/exec"
	"os/user"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// TestTTYMonPtyNotCaptured is the capture of a stranger's terminal by a
// pty line, as root with the built ttymon: a port's pseudo-terminal goes
// away, the kernel hands its number to another user's terminal (set up
// here as sshd does it: allocated by root, chowned to the user, group
// tty, mode 0620, the user's process in a new session with it as
// controlling terminal), and the table is re-read. ttymon must leave
// that terminal alone: no prompt written into it, owner and mode
// unchanged. Once it is given back to root (and nobody's session holds
// it), the port may use it.
func TestTTYMonPtyNotCaptured(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the stranger's terminal belongs to another user")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip(err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	ttyGID := 5
	if g, err := user.LookupGroup("tty"); err == nil {
		ttyGID, _ = strconv.Atoi(g.Gid)
	}
	tmNeedHome(t)
	sb := tmSandbox(t)
	a := testpty.Open(t)
	svc := tmScript(t, "svc", "echo SVC-RAN\n")
	tab := tmLine("p1", "", svcUser(t), pmtab.TTY{Device: a.SlavePath, Service: svc, Label: "fast", Prompt: "login: "})
	r := startTTYMon(t, sb, "tm", tab)
	a.Expect(t, `login: $`, tmWait)

	// The port's pty goes away; ttymon notices.
	a.Master.Close()
	r.waitLog(`is respawning too rapidly|has gone away`)

	// Its number comes back as nobody's login terminal.
	var b *testpty.Pair
	for range 256 {
		if p := testpty.Open(t); p.SlavePath == a.SlavePath {
			b = p
			break
		}
	}
	if b == nil {
		t.Skipf("%s was not handed out again (taken by another process)", a.SlavePath)
	}
	if err := os.Chown(b.SlavePath, uid, ttyGID); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(b.SlavePath, 0o620); err != nil {
		t.Fatal(err)
	}
	var before unix.Stat_t
	if err := unix.Stat(b.SlavePath, &before); err != nil {
		t.Fatal(err)
	}
	// untouched reads nobody's terminal from the re-read until ttymon
	// has logged that it leaves it alone (re), and for at least 1.5 s:
	// ttymon must have written nothing on it nor changed its owner or
	// mode.
	untouched := func(when, re string) {
		t.Helper()
		rx := regexp.MustCompile(re)
		start := time.Now()
		var got string
		for !rx.MatchString(r.log()) || time.Since(start) < 1500*time.Millisecond {
			if time.Since(start) > tmWait {
				t.Fatalf("%s: ttymon did not log %s", when, re)
			}
			got += b.ReadAll(t, 100*time.Millisecond)
		}
		if got != "" {
			t.Fatalf("%s: ttymon wrote on nobody's terminal %s: %q", when, b.SlavePath, got)
		}
		var st unix.Stat_t
		if err := unix.Stat(b.SlavePath, &st); err != nil {
			t.Fatal(err)
		}
		if st.Uid != before.Uid || st.Gid != before.Gid || st.Mode != before.Mode {
			t.Fatalf("%s: %s changed from %d:%d %o to %d:%d %o", when, b.SlavePath,
				before.Uid, before.Gid, before.Mode&0o7777, st.Uid, st.Gid, st.Mode&0o7777)
		}
	}
	reread := func() {
		t.Helper()
		r.sac.Want(t, r.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	}

	// 1. Owned by nobody, no session yet (sshd between its chown and the
	// shell's start).
	reread()
	untouched("nobody's pty, re-read", `service <p1>: not taking `+regexp.QuoteMeta(b.SlavePath)+`: it belongs to uid `+nobody.Uid)

	// 2. nobody's shell holds it as its controlling terminal.
	sh := exec.Command("sleep", "60")
	sh.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	b.StartControlled(t, sh)
	reread()
	untouched("nobody's session, re-read", `service <p1>: not taking `+regexp.QuoteMeta(b.SlavePath)+`: .*controlling terminal`)

	// 3. The session ends and root takes the pty back: it is a line
	// again.
	sh.Process.Kill()
	sh.Wait()
	if err := os.Chown(b.SlavePath, 0, ttyGID); err != nil {
		t.Fatal(err)
	}
	reread()
	b.Expect(t, `login: $`, tmWait)
	b.Type(t, "x\r")
	b.Expect(t, `SVC-RAN`, tmWait)
}
