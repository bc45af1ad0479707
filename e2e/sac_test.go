package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/lockfile"
)

// These tests run the built sac with the test port monitor (internal/testpm)
// in a SAF_ROOT sandbox, at the shortest sanity interval, 1 second. Waits
// are bounded loops on observable state, never fixed sleeps.

// sacadm runs sacadm in the sandbox and returns its stdout, stderr and
// exit status.
func sacadm(t *testing.T, sb *testexec.Sandbox, prog string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := sb.Command(t, prog, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), exitCode(err)
}

// addTestPM registers a testpm port monitor with extra sacadm arguments.
func addTestPM(t *testing.T, sb *testexec.Sandbox, tag, pmArgs string, extra ...string) {
	t.Helper()
	cmd := testexec.TestPM(t)
	if pmArgs != "" {
		cmd += " " + pmArgs
	}
	args := append([]string{"-a", "-p", tag, "-t", "testpm", "-c", cmd, "-v", "1"}, extra...)
	if out, errs, code := sacadm(t, sb, "sacadm", args...); code != 0 {
		t.Fatalf("sacadm -a %s: exit %d\n%s%s", tag, code, out, errs)
	}
}

// waitFor polls cond for up to 30 seconds (generous: a loaded CI machine).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// states returns each port monitor's state from sacadm -L.
func states(t *testing.T, sb *testexec.Sandbox) map[string]string {
	out, _, _ := sacadm(t, sb, "sacadm", "-L")
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.SplitN(line, ":", 6)
		if len(f) == 6 {
			m[f[0]] = f[4]
		}
	}
	return m
}

func waitState(t *testing.T, sb *testexec.Sandbox, tag, state string) {
	t.Helper()
	waitFor(t, tag+" "+state, func() bool { return states(t, sb)[tag] == state })
}

// sacLog and pmLog return the log files' contents.
func sacLog(sb *testexec.Sandbox) string {
	b, _ := os.ReadFile(sb.Path("/var/saf/_log"))
	return string(b)
}

func pmLog(sb *testexec.Sandbox, tag string) string {
	b, _ := os.ReadFile(sb.Path("/var/saf/" + tag + "/log"))
	return string(b)
}

func waitLog(t *testing.T, what string, read func() string, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	waitFor(t, what+" to log "+re, func() bool { return rx.MatchString(read()) })
}

// pmPid returns the pid holding tag's _pid lock, or 0.
func pmPid(sb *testexec.Sandbox, tag string) int {
	pid, locked, _ := lockfile.RecordLocked(sb.Path("/etc/saf/" + tag + "/_pid"))
	if !locked {
		return 0
	}
	return pid
}

// children returns the pids and states of pid's children.
func children(pid int) map[int]string {
	out := map[int]string{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out[n] = f[0]
		}
	}
	return out
}

func fdCount(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(ents)
}

// pidfdCount counts the pidfds among pid's descriptors: listen holds
// one for each running child (internal/listen/reap.go).
func pidfdCount(pid int) int {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, _ := os.ReadDir(dir)
	n := 0
	for _, e := range ents {
		if l, _ := os.Readlink(dir + "/" + e.Name()); strings.Contains(l, "pidfd") {
			n++
		}
	}
	return n
}

