package ttymon

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/internal/uucplock"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// dialoutGID is the group the tests give an idle line, as Debian gives
// its serial lines to group dialout.
const dialoutGID = 20

// lineStat returns "uid:gid:mode" of path, mode in octal.
func lineStat(t *testing.T, path string) string {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d:%d:%o", st.Uid, st.Gid, st.Mode&0o7777)
}

// waitStat waits until path has owner, group and mode want.
func waitStat(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for lineStat(t, path) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s is %s, want %s", path, lineStat(t, path), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// dialoutLine opens a pty and gives it the owner of an idle Debian
// serial line: root, group dialout, mode 0660.
func dialoutLine(t *testing.T) *testpty.Pair {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test gives the line to group dialout")
	}
	pty := testpty.Open(t)
	if err := os.Chown(pty.SlavePath, 0, dialoutGID); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(pty.SlavePath, 0o660); err != nil {
		t.Fatal(err)
	}
	return pty
}

// lockFiles returns the UUCP lock files of dev under root that exist.
func lockFiles(root, dev string) []string {
	var found []string
	for _, name := range uucplock.Names(dev) {
		if _, err := os.Lstat(filepath.Join(root, "var/lock", name)); err == nil {
			found = append(found, name)
		}
	}
	return found
}

// A bidirectional port on a line that needs no carrier (every pty)
// neither prompts nor locks until a character arrives, so dial-out
// programs can have the line meanwhile; then it locks (both names of a
// /dev/pts line) and prompts.
func TestBidirectionalWaitsForCaller(t *testing.T) {
	pty := testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Flags: "b", Service: "/bin/true", Label: "fast", Prompt: "login: "})
	h := newHarness(t, tab, sacmsg.Enabled)
	if got := pty.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Fatalf("idle bidirectional port wrote %q", got)
	}
	if locks := lockFiles(h.root, pty.SlavePath); len(locks) != 0 {
		t.Fatalf("idle bidirectional port holds %v", locks)
	}
	pty.Type(t, "x")
	pty.Expect(t, `\r\nWelcome to SAF\r\nlogin: $`, waitLong)
	if locks := lockFiles(h.root, pty.SlavePath); len(locks) != 2 {
		t.Errorf("lock files while prompting: %v, want both names", locks)
	}
}

// A bidirectional port waiting for its first character lets go of the
// line as soon as a dial-out program locks it (here with cu's name for a
// /dev/pts line), and takes it again once the lock is gone.
func TestBidirectionalYieldsWhileWaiting(t *testing.T) {
	pty := testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Flags: "b", Service: "/bin/true", Label: "fast", Prompt: "login: "})
	h := newHarness(t, tab, sacmsg.Enabled)
	if got := pty.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Fatalf("idle bidirectional port wrote %q", got)
	}
	holder := exec.Command("sleep", "60")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	cuLock := filepath.Join(h.root, "var/lock", "LCK.."+filepath.Base(pty.SlavePath))
	if err := os.WriteFile(cuLock, fmt.Appendf(nil, "%10d\n", holder.Process.Pid), 0o644); err != nil {
		t.Fatal(err)
	}
	// ttymon closes its descriptor, the only one: the line hangs up.
	pty.ExpectHangup(t, waitLong)
	if err := os.Remove(cuLock); err != nil {
		t.Fatal(err)
	}
	typeUntil(t, pty, "x", `login: $`)
}

// typeUntil types s on the line until what it shows matches re: keys
// typed before ttymon has the line again are flushed when it does.
func typeUntil(t *testing.T, pty *testpty.Pair, s, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	var got string
	for deadline := time.Now().Add(waitLong); time.Now().Before(deadline); {
		pty.Type(t, s)
		if got += pty.ReadAll(t, 100*time.Millisecond); rx.MatchString(got) {
			return
		}
	}
	t.Fatalf("the line never showed %q: %q", re, got)
}

// waitFor polls cond until it holds or waitLong passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A bidirectional line keeps its owner while idle; ttymon makes it
// root's, group tty, mode 0620, while it answers and while the session
// runs (the service runs as root here, so it gets no owner of its own),
// keeps the idle owner in a file meanwhile, and puts it back after.
func TestBidirectionalKeepsIdleOwner(t *testing.T) {
	pty := dialoutLine(t)
	svc := script(t, `echo "IN SERVICE"; read name; read x`)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Flags: "b", Service: svc, Label: "fast", Prompt: "login: "})
	h := newHarness(t, tab, sacmsg.Enabled)
	idle := fmt.Sprintf("0:%d:660", dialoutGID)
	inUse := fmt.Sprintf("0:%d:620", h.m.ttyGID)
	record := filepath.Join(h.root, "var/saf/tests/p1.owner")

	if got := pty.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Fatalf("idle bidirectional port wrote %q", got)
	}
	if got := lineStat(t, pty.SlavePath); got != idle {
		t.Errorf("idle line is %s, want %s", got, idle)
	}
	pty.Type(t, "x")
	pty.Expect(t, `login: $`, waitLong)
	if got := lineStat(t, pty.SlavePath); got != inUse {
		t.Errorf("line at the prompt is %s, want %s", got, inUse)
	}
	pty.Type(t, "alice\r")
	pty.Expect(t, `IN SERVICE`, waitLong)
	if got := lineStat(t, pty.SlavePath); got != inUse {
		t.Errorf("line in the session is %s, want %s", got, inUse)
	}
	b, err := os.ReadFile(record)
	if want := fmt.Sprintf(" 0 %d 660 %s\n", dialoutGID, bootID()); err != nil || !strings.HasSuffix(string(b), want) {
		t.Errorf("record during the session = %q, %v; want it to end in %q", b, err, want)
	}
	pty.Type(t, "\r")
	waitStat(t, pty.SlavePath, idle)
	if _, err := os.Stat(record); !os.IsNotExist(err) {
		t.Errorf("record left after the session: %v", err)
	}
}

