package ttymon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmproto"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// TestMain lets the test binary stand in for the ttymon binary: the
// monitor re-executes Config.Self as its per-port child (spawn.go).
func TestMain(m *testing.M) {
	if _, ok := os.LookupEnv(envChild); ok {
		os.Exit(MainArgv0(os.Args, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

const waitLong = 10 * time.Second

// testDefs is the /etc/ttydefs of the tests: a ring of three labels with
// recognisable speeds, an autobaud label and a self-loop.
const testDefs = `# VERSION=1
fast:9600:9600 sane::medium
medium:4800:4800 sane::slow
slow:1200:1200 sane::fast
auto:hupcl:sane hupcl:A:fast
loop:9600:9600 sane::loop
`

// harness is a monitor running in this process against a fake sac.
type harness struct {
	t    *testing.T
	root string
	sac  *pmprototest.Sac
	m    *monitor
	done chan int
	stop context.CancelFunc
}

// me is the identity the tests' services run as: the current user, so
// that no identity switch is needed.
func me(t *testing.T) string {
	u, err := user.Current()
	if err != nil {
		t.Skip(err)
	}
	return u.Username
}

// pmtabLine returns a _pmtab line for a port.
func pmtabLine(tag, flags, id string, tty pmtab.TTY) string {
	return tag + ":" + flags + ":" + id + ":reserved:reserved:reserved:" + tty.Format() + "#\n"
}

// newHarness lays out a sandbox and starts the monitor on pmtab.
func newHarness(t *testing.T, tab string, state sacmsg.State) *harness {
	t.Helper()
	return newHarnessWith(t, tab, state, nil)
}

// newHarnessWith is newHarness with a setup function that may add files
// to the sandbox (root) and the port monitor's directory (dir).
func newHarnessWith(t *testing.T, tab string, state sacmsg.State, setup func(root, dir string)) *harness {
	t.Helper()
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	const tag = "tests"
	s := pmprototest.New(t, root, tag)
	write(t, filepath.Join(root, "etc/ttydefs"), testDefs)
	write(t, filepath.Join(root, "etc/issue"), "Welcome to SAF\n")
	write(t, filepath.Join(s.Dir(), "_pmtab"), "# VERSION=1\n"+tab)
	if setup != nil {
		setup(root, s.Dir())
	}
	// A service cannot start without its home directory; accounts such
	// as nobody have none. Give them one for the test (the child takes
	// the home the parent resolved).
	old := lookupIdentity
	t.Cleanup(func() { lookupIdentity = old })
	home := t.TempDir()
	lookupIdentity = func(name string) (identity, error) {
		id, err := old(name)
		if _, serr := os.Stat(id.Home); err == nil && serr != nil {
			id.Home = home
		}
		return id, err
	}
	if err := os.MkdirAll(filepath.Join(root, "var/lock"), 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, root: root, sac: s, done: make(chan int, 1)}
	h.m = newMonitor(Config{
		Root:  paths.New(root),
		Env:   pmproto.Env{Tag: tag, State: state},
		Self:  exe,
		Retry: 300 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() { h.done <- h.m.run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(waitLong):
			t.Error("monitor did not stop")
		}
		if t.Failed() {
			t.Logf("log:\n%s", h.log())
		}
	})
	h.waitLog("Initialization Completed")
	return h
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) log() string {
	b, _ := os.ReadFile(h.sac.Log())
	return string(b)
}

// waitLog waits until the log matches re.
func (h *harness) waitLog(re string) string {
	h.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(waitLong)
	for {
		l := h.log()
		if m := rx.FindString(l); m != "" {
			return m
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("log never matched %q:\n%s", re, l)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// script writes an executable shell script and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "svc")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// reportScript prints what a service sees, reads one line and echoes it.
const reportScript = `echo "ARGV=$0 $*"
echo "TERM=[$TERM] TTYPROMPT=[$TTYPROMPT] HOME=[$HOME] PMTAG=[${PMTAG-unset}] ISTATE=[${ISTATE-unset}]"
echo "TTY=$(tty)"
echo "UMASK=$(umask)"
echo "PID=$$"
read line
echo "READ=[$line]"
read more
`

func TestPromptIssueAndService(t *testing.T) {
	pty := testpty.Open(t)
	svc := script(t, reportScript)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{
		Device: pty.SlavePath, Service: svc, Label: "fast", Prompt: "login: ", TermType: "vt100",
	})
	h := newHarness(t, tab, sacmsg.Enabled)
	pty.Expect(t, `\r\nWelcome to SAF\r\nlogin: $`, waitLong)
	pty.Type(t, "alice\r")
	out := pty.Expect(t, `READ=\[.*\]`, waitLong)
	checkFDs(t, out, svc)
	pty.Type(t, "\r") // the service's second read: it ends
	for _, want := range []string{
		"ARGV=" + svc + " \r\n",
		"TERM=[vt100] TTYPROMPT=[login: ] HOME=[",
		"PMTAG=[unset] ISTATE=[unset]",
		"TTY=" + pty.SlavePath,
		"UMASK=0022",
		"READ=[alice]", // the line was pushed back
	} {
		if !strings.Contains(out, want) {
			t.Errorf("service output lacks %q:\n%s", want, out)
		}
	}
	h.waitLog(`Starting service \(` + regexp.QuoteMeta(svc) + `\) on ` + regexp.QuoteMeta(pty.SlavePath))
	// The service ended: the port is opened again with a fresh prompt.
	pty.Expect(t, `login: $`, waitLong)
}

func TestStartupLog(t *testing.T) {
	pty := testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Service: "/bin/true", Label: "nosuch", Prompt: "p> "})
	h := newHarness(t, tab, sacmsg.Disabled)
	log := h.log()
	msgs := logMessages(log)
	want := []string{
		" ", "********** ttymon starting **********", "PMTAG: tests", "Starting state: disabled",
	}
	for i, w := range want {
		if i >= len(msgs) || msgs[i] != w {
			t.Fatalf("log line %d = %q, want %q\n%s", i, msgs, w, log)
		}
	}
	for _, w := range []string{"max open files = ", "max ports ttymon can monitor = ", "Processing pmtab line #2", "Initialization Completed"} {
		if !strings.Contains(log, w) {
			t.Errorf("log lacks %q", w)
		}
	}
	// Disabled without a disable message: the port is not opened.
	if got := pty.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Errorf("disabled port wrote %q", got)
	}
	// Enabled: the label is missing, so the default entry is used.
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCEnable), sacmsg.PMStatus, sacmsg.Enabled)
	pty.Expect(t, `p> $`, waitLong)
	h.waitLog(`unable to find <nosuch> in "` + regexp.QuoteMeta(h.root) + `/etc/ttydefs"`)
	h.waitLog("Got SC_ENABLE message")
}

func TestFatalStartup(t *testing.T) {
	// The files are named as read, SAF_ROOT included.
	for _, tc := range []struct {
		name  string
		setup func(root, dir string)
		want  func(root, dir string) string
	}{
		{"no pmtab", func(root, dir string) { os.Remove(filepath.Join(dir, "_pmtab")) },
			func(root, dir string) string {
				return "open pmtab (" + dir + "/_pmtab) failed: No such file or directory"
			}},
		{"pmtab version", func(root, dir string) { write(t, filepath.Join(dir, "_pmtab"), "# VERSION=2\n") },
			func(root, dir string) string { return "check pmtab version failed" }},
		{"no ttydefs", func(root, dir string) { os.Remove(filepath.Join(root, "etc/ttydefs")) },
			func(root, dir string) string { return "check " + root + "/etc/ttydefs version failed" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			s := pmprototest.New(t, root, "f")
			write(t, filepath.Join(root, "etc/ttydefs"), testDefs)
			write(t, filepath.Join(s.Dir(), "_pmtab"), "# VERSION=1\n")
			tc.setup(root, s.Dir())
			m := newMonitor(Config{Root: paths.New(root), Env: pmproto.Env{Tag: "f", State: sacmsg.Enabled}})
			if code := m.run(context.Background()); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			log, _ := os.ReadFile(s.Log())
			msgs := logMessages(string(log))
			want := tc.want(root, s.Dir())
			if n := len(msgs); n < 2 || msgs[n-2] != want || msgs[n-1] != "********** ttymon exiting ***********" {
				t.Errorf("log does not end with %q and the exit line:\n%s", want, log)
			}
		})
	}
}

// logPrefix is "<ctime>; <pid>; " at the start of a log line.
var logPrefix = regexp.MustCompile(`(?m)^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}; \d+; `)

// logMessages returns the messages of a log, one per line (a message
// with newlines continues on the next lines).
func logMessages(log string) []string {
	var msgs []string
	for _, line := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		if logPrefix.MatchString(line) {
			msgs = append(msgs, logPrefix.ReplaceAllString(line, ""))
		} else if len(msgs) > 0 {
			msgs[len(msgs)-1] += "\n" + line
		}
	}
	return msgs
}

