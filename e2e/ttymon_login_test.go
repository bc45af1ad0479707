package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/internal/utmp"
)

// The acceptance test of the login hand-off: a real user logs in with
// the real /bin/login (and so the system's PAM stack) on a line that a
// ttymon under the real sac serves, set up with sacadm, pmadm and ttyadm
// as an administrator would type them (docs/linux.md#login-hand-off,
// docs/linux.md#utmp-and-wtmp). The port has ttyadm -T vt100, so that the
// shell's TERM shows the entry reached it.
//
// What the tests prove, and what they found (Debian 12: shadow login
// 4.13, Linux-PAM 1.5; no securetty, pam_nologin passes, nothing to
// change in the system's configuration):
//
//   - ttymon runs "login -- NAME": login asks only for the password; a
//     wrong one gives "Login incorrect", and once login gives up ttymon
//     prompts again.
//   - The shell has the line as its terminal and TERM from the entry.
//   - ttymon's LOGIN_PROCESS record (pid = login's pid, user LOGIN) is
//     in the sandbox utmp, and its DEAD_PROCESS record reaches the
//     sandbox wtmp when the session ends; the line is re-armed.
//   - login knows nothing of SAF_ROOT (TestTTYMonRealLogin). It writes
//     the user's USER_PROCESS record with getutent/pututline into the
//     system's /var/run/utmp, from its forked child: the record has the
//     child's pid, ut_session = login's pid, and the ut_id of the record
//     it found for the line (else "/N", the line from its 4th byte).
//     glibc never creates that file, so on a system without it (this
//     container) login writes no utmp record at all. login never writes
//     wtmp; pam_lastlog does (logwtmp, unless "nowtmp"): USER_PROCESS
//     when the session opens and DEAD_PROCESS when it closes, both with
//     an empty ut_id, into the system's /var/log/wtmp. So with SAF_ROOT
//     the sandbox utmp never shows the user (plain who lists nobody), and
//     a session's records are split between the sandbox files (ttymon's)
//     and the system's (login's and PAM's).
//   - With the files shared, as on an installed system
//     (TestTTYMonRealLoginSharedUtmp, in a mount namespace), login turns
//     ttymon's record into the user's, as docs/linux.md#utmp-and-wtmp
//     says, and ttymon marks it DEAD_PROCESS at the end. That needed a
//     fix: ttymon looked for the record by the service's pid only, and
//     login's child had replaced it with its own pid, so the user stayed
//     logged in for who(1) and wtmp got no DEAD_PROCESS from ttymon
//     (markDead in internal/ttymon/port.go).
//
// The test user and its home directory are removed afterwards. Without
// the mount namespace the system's lastlog, wtmp and btmp keep the
// records of the test logins, as they would for any login.

const loginWait = 20 * time.Second

// loginUser creates a user with a random name and password for one test,
// and removes it (home directory included) in t.Cleanup, also when the
// test fails.
func loginUser(t *testing.T) (name, password string) {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name = "saftest" + hex.EncodeToString(b[:4])
	password = "Pw-" + hex.EncodeToString(b[4:])
	// A POSIX shell, so that the prompt is a plain "$ ".
	if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		// login's session may still be ending; userdel refuses a user
		// with live processes, so wait for them briefly.
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, err := exec.Command("userdel", "-r", name).CombinedOutput()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				// Still in use: remove it anyway (its processes end
				// when their line hangs up).
				if out2, err2 := exec.Command("userdel", "-f", "-r", name).CombinedOutput(); err2 != nil {
					t.Errorf("userdel -r %s: %v\n%s\nuserdel -f -r: %v\n%s", name, err, out, err2, out2)
				}
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(name + ":" + password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v\n%s", err, out)
	}
	return name, password
}

