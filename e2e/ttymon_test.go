package e2e

import (
	"bytes"
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

	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/internal/utmp"
	"github.com/linux-saf/saf/internal/uucplock"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
)

// These tests run the built ttymon against pseudo-terminals (package
// testpty) in a SAF_ROOT sandbox: with a fake sac (pmprototest), under
// the real sac, and in express mode. The services are shell scripts
// written by the tests. Waits are bounded Expects on what the line
// prints, or polls of the log; never fixed sleeps.

const tmWait = 15 * time.Second

// tmDefs is the sandbox's /etc/ttydefs: a hunt ring with recognisable
// speeds and an autobaud entry.
const tmDefs = `# VERSION=1
fast:9600:9600 sane::medium
medium:4800:4800 sane::slow
slow:1200:1200 sane::fast
auto:hupcl:sane hupcl:A:fast
`

const tmIssue = "SAF test system\n"

// tmRun is one ttymon in SAC mode with a fake sac.
type tmRun struct {
	t   *testing.T
	sb  *testexec.Sandbox
	sac *pmprototest.Sac
	cmd *exec.Cmd
	out bytes.Buffer
}

// tmNeedHome skips a test that starts a service when the current user's
// home directory does not exist (nobody's): ttymon changes to it before
// the exec, and fails without it.
func tmNeedHome(t *testing.T) {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	if fi, err := os.Stat(u.HomeDir); err != nil || !fi.IsDir() {
		t.Skipf("the home directory of %s (%s) does not exist: no service can start", u.Username, u.HomeDir)
	}
}

// tmLine is a _pmtab line for a port.
func tmLine(tag, flags, id string, tty pmtab.TTY) string {
	return tag + ":" + flags + ":" + id + ":reserved:reserved:reserved:" + tty.Format() + "#\n"
}