func TestSacStartsPortMonitorsAndObeysSacadm(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "alpha", "", "-y", "first")
	addTestPM(t, sb, "beta", "", "-f", "d")
	addTestPM(t, sb, "gamma", "", "-f", "x")
	r := startSac(t, sb, "alpha")
	waitState(t, sb, "beta", "DISABLED")
	if st := states(t, sb)["gamma"]; st != "NOTRUNNING" {
		t.Errorf("gamma (flag x) is %s, want NOTRUNNING", st)
	}
	out, _, code := sacadm(t, sb, "sacadm", "-l")
	if code != 0 || !regexp.MustCompile(`(?m)^alpha +testpm +- +0 +ENABLED +\S+testpm #first$`).MatchString(out) {
		t.Errorf("sacadm -l (exit %d):\n%s", code, out)
	}

	// What the port monitor was given: its environment, its directory,
	// and no open descriptors but what the runtime puts on 0-2.
	log := pmLog(sb, "alpha")
	for _, want := range []string{"PMTAG: alpha", "ISTATE: enabled", "cwd: " + sb.Path("/etc/saf/alpha"),
		"fds at start: 0=/dev/null 1=/dev/null 2=/dev/null\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("alpha's log lacks %q:\n%s", want, log)
		}
	}
	if !strings.Contains(pmLog(sb, "beta"), "ISTATE: disabled") {
		t.Errorf("beta was not started disabled:\n%s", pmLog(sb, "beta"))
	}

	// Enable and disable are runtime only: _sactab keeps its flags.
	before, _ := os.ReadFile(sb.Path("/etc/saf/_sactab"))
	if _, e, code := sacadm(t, sb, "sacadm", "-d", "-p", "alpha"); code != 0 {
		t.Fatalf("sacadm -d: %d %s", code, e)
	}
	waitState(t, sb, "alpha", "DISABLED")
	waitLog(t, "alpha", func() string { return pmLog(sb, "alpha") }, "received SC_DISABLE")
	if _, _, code := sacadm(t, sb, "sacadm", "-e", "-p", "beta"); code != 0 {
		t.Fatal("sacadm -e failed")
	}
	waitState(t, sb, "beta", "ENABLED")
	if after, _ := os.ReadFile(sb.Path("/etc/saf/_sactab")); !bytes.Equal(before, after) {
		t.Errorf("_sactab changed by -d/-e")
	}
	// Requests that do not fit the state.
	if _, e, code := sacadm(t, sb, "sacadm", "-s", "-p", "alpha"); code != 7 || !strings.Contains(e, "Port monitor, alpha, is already running") {
		t.Errorf("sacadm -s on a running pm: %d %q", code, e)
	}
	if _, e, code := sacadm(t, sb, "sacadm", "-e", "-p", "gamma"); code != 8 || !strings.Contains(e, "Port monitor, gamma, is not running") {
		t.Errorf("sacadm -e on a stopped pm: %d %q", code, e)
	}
	if _, e, code := sacadm(t, sb, "sacadm", "-k", "-p", "nope"); code != 5 || !strings.Contains(e, "Invalid request, nope does not exist") {
		t.Errorf("sacadm -k unknown: %d %q", code, e)
	}
	// pmadm's change reaches the port monitor as a re-read.
	if _, e, code := sacadm(t, sb, "pmadm", "-a", "-p", "alpha", "-s", "svc", "-i", "root", "-v", "1", "-m", "x"); code != 0 {
		t.Errorf("pmadm -a with sac running: %d %s", code, e)
	}
	waitLog(t, "alpha", func() string { return pmLog(sb, "alpha") }, "received SC_READDB")
	_, e, code := sacadm(t, sb, "pmadm", "-a", "-p", "gamma", "-s", "svc", "-i", "root", "-v", "1", "-m", "x")
	if code != 0 || !strings.Contains(e, "warning - port monitor, gamma is not running") {
		t.Errorf("pmadm -a for a stopped pm: %d %q", code, e)
	}
	// sac's log format: "<ctime>; <pid>; <message>".
	sl := sacLog(sb)
	for _, re := range []string{
		`(?m)^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}; ` + strconv.Itoa(r.cmd.Process.Pid) + `; \*\*\* SAC starting \*\*\*$`,
		`(?m)^.{24}; ` + strconv.Itoa(pmPid(sb, "alpha")) + `; starting port monitor <alpha>$`,
	} {
		if !regexp.MustCompile(re).MatchString(sl) {
			t.Errorf("sac log lacks %s:\n%s", re, sl)
		}
	}
	if code := r.stop(); code != 0 {
		t.Errorf("sac exited %d on SIGTERM", code)
	}
	if !strings.Contains(sacLog(sb), "caught SIGTERM - exiting; port monitors keep running") {
		t.Errorf("no exit line in the log")
	}
	if pmPid(sb, "alpha") == 0 {
		t.Errorf("alpha died with sac")
	}
}