// loginLine sets up a SAF_ROOT sandbox with the shipped /etc/ttydefs,
// starts sac and adds a ttymon port monitor "mbmon" with a port "a" on a
// new pty that runs /bin/login with utmp accounting, using sacadm, pmadm
// and ttyadm as documented. It returns the sandbox and the pty, with the
// first prompt not yet read.
func loginLine(t *testing.T, private bool) (sb *testexec.Sandbox, pty *testpty.Pair, name, password string) {
	t.Helper()
	testexec.RequireRoot(t)
	for _, p := range []string{"/bin/login", "useradd", "chpasswd", "userdel"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is missing: %v", p, err)
		}
	}
	if _, err := os.Stat("/etc/pam.d/login"); err != nil {
		t.Skipf("no PAM configuration for login: %v", err)
	}
	for _, f := range []string{"/etc/nologin", "/var/run/nologin"} {
		if _, err := os.Stat(f); err == nil {
			t.Skipf("%s exists: pam_nologin refuses every login but root's", f)
		}
	}
	// Made first, so that its removal comes last: after the pty is
	// closed and sac and ttymon have stopped, the session is gone.
	name, password = loginUser(t)
	sb = tmSandbox(t)
	defs, err := os.ReadFile(filepath.Join(repoRoot(t), "install", "etc", "ttydefs"))
	if err != nil {
		t.Fatal(err)
	}
	sb.WriteFile(t, "etc/ttydefs", string(defs)) // the shipped one
	pty = testpty.Open(t)

	if private {
		startSacPrivate(t, sb)
	} else {
		startSac(t, sb)
	}
	ver, errs, code := sacadm(t, sb, "ttyadm", "-V")
	if code != 0 {
		t.Fatalf("ttyadm -V: exit %d: %s", code, errs)
	}
	ver = strings.TrimSpace(ver)
	if out, errs, code := sacadm(t, sb, "sacadm", "-a", "-p", "mbmon", "-t", "ttymon", "-c", testexec.Bin(t, "ttymon"), "-v", ver); code != 0 {
		t.Fatalf("sacadm -a: exit %d\n%s%s", code, out, errs)
	}
	waitState(t, sb, "mbmon", "ENABLED")
	spec, errs, code := sacadm(t, sb, "ttyadm", "-d", pty.SlavePath, "-l", "9600", "-s", "/bin/login", "-T", "vt100")
	if code != 0 {
		t.Fatalf("ttyadm: exit %d: %s", code, errs)
	}
	if out, errs, code := sacadm(t, sb, "pmadm", "-a", "-p", "mbmon", "-s", "a", "-i", "root", "-fu", "-v", ver, "-m", strings.TrimSpace(spec)); code != 0 {
		t.Fatalf("pmadm -a: exit %d\n%s%s", code, out, errs)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("mbmon log:\n%s", pmLog(sb, "mbmon"))
		}
	})
	return sb, pty, name, password
}

// armed is what the line shows when ttymon (re-)arms it: /etc/issue and
// ttymon's own prompt. login's prompt is "<host> login: ", never after
// the issue text.
const armed = `SAF test system\r\nlogin: $`