// tmSandbox makes a sandbox with ttydefs, issue and the lock directory.
func tmSandbox(t *testing.T) *testexec.Sandbox {
	sb := testexec.NewSandbox(t)
	if err := os.Chmod(sb.Root, 0o755); err != nil {
		t.Fatal(err)
	}
	sb.WriteFile(t, "etc/ttydefs", tmDefs)
	sb.WriteFile(t, "etc/issue", tmIssue)
	for _, d := range []string{"/var/lock", "/var/run", "/var/log"} {
		if err := os.MkdirAll(sb.Path(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return sb
}

// startTTYMon starts ttymon for tag with the _pmtab entries tab, as sac
// would (environment, cwd), and waits for "Initialization Completed".
func startTTYMon(t *testing.T, sb *testexec.Sandbox, tag, tab string) *tmRun {
	t.Helper()
	r := launchTTYMon(t, sb, tag, tab)
	r.waitLog("Initialization Completed")
	return r
}

// launchTTYMon is startTTYMon without the wait, for a ttymon that may be
// unable to write its log.
func launchTTYMon(t *testing.T, sb *testexec.Sandbox, tag, tab string) *tmRun {
	t.Helper()
	r := &tmRun{t: t, sb: sb, sac: pmprototest.New(t, sb.Root, tag)}
	sb.WriteFile(t, "etc/saf/"+tag+"/_pmtab", "# VERSION=1\n"+tab)
	// Started with SIGINT, SIGHUP and SIGQUIT ignored, as a shell's
	// background job or nohup would: services must still get default
	// dispositions.
	r.cmd = exec.Command("/bin/sh", "-c", `trap '' INT HUP QUIT; exec "$0"`, testexec.Bin(t, "ttymon"))
	r.cmd.Env = r.sac.Env("enabled")
	r.cmd.Dir = r.sac.Dir()
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.cmd.Process.Signal(syscall.SIGTERM)
		r.cmd.Wait()
		if t.Failed() {
			t.Logf("ttymon output:\n%s\nlog:\n%s", r.out.String(), r.log())
		}
	})
	return r
}

func (r *tmRun) log() string { return pmLog(r.sb, r.sac.Tag) }

func (r *tmRun) waitLog(re string) {
	r.t.Helper()
	waitLog(r.t, "ttymon", r.log, re)
}

// rewrite replaces the _pmtab and sends SC_READDB.
func (r *tmRun) rewrite(tab string) {
	r.t.Helper()
	r.sb.WriteFile(r.t, "etc/saf/"+r.sac.Tag+"/_pmtab", "# VERSION=1\n"+tab)
	r.sac.Want(r.t, r.sac.Poll(r.t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
}

// publicDir makes a temporary directory every user can reach (services
// run as other users), removed at the end of the test.
func publicDir(t *testing.T, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tmScript writes an executable shell script every user can run.
func tmScript(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(publicDir(t, "ttymon-e2e-"), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// tmReport is a service that shows what it was given: argv, environment,
// terminal, identity, and the line it reads. It waits for one more line
// before it ends, so tests can look at it while it runs.
const tmReport = `echo "ARGV=[$0 $*]"
echo "ENV TERM=[$TERM] TTYPROMPT=[$TTYPROMPT] HOME=[$HOME] PMTAG=[${PMTAG-unset}] ISTATE=[${ISTATE-unset}] FROM=[${FROM-unset}]"
echo "TTY=[$(tty)] ID=[$(id -un)] PID=[$$] SID=[$(ps -o sid= -p $$ | tr -d ' ')] UMASK=[$(umask)]"
echo "SIGNALS=[$(grep -E '^Sig(Blk|Ign)' /proc/$$/status | tr -s '\t\n' '  ')]"
read line
echo "READ=[$line]"
read more
`

func TestTTYMonPromptAndService(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	pty := testpty.Open(t)
	svc := tmScript(t, "report", tmReport)
	tab := tmLine("p1", "", svcUser(t), pmtab.TTY{
		Device: pty.SlavePath, Service: svc + " -x %d", Label: "fast", Prompt: "Name: ", TermType: "vt220",
	})
	sb.WriteFile(t, "etc/saf/tm/p1", "assign FROM=script\n")
	r := startTTYMon(t, sb, "tm", tab)
	// The bytes of the prompt: CR LF, /etc/issue, the prompt, no
	// newline; the line's output processing (ONLCR) turns each LF into
	// CR LF on the way, as it did on Solaris.
	got := pty.Expect(t, `Name: `, tmWait)
	if got != "\r\r\nSAF test system\r\nName: " {
		t.Errorf("prompt bytes %q", got)
	}
	pty.Type(t, "alice\r")
	out := pty.Expect(t, `READ=\[.*\]`, tmWait)
	for _, want := range []string{
		"ARGV=[" + svc + " -x " + pty.SlavePath + "]",
		"TERM=[vt220] TTYPROMPT=[Name: ] HOME=[",
		"PMTAG=[unset] ISTATE=[unset] FROM=[script]",
		"TTY=[" + pty.SlavePath + "] ID=[" + svcUser(t) + "]",
		"UMASK=[0022]",
		"SIGNALS=[SigBlk: 0000000000000000 SigIgn: 0000000000000000 ]",
		"READ=[alice]", // the typed line was given back
	} {
		if !strings.Contains(out, want) {
			t.Errorf("service output lacks %q:\n%s", want, out)
		}
	}
	// The service leads its own session on the line.
	if m := regexp.MustCompile(`PID=\[(\d+)\] SID=\[(\d+)\]`).FindStringSubmatch(out); m == nil || m[1] != m[2] {
		t.Errorf("service is not a session leader: %q", out)
	}
	r.waitLog(`; Starting service \(` + regexp.QuoteMeta(svc) + `\) on ` + regexp.QuoteMeta(pty.SlavePath))
	pty.Type(t, "\r")
	// The service ended: the port is reopened with a fresh prompt.
	pty.Expect(t, `\r\nSAF test system\r\nName: $`, tmWait)
}

func TestTTYMonHuntAndAutobaud(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	p1, p2, p3 := testpty.Open(t), testpty.Open(t), testpty.Open(t)
	svc := tmScript(t, "svc", `echo STARTED; read x`)
	tab := tmLine("p1", "", svcUser(t), pmtab.TTY{Device: p1.SlavePath, Service: svc, Label: "fast", Prompt: "login: "}) +
		tmLine("p2", "", svcUser(t), pmtab.TTY{Device: p2.SlavePath, Service: svc, Label: "auto", Prompt: "login: "}) +
		tmLine("p3", "", svcUser(t), pmtab.TTY{Device: p3.SlavePath, Service: svc, Label: "auto", Prompt: "login: "})
	startTTYMon(t, sb, "tm", tab)

	p1.Expect(t, `login: $`, tmWait)
	for _, want := range []int{4800, 1200, 9600} {
		p1.Break(t) // a NUL byte: what a BREAK reads as with BRKINT off
		p1.Type(t, "\r")
		p1.Expect(t, `\r\nSAF test system\r\nlogin: $`, tmWait)
		if got := termios.Speed(p1.SlaveTermios(t)); got != want {
			t.Errorf("speed %d after a BREAK, want %d", got, want)
		}
	}

	// Autobaud: a RETURN sampled at 2400 baud reads as 0x0D.
	var got string
	for i := 0; i < 50 && !strings.Contains(got, "login: "); i++ {
		p2.Type(t, "\r")
		got += p2.ReadAll(t, 200*time.Millisecond)
	}
	if !strings.Contains(got, "login: ") {
		t.Fatalf("autobaud port never prompted: %q", got)
	}
	if s := termios.Speed(p2.SlaveTermios(t)); s != 2400 {
		t.Errorf("autobaud found %d, want 2400", s)
	}
	p2.Type(t, "bob\r")
	p2.Expect(t, "STARTED", tmWait)
	p2.Type(t, "\r")

	// A RETURN typed at 9600 baud reads as 0xFF at 2400.
	// The first key only wakes ttymon: sampling starts by discarding it,
	// as in the original, so a RETURN at 2400 first does not choose the
	// speed.
	p3.Type(t, "\r")
	got = p3.ReadAll(t, 300*time.Millisecond)
	for i := 0; i < 50 && !strings.Contains(got, "login: "); i++ {
		p3.Type(t, "\xff")
		got += p3.ReadAll(t, 200*time.Millisecond)
	}
	if !strings.Contains(got, "login: ") {
		t.Fatalf("autobaud port never prompted after 0xFF: %q", got)
	}
	if s := termios.Speed(p3.SlaveTermios(t)); s != 9600 {
		t.Errorf("autobaud found %d after 0xFF, want 9600", s)
	}
}

// TestTTYMonRespawnLimit: a port whose service ends at once is opened 15
// times, then logs "service <tag> is respawning too rapidly" and stays
// down until a re-read of _pmtab brings it back.
func TestTTYMonRespawnLimit(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	pty := testpty.Open(t)
	tab := tmLine("p1", "", svcUser(t), pmtab.TTY{Device: pty.SlavePath, Flags: "c", Service: "/bin/true", Label: "fast"})
	r := startTTYMon(t, sb, "tm", tab)
	r.waitLog(`; service <p1> is respawning too rapidly\n`)
	starts := func() int { return strings.Count(r.log(), "; Starting service (/bin/true) on ") }
	if n := starts(); n != 15 {
		t.Errorf("%d starts before the limit, want 15", n)
	}
	r.rewrite(tab)
	waitFor(t, "the port revived by the re-read", func() bool { return starts() > 15 })
}

func TestTTYMonWaitReadTimeoutDisabled(t *testing.T) {
	sb := tmSandbox(t)
	p1, p2, p3 := testpty.Open(t), testpty.Open(t), testpty.Open(t)
	tab := tmLine("p1", "", svcUser(t), pmtab.TTY{Device: p1.SlavePath, Flags: "r", Service: "/bin/true", Label: "fast", Prompt: "after-key: "}) +
		tmLine("p2", "", svcUser(t), pmtab.TTY{Device: p2.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "quick: ", Timeout: "1"}) +
		tmLine("p3", "x", svcUser(t), pmtab.TTY{Device: p3.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "never: ", DisableMsg: "p3 is out of order"})
	startTTYMon(t, sb, "tm", tab)

	if got := p1.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Errorf("wait-read port wrote %q before a key", got)
	}
	p1.Type(t, "k")
	p1.Expect(t, `\r\nSAF test system\r\nafter-key: $`, tmWait)

	p2.Expect(t, `quick: $`, tmWait)
	start := time.Now()
	p2.Expect(t, `quick: $`, tmWait) // timed out, reopened, prompted again
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("second prompt after %v, want about 1 s", d)
	}

	p3.Expect(t, `\r\nSAF test system\r\np3 is out of order$`, tmWait)
	p3.Type(t, "alice\r")
	p3.Expect(t, `p3 is out of order$`, tmWait)
}

func TestTTYMonUtmpWtmp(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	pty := testpty.Open(t)
	svc := tmScript(t, "svc", `read name; echo "PID=[$$]"; read x`)
	tab := tmLine("p1", "u", svcUser(t), pmtab.TTY{Device: pty.SlavePath, Service: svc, Label: "fast", Prompt: "login: "})
	startTTYMon(t, sb, "tm", tab)
	pty.Expect(t, `login: $`, tmWait)
	pty.Type(t, "carol\r")
	out := pty.Expect(t, `PID=\[\d+\]`, tmWait)
	pid, _ := strconv.Atoi(regexp.MustCompile(`\d+`).FindString(out))
	line := strings.TrimPrefix(pty.SlavePath, "/dev/")

	recs, err := utmp.ReadFile(sb.Path("/var/run/utmp"))
	if err != nil {
		t.Fatal(err)
	}
	var rec *utmp.Record
	for i := range recs {
		if int(recs[i].Pid) == pid {
			rec = &recs[i]
		}
	}
	if rec == nil || rec.Type != utmp.LoginProcess || rec.User != "LOGIN" || rec.Line != line || rec.ID != utmp.IDFor(line) {
		t.Fatalf("utmp record of the service: %+v (all: %+v)", rec, recs)
	}
	if who, err := exec.LookPath("who"); err == nil {
		got, err := exec.Command(who, "-l", sb.Path("/var/run/utmp")).CombinedOutput()
		if !strings.Contains(string(got), "LOGIN") || !strings.Contains(string(got), line) {
			dump, _ := exec.Command("utmpdump", sb.Path("/var/run/utmp")).CombinedOutput()
			t.Errorf("who -l does not show the login process (%v):\n%s\n%s", err, got, dump)
		}
	}

	pty.Type(t, "\r") // the service ends
	pty.Expect(t, `login: $`, tmWait)
	waitFor(t, "DEAD_PROCESS", func() bool {
		recs, _ := utmp.ReadFile(sb.Path("/var/run/utmp"))
		for _, r := range recs {
			if int(r.Pid) == pid && r.Type == utmp.DeadProcess {
				return true
			}
		}
		return false
	})
	wtmp, err := utmp.ReadFile(sb.Path("/var/log/wtmp"))
	if err != nil {
		t.Fatal(err)
	}
	var dead bool
	for _, r := range wtmp {
		if int(r.Pid) == pid && r.Type == utmp.DeadProcess && r.Line == line {
			dead = true
		}
	}
	if !dead {
		t.Errorf("wtmp has no DEAD_PROCESS for pid %d: %+v", pid, wtmp)
	}
	if dump, err := exec.LookPath("utmpdump"); err == nil {
		got, _ := exec.Command(dump, sb.Path("/var/log/wtmp")).CombinedOutput()
		if !regexp.MustCompile(`\[8\] \[0*` + strconv.Itoa(pid) + `\]`).Match(got) {
			t.Errorf("utmpdump of wtmp lacks the DEAD_PROCESS of %d:\n%s", pid, got)
		}
	}
	if last, err := exec.LookPath("last"); err == nil {
		if out, err := exec.Command(last, "-f", sb.Path("/var/log/wtmp")).CombinedOutput(); err != nil {
			t.Errorf("last -f wtmp: %v\n%s", err, out)
		}
	}
}

func TestTTYMonBidirectionalYieldsToLock(t *testing.T) {
	sb := tmSandbox(t)
	pty := testpty.Open(t)
	// A dial-out program holds the line: its pid in LCK..<dev>.
	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	if err := uucplock.Lock(sb.Path("/var/lock"), pty.SlavePath, other.Process.Pid); err != nil {
		t.Fatal(err)
	}
	tab := tmLine("p1", "", svcUser(t), pmtab.TTY{Device: pty.SlavePath, Flags: "b", Service: "/bin/true", Label: "fast", Prompt: "bidi: "})
	startTTYMon(t, sb, "tm", tab)
	if got := pty.ReadAll(t, 500*time.Millisecond); strings.Contains(got, "bidi:") {
		t.Fatalf("locked port prompted: %q", got)
	}
	// The dial-out program is done: ttymon re-arms the line at once, and
	// on this direct line (a pty) prompts at the first key.
	if err := uucplock.Unlock(sb.Path("/var/lock"), pty.SlavePath, other.Process.Pid); err != nil {
		t.Fatal(err)
	}
	typeUntil(t, pty, "\r", `\r\nSAF test system\r\nbidi: $`)
	// Now ttymon's child holds the lock.
	if pid, err := uucplock.Holder(sb.Path("/var/lock"), pty.SlavePath); err != nil || pid <= 0 {
		t.Errorf("lock holder while ttymon has the line: %d, %v", pid, err)
	}
}

func TestTTYMonRereadWithLiveSession(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	p1, p2, p3 := testpty.Open(t), testpty.Open(t), testpty.Open(t)
	svc := tmScript(t, "svc", `echo "IN SERVICE"; while read x; do echo "ECHO [$x]"; done`)
	line1 := tmLine("p1", "", svcUser(t), pmtab.TTY{Device: p1.SlavePath, Service: svc, Label: "fast", Prompt: "one: "})
	r := startTTYMon(t, sb, "tm", line1+
		tmLine("p2", "", svcUser(t), pmtab.TTY{Device: p2.SlavePath, Service: svc, Label: "fast", Prompt: "two: "}))
	p1.Expect(t, `one: $`, tmWait)
	p2.Expect(t, `two: $`, tmWait)
	p1.Type(t, "dave\r")
	p1.Expect(t, `ECHO \[dave\]`, tmWait)

	r.rewrite(line1 +
		tmLine("p2", "", svcUser(t), pmtab.TTY{Device: p2.SlavePath, Service: svc, Label: "fast", Prompt: "TWO: "}) +
		tmLine("p3", "", svcUser(t), pmtab.TTY{Device: p3.SlavePath, Service: svc, Label: "fast", Prompt: "three: "}))
	p2.Expect(t, `TWO: $`, tmWait)
	p3.Expect(t, `three: $`, tmWait)
	p1.Type(t, "still here\r")
	p1.Expect(t, `ECHO \[still here\]`, tmWait)
}

// TestTTYMonExpress runs ttymon -g on a pty and as getty: prompt, hunt,
// timeout, and the hand-off to /usr/bin/login.
func TestTTYMonExpress(t *testing.T) {
	sb := tmSandbox(t)
	pty := testpty.Open(t)
	cmd := exec.Command(testexec.Bin(t, "ttymon"), "-g", "-d", pty.SlavePath, "-l", "fast", "-p", `hi\tthere: `, "-t", "3", "-T", "xterm")
	cmd.Env = sb.Env()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	pty.Expect(t, "\r\nSAF test system\r\nhi\tthere: $", tmWait)
	pty.Break(t)
	pty.Type(t, "\r")
	pty.Expect(t, `hi\tthere: $`, tmWait)
	if s := termios.Speed(pty.SlaveTermios(t)); s != 4800 {
		t.Errorf("speed %d after a BREAK, want 4800", s)
	}
	// No answer within 3 s: exit 1 (init would respawn it).
	select {
	case <-done:
		if code := exitCode(waitErr); code != 1 {
			t.Errorf("express ttymon exited %d after its timeout, want 1\n%s", code, out.String())
		}
	case <-time.After(tmWait):
		t.Fatal("express ttymon did not time out")
	}

	// As getty, with a name: it becomes /usr/bin/login -- NAME.
	t.Run("getty", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root: as getty, ttymon runs login as root")
		}
		if _, err := os.Stat("/usr/bin/login"); err != nil {
			t.Skip("no /usr/bin/login")
		}
		testTTYMonGetty(t, sb)
	})
}

// testTTYMonGetty runs ttymon as getty on a new pty and types a name.
func testTTYMonGetty(t *testing.T, sb *testexec.Sandbox) {
	dir := t.TempDir()
	getty := filepath.Join(dir, "getty")
	if err := os.Symlink(testexec.Bin(t, "ttymon"), getty); err != nil {
		t.Fatal(err)
	}
	pty2 := testpty.Open(t)
	g := exec.Command(getty, "-t", "20", strings.TrimPrefix(pty2.SlavePath, "/dev/"), "fast")
	g.Env = sb.Env()
	if err := g.Start(); err != nil {
		t.Fatal(err)
	}
	gdone := make(chan struct{})
	go func() { g.Wait(); close(gdone) }()
	t.Cleanup(func() {
		g.Process.Kill()
		<-gdone
	})
	pty2.Expect(t, `login: $`, tmWait)
	pty2.Type(t, "nosuchuser\r")
	// util-linux login wipes the name from its argv once it has read it
	// (the NUL bytes stay): accept either form.
	want := "/usr/bin/login\x00--\x00nosuchuser\x00"
	waitFor(t, "login -- nosuchuser", func() bool {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(g.Process.Pid) + "/cmdline")
		wiped := "/usr/bin/login\x00--\x00" + strings.Repeat("\x00", len("nosuchuser\x00"))
		return string(b) == want || string(b) == wiped
	})
}

// TestTTYMonUnderSac adds a ttymon port monitor with sacadm and a port
// with pmadm and ttyadm, and starts the real sac.
func TestTTYMonUnderSac(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	pty := testpty.Open(t)
	svc := tmScript(t, "svc", `echo "HELLO $(id -un)"; read x`)
	if out, errs, code := sacadm(t, sb, "sacadm", "-a", "-p", "ttys", "-t", "ttymon", "-c", testexec.Bin(t, "ttymon"), "-v", "1"); code != 0 {
		t.Fatalf("sacadm -a: exit %d\n%s%s", code, out, errs)
	}
	spec, errs, code := sacadm(t, sb, "ttyadm", "-d", pty.SlavePath, "-l", "fast", "-s", svc, "-p", "sac login: ")
	if code != 0 {
		t.Fatalf("ttyadm: exit %d: %s", code, errs)
	}
	if out, errs, code := sacadm(t, sb, "pmadm", "-a", "-p", "ttys", "-s", "p1", "-i", svcUser(t), "-v", "1", "-m", spec); code != 0 && code != 4 {
		t.Fatalf("pmadm -a: exit %d\n%s%s", code, out, errs)
	}
	startSac(t, sb, "ttys")
	pty.Expect(t, `sac login: $`, tmWait)
	pty.Type(t, "erin\r")
	pty.Expect(t, `HELLO `+regexp.QuoteMeta(svcUser(t)), tmWait)
	pty.Type(t, "\r")
	pty.Expect(t, `sac login: $`, tmWait)
	// Disabled by sacadm: the port has no disable message, so it closes.
	if out, errs, code := sacadm(t, sb, "sacadm", "-d", "-p", "ttys"); code != 0 {
		t.Fatalf("sacadm -d: exit %d\n%s%s", code, out, errs)
	}
	waitState(t, sb, "ttys", "DISABLED")
	pty.ExpectHangup(t, tmWait)
}

// TestTTYMonSIGTERM: ttymon ends with "caught SIGTERM" and exit 1; a
// child that has no service yet goes with it, a running service stays.
func TestTTYMonSIGTERM(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	p1, p2 := testpty.Open(t), testpty.Open(t)
	svc := tmScript(t, "svc", `while read x; do echo "ECHO [$x]"; done`)
	r := startTTYMon(t, sb, "tm",
		tmLine("p1", "", svcUser(t), pmtab.TTY{Device: p1.SlavePath, Service: svc, Label: "fast", Prompt: "one: "})+
			tmLine("p2", "", svcUser(t), pmtab.TTY{Device: p2.SlavePath, Service: svc, Label: "fast", Prompt: "two: ", Timeout: "60"}))
	p1.Expect(t, `one: $`, tmWait)
	p1.Type(t, "frank\r")
	p1.Expect(t, `ECHO \[frank\]`, tmWait)
	p2.Expect(t, `two: $`, tmWait) // its child waits for a name

	r.cmd.Process.Signal(syscall.SIGTERM)
	if code := exitCode(r.cmd.Wait()); code != 1 {
		t.Errorf("exit %d after SIGTERM, want 1", code)
	}
	if !regexp.MustCompile(`; caught SIGTERM\n[^\n]*; \*{10} ttymon exiting \*{11}\n$`).MatchString(r.log()) {
		t.Errorf("log does not end with the SIGTERM lines:\n%s", r.log())
	}
	p2.ExpectHangup(t, tmWait)
	p1.Type(t, "still here\r")
	p1.Expect(t, `ECHO \[still here\]`, tmWait)
}