func TestSacRestartsWithinCountThenFails(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "crashy", "", "-n", "2")
	r := startSac(t, sb, "crashy")
	sacPid := r.cmd.Process.Pid
	fds := fdCount(sacPid)
	for i := 1; i <= 3; i++ {
		pid := pmPid(sb, "crashy")
		if pid == 0 {
			t.Fatalf("round %d: crashy not running", i)
		}
		syscall.Kill(pid, syscall.SIGKILL)
		if i <= 2 {
			waitFor(t, "a new crashy", func() bool { p := pmPid(sb, "crashy"); return p != 0 && p != pid })
			waitState(t, sb, "crashy", "ENABLED")
		}
	}
	waitState(t, sb, "crashy", "FAILED")
	if n := strings.Count(sacLog(sb), "<crashy> has died - trying to restart"); n != 2 {
		t.Errorf("%d restarts logged, want 2", n)
	}
	if !strings.Contains(sacLog(sb), "<crashy> has FAILED") {
		t.Errorf("no FAILED line")
	}
	for pid, st := range children(sacPid) {
		if st == "Z" {
			t.Errorf("zombie child %d", pid)
		}
	}
	if n := fdCount(sacPid); n > fds {
		t.Errorf("sac's descriptors grew from %d to %d", fds, n)
	}
	// sacadm -s resets the restart count.
	if _, e, code := sacadm(t, sb, "sacadm", "-s", "-p", "crashy"); code != 0 {
		t.Fatalf("sacadm -s: %d %s", code, e)
	}
	waitState(t, sb, "crashy", "ENABLED")
	syscall.Kill(pmPid(sb, "crashy"), syscall.SIGKILL)
	waitFor(t, "restart after -s", func() bool {
		return strings.Count(sacLog(sb), "<crashy> has died - trying to restart") == 3
	})
	waitState(t, sb, "crashy", "ENABLED")
}

// An entry whose directory /etc/saf/<tag> is missing (a _sactab edited by
// hand): as the original, sac cannot open its _pid file, says so in the
// original's words (once when start-up looks for port monitors to
// recover, once when it starts this one), then cannot create its
// _pmpipe, and leaves it NOTRUNNING.
func TestSacEntryWithoutDirectory(t *testing.T) {
	sb := testexec.NewSandbox(t)
	appendFile(t, sb.Path("/etc/saf/_sactab"), "nodir:testpm::0:/bin/true\t#\n")
	startSac(t, sb)
	waitLog(t, "sac", func() string { return sacLog(sb) }, `(?m); \d+; Could not create _pmpipe for port monitor <nodir>, errno is 2$`)
	log := sacLog(sb)
	if n := len(regexp.MustCompile(`(?m); \d+; can not open _pid file for <nodir>(: .*)?$`).FindAllString(log, -1)); n != 2 {
		t.Errorf("\"can not open _pid file for <nodir>\" logged %d times, want 2:\n%s", n, log)
	}
	if st := states(t, sb)["nodir"]; st != "NOTRUNNING" {
		t.Errorf("nodir is %s, want NOTRUNNING", st)
	}
}

func TestSacRestartsSilentPortMonitor(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "mute", "--hang-after-msgs 2", "-n", "1")
	startSac(t, sb)
	waitLog(t, "sac", func() string { return sacLog(sb) }, "<mute> stopped responding to sanity polls - trying to restart")
	waitLog(t, "sac", func() string { return sacLog(sb) }, "<mute> has FAILED")
	waitState(t, sb, "mute", "FAILED")
	// The silent ones were killed, not left beside their successors.
	waitFor(t, "no mute left", func() bool { return pmPid(sb, "mute") == 0 })
}