// TestTTYMonRealLogin is the login acceptance test: a real login through
// /bin/login on a ttymon line.
func TestTTYMonRealLogin(t *testing.T) {
	sb, pty, name, password := loginLine(t, false)
	line := strings.TrimPrefix(pty.SlavePath, "/dev/")
	realWtmp := utmpSet("/var/log/wtmp")

	pty.Expect(t, armed, loginWait)
	pty.Type(t, name+"\r")
	// login -- NAME asks for the password only.
	if got := pty.Expect(t, `Password: ?$`, loginWait); strings.Contains(got, "login:") {
		t.Errorf("login asked for the name again: %q", got)
	}
	// The service is login, and ttymon's LOGIN_PROCESS record carries its
	// pid (ttymon execs the service in the child that wrote it).
	var loginPid int32
	waitFor(t, "ttymon's LOGIN_PROCESS record", func() bool {
		recs, _ := utmp.ReadFile(sb.Path("/var/run/utmp"))
		for _, r := range recs {
			if r.Type == utmp.LoginProcess && r.Line == line {
				loginPid = r.Pid
				return true
			}
		}
		return false
	})
	recs, err := utmp.ReadFile(sb.Path("/var/run/utmp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Pid == loginPid && (r.User != "LOGIN" || r.ID != utmp.IDFor(line)) {
			t.Errorf("ttymon's utmp record: %+v", r)
		}
	}
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(int(loginPid)) + "/cmdline")
	if !strings.HasPrefix(string(cmdline), "/bin/login\x00--\x00") {
		t.Errorf("pid %d of the utmp record runs %q, want /bin/login -- NAME", loginPid, cmdline)
	}

	pty.Type(t, password+"\r")
	pty.Expect(t, `\$ $`, loginWait)
	pty.Type(t, "id -un; tty; echo $TERM\r")
	out := pty.Expect(t, `echo \$TERM\r\n(?:[^\r]*\r\n){3}\$ $`, loginWait)
	ans := regexp.MustCompile(`echo \$TERM\r\n([^\r]*)\r\n([^\r]*)\r\n([^\r]*)\r\n`).FindStringSubmatch(out)
	if ans == nil || ans[1] != name || ans[2] != pty.SlavePath || ans[3] != "vt100" {
		t.Errorf("id -un; tty; echo $TERM answered %q, want %s, %s, vt100", out, name, pty.SlavePath)
	}

	// The sandbox utmp: ttymon's record only. `who -l` shows it on the
	// line; login did not turn it into the user's record (it writes the
	// system's utmp, see the top of this file), so plain `who` lists
	// nobody.
	recs, err = utmp.ReadFile(sb.Path("/var/run/utmp"))
	if err != nil {
		t.Fatal(err)
	}
	var mine []utmp.Record
	for _, r := range recs {
		if r.Line == line {
			mine = append(mine, r)
		}
	}
	if len(mine) != 1 || mine[0].Type != utmp.LoginProcess || mine[0].Pid != loginPid {
		t.Errorf("sandbox utmp records of %s during the session: %+v", line, mine)
	}
	if who, err := exec.LookPath("who"); err == nil {
		got, err := exec.Command(who, "-l", sb.Path("/var/run/utmp")).CombinedOutput()
		if err != nil || !regexp.MustCompile(`(?m)^LOGIN\s+`+regexp.QuoteMeta(line)+`\s`).Match(got) {
			t.Errorf("who -l <sandbox utmp> does not show ttymon's record on %s (%v):\n%s", line, err, got)
		}
		got, _ = exec.Command(who, sb.Path("/var/run/utmp")).CombinedOutput()
		if strings.Contains(string(got), name) {
			t.Errorf("who <sandbox utmp> lists %s, so login wrote the sandbox utmp: update this test and its comment:\n%s", name, got)
		}
	}
	// login's own records: USER_PROCESS in the system's files.
	if _, err := os.Stat("/var/run/utmp"); err == nil {
		if !hasUser("/var/run/utmp", utmp.UserProcess, name, line, 0, nil) {
			t.Errorf("/var/run/utmp has no USER_PROCESS record of %s on %s", name, line)
		}
	} else {
		t.Logf("no /var/run/utmp on this system: login's pututline could not write its record (%v)", err)
	}
	lastlogWtmp := realWtmp != nil && pamLastlogWtmp()
	if lastlogWtmp && !hasUser("/var/log/wtmp", utmp.UserProcess, name, line, loginPid, realWtmp) {
		t.Errorf("/var/log/wtmp has no USER_PROCESS record of %s on %s from pam_lastlog", name, line)
	}

	// Log out: ttymon marks its record dead, appends it to the sandbox
	// wtmp, and re-arms the line.
	pty.Type(t, "exit\r")
	pty.Expect(t, armed, loginWait)
	waitFor(t, "DEAD_PROCESS in the sandbox utmp", func() bool {
		return hasUser(sb.Path("/var/run/utmp"), utmp.DeadProcess, "", line, loginPid, nil)
	})
	if !hasUser(sb.Path("/var/log/wtmp"), utmp.DeadProcess, "", line, loginPid, nil) {
		t.Errorf("the sandbox wtmp has no DEAD_PROCESS record of pid %d on %s", loginPid, line)
	}
	if lastlogWtmp {
		waitFor(t, "pam_lastlog's DEAD_PROCESS in /var/log/wtmp", func() bool {
			return hasUser("/var/log/wtmp", utmp.DeadProcess, "", line, loginPid, realWtmp)
		})
	}
	if dump, err := exec.LookPath("utmpdump"); err == nil {
		got, _ := exec.Command(dump, sb.Path("/var/log/wtmp")).CombinedOutput()
		if !regexp.MustCompile(`\[8\] \[0*` + strconv.Itoa(int(loginPid)) + `\] \[[^]]*\] \[[^]]*\] \[` + regexp.QuoteMeta(line) + `\s*\]`).Match(got) {
			t.Errorf("utmpdump <sandbox wtmp> lacks the DEAD_PROCESS of %d on %s:\n%s", loginPid, line, got)
		}
	}
	// last(1) reads the sandbox wtmp without complaint; it lists
	// sessions from their USER_PROCESS records, which login wrote to the
	// system's wtmp, so here it has no session to show.
	if last, err := exec.LookPath("last"); err == nil {
		got, err := exec.Command(last, "-f", sb.Path("/var/log/wtmp")).CombinedOutput()
		if err != nil || !strings.Contains(string(got), "begins") {
			t.Errorf("last -f <sandbox wtmp>: %v\n%s", err, got)
		}
	}
}