// A ttymon that ended during a session left the line as the session had
// it, and a record of its idle owner: the next ttymon puts that owner
// back at its first open of the port. A record of another boot is not
// used (the line keeps what it has), and both are removed.
func TestIdleOwnerRecordAfterRestart(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test gives the line to group dialout")
	}
	left, old := testpty.Open(t), testpty.Open(t)
	rdev := func(p *testpty.Pair) uint64 {
		var st unix.Stat_t
		if err := unix.Stat(p.SlavePath, &st); err != nil {
			t.Fatal(err)
		}
		return uint64(st.Rdev)
	}
	var tty int
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: left.SlavePath, Flags: "b", Service: "/bin/true", Label: "fast", Prompt: "login: "}) +
		pmtabLine("p2", "", me(t), pmtab.TTY{Device: old.SlavePath, Flags: "b", Service: "/bin/true", Label: "fast", Prompt: "login: "})
	h := newHarnessWith(t, tab, sacmsg.Enabled, func(root, dir string) {
		tty = defaultTTYGID
		if id, err := lookupGroup("tty"); err == nil {
			tty = id
		}
		for _, p := range []*testpty.Pair{left, old} {
			// What a session of a root service leaves.
			if err := os.Chown(p.SlavePath, 0, tty); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p.SlavePath, 0o620); err != nil {
				t.Fatal(err)
			}
		}
		vardir := filepath.Join(root, "var/saf/tests")
		write(t, filepath.Join(vardir, "p1.owner"), fmt.Sprintf("%d 0 %d 660 %s\n", rdev(left), dialoutGID, bootID()))
		write(t, filepath.Join(vardir, "p2.owner"), fmt.Sprintf("%d 0 %d 660 %s\n", rdev(old), dialoutGID, "00000000-0000-0000-0000-000000000000"))
	})
	waitStat(t, left.SlavePath, fmt.Sprintf("0:%d:660", dialoutGID))
	for _, tag := range []string{"p1", "p2"} {
		path := filepath.Join(h.root, "var/saf/tests", tag+".owner")
		waitFor(t, path+" to go", func() bool { _, err := os.Stat(path); return os.IsNotExist(err) })
	}
	if got, want := lineStat(t, old.SlavePath), fmt.Sprintf("0:%d:620", tty); got != want {
		t.Errorf("line with a record of another boot is %s, want %s (as it was)", got, want)
	}
}

// exitWatch closes its channel when the process ends, and not before.
func TestExitWatch(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	gone, stop, ok := exitWatch(cmd.Process.Pid)
	if !ok {
		cmd.Process.Kill()
		t.Fatal("cannot watch a live process")
	}
	defer stop()
	select {
	case <-gone:
		t.Fatal("closed while the process runs")
	case <-time.After(100 * time.Millisecond):
	}
	cmd.Process.Kill()
	select {
	case <-gone:
	case <-time.After(waitLong):
		t.Fatal("not closed after the process ended")
	}
	cmd.Wait()
	if _, _, ok := exitWatch(cmd.Process.Pid); ok {
		t.Error("watching a reaped process")
	}
}

// One watch on several names fires once, on the first of them to
// appear or go, and never for other names.
func TestLockWatchNames(t *testing.T) {
	dir := t.TempDir()
	w := newLockWatch(dir)
	defer w.Close()
	if w.f == nil {
		t.Skip("no inotify")
	}
	expect := func(c <-chan struct{}, fired bool, what string) {
		t.Helper()
		select {
		case <-c:
			if !fired {
				t.Fatalf("fired on %s", what)
			}
		case <-time.After(200 * time.Millisecond):
			if fired {
				t.Fatalf("did not fire on %s", what)
			}
		}
	}
	c, cancel := w.watch("LCK..pts_3", "LCK..3")
	defer cancel()
	write(t, filepath.Join(dir, "LCK..other"), "")
	expect(c, false, "another name")
	write(t, filepath.Join(dir, "LCK..3"), "")
	write(t, filepath.Join(dir, "LCK..pts_3"), "") // no second close
	expect(c, true, "a lock appearing")
	c2, cancel2 := w.watch("LCK..pts_3", "LCK..3")
	defer cancel2()
	if err := os.Remove(filepath.Join(dir, "LCK..3")); err != nil {
		t.Fatal(err)
	}
	expect(c2, true, "a lock going")
}