func TestSacKillAndStart(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "pm", "")
	addTestPM(t, sb, "stubborn", "--ignore-term")
	startSac(t, sb, "pm", "stubborn")
	if _, e, code := sacadm(t, sb, "sacadm", "-k", "-p", "pm"); code != 0 {
		t.Fatalf("sacadm -k: %d %s", code, e)
	}
	waitState(t, sb, "pm", "NOTRUNNING")
	for _, want := range []string{"terminating <pm>", "<pm> has stopped"} {
		if !strings.Contains(sacLog(sb), want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if _, e, code := sacadm(t, sb, "sacadm", "-k", "-p", "pm"); code != 8 {
		t.Errorf("second -k: %d %s", code, e)
	}
	if _, e, code := sacadm(t, sb, "sacadm", "-s", "-p", "pm"); code != 0 {
		t.Fatalf("sacadm -s: %d %s", code, e)
	}
	waitState(t, sb, "pm", "ENABLED")
	// One that ignores SIGTERM is killed after a poll interval.
	if _, _, code := sacadm(t, sb, "sacadm", "-k", "-p", "stubborn"); code != 0 {
		t.Fatal("sacadm -k stubborn failed")
	}
	waitState(t, sb, "stubborn", "NOTRUNNING")
	waitFor(t, "stubborn gone", func() bool { return pmPid(sb, "stubborn") == 0 })
}

func TestSacRereadsSactab(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "one", "")
	startSac(t, sb, "one")
	// sacadm -a with sac running starts the new port monitor at once.
	addTestPM(t, sb, "two", "")
	waitState(t, sb, "two", "ENABLED")
	// sacadm -r stops it.
	pid := pmPid(sb, "two")
	if _, e, code := sacadm(t, sb, "sacadm", "-r", "-p", "two"); code != 0 {
		t.Fatalf("sacadm -r: %d %s", code, e)
	}
	waitFor(t, "two to stop", func() bool { return pmPid(sb, "two") == 0 })
	if _, ok := states(t, sb)["two"]; ok {
		t.Errorf("two still listed")
	}
	if !strings.Contains(sacLog(sb), "terminating <two>") || pid == 0 {
		t.Errorf("no terminating line")
	}
	// A hand edit, then sacadm -x: a new entry starts; a broken table is
	// refused and the running one kept.
	appendFile(t, sb.Path("/etc/saf/_sactab"), fmt.Sprintf("three:testpm::0:%s\t#\n", testexec.TestPM(t)))
	os.MkdirAll(sb.Path("/etc/saf/three"), 0o755)
	os.MkdirAll(sb.Path("/var/saf/three"), 0o755)
	if _, e, code := sacadm(t, sb, "sacadm", "-x"); code != 0 {
		t.Fatalf("sacadm -x: %d %s", code, e)
	}
	waitState(t, sb, "three", "ENABLED")
	appendFile(t, sb.Path("/etc/saf/_sactab"), "broken line\n")
	_, e, code := sacadm(t, sb, "sacadm", "-x")
	if code != 3 || !strings.Contains(e, "This request could not be completed - see sac log file for details") {
		t.Errorf("sacadm -x with a corrupt table: %d %q", code, e)
	}
	if !strings.Contains(sacLog(sb), "_sactab file is corrupt") {
		t.Errorf("corrupt table not logged")
	}
	waitState(t, sb, "one", "ENABLED")
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		// _sactab is 0444 after a rewrite; we are root or its owner.
		os.Chmod(path, 0o644)
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
	}
	defer f.Close()
	f.WriteString(s)
}

