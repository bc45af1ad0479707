package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/internal/uucplock"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmstatus"
	"github.com/linux-saf/saf/saf/pmtab"
)

// Dial-out programs on a bidirectional line, the way a Debian system
// shares a serial line: the line is root's, group dialout, mode 0660,
// and a member of dialout runs the real cu, minicom or picocom on it
// while no one is logged in (ttyadm(8) -b, ttymon(8) "Bidirectional
// lines and lock files"). The line is a pty (every pty is a direct line:
// its open never waits for carrier), its master the "remote" end held by
// the test. The dial-out program runs as a test user in group dialout,
// in a private mount namespace where the sandbox's lock directory is
// /var/lock, the directory the programs have compiled in; ttymon uses
// the same directory as SAF_ROOT/var/lock.
//
// What they show:
//   - The idle port neither prompts nor locks, and the line keeps its
//     owner, group and mode: the dial-out program opens and locks it.
//   - Bytes pass both ways between the remote end and the program, and
//     ttymon writes nothing into the session; it lets go of the line
//     ("yielded-to-dial-out").
//   - When the program exits ttymon has the line again at once (within
//     2 s also for picocom, whose flock leaves no lock file to watch),
//     and a key on the remote end brings ttymon's prompt.
//   - A login session gives the line to the user, and its end gives it
//     back to root, group dialout, mode 0660.

// dialoutGroup is Debian's group of the users who may dial out.
const dialoutGroup = "dialout"

// dialUser is a test user in group dialout.
type dialUser struct {
	name     string
	uid, gid int
	home     string
}

