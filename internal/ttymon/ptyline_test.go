package ttymon

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/internal/uucplock"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// ptyNamed opens pseudo-terminals until the kernel hands out path again,
// keeping the others open meanwhile (devpts gives the lowest free number),
// and skips the test when some other process got that number first.
func ptyNamed(t *testing.T, path string) *testpty.Pair {
	t.Helper()
	for range 256 {
		p := testpty.Open(t)
		if p.SlavePath == path {
			return p
		}
	}
	t.Skipf("%s was not handed out again (taken by another process)", path)
	return nil
}

// nobodyIDs returns the uid and gid of the account nobody, skipping the
// test when there is none.
func nobodyIDs(t *testing.T) (int, int) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skip(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

// strangerOwns makes p look like another user's login terminal, as sshd
// leaves one: as root, the slave is chowned to nobody (group tty, mode
// 0620) and a process of nobody's runs in a new session with the slave as
// its controlling terminal; otherwise the process runs as this user. It
// returns the slave's stat before ttymon could touch it.
func strangerOwns(t *testing.T, p *testpty.Pair, session bool) unix.Stat_t {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if os.Geteuid() == 0 {
		uid, gid := nobodyIDs(t)
		tty := defaultTTYGID
		if g, err := lookupGroup("tty"); err == nil {
			tty = g
		}
		if err := os.Chown(p.SlavePath, uid, tty); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p.SlavePath, 0o620); err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	if session {
		p.StartControlled(t, cmd)
	}
	var st unix.Stat_t
	if err := unix.Stat(p.SlavePath, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// untouched fails the test when ttymon wrote on p or changed its slave's
// owner, group or mode.
func untouched(t *testing.T, p *testpty.Pair, before unix.Stat_t, when string) {
	t.Helper()
	if got := p.ReadAll(t, time.Second); got != "" {
		t.Fatalf("%s: ttymon wrote on another user's pseudo-terminal %s: %q", when, p.SlavePath, got)
	}
	var st unix.Stat_t
	if err := unix.Stat(p.SlavePath, &st); err != nil {
		t.Fatal(err)
	}
	if st.Uid != before.Uid || st.Gid != before.Gid || st.Mode != before.Mode {
		t.Fatalf("%s: %s changed from %d:%d %o to %d:%d %o", when, p.SlavePath,
			before.Uid, before.Gid, before.Mode&0o7777, st.Uid, st.Gid, st.Mode&0o7777)
	}
}

// TestPtyLineNotTakenOver is the capture of a stranger's terminal by a
// pty line: the port's pseudo-terminal goes away, the kernel hands its
// number to a new terminal (another user's login), and ttymon, checking
// the line again, must not set that terminal's owner and mode nor print
// its prompt there.
// Here the port waits for a UUCP lock to go when its pty is lost, so no
// re-read of _pmtab is needed for ttymon to open the number again.
func TestPtyLineNotTakenOver(t *testing.T) {
	a := testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: a.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "one: "})
	h := newHarness(t, tab, sacmsg.Enabled)
	a.Expect(t, `one: $`, waitLong)

	// A dial-out program locks the line: at the next input ttymon gives
	// it up and waits for the lock file to go.
	lock := filepath.Join(h.root, "var/lock", uucplock.Name(a.SlavePath))
	write(t, lock, fmt.Sprintf("%10d\n", os.Getpid()))
	a.Type(t, "\r")
	a.ExpectHangup(t, waitLong)

	// The port's pty goes away and its number comes back as somebody
	// else's terminal.
	a.Master.Close()
	b := ptyNamed(t, a.SlavePath)
	before := strangerOwns(t, b, true)
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	untouched(t, b, before, "lock gone")
	h.waitLog(`service <p1>: the pseudo-terminal ` + regexp.QuoteMeta(a.SlavePath) + ` has gone away`)

	// A re-read revives the port, but the number is another session's
	// controlling terminal now.
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	h.waitLog(`service <p1>: not taking ` + regexp.QuoteMeta(b.SlavePath) + `: .*controlling terminal`)
	untouched(t, b, before, "after a re-read")
}

// TestPtyLineForeignOwner: a pseudo-terminal that no session holds yet
// but that belongs to another user (sshd has chowned it and not yet
// started the shell) is not taken either, until it is given back to
// root; then the port comes up on it.
func TestPtyLineForeignOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the pty to another user")
	}
	b := testpty.Open(t)
	before := strangerOwns(t, b, false)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: b.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "one: "})
	h := newHarness(t, tab, sacmsg.Enabled)
	untouched(t, b, before, "foreign owner")
	h.waitLog(`service <p1>: not taking ` + regexp.QuoteMeta(b.SlavePath) + `: it belongs to uid \d+`)
	if err := os.Chown(b.SlavePath, 0, int(before.Gid)); err != nil {
		t.Fatal(err)
	}
	b.Expect(t, `one: $`, waitLong)
	if n := strings.Count(h.log(), "not taking"); n != 1 {
		t.Errorf("the refusal was logged %d times, want once:\n%s", n, h.log())
	}
}

// TestOwnerThroughDescriptor: the name of a port's device may lead
// somewhere else once the device is open (here a link that is changed
// right after the open, as someone who can write the link's directory
// could). ttymon, as root, must not then give the tty group write access
// to whatever the name leads to: owner and mode are set through the open
// descriptor, and only on a terminal.
func TestOwnerThroughDescriptor(t *testing.T) {
	a := testpty.Open(t)
	dir := t.TempDir()
	link := filepath.Join(dir, "line")
	if err := os.Symlink(a.SlavePath, link); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var swapped sync.Once
	fired := make(chan struct{})
	testHookOpened = func(dev string) {
		if dev == link {
			swapped.Do(func() {
				os.Remove(link)
				os.Symlink(victim, link)
				close(fired)
			})
		}
	}
	t.Cleanup(func() { testHookOpened = nil })
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: link, Service: "/bin/true", Label: "fast", Prompt: "one: "})
	h := newHarness(t, tab, sacmsg.Enabled)
	select {
	case <-fired:
	case <-time.After(waitLong):
		t.Fatal("the port was never opened")
	}
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		fi, err := os.Stat(victim)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("the file the device's name led to after the open is now %v", fi.Mode())
		}
	}
	h.waitLog(`open \(` + regexp.QuoteMeta(link) + `\) failed`)
	if got := a.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Errorf("ttymon prompted on the line after its name changed: %q", got)
	}
	// The name leads to the line again: a re-read brings the port back.
	os.Remove(link)
	if err := os.Symlink(a.SlavePath, link); err != nil {
		t.Fatal(err)
	}
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	a.Expect(t, `one: $`, waitLong)
}