func TestSacRecoversRunningPortMonitors(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "keep", "")
	addTestPM(t, sb, "idle", "", "-f", "x")
	r := startSac(t, sb, "keep")
	pid := pmPid(sb, "keep")
	r.stop()
	if pmPid(sb, "keep") != pid {
		t.Fatal("the port monitor did not survive sac")
	}
	startSac(t, sb)
	waitLog(t, "sac", func() string { return sacLog(sb) }, "SAC in recovery")
	// The recovered one answers the next poll and shows its state; the
	// one that was not running is not started.
	waitState(t, sb, "keep", "ENABLED")
	if pmPid(sb, "keep") != pid {
		t.Errorf("recovery restarted the port monitor")
	}
	if st := states(t, sb)["idle"]; st != "NOTRUNNING" {
		t.Errorf("idle is %s", st)
	}
}

func TestSacSingleInstance(t *testing.T) {
	sb := testexec.NewSandbox(t)
	first := startSac(t, sb)
	second := sb.Command(t, "sac", "-t", "1")
	pr, pw, _ := os.Pipe()
	second.Stderr = pw
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	line, _ := bufio.NewReader(pr).ReadString('\n')
	want := fmt.Sprintf("sac: another sac (pid %d) is running; waiting for it to exit\n", first.cmd.Process.Pid)
	if line != want {
		t.Errorf("second sac said %q, want %q", line, want)
	}
	first.stop()
	waitLog(t, "second sac", func() string { return sacLog(sb) }, fmt.Sprintf(`; %d; \*\*\* SAC starting \*\*\*`, second.Process.Pid))
	second.Process.Signal(syscall.SIGTERM)
	second.Wait()
}

func TestSacFatalErrors(t *testing.T) {
	for _, tt := range []struct {
		name, sactab string
		code         int
		log          string
	}{
		{"corrupt", "# VERSION=1\nshort:line\n", 3, "_sactab file is corrupt"},
		// Without its version stamp _sactab is corrupt, not of the
		// wrong version (the original's check_version answers 3, which
		// its read_table takes for a corrupt file).
		{"no stamp", "mbmon:ttymon::0:/bin/true\t#\n", 3, "_sactab file is corrupt"},
		{"version", "# VERSION=2\n", 4, "_sactab version # is incorrect"},
		{"missing", "", 1, "could not open _sactab"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sb := testexec.NewSandbox(t)
			if tt.sactab == "" {
				os.Remove(sb.Path("/etc/saf/_sactab"))
			} else {
				sb.WriteFile(t, "etc/saf/_sactab", tt.sactab)
			}
			out, err := sb.Command(t, "sac", "-t", "1").CombinedOutput()
			if code := exitCode(err); code != tt.code {
				t.Errorf("exit %d, want %d (%s)", code, tt.code, out)
			}
			log := sacLog(sb)
			if !strings.Contains(log, tt.log) || !strings.HasSuffix(log, "; *** SAC exiting ***\n") {
				t.Errorf("log:\n%s", log)
			}
		})
	}
	sb := testexec.NewSandbox(t)
	out, err := sb.Command(t, "sac").CombinedOutput()
	if exitCode(err) != 1 || string(out) != "SAC: Usage: sac -t sanity_interval\n" {
		t.Errorf("sac without arguments: %d %q", exitCode(err), out)
	}
}