// TestTTYMonRealLoginWrongPassword: login says "Login incorrect"; when
// it gives up, ttymon re-arms the line.
func TestTTYMonRealLoginWrongPassword(t *testing.T) {
	_, pty, name, password := loginLine(t, false)

	pty.Expect(t, armed, loginWait)
	pty.Type(t, name+"\r")
	// After a failure login prompts for a name itself ("<host> login: ",
	// not after the issue text) and gives up after LOGIN_RETRIES
	// failures (5 on Debian; pam_faildelay waits 3 s after each). A user
	// who walks away would see it give up after LOGIN_TIMEOUT (60 s);
	// failing again is the quicker way to get there. (An end of file,
	// ^D, at its prompt did not make it exit within 20 s.)
	prompt := regexp.MustCompile(`(SAF test system\r\n|\S+ )login: $`)
	for try := 1; ; try++ {
		pty.Expect(t, `Password: ?$`, loginWait)
		pty.Type(t, "not-"+password+"\r")
		pty.Expect(t, `Login incorrect`, loginWait)
		got := pty.Expect(t, prompt.String(), loginWait)
		if strings.HasSuffix(got, "SAF test system\r\nlogin: ") {
			t.Logf("login gave up after %d failures; ttymon prompted again", try)
			return
		}
		if try == 10 {
			t.Fatalf("login still prompts after %d failures", try)
		}
		pty.Type(t, name+"\r")
	}
}

// hasUser reports whether the accounting file path holds a record of
// type typ on line, for user (any if empty) and pid (any if 0), that is
// not among the skip records (pids read before the test; nil: none).
func hasUser(path string, typ int16, user, line string, pid int32, skip map[utmp.Record]bool) bool {
	recs, err := utmp.ReadFile(path)
	if err != nil {
		return false
	}
	for _, r := range recs {
		if r.Type == typ && r.Line == line && (user == "" || r.User == user) && (pid == 0 || r.Pid == pid) && !skip[r] {
			return true
		}
	}
	return false
}

// pamLastlogWtmp reports whether login's PAM configuration has
// pam_lastlog write wtmp records (a session line without "nowtmp"). It
// reads /etc/pam.d/login only: Debian's includes do not name the module.
func pamLastlogWtmp() bool {
	b, err := os.ReadFile("/etc/pam.d/login")
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && f[0] == "session" && strings.Contains(l, "pam_lastlog.so") && !strings.Contains(l, "nowtmp") {
			return true
		}
	}
	return false
}

// utmpSet returns the records of path as a set, or nil when it cannot
// be read.
func utmpSet(path string) map[utmp.Record]bool {
	recs, err := utmp.ReadFile(path)
	if err != nil {
		return nil
	}
	m := make(map[utmp.Record]bool, len(recs))
	for _, r := range recs {
		m[r] = true
	}
	return m
}

// startSacPrivate starts sac as startSac does, but in its own mount
// namespace where the sandbox's /var/run is mounted on /run and its wtmp
// on /var/log/wtmp: sac, ttymon and login (which knows nothing of
// SAF_ROOT) then share the accounting files, as on an installed system,
// and the system's files are not touched.
func startSacPrivate(t *testing.T, sb *testexec.Sandbox) *sacRun {
	t.Helper()
	for _, p := range []string{"unshare", "mount"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is missing: %v", p, err)
		}
	}
	if out, err := exec.Command("unshare", "--mount", "--propagation", "private", "mount", "--bind", sb.Root, sb.Root).CombinedOutput(); err != nil {
		t.Skipf("cannot make a mount namespace: %v\n%s", err, out)
	}
	if fi, err := os.Stat("/var/log/wtmp"); err != nil || !fi.Mode().IsRegular() {
		t.Skipf("no /var/log/wtmp to mount the sandbox's on: %v", err)
	}
	sb.WriteFile(t, "var/log/wtmp", "")
	sb.WriteFile(t, "var/run/utmp", "")
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
		`mount --bind "$1/var/run" /run && mount --bind "$1/var/log/wtmp" /var/log/wtmp && exec "$2" -t 1`,
		"sh", sb.Root, testexec.Bin(t, "sac"))
	cmd.Env = sb.Env()
	return runSac(t, sb, cmd)
}