// checkFDs checks that the service whose "PID=<n>" is in out has only
// descriptors 0, 1 and 2 open on the line; the shell running the script may
// hold the script itself open.
func checkFDs(t *testing.T, out, script string) {
	t.Helper()
	m := regexp.MustCompile(`PID=(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Errorf("no PID= in %q", out)
		return
	}
	ents, err := os.ReadDir("/proc/" + m[1] + "/fd")
	if err != nil {
		t.Errorf("service's descriptors: %v", err)
		return
	}
	var std int
	for _, e := range ents {
		target, _ := os.Readlink("/proc/" + m[1] + "/fd/" + e.Name())
		switch e.Name() {
		case "0", "1", "2":
			std++
			if !strings.HasPrefix(target, "/dev/pts/") {
				t.Errorf("fd %s is %s", e.Name(), target)
			}
		default:
			if target != script {
				t.Errorf("service has fd %s open on %s", e.Name(), target)
			}
		}
	}
	if std != 3 {
		t.Errorf("service has %d of fds 0-2", std)
	}
}

// speedOf returns the slave's output speed.
func speedOf(t *testing.T, pty *testpty.Pair) int {
	return termios.Speed(pty.SlaveTermios(t))
}

func TestHuntOnNUL(t *testing.T) {
	pty := testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "login: "})
	newHarness(t, tab, sacmsg.Enabled)
	pty.Expect(t, `login: $`, waitLong)
	if s := speedOf(t, pty); s != 9600 {
		t.Errorf("speed %d at first, want 9600", s)
	}
	for _, want := range []int{4800, 1200, 9600} {
		pty.Break(t)
		pty.Type(t, "\r")
		// BADSPEED: flush, "\r\n", issue, prompt.
		pty.Expect(t, `\r\nWelcome to SAF\r\nlogin: $`, waitLong)
		if s := speedOf(t, pty); s != want {
			t.Errorf("speed %d after a BREAK, want %d", s, want)
		}
	}
	// NONAME: the prompt again, without "\r\n".
	pty.Type(t, "\r")
	got := pty.Expect(t, `login: $`, waitLong)
	if strings.HasPrefix(strings.TrimPrefix(got, "\r\n"), "\r\n") {
		t.Errorf("NONAME wrote %q", got)
	}
}

func TestHuntOnInterruptAndTimeout(t *testing.T) {
	pty := testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "login: ", Timeout: "2"})
	h := newHarness(t, tab, sacmsg.Enabled)
	// With a timeout the child prompts; it is session leader with the
	// line as controlling terminal, so ^C is SIGINT.
	pty.Expect(t, `\r\nWelcome to SAF\r\nlogin: $`, waitLong)
	pty.Type(t, "\x03")
	pty.Expect(t, `login: $`, waitLong)
	if s := speedOf(t, pty); s != 4800 {
		t.Errorf("speed %d after ^C, want 4800", s)
	}
	// No answer: the child exits after 2 s and the port starts over.
	start := time.Now()
	pty.Expect(t, `login: $`, waitLong)
	if d := time.Since(start); d < time.Second {
		t.Errorf("timed out after %v, want about 2 s", d)
	}
	if s := speedOf(t, pty); s != 9600 {
		t.Errorf("speed %d after the timeout, want 9600 again", s)
	}
	_ = h
}

func TestWaitRead(t *testing.T) {
	pty := testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Flags: "r", Count: "2", Service: "/bin/true", Label: "fast", Prompt: "login: "})
	newHarness(t, tab, sacmsg.Enabled)
	if got := pty.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Fatalf("wait-read port wrote %q before any input", got)
	}
	pty.Type(t, "x\r")
	if got := pty.ReadAll(t, 300*time.Millisecond); strings.Contains(got, "login:") {
		t.Fatalf("prompt after one newline of two: %q", got)
	}
	pty.Type(t, "\r")
	pty.Expect(t, `\r\nWelcome to SAF\r\nlogin: $`, waitLong)
}

func TestDisabledPortMessage(t *testing.T) {
	pty := testpty.Open(t)
	tab := pmtabLine("p1", "x", me(t), pmtab.TTY{Device: pty.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "login: ", DisableMsg: "closed for repairs"})
	newHarness(t, tab, sacmsg.Enabled)
	pty.Expect(t, `\r\nWelcome to SAF\r\nclosed for repairs$`, waitLong)
	pty.Type(t, "alice\r")
	// A name gets /etc/issue and the message again, without "\r\n".
	got := pty.Expect(t, `closed for repairs$`, waitLong)
	if !strings.HasSuffix(got, "alice\r\nWelcome to SAF\r\nclosed for repairs") {
		t.Errorf("message after a name: %q", got)
	}
}

func TestConnectOnCarrier(t *testing.T) {
	pty := testpty.Open(t)
	svc := script(t, `echo "TTYPROMPT=[${TTYPROMPT-unset}] ARGS=[$*]"; read x`)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Flags: "c", Service: svc + " %d", Label: "fast", Prompt: "login: "})
	newHarness(t, tab, sacmsg.Enabled)
	got := pty.Expect(t, `ARGS=\[.*\]`, waitLong)
	if strings.Contains(got, "login:") || !strings.Contains(got, "TTYPROMPT=[unset] ARGS=["+pty.SlavePath+"]") {
		t.Errorf("c port: %q", got)
	}
	pty.Type(t, "\r")
}

func TestLoginHandOff(t *testing.T) {
	dir := t.TempDir()
	login := filepath.Join(dir, "login")
	write(t, login, "#!/bin/sh\necho \"LOGIN ARGS=[$*]\"\nread x\n")
	if err := os.Chmod(login, 0o755); err != nil {
		t.Fatal(err)
	}
	agetty := script(t, `echo "U ARGS=[$*]"; read x`)
	p1, p2 := testpty.Open(t), testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: p1.SlavePath, Service: login + " -p", Label: "fast", Prompt: "login: "}) +
		pmtabLine("p2", "", me(t), pmtab.TTY{Device: p2.SlavePath, Service: agetty + " -- %u on %d", Label: "fast", Prompt: "name? "})
	h := newHarness(t, tab, sacmsg.Enabled)
	p1.Expect(t, `login: $`, waitLong)
	p1.Type(t, "-froot\r") // refused: would be an option
	p1.Expect(t, `\r\nWelcome to SAF\r\nlogin: $`, waitLong)
	h.waitLog(`login name "-froot" refused`)
	p1.Type(t, "alice extra\r")
	p1.Expect(t, `LOGIN ARGS=\[-p -- alice\]`, waitLong)
	p1.Type(t, "\r")
	p2.Expect(t, `name\? $`, waitLong)
	p2.Type(t, "bob\r")
	p2.Expect(t, `U ARGS=\[-- bob on `+regexp.QuoteMeta(p2.SlavePath)+`\]`, waitLong)
	p2.Type(t, "\r")
}

// TestBecomeUser pins the identity switch (the WARNING on becomeUser)
// and the per-service script: uid, gid, supplementary groups, home,
// working directory, the device given to the user, and an assign.
func TestBecomeUser(t *testing.T) {
	testexec.RequireRoot(t)
	pty := testpty.Open(t)
	u := otherUser(t)
	svc := publicScript(t, `read name
echo "ID=$(id -u):$(id -g) HOME=[$HOME] PWD=[$(pwd)] FOO=[$FOO] DEV=[$(stat -c '%u %a' $(tty))]"
echo "GROUPS=[$(id -G)]"
read x
`)
	tab := pmtabLine("p1", "", u.Username, pmtab.TTY{Device: pty.SlavePath, Service: svc, Label: "fast", Prompt: "login: "})
	newHarnessWith(t, tab, sacmsg.Enabled, func(root, dir string) {
		write(t, filepath.Join(dir, "p1"), "# per-service script\nassign FOO=\"from script\"\n")
	})
	pty.Expect(t, `login: $`, waitLong)
	pty.Type(t, "x\r")
	got := pty.Expect(t, `GROUPS=\[.*\]\r\n`, waitLong)
	want := fmt.Sprintf("ID=%s:%s HOME=[%s] PWD=[%s] FOO=[from script] DEV=[%s 620]", u.Uid, u.Gid, u.HomeDir, u.HomeDir, u.Uid)
	if !strings.Contains(got, want) {
		t.Errorf("service saw %q, want %q", got, want)
	}
	gids, err := u.GroupIds()
	if err != nil {
		t.Fatal(err)
	}
	gids = append(gids, u.Gid)
	m := regexp.MustCompile(`GROUPS=\[(.*)\]`).FindStringSubmatch(got)
	if m == nil || !sameSet(strings.Fields(m[1]), gids) {
		t.Errorf("supplementary groups %q, want %q", m, gids)
	}
	pty.Type(t, "\r")
}

// sameSet reports whether a and b hold the same strings, ignoring order
// and repeats.
func sameSet(a, b []string) bool {
	in := func(x []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range x {
			m[s] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	if len(ma) != len(mb) {
		return false
	}
	for k := range ma {
		if !mb[k] {
			return false
		}
	}
	return true
}

// otherUser returns a system account other than root whose home
// directory exists, for identity tests.
func otherUser(t *testing.T) *user.User {
	t.Helper()
	for _, name := range []string{"daemon", "bin", "sys", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil || u.Uid == "0" {
			continue
		}
		if fi, err := os.Stat(u.HomeDir); err == nil && fi.IsDir() {
			return u
		}
	}
	t.Skip("no system account with a home directory")
	return nil
}

// publicScript is script in a directory every user can read.
func publicScript(t *testing.T, body string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ttymon-svc-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "svc")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAutobaud(t *testing.T) {
	pty := testpty.Open(t)
	svc := script(t, `echo "STARTED"; read x`)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Service: svc, Label: "auto", Prompt: "login: "})
	newHarness(t, tab, sacmsg.Enabled)
	if got := pty.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Fatalf("autobaud port wrote %q before any input", got)
	}
	if s := speedOf(t, pty); s != autobaudSpeed {
		t.Errorf("autobaud raw mode at %d baud, want %d", s, autobaudSpeed)
	}
	// The first RETURN wakes the parent; the child flushes input when it
	// starts sampling, so RETURN is typed until the prompt comes (the
	// original too made the user press RETURN again).
	var got string
	for i := 0; i < 50 && !strings.Contains(got, "login: "); i++ {
		pty.Type(t, "\r")
		got += pty.ReadAll(t, 200*time.Millisecond)
	}
	if !strings.Contains(got, "\r\nWelcome to SAF\r\nlogin: ") {
		t.Fatalf("no prompt after RETURN at 2400: %q", got)
	}
	// A RETURN at 2400 baud reads as 0x0D: 2400 was detected.
	if s := speedOf(t, pty); s != 2400 {
		t.Errorf("speed %d after autobaud, want 2400", s)
	}
	pty.Type(t, "alice\r")
	pty.Expect(t, "STARTED", waitLong)
	if s := speedOf(t, pty); s != 2400 {
		t.Errorf("service runs at %d, want 2400", s)
	}
	pty.Type(t, "\r")
}

func TestEnableDisable(t *testing.T) {
	p1, p2 := testpty.Open(t), testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: p1.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "one: "}) +
		pmtabLine("p2", "", me(t), pmtab.TTY{Device: p2.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "two: ", DisableMsg: "two is off", Timeout: "60"})
	h := newHarness(t, tab, sacmsg.Enabled)
	p1.Expect(t, `one: $`, waitLong)
	p2.Expect(t, `two: $`, waitLong) // a child prompts (timeout)
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCDisable), sacmsg.PMStatus, sacmsg.Disabled)
	// p1 has no message: closed (the master sees the hang-up); p2's child
	// is made to exit and the port shows its message.
	p1.ExpectHangup(t, waitLong)
	p2.Expect(t, `two is off$`, waitLong)
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Disabled)
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCEnable), sacmsg.PMStatus, sacmsg.Enabled)
	p1.Expect(t, `one: $`, waitLong)
	p2.Expect(t, `two: $`, waitLong)
	h.waitLog("Got SC_DISABLE message")
}

func TestRereadKeepsLiveSessions(t *testing.T) {
	p1, p2, p3 := testpty.Open(t), testpty.Open(t), testpty.Open(t)
	svc := script(t, `echo "IN SERVICE"; read x; echo "GOT [$x]"; read y`)
	line1 := pmtabLine("p1", "", me(t), pmtab.TTY{Device: p1.SlavePath, Service: svc, Label: "fast", Prompt: "one: "})
	h := newHarness(t, line1+
		pmtabLine("p2", "", me(t), pmtab.TTY{Device: p2.SlavePath, Service: svc, Label: "fast", Prompt: "two: "}), sacmsg.Enabled)
	p1.Expect(t, `one: $`, waitLong)
	p2.Expect(t, `two: $`, waitLong)
	p1.Type(t, "alice\r")
	p1.Expect(t, `IN SERVICE`, waitLong)
	p1.Expect(t, `GOT \[alice\]`, waitLong) // the pushed-back name

	// p1 unchanged, p2 changed, p3 new.
	write(t, filepath.Join(h.sac.Dir(), "_pmtab"), "# VERSION=1\n"+line1+
		pmtabLine("p2", "", me(t), pmtab.TTY{Device: p2.SlavePath, Service: svc, Label: "fast", Prompt: "TWO: "})+
		pmtabLine("p3", "", me(t), pmtab.TTY{Device: p3.SlavePath, Service: svc, Label: "fast", Prompt: "three: "}))
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	p2.Expect(t, `TWO: $`, waitLong)
	p3.Expect(t, `three: $`, waitLong)
	// The session on p1 never noticed.
	p1.Type(t, "still here\r")
	p1.Expect(t, `still here`, waitLong)

	// p1 removed while its service runs: the service goes on, and when it
	// ends the port is not opened again.
	write(t, filepath.Join(h.sac.Dir(), "_pmtab"), "# VERSION=1\n")
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	p2.ExpectHangup(t, waitLong)
	p3.ExpectHangup(t, waitLong)
	p1.Type(t, "bye\r")
	p1.ExpectHangup(t, waitLong)
	if got := p1.ReadAll(t, 500*time.Millisecond); strings.Contains(got, "one:") {
		t.Errorf("removed port prompted again: %q", got)
	}
}

func TestRespawnLimit(t *testing.T) {
	pty := testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Flags: "ch", Service: "/bin/true", Label: "fast"})
	h := newHarness(t, tab, sacmsg.Enabled)
	h.waitLog("service <p1> is respawning too rapidly")
	if n := strings.Count(h.log(), "Starting service (/bin/true)"); n != 15 {
		t.Errorf("%d starts, want %d", n, SpawnLimit)
	}
	// The port is NOTVALID: down, shown as failed, until a re-read.
	state := func() string {
		if svcs := h.m.snapshot().Services; len(svcs) == 1 {
			return svcs[0].State
		}
		return ""
	}
	deadline := time.Now().Add(waitLong)
	for state() != "failed" {
		if time.Now().After(deadline) {
			t.Fatalf("port state %q after the limit, want failed", state())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A re-read brings it back.
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	deadline = time.Now().Add(waitLong)
	for strings.Count(h.log(), "Starting service (/bin/true)") <= SpawnLimit {
		if time.Now().After(deadline) {
			t.Fatal("port not revived by SC_READDB")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Stop the respawning before the test's files go: a port still
	// starting services writes to the log while they are removed.
	write(t, filepath.Join(h.sac.Dir(), "_pmtab"), "# VERSION=1\n")
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	deadline = time.Now().Add(waitLong)
	for len(h.m.snapshot().Services) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("port still there after it was removed from _pmtab")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSessionCheck(t *testing.T) {
	p1, p2 := testpty.Open(t), testpty.Open(t)
	// Another session owns both lines.
	owners := map[*testpty.Pair]*exec.Cmd{}
	for _, p := range []*testpty.Pair{p1, p2} {
		cmd := exec.Command("sleep", "60")
		p.StartControlled(t, cmd)
		owners[p] = cmd
	}
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: p1.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "one: "})
	h := newHarness(t, tab, sacmsg.Enabled)
	// At start-up a foreign session keeps the port closed (SESSION) ...
	if got := p1.ReadAll(t, 500*time.Millisecond); strings.Contains(got, "one:") {
		t.Fatalf("port owned by another session prompted: %q", got)
	}
	// ... until it is gone (re-checked every Config.Retry).
	owners[p1].Process.Kill()
	owners[p1].Wait()
	p1.Expect(t, `one: $`, waitLong)

	// On a serial line a port added later only gets a warning, as in the
	// original (TestSessionCheckSerial); a pty is another user's terminal
	// then, and is left alone (ptyline.go).
	write(t, filepath.Join(h.sac.Dir(), "_pmtab"), "# VERSION=1\n"+tab+
		pmtabLine("p2", "", me(t), pmtab.TTY{Device: p2.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "two: "}))
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	h.waitLog(`service <p2>: not taking ` + regexp.QuoteMeta(p2.SlavePath) + `: it is the controlling terminal of process \d+`)
	if got := p2.ReadAll(t, 500*time.Millisecond); strings.Contains(got, "two:") {
		t.Fatalf("pty of another session prompted: %q", got)
	}
	owners[p2].Process.Kill()
	owners[p2].Wait()
	p2.Expect(t, `two: $`, waitLong)
}

// TestSessionCheckSerial is TestSessionCheck's second half on a line
// that ttymon takes for a serial line (the pty test is switched off): a
// port added while another session owns its line gets the original's
// warning, and the prompt.
func TestSessionCheckSerial(t *testing.T) {
	old := isPty
	t.Cleanup(func() { isPty = old })
	isPty = func(int) bool { return false }
	p1 := testpty.Open(t)
	p1.StartControlled(t, exec.Command("sleep", "60"))
	h := newHarness(t, "", sacmsg.Enabled)
	write(t, filepath.Join(h.sac.Dir(), "_pmtab"), "# VERSION=1\n"+
		pmtabLine("p1", "", me(t), pmtab.TTY{Device: p1.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "one: "}))
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	p1.Expect(t, `one: $`, waitLong)
	h.waitLog("Warning -- active session exists on <" + regexp.QuoteMeta(p1.SlavePath) + ">")
}

func TestSoftCarrierAndModules(t *testing.T) {
	p1, p2, p3 := testpty.Open(t), testpty.Open(t), testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: p1.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "one: ", SoftCar: pmtab.SoftCarrierOn, Modules: "ldterm,ttcompat"}) +
		pmtabLine("p2", "", me(t), pmtab.TTY{Device: p2.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "two: ", SoftCar: pmtab.SoftCarrierOff}) +
		pmtabLine("p3", "", me(t), pmtab.TTY{Device: p3.SlavePath, Flags: "I", Service: "/bin/true", Label: "fast", Prompt: "three: ", SoftCar: pmtab.SoftCarrierOn})
	newHarness(t, tab, sacmsg.Enabled)
	p1.Expect(t, `one: $`, waitLong)
	p2.Expect(t, `two: $`, waitLong)
	if p1.SlaveTermios(t).Cflag&unix.CLOCAL == 0 {
		t.Error("soft carrier y: CLOCAL is off")
	}
	if p2.SlaveTermios(t).Cflag&unix.CLOCAL != 0 {
		t.Error("soft carrier n: CLOCAL is on")
	}
	// An I port is never opened; only its soft carrier is set.
	if got := p3.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Errorf("I port wrote %q", got)
	}
	if p3.SlaveTermios(t).Cflag&unix.CLOCAL == 0 {
		t.Error("I port: soft carrier not set")
	}
}

func TestUnavailableDiscipline(t *testing.T) {
	pty := testpty.Open(t)
	f := pty.OpenSlave(t)
	if err := termios.SetDiscipline(int(f.Fd()), int(pmtab.NPPP)); err == nil {
		termios.SetDiscipline(int(f.Fd()), int(pmtab.NTTY))
		t.Skip("N_PPP is available here")
	}
	f.Close()
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "one: ", Modules: "ldterm,ppp"})
	h := newHarness(t, tab, sacmsg.Enabled)
	h.waitLog(`push \(ppp\) on ` + regexp.QuoteMeta(pty.SlavePath) + ` failed: Invalid argument`)
	h.waitLog("service <p1> is respawning too rapidly")
}

func TestTTYDefsReread(t *testing.T) {
	pty := testpty.Open(t)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "one: "})
	h := newHarness(t, tab, sacmsg.Enabled)
	pty.Expect(t, `one: $`, waitLong)
	defs := filepath.Join(h.root, "etc/ttydefs")
	write(t, defs, "# VERSION=1\nfast:2400:2400 sane::fast\nfast:300:300::fast\n")
	later := time.Now().Add(10 * time.Second)
	if err := os.Chtimes(defs, later, later); err != nil {
		t.Fatal(err)
	}
	// The file is read again when a port is about to be opened.
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCDisable), sacmsg.PMStatus, sacmsg.Disabled)
	h.sac.Want(t, h.sac.Poll(t, sacmsg.SCEnable), sacmsg.PMStatus, sacmsg.Enabled)
	h.waitLog("Warning -- duplicate entry <fast>, ignored")
	pty.Expect(t, `one: $`, waitLong)
	if s := speedOf(t, pty); s != 2400 {
		t.Errorf("speed %d after the re-read, want 2400", s)
	}
}

// TestNoLeaks runs a monitor through a service and a child that is
// stopped, then checks that nothing stays behind in this process: no
// descriptors, no children, no zombies.
func TestNoLeaks(t *testing.T) {
	before := countFDs(t)
	t.Run("run", func(t *testing.T) {
		p1, p2 := testpty.Open(t), testpty.Open(t)
		tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: p1.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "one: "}) +
			pmtabLine("p2", "", me(t), pmtab.TTY{Device: p2.SlavePath, Service: "/bin/true", Label: "fast", Prompt: "two: ", Timeout: "60"})
		h := newHarness(t, tab, sacmsg.Enabled)
		p1.Expect(t, `one: $`, waitLong)
		p1.Type(t, "x\r")
		h.waitLog(`Starting service \(/bin/true\)`)
		p1.Expect(t, `one: $`, waitLong)
		p2.Expect(t, `two: $`, waitLong)
	})
	deadline := time.Now().Add(waitLong)
	for {
		kids := childrenOf(os.Getpid())
		n := countFDs(t)
		if n <= before && len(kids) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the monitor stopped: %d descriptors (was %d), children %v", n, before, kids)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip(err)
	}
	return len(ents)
}

// childrenOf returns the pids of pid's children, zombies included.
func childrenOf(pid int) []string {
	var all []string
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, e := range ents {
		// Each thread lists the children it forked.
		c, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, e.Name()))
		all = append(all, strings.Fields(string(c))...)
	}
	return all
}

// TestAutobaud9600: a RETURN typed at 9600 baud reads as 0xFF on a line
// sampling at 2400, and the port settles at 9600. The
// RETURN that wakes the parent is discarded when the child starts
// sampling, as in the original, so the user's first RETURN (here typed
// at 2400, 0x0D) does not choose the speed: the next one does.
func TestAutobaud9600(t *testing.T) {
	pty := testpty.Open(t)
	svc := script(t, `echo "STARTED"; read x`)
	tab := pmtabLine("p1", "", me(t), pmtab.TTY{Device: pty.SlavePath, Service: svc, Label: "auto", Prompt: "login: "})
	newHarness(t, tab, sacmsg.Enabled)
	if got := pty.ReadAll(t, 300*time.Millisecond); got != "" {
		t.Fatalf("autobaud port wrote %q before any input", got)
	}
	pty.Type(t, "\r") // wakes the parent; lost
	got := pty.ReadAll(t, 300*time.Millisecond)
	for i := 0; i < 50 && !strings.Contains(got, "login: "); i++ {
		pty.Type(t, "\xff")
		got += pty.ReadAll(t, 200*time.Millisecond)
	}
	if !strings.Contains(got, "\r\nWelcome to SAF\r\nlogin: ") {
		t.Fatalf("no prompt after 0xFF at 2400: %q", got)
	}
	if s := speedOf(t, pty); s != 9600 {
		t.Errorf("speed %d after 0xFF at 2400, want 9600", s)
	}
	pty.Type(t, "alice\r")
	pty.Expect(t, "STARTED", waitLong)
	if s := speedOf(t, pty); s != 9600 {
		t.Errorf("service runs at %d, want 9600", s)
	}
	pty.Type(t, "\r")
}