// _sysconfig reaches sac and every port monitor; _config reaches its own
// port monitor only, after _sysconfig
// (docs/architecture.md#configuration-scripts).
func TestSacConfigurationScripts(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "plain", "")
	addTestPM(t, sb, "odd", "")
	addTestPM(t, sb, "broken", "")
	script := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	// Every port monitor answers DISABLED whatever it is told (testpm's
	// TESTPM_STATE); "odd" answers PM_UNKNOWN as well.
	run := func(args ...string) {
		t.Helper()
		if out, e, code := sacadm(t, sb, "sacadm", args...); code != 0 {
			t.Fatalf("sacadm %v: %d %s %s", args, code, out, e)
		}
	}
	run("-G", "-z", script("sys", "# system configuration\nassign TESTPM_STATE=3\n"))
	run("-g", "-p", "odd", "-z", script("odd", "assign TESTPM_UNKNOWN = \"1\"\nrun cd /\n"))
	// sacadm -z refuses a script that does not parse, so the broken one
	// is put in place by hand, as an editor or an older sacadm would.
	sb.WriteFile(t, "etc/saf/broken/_config", "assign A=1\nbogus line\n")
	startSac(t, sb)
	waitState(t, sb, "plain", "DISABLED")
	waitLog(t, "sac", func() string { return sacLog(sb) }, `port monitor <odd> didn't recognize message`)
	waitLog(t, "sac", func() string { return sacLog(sb) }, `; \d+; Error in _config script for <broken>: line 2\n`)
	waitState(t, sb, "broken", "FAILED")
	if !strings.Contains(pmLog(sb, "plain"), "replied PM_STATUS state DISABLED") {
		t.Errorf("plain did not get TESTPM_STATE from _sysconfig:\n%s", pmLog(sb, "plain"))
	}
}

func TestSacSysconfigError(t *testing.T) {
	sb := testexec.NewSandbox(t)
	sb.WriteFile(t, "etc/saf/_sysconfig", "assign A=1\n\n# comment\nassign B=unterminated \"x\n")
	out, err := sb.Command(t, "sac", "-t", "1").CombinedOutput()
	if code := exitCode(err); code != 14 {
		t.Fatalf("exit %d, want 14 (%s)", code, out)
	}
	log := sacLog(sb)
	for _, want := range []string{"; Error in _sysconfig: line 4\n", "; error interpreting _sysconfig\n", "; *** SAC exiting ***\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// Under systemd (NOTIFY_SOCKET set) sac reports READY=1 once it is up and
// STOPPING=1 when it stops.
func TestSacNotifiesSystemd(t *testing.T) {
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "pm", "")
	sock := filepath.Join(t.TempDir(), "notify")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd := sb.Command(t, "sac", "-t", "1")
	cmd.Env = append(cmd.Env, "NOTIFY_SOCKET="+sock)
	r := runSac(t, sb, cmd)
	read := func() string {
		ln.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 512)
		n, _, err := ln.ReadFromUnix(buf)
		if err != nil {
			t.Fatalf("no notification: %v", err)
		}
		return string(buf[:n])
	}
	if got := read(); got != "READY=1\nSTATUS=1 port monitors" {
		t.Errorf("first notification %q", got)
	}
	r.stop()
	if got := read(); got != "STOPPING=1" {
		t.Errorf("on SIGTERM %q", got)
	}
}

// The admin channel serves only root and sac's own user
// (docs/linux.md#the-admin-socket): another user's sacadm cannot stop,
// start or list through it, even in a sandbox where the sandbox rule lets
// it past sacadm's own privilege check.
func TestSacAdminChannelRefusesOtherUsers(t *testing.T) {
	testexec.RequireRoot(t)
	sb := testexec.NewSandbox(t)
	addTestPM(t, sb, "pm", "")
	startSac(t, sb, "pm")
	for _, d := range []string{sb.Root, filepath.Dir(sb.Root)} {
		os.Chmod(d, 0o755) // let nobody reach the sandbox's files
	}
	for _, args := range [][]string{{"-k", "-p", "pm"}, {"-d", "-p", "pm"}, {"-x"}, {"-L"}} {
		cmd := sb.Command(t, "sacadm", args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		if code := exitCode(err); code != 4 || !strings.Contains(string(out), "Can not contact SAC") {
			t.Errorf("sacadm %v as nobody: exit %d, %s", args, code, out)
		}
	}
	if st := states(t, sb)["pm"]; st != "ENABLED" {
		t.Errorf("pm is %s after nobody's requests", st)
	}
}
