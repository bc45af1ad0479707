package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/saf/pmstatus"
)

// Our operations extensions (docs/linux.md#extensions-beyond-the-original):
// sacadm -k --force, sacadm --status and sacadm -x --dry-run, with the
// built sac, ttymon, listen and admin commands, on loopback and ptys. Every
// wait is a bounded poll.

// opsScript writes an executable script that prints its pid, then
// echoes every line back: a session a test can find and talk to.
func opsScript(t *testing.T) string {
	return tmScript(t, "svc", `echo "PID=$$"; while read x; do echo "ECHO [$x]"; done`)
}

// alive reports whether pid runs (a zombie does not count).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// readPID reads the "PID=N" line a session started with opsScript sends.
func readPID(t *testing.T, r io.Reader) int {
	t.Helper()
	var b []byte
	one := make([]byte, 1)
	for !bytes.HasSuffix(b, []byte("\n")) {
		if _, err := r.Read(one); err != nil {
			t.Fatalf("reading the session's pid: %v (read %q)", err, b)
		}
		b = append(b, one[0])
	}
	m := regexp.MustCompile(`^PID=(\d+)\r?\n$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("session said %q, want PID=N", b)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// opsListen starts sac with a listen port monitor tcp serving the
// opsScript as service "echo" on a loopback address it returns.
func opsListen(t *testing.T, sb *testexec.Sandbox) string {
	t.Helper()
	startSacListen(t, sb)
	addr := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	addSvc(t, sb, "tcp", "echo", svcUser(t), nlsformat(t, sb, "-c", opsScript(t), "-A", addr))
	return addr
}

// opsEcho sends line to an opsScript session and checks its echo.
func opsEcho(t *testing.T, c io.ReadWriter, line string) {
	t.Helper()
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		t.Fatal(err)
	}
	want := "ECHO [" + line + "]\n"
	b := make([]byte, len(want))
	if _, err := io.ReadFull(c, b); err != nil || string(b) != want {
		t.Fatalf("echo of %q: got %q, %v", line, b, err)
	}
}

func mustSacadm(t *testing.T, sb *testexec.Sandbox, args ...string) string {
	t.Helper()
	out, errs, code := sacadm(t, sb, "sacadm", args...)
	if code != 0 {
		t.Fatalf("sacadm %q: exit %d\n%s%s", args, code, out, errs)
	}
	return out
}

// sacadm -k leaves a listen session running; sacadm -k --force ends it.
func TestOpsListenStopNormalAndForce(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addr := opsListen(t, sb)

	live := ldial(t, "tcp4", addr)
	pid1 := readPID(t, live)
	opsEcho(t, live, "before")
	mustSacadm(t, sb, "-k", "-p", "tcp")
	waitState(t, sb, "tcp", "NOTRUNNING")
	opsEcho(t, live, "stop normal: the session goes on")
	if !alive(pid1) {
		t.Fatalf("session %d ended with sacadm -k", pid1)
	}

	mustSacadm(t, sb, "-s", "-p", "tcp")
	waitState(t, sb, "tcp", "ENABLED")
	waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `Net opened, 1 address bound`)
	forced := ldial(t, "tcp4", addr)
	pid2 := readPID(t, forced)
	opsEcho(t, forced, "before force")
	mustSacadm(t, sb, "-k", "-p", "tcp", "--force")
	waitFor(t, "the forced session to end", func() bool { return !alive(pid2) })
	forced.SetDeadline(time.Now().Add(10 * time.Second))
	if b, _ := io.ReadAll(forced); len(b) != 0 {
		t.Errorf("forced session wrote %q after the stop", b)
	}
	waitState(t, sb, "tcp", "NOTRUNNING")
	waitLog(t, "sac", func() string { return sacLog(sb) }, fmt.Sprintf(`ending the 1 sessions of <tcp> \[%d\] \(sacadm -k --force\)`, pid2))
	// The stop itself is the ordinary one.
	waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `caught SIGTERM \(exiting\)`)
}

// opsTTYMon adds a ttymon port monitor ttys with port p1 on pty, running
// the opsScript, with utmp accounting.
func opsTTYMon(t *testing.T, sb *testexec.Sandbox, pty *testpty.Pair, svc string) {
	t.Helper()
	mustSacadm(t, sb, "-a", "-p", "ttys", "-t", "ttymon", "-c", testexec.Bin(t, "ttymon"), "-v", "1")
	spec, errs, code := sacadm(t, sb, "ttyadm", "-d", pty.SlavePath, "-l", "fast", "-s", svc, "-p", "ops login: ")
	if code != 0 {
		t.Fatalf("ttyadm: exit %d: %s", code, errs)
	}
	if out, errs, code := sacadm(t, sb, "pmadm", "-a", "-p", "ttys", "-s", "p1", "-i", svcUser(t), "-f", "u", "-v", "1", "-m", spec); code != 0 && code != 4 {
		t.Fatalf("pmadm -a: exit %d\n%s%s", code, out, errs)
	}
}

// ttyLogin answers the prompt on pty and returns the service's pid.
func ttyLogin(t *testing.T, pty *testpty.Pair, name string) int {
	t.Helper()
	pty.Expect(t, `ops login: $`, tmWait)
	pty.Type(t, name+"\r")
	m := regexp.MustCompile(`PID=(\d+)`).FindStringSubmatch(pty.Expect(t, `PID=\d+\r?\n`, tmWait))
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// The same for ttymon: its session survives sacadm -k, and sacadm -k
// --force ends the session of the ttymon it stops.
func TestOpsTTYMonStopNormalAndForce(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	pty := testpty.Open(t)
	opsTTYMon(t, sb, pty, opsScript(t))
	startSac(t, sb, "ttys")
	pid := ttyLogin(t, pty, "gina")

	mustSacadm(t, sb, "-k", "-p", "ttys")
	waitState(t, sb, "ttys", "NOTRUNNING")
	pty.Type(t, "still\r")
	pty.Expect(t, `ECHO \[still\]`, tmWait)
	if !alive(pid) {
		t.Fatalf("session %d ended with sacadm -k", pid)
	}

	// Started again, ttymon finds the line owned by the old session
	// and leaves it alone (SESSION): the session is no child of the new
	// ttymon, and --force does not touch it.
	mustSacadm(t, sb, "-s", "-p", "ttys")
	waitState(t, sb, "ttys", "ENABLED")
	syscall.Kill(pid, syscall.SIGKILL) // end the old session: the line comes back
	// A second port, to log in under the new ttymon.
	pty2 := testpty.Open(t)
	spec, errs, code := sacadm(t, sb, "ttyadm", "-d", pty2.SlavePath, "-l", "fast", "-s", opsScript(t), "-p", "ops login: ")
	if code != 0 {
		t.Fatalf("ttyadm: exit %d: %s", code, errs)
	}
	if out, errs, code := sacadm(t, sb, "pmadm", "-a", "-p", "ttys", "-s", "p2", "-i", svcUser(t), "-v", "1", "-m", spec); code != 0 {
		t.Fatalf("pmadm -a p2: exit %d\n%s%s", code, out, errs)
	}
	pty2pid := ttyLogin(t, pty2, "hank")
	mustSacadm(t, sb, "-k", "-p", "ttys", "--force")
	waitFor(t, "the forced ttymon session to end", func() bool { return !alive(pty2pid) })
	pty2.ExpectHangup(t, tmWait)
	waitLog(t, "sac", func() string { return sacLog(sb) }, `ending the \d+ sessions of <ttys> \[[0-9 ]*`+strconv.Itoa(pty2pid))
}

// statusJSON runs sacadm --status --json and decodes it.
type opsStatus struct {
	Sac          string `json:"sac"`
	PortMonitors []struct {
		Tag      string `json:"tag"`
		Type     string `json:"type"`
		State    string `json:"state"`
		Answered bool   `json:"answered"`
		PID      int    `json:"pid"`
		Services []struct {
			Tag      string             `json:"tag"`
			State    string             `json:"state"`
			Where    string             `json:"where"`
			InTable  bool               `json:"in_table"`
			Loaded   bool               `json:"loaded"`
			Sessions []pmstatus.Session `json:"sessions"`
		} `json:"services"`
	} `json:"port_monitors"`
}

// --status shows a live ttymon session and a live listen session, in the
// table and as JSON.
func TestOpsStatus(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	pty := testpty.Open(t)
	opsTTYMon(t, sb, pty, opsScript(t))
	addr := opsListen(t, sb)
	waitState(t, sb, "ttys", "ENABLED")
	ttyPid := ttyLogin(t, pty, "ivan")
	c := ldial(t, "tcp4", addr)
	netPid := readPID(t, c)
	peer := c.LocalAddr().String()

	out := mustSacadm(t, sb, "--status")
	t.Logf("sacadm --status:\n%s", out)
	lines := strings.Split(out, "\n")
	if !regexp.MustCompile(`^PMTAG +PMTYPE +STATUS +SVCTAG +STATE +WHERE +PID +USER/PEER +SINCE$`).MatchString(lines[0]) {
		t.Errorf("header: %q", lines[0])
	}
	want := []string{
		fmt.Sprintf(`(?m)^tcp +listen +ENABLED +echo +listening +%s +%d +%s +\d{4}-`, regexp.QuoteMeta(addr), netPid, regexp.QuoteMeta(peer)),
		fmt.Sprintf(`(?m)^ttys +ttymon +ENABLED +p1 +session +%s +%d +LOGIN +\d{4}-`, regexp.QuoteMeta(pty.SlavePath), ttyPid),
	}
	for _, re := range want {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("sacadm --status does not match %s", re)
		}
	}
	// The columns line up: every row's SVCTAG starts where the header's does.
	col := strings.Index(lines[0], "SVCTAG")
	for _, l := range lines[1:] {
		if l != "" && (len(l) < col || l[col-1] != ' ' || l[col] == ' ') {
			t.Errorf("row not aligned with the header: %q", l)
		}
	}

	js := mustSacadm(t, sb, "--status", "--json")
	var st opsStatus
	if err := json.Unmarshal([]byte(js), &st); err != nil {
		t.Fatalf("--json: %v\n%s", err, js)
	}
	if st.Sac != "running" || len(st.PortMonitors) != 2 {
		t.Fatalf("--json: %+v", st)
	}
	found := 0
	for _, p := range st.PortMonitors {
		if !p.Answered || p.PID != pmPid(sb, p.Tag) || p.State != "ENABLED" {
			t.Errorf("port monitor %s: %+v", p.Tag, p)
		}
		for _, s := range p.Services {
			for _, ss := range s.Sessions {
				switch {
				case p.Tag == "tcp" && s.Tag == "echo" && ss.PID == netPid && ss.Peer == peer && !ss.Since.IsZero():
					found++
				case p.Tag == "ttys" && s.Tag == "p1" && ss.PID == ttyPid && ss.User == "LOGIN" && s.Where == pty.SlavePath:
					found++
				default:
					t.Errorf("unexpected session %s/%s %+v", p.Tag, s.Tag, ss)
				}
			}
		}
	}
	if found != 2 {
		t.Errorf("--json shows %d of the 2 sessions:\n%s", found, js)
	}

	// -p selects one port monitor; the session goes away from the list
	// when it ends.
	c.Close()
	waitFor(t, "the listen session to leave --status", func() bool {
		out := mustSacadm(t, sb, "--status", "-p", "tcp")
		return regexp.MustCompile(`(?m)^tcp +listen +ENABLED +echo +listening +\S+ +- +- +-$`).MatchString(out) &&
			!strings.Contains(out, "ttys")
	})
	if out, errs, code := sacadm(t, sb, "sacadm", "--status", "-p", "nope"); code != 5 || !strings.Contains(errs, "nope does not exist") {
		t.Errorf("--status -p nope: exit %d\n%s%s", code, out, errs)
	}
}

// Every kind of reload (sacadm -x, pmadm -a and -r, SIGHUP to sac) keeps
// a long-running listen session and a connection still waiting in the
// listen queue.
func TestOpsReloadKeepsSessionsAndQueue(t *testing.T) {
	sb := testexec.NewSandbox(t)
	id := svcUser(t)
	// A long sanity interval: the port monitor may be stopped (SIGSTOP)
	// for a while without sac killing it.
	sac := startSacInterval(t, sb, "60")
	addListenPM(t, sb, "tcp", "tcp")
	// The first poll comes a whole interval after the start: until
	// then sac shows STARTING, while listen already serves (ISTATE
	// enabled).
	waitFor(t, "listen to start", func() bool { return pmPid(sb, "tcp") > 0 })
	waitLog(t, "listen", func() string { return pmLog(sb, "tcp") }, `Initialization Complete`)
	addr := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	addSvc(t, sb, "tcp", "echo", id, nlsformat(t, sb, "-c", opsScript(t), "-A", addr))

	live := ldial(t, "tcp4", addr)
	livePid := readPID(t, live)
	opsEcho(t, live, "before")

	// Hold the listener still: a connection made now stays in the
	// kernel's queue, accepted by nobody, through every reload.
	lpid := pmPid(sb, "tcp")
	if err := syscall.Kill(lpid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	defer func() {
		if stopped {
			syscall.Kill(lpid, syscall.SIGCONT)
		}
	}()
	queued := ldial(t, "tcp4", addr)
	n := rereads(sb, "tcp")
	other := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	for _, args := range [][]string{
		{"sacadm", "-x"},
		{"pmadm", "-a", "-p", "tcp", "-s", "other", "-i", id, "-v", "4", "-m", nlsformat(t, sb, "-c", "/bin/cat", "-A", other)},
		{"sacadm", "-x", "-p", "tcp"},
		{"pmadm", "-r", "-p", "tcp", "-s", "other"},
	} {
		if out, errs, code := sacadm(t, sb, args[0], args[1:]...); code != 0 {
			t.Fatalf("%q: exit %d\n%s%s", args, code, out, errs)
		}
	}
	if err := sac.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog(t, "sac", func() string { return sacLog(sb) }, `caught SIGHUP - re-reading _sactab`)
	if err := syscall.Kill(lpid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	stopped = false
	waitFor(t, "the listener to re-read its table", func() bool { return rereads(sb, "tcp") > n })

	if p := readPID(t, queued); p == livePid {
		t.Errorf("the queued connection got the live session's pid %d", p)
	}
	opsEcho(t, queued, "the queued connection is served")
	opsEcho(t, live, "the live session is untouched")
	if pmPid(sb, "tcp") != lpid {
		t.Errorf("listen was restarted: pid %d, was %d", pmPid(sb, "tcp"), lpid)
	}
	if strings.Contains(pmLog(sb, "tcp"), "Unbind echo") {
		t.Errorf("the echo endpoint was closed by a reload:\n%s", pmLog(sb, "tcp"))
	}
}

// sacadm -x --dry-run reports an added and a removed service, a changed
// _sactab and a corrupt table, and applies nothing.
func TestOpsDryRun(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	pty := testpty.Open(t)
	opsTTYMon(t, sb, pty, opsScript(t))
	addr := opsListen(t, sb)
	waitState(t, sb, "ttys", "ENABLED")
	pty.Expect(t, `ops login: $`, tmWait)
	c := ldial(t, "tcp4", addr)
	readPID(t, c)
	opsEcho(t, c, "x")

	// Nothing changed yet.
	if out := mustSacadm(t, sb, "-x", "--dry-run"); out != "no changes\n" {
		t.Errorf("dry run of the running configuration:\n%s", out)
	}

	// Edit the tables behind the port monitors' backs: service echo
	// goes, service added comes; a port monitor is added to _sactab.
	other := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	tab := "# VERSION=4\nadded::" + svcUser(t) + ":reserved:reserved:reserved:" + nlsformat(t, sb, "-c", "/bin/cat", "-A", other) + "#\n"
	sactab, _ := os.ReadFile(sb.Path("/etc/saf/_sactab"))
	sb.WriteFile(t, "etc/saf/tcp/_pmtab", tab)
	sb.WriteFile(t, "etc/saf/_sactab", string(sactab)+"extra:listen::0:/bin/true #\n")
	sb.WriteFile(t, "etc/saf/extra/_pmtab", "# VERSION=4\n")
	n := rereads(sb, "tcp")
	out, errs, code := sacadm(t, sb, "sacadm", "-x", "--dry-run")
	want := "would add port monitor extra (listen)\ntcp: would add service added\ntcp: would remove service echo\n" +
		"extra: not running: services not compared\n"
	if code != 0 || out != want || errs != "" {
		t.Errorf("dry run: exit %d\n%s%s\nwant exit 0\n%s", code, out, errs, want)
	}

	// A corrupt table: file and line, exit 3.
	sb.WriteFile(t, "etc/saf/tcp/_pmtab", tab+"broken\n")
	out, errs, code = sacadm(t, sb, "sacadm", "-x", "-p", "tcp", "--dry-run")
	if code != 3 || !strings.Contains(errs, sb.Path("/etc/saf/tcp/_pmtab")+":3: corrupt entry") {
		t.Errorf("dry run of a corrupt table: exit %d\n%s%s", code, out, errs)
	}

	// Nothing was applied: the old service still answers, the new one
	// does not, nobody re-read anything, sac has no port monitor extra.
	c = ldial(t, "tcp4", addr)
	readPID(t, c)
	opsEcho(t, c, "y")
	lrefused(t, "tcp4", other)
	if rereads(sb, "tcp") != n {
		t.Errorf("the listener re-read its table:\n%s", pmLog(sb, "tcp"))
	}
	if _, ok := states(t, sb)["extra"]; ok {
		t.Errorf("sac took the new _sactab: %v", states(t, sb))
	}
}