// newDialUser creates a user whose supplementary group is dialout, with
// a home directory every test can reach, and removes it afterwards.
func newDialUser(t *testing.T) *dialUser {
	t.Helper()
	testexec.RequireRoot(t)
	for _, p := range []string{"useradd", "userdel", "setpriv", "unshare", "mount"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is missing: %v", p, err)
		}
	}
	if _, err := user.LookupGroup(dialoutGroup); err != nil {
		t.Skipf("no group %s: %v", dialoutGroup, err)
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	home := publicDir(t, "ttymon-dialout-home-")
	name := "saftdial" + hex.EncodeToString(b)
	if out, err := exec.Command("useradd", "-M", "-d", home, "-G", dialoutGroup, "-s", "/bin/sh", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		// A session or a dial-out program may still be ending.
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, err := exec.Command("userdel", name).CombinedOutput()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("userdel %s: %v\n%s", name, err, out)
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	d := &dialUser{name: name, home: home}
	d.uid, _ = strconv.Atoi(u.Uid)
	d.gid, _ = strconv.Atoi(u.Gid)
	if err := os.Chown(home, d.uid, d.gid); err != nil {
		t.Fatal(err)
	}
	return d
}

// dialoutGID returns the id of group dialout.
func dialoutGID(t *testing.T) int {
	t.Helper()
	g, err := user.LookupGroup(dialoutGroup)
	if err != nil {
		t.Skip(err)
	}
	gid, _ := strconv.Atoi(g.Gid)
	return gid
}

// dialoutSandbox makes a sandbox whose lock directory every user may
// write (as /run/lock is on Debian) and a line as Debian has its serial
// lines: root, group dialout, mode 0660.
func dialoutSandbox(t *testing.T) (*testexec.Sandbox, *testpty.Pair) {
	t.Helper()
	sb := tmSandbox(t)
	if err := os.Chmod(sb.Path("/var/lock"), 0o1777); err != nil {
		t.Fatal(err)
	}
	line := testpty.Open(t)
	if err := os.Chown(line.SlavePath, 0, dialoutGID(t)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(line.SlavePath, 0o660); err != nil {
		t.Fatal(err)
	}
	return sb, line
}

// lineOwner returns "user:group mode" of path, mode in octal.
func lineOwner(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	name := func(id uint32, look func(string) (string, error)) string {
		if n, err := look(strconv.Itoa(int(id))); err == nil {
			return n
		}
		return strconv.Itoa(int(id))
	}
	u := name(st.Uid, func(id string) (string, error) { u, err := user.LookupId(id); return nameOf(u, err) })
	g := name(st.Gid, func(id string) (string, error) { g, err := user.LookupGroupId(id); return groupOf(g, err) })
	return fmt.Sprintf("%s:%s %o", u, g, st.Mode&0o7777)
}

func nameOf(u *user.User, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return u.Username, nil
}

func groupOf(g *user.Group, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return g.Name, nil
}

// idleOwner is what a Debian serial line has while idle.
const idleOwner = "root:dialout 660"

// portState asks ttymon tag for the state of its port svc.
func portState(sb *testexec.Sandbox, tag, svc string) string {
	st, err := pmstatus.Query(paths.New(sb.Root).PMStatus(tag), time.Second)
	if err != nil {
		return "?" + err.Error()
	}
	if s := st.Find(svc); s != nil {
		return s.State
	}
	return "?missing"
}

// waitPortState waits up to within for port svc to be in state want and
// returns how long that took.
func waitPortState(t *testing.T, sb *testexec.Sandbox, tag, svc, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var got string
	for {
		if got = portState(sb, tag, svc); got == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("port %s is %q after %v, want %q", svc, got, within, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// typeUntil types s on the line until what it shows matches re, and
// returns what it showed: keys typed before ttymon has the line again
// are flushed when it takes it.
func typeUntil(t *testing.T, pty *testpty.Pair, s, re string) string {
	t.Helper()
	rx := regexp.MustCompile(re)
	var got string
	for deadline := time.Now().Add(tmWait); time.Now().Before(deadline); {
		pty.Type(t, s)
		if got += pty.ReadAll(t, 100*time.Millisecond); rx.MatchString(got) {
			return got
		}
	}
	t.Fatalf("%s never showed %q: %q", pty, re, got)
	return ""
}

// startDialout runs argv as u, on the terminal term, in a mount
// namespace where the sandbox's lock directory is /var/lock.
func startDialout(t *testing.T, sb *testexec.Sandbox, u *dialUser, term *testpty.Pair, argv ...string) *exec.Cmd {
	t.Helper()
	if out, err := exec.Command("unshare", "--mount", "--propagation", "private", "true").CombinedOutput(); err != nil {
		t.Skipf("cannot make a mount namespace: %v\n%s", err, out)
	}
	script := `mount --bind "$1" /var/lock && shift && exec setpriv --reuid="$1" --regid="$2" --init-groups -- "${@:3}"`
	args := append([]string{"--mount", "--propagation", "private", "/bin/bash", "-c", script, "bash",
		sb.Path("/var/lock"), strconv.Itoa(u.uid), strconv.Itoa(u.gid)}, argv...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = []string{"HOME=" + u.home, "USER=" + u.name, "LOGNAME=" + u.name, "TERM=vt100", "LANG=C", "PATH=/usr/bin:/bin"}
	// The user's terminal is the user's, as login would make it.
	if err := os.Chown(term.SlavePath, u.uid, -1); err != nil {
		t.Fatal(err)
	}
	term.StartControlled(t, cmd)
	return cmd
}

// waitExit waits for cmd to end.
func waitExit(t *testing.T, cmd *exec.Cmd, what string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(tmWait):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not exit", what)
	}
}

// dialoutProgram is how a test drives one dial-out program.
type dialoutProgram struct {
	argv  func(dev string) []string
	ready string   // what it shows on its terminal once it has the line
	quit  []string // keys that end it; each but the last is answered
	asked []string // ... with what is expected after it
}

var (
	cuProgram = dialoutProgram{
		argv:  func(dev string) []string { return []string{"cu", "-l", dev, "-s", "9600"} },
		ready: `Connected\.`,
		quit:  []string{"\r~."},
	}
	minicomProgram = dialoutProgram{
		argv:  func(dev string) []string { return []string{"minicom", "-D", dev, "-b", "9600"} },
		ready: `CTRL-A Z for help`,
		quit:  []string{"\x01x", "\r"},
		asked: []string{`Leave Minicom\?`},
	}
	picocomProgram = dialoutProgram{
		argv:  func(dev string) []string { return []string{"picocom", "-b", "9600", dev} },
		ready: `Terminal ready`,
		quit:  []string{"\x01\x18"},
	}
)

// dialoutSession runs prog as a dialout user on an idle bidirectional
// port and checks the whole exchange (see the comment at the top). It
// returns a transcript of what both ends saw, and how long ttymon took to
// have the line again after the program ended.
func dialoutSession(t *testing.T, prog dialoutProgram) (transcript string, back time.Duration) {
	t.Helper()
	if _, err := exec.LookPath(prog.argv("")[0]); err != nil {
		t.Skipf("%s is not installed: %v", prog.argv("")[0], err)
	}
	u := newDialUser(t)
	sb, line := dialoutSandbox(t)
	var tr strings.Builder
	note := func(format string, args ...any) { fmt.Fprintf(&tr, format+"\n", args...) }

	svc := tmScript(t, "svc", `echo "IN SERVICE"; read name; read x`)
	startTTYMon(t, sb, "tm", tmLine("p1", "", svcUser(t), pmtab.TTY{Device: line.SlavePath, Flags: "b", Service: svc, Label: "fast", Prompt: "login: "}))
	waitPortState(t, sb, "tm", "p1", "waiting", tmWait)
	if got := line.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Fatalf("the idle bidirectional port wrote %q", got)
	}
	if h, err := uucplock.Holder(sb.Path("/var/lock"), line.SlavePath); h != 0 || err != nil {
		t.Fatalf("the idle bidirectional port is locked: %d, %v", h, err)
	}
	if got := lineOwner(t, line.SlavePath); got != idleOwner {
		t.Fatalf("the idle line is %s, want %s", got, idleOwner)
	}
	note("# ttymon port p1, flag b, on %s (%s), state %q, nothing written, no lock", line.SlavePath, idleOwner, "waiting")

	term := testpty.Open(t)
	argv := prog.argv(line.SlavePath)
	cmd := startDialout(t, sb, u, term, argv...)
	note("# %s (uid %d, groups %s + dialout): %s", u.name, u.uid, u.name, strings.Join(argv, " "))
	note("%s", term.Expect(t, prog.ready, tmWait))

	line.Type(t, "hello from the remote end\r\n")
	note("# the remote end types: hello from the remote end")
	note("%s", term.Expect(t, `hello from the remote end`, tmWait))
	term.Type(t, "hello from "+u.name)
	note("# the dialout user types: hello from %s", u.name)
	got := line.Expect(t, regexp.QuoteMeta("hello from "+u.name), tmWait)
	note("# the remote end reads: %q", got)
	if strings.Contains(got, "login:") {
		t.Errorf("ttymon prompted into the dial-out session: %q", got)
	}
	remoteUntilYielded(t, sb, line)
	note("# ttymon: state %q", "yielded-to-dial-out")
	for _, name := range uucplock.Names(line.SlavePath) {
		if b, err := os.ReadFile(filepath.Join(sb.Path("/var/lock"), name)); err == nil {
			note("# %s holds %q", name, b)
		}
	}

	for i, k := range prog.quit {
		term.Type(t, k)
		if i < len(prog.asked) {
			term.Expect(t, prog.asked[i], tmWait)
		}
	}
	waitExit(t, cmd, argv[0])
	note("%s", strings.TrimSpace(term.ReadAll(t, 50*time.Millisecond)))
	note("# %s exited", argv[0])
	back = waitPortState(t, sb, "tm", "p1", "waiting", tmWait)
	note("# ttymon: state %q again after %v", "waiting", back.Round(time.Millisecond))
	if got := lineOwner(t, line.SlavePath); got != idleOwner {
		t.Errorf("the line after %s is %s, want %s", argv[0], got, idleOwner)
	}
	prompt := typeUntil(t, line, "\r", `login: $`)
	note("# the remote end types RETURN and reads: %q", prompt)
	if h, err := uucplock.Holder(sb.Path("/var/lock"), line.SlavePath); h <= 0 || err != nil {
		t.Errorf("ttymon does not hold the lock while prompting: %d, %v", h, err)
	}
	return tr.String(), back
}

// remoteUntilYielded waits for ttymon to let go of the line, the remote
// end typing a dot now and then. cu and minicom make a lock file, whose
// appearance ttymon sees at once. picocom's flock ttymon finds only when
// input wakes it, and the kernel wakes no one for input that a reader
// already busy on the line (picocom) took first; a remote end that goes
// on talking wakes it.
func remoteUntilYielded(t *testing.T, sb *testexec.Sandbox, line *testpty.Pair) {
	t.Helper()
	for deadline := time.Now().Add(tmWait); portState(sb, "tm", "p1") != "yielded-to-dial-out"; {
		if time.Now().After(deadline) {
			t.Fatalf("ttymon still has the line: %s", portState(sb, "tm", "p1"))
		}
		line.Type(t, ".")
		time.Sleep(50 * time.Millisecond)
	}
}

// With -v, the test shows a transcript of the session.
func TestTTYMonDialoutCu(t *testing.T) {
	tr, _ := dialoutSession(t, cuProgram)
	t.Logf("transcript:\n%s", tr)
}

func TestTTYMonDialoutMinicom(t *testing.T) {
	dialoutSession(t, minicomProgram)
}

// picocom locks the line with flock(2) only: no lock file goes when it
// exits, and ttymon watches the process that holds the flock instead of
// waiting for its 60-second check.
func TestTTYMonDialoutPicocom(t *testing.T) {
	_, back := dialoutSession(t, picocomProgram)
	t.Logf("ttymon had the line again %v after picocom ended", back)
	if back > 2*time.Second {
		t.Errorf("ttymon had the line again %v after picocom ended, want within 2s", back)
	}
}

// A login session gives the line to its user; its end puts back the
// line's own owner, group and mode, so that dialout users have the line
// again.
func TestTTYMonDialoutOwnerAfterSession(t *testing.T) {
	u := newDialUser(t)
	sb, line := dialoutSandbox(t)
	svc := tmScript(t, "svc", `echo "IN SERVICE"; read name; read x`)
	startTTYMon(t, sb, "tm", tmLine("p1", "", u.name, pmtab.TTY{Device: line.SlavePath, Flags: "b", Service: svc, Label: "fast", Prompt: "login: "}))
	waitPortState(t, sb, "tm", "p1", "waiting", tmWait)
	if got := lineOwner(t, line.SlavePath); got != idleOwner {
		t.Errorf("the idle line is %s, want %s", got, idleOwner)
	}
	typeUntil(t, line, "\r", `login: $`)
	if got, want := lineOwner(t, line.SlavePath), "root:tty 620"; got != want {
		t.Errorf("the line at the prompt is %s, want %s", got, want)
	}
	line.Type(t, "user\r")
	line.Expect(t, `IN SERVICE`, tmWait)
	if got, want := lineOwner(t, line.SlavePath), u.name+":tty 620"; got != want {
		t.Errorf("the line in the session is %s, want %s", got, want)
	}
	line.Type(t, "\r")
	waitPortState(t, sb, "tm", "p1", "waiting", tmWait)
	if got := lineOwner(t, line.SlavePath); got != idleOwner {
		t.Errorf("the line after the session is %s, want %s", got, idleOwner)
	}
}