// TestTTYMonRealLoginSharedUtmp logs in as TestTTYMonRealLogin does,
// with login writing the same accounting files as ttymon (a private
// mount namespace, see startSacPrivate): the whole record life of
// docs/linux.md#utmp-and-wtmp on an installed system. ttymon's
// LOGIN_PROCESS record becomes the user's, and it is DEAD_PROCESS in utmp
// and wtmp after the logout, although login's child, not login, wrote the
// user's record (the bug markDead in internal/ttymon/port.go fixes).
func TestTTYMonRealLoginSharedUtmp(t *testing.T) {
	sb, pty, name, password := loginLine(t, true)
	line := strings.TrimPrefix(pty.SlavePath, "/dev/")
	utmpPath, wtmpPath := sb.Path("/var/run/utmp"), sb.Path("/var/log/wtmp")

	pty.Expect(t, armed, loginWait)
	pty.Type(t, name+"\r")
	pty.Expect(t, `Password: ?$`, loginWait)
	var loginPid int32
	waitFor(t, "ttymon's LOGIN_PROCESS record", func() bool {
		recs, _ := utmp.ReadFile(utmpPath)
		for _, r := range recs {
			if r.Type == utmp.LoginProcess && r.Line == line {
				loginPid = r.Pid
				return true
			}
		}
		return false
	})
	pty.Type(t, password+"\r")
	pty.Expect(t, `\$ $`, loginWait)

	// login turned ttymon's record (same slot: same ut_id) into the
	// user's, in the service's session.
	recs, err := utmp.ReadFile(utmpPath)
	if err != nil {
		t.Fatal(err)
	}
	var mine []utmp.Record
	for _, r := range recs {
		if r.Line == line {
			mine = append(mine, r)
		}
	}
	if len(mine) != 1 || mine[0].Type != utmp.UserProcess || mine[0].User != name || mine[0].ID != utmp.IDFor(line) || mine[0].Session != loginPid {
		t.Errorf("utmp records of %s during the session (service pid %d): %+v", line, loginPid, mine)
	}
	who, whoErr := exec.LookPath("who")
	if whoErr == nil {
		got, err := exec.Command(who, utmpPath).CombinedOutput()
		if err != nil || !regexp.MustCompile(`(?m)^`+name+`\s+`+regexp.QuoteMeta(line)+`\s`).Match(got) {
			t.Errorf("who <utmp> does not list %s on %s (%v):\n%s", name, line, err, got)
		}
	}

	pty.Type(t, "exit\r")
	pty.Expect(t, armed, loginWait)
	waitFor(t, "the session's record to be DEAD_PROCESS", func() bool {
		recs, _ := utmp.ReadFile(utmpPath)
		dead := false
		for _, r := range recs {
			if r.Line == line {
				if r.Type != utmp.DeadProcess {
					return false
				}
				dead = true
			}
		}
		return dead
	})
	if whoErr == nil {
		if got, _ := exec.Command(who, utmpPath).CombinedOutput(); strings.Contains(string(got), name) {
			t.Errorf("who <utmp> still lists %s after the logout:\n%s", name, got)
		}
	}
	// ttymon's DEAD_PROCESS in wtmp carries its ut_id; pam_lastlog's
	// logout record, if any, has none.
	if !hasID(wtmpPath, utmp.DeadProcess, line, utmp.IDFor(line)) {
		t.Errorf("wtmp has no DEAD_PROCESS record of ttymon's for %s", line)
	}
	if last, err := exec.LookPath("last"); err == nil {
		got, err := exec.Command(last, "-f", wtmpPath).CombinedOutput()
		if err != nil || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(name[:min(8, len(name))])+`\S*\s+`+regexp.QuoteMeta(line)+`\s`).Match(got) || strings.Contains(string(got), "still logged in") {
			t.Errorf("last -f <wtmp> does not show %s's ended session on %s (%v):\n%s", name, line, err, got)
		}
	}
}

// hasID reports whether the accounting file path has a record of type
// typ on line with ut_id id.
func hasID(path string, typ int16, line, id string) bool {
	recs, _ := utmp.ReadFile(path)
	for _, r := range recs {
		if r.Type == typ && r.Line == line && r.ID == id {
			return true
		}
	}
	return false
}
