package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
	"github.com/linux-saf/saf/saf/sacmsg"
)

// The daemons under test, set up one way each: sac on a sandbox
// (startSac, or runSac for a command line the test prepares), sac with a
// listen port monitor (startSacListen), and listen started by hand
// under a fake sac (startFakeListen). ttymon under a fake sac is
// startTTYMon (ttymon_test.go).

type sacRun struct {
	t   *testing.T
	sb  *testexec.Sandbox
	cmd *exec.Cmd
	out *bytes.Buffer
}

// startSac starts sac -t 1, waits until it answers on the admin channel
// and then until each port monitor named in enabled is ENABLED.
func startSac(t *testing.T, sb *testexec.Sandbox, enabled ...string) *sacRun {
	t.Helper()
	r := startSacInterval(t, sb, "1")
	for _, tag := range enabled {
		waitState(t, sb, tag, "ENABLED")
	}
	return r
}

// startSacInterval is startSac with a sanity poll interval of secs.
func startSacInterval(t *testing.T, sb *testexec.Sandbox, secs string) *sacRun {
	t.Helper()
	return runSac(t, sb, sb.Command(t, "sac", "-t", secs))
}

// runSac starts cmd, a sac command line the test has prepared (its own
// environment, a wrapper, inherited sockets), and waits until sac
// answers on the admin channel. At the end of the test sac and every
// process left in the sandbox are stopped.
func runSac(t *testing.T, sb *testexec.Sandbox, cmd *exec.Cmd) *sacRun {
	t.Helper()
	r := &sacRun{t: t, sb: sb, cmd: cmd, out: &bytes.Buffer{}}
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.cleanup)
	// sacadm -L answers from _sactab (NO_SAC) without a sac, so also
	// wait for the admin socket and for the answer to be sac's.
	waitFor(t, "sac to answer", func() bool {
		if _, err := os.Stat(sb.Path("/etc/saf/_cmdpipe")); err != nil {
			return false
		}
		out, _, code := sacadm(t, sb, "sacadm", "-L")
		return (code == 0 || code == 5) && !strings.Contains(out, "NO_SAC")
	})
	return r
}

// startSacListen starts sac, adds the listen port monitor tcp (net_spec
// tcp) while sac runs, and waits until it is ENABLED.
func startSacListen(t *testing.T, sb *testexec.Sandbox) *sacRun {
	t.Helper()
	r := startSac(t, sb)
	addListenPM(t, sb, "tcp", "tcp")
	waitState(t, sb, "tcp", "ENABLED")
	return r
}

// stop ends sac with SIGTERM and returns its exit status.
func (r *sacRun) stop() int {
	if r.cmd.Process == nil || r.cmd.ProcessState != nil {
		return -1
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	err := r.cmd.Wait()
	return exitCode(err)
}

// cleanup stops sac and every port monitor still holding its _pid lock.
func (r *sacRun) cleanup() {
	r.stop()
	entries, _ := filepath.Glob(r.sb.Path("/etc/saf/*/_pid"))
	for _, pidfile := range entries {
		if pid, locked, _ := lockfile.RecordLocked(pidfile); locked {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	// A port monitor sac was starting when it stopped holds no lock
	// yet; anything else still running in this sandbox goes too, before
	// the sandbox is removed under it.
	deadline := time.Now().Add(5 * time.Second)
	for left := sandboxProcs(r.sb.Root); len(left) > 0 && time.Now().Before(deadline); left = sandboxProcs(r.sb.Root) {
		for _, pid := range left {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r.t.Failed() {
		log, _ := os.ReadFile(r.sb.Path("/var/saf/_log"))
		r.t.Logf("sac output:\n%s\n/var/saf/_log:\n%s", r.out, log)
	}
}

// sandboxProcs returns the processes whose environment names root as
// their SAF_ROOT.
func sandboxProcs(root string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err == nil && (bytes.Contains(b, []byte("\x00SAF_ROOT="+root+"\x00")) || bytes.HasPrefix(b, []byte("SAF_ROOT="+root+"\x00"))) {
			// A zombie has an empty environ; only live ones match.
			pids = append(pids, pid)
		}
	}
	return pids
}

// fakeListen is a listen started by hand under a fake sac, as sac would
// start it (environment, directory), for the port monitor whose tag is
// its net_spec.
type fakeListen struct {
	sac  *pmprototest.Sac
	cmd  *exec.Cmd
	pid  int
	done chan struct{} // closed when listen has exited
	err  error         // what Wait returned, once done is closed
}

// startFakeListen writes body (entry lines) to a fresh _pmtab, starts
// listen netspec on it and waits until it logs "Initialization
// Complete". wrap, when set, is a shell command line run instead ("$0"
// is listen's path); files are passed from fd 3 on. At the end of the
// test listen gets SIGTERM, and SIGKILL 10 seconds later.
func startFakeListen(t *testing.T, netspec, body, wrap string, files ...*os.File) *fakeListen {
	t.Helper()
	s := pmprototest.New(t, t.TempDir(), netspec)
	writePMTab(t, s, body)
	bin := testexec.Bin(t, "listen")
	cmd := exec.Command(bin, netspec)
	if wrap != "" {
		cmd = exec.Command("/bin/sh", "-c", wrap, bin)
	}
	cmd.Env = s.Env("enabled")
	cmd.Dir = s.Dir()
	cmd.ExtraFiles = files
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	x := &fakeListen{sac: s, cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{})}
	go func() { x.err = cmd.Wait(); close(x.done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-x.done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
		if t.Failed() {
			b, _ := os.ReadFile(s.Log())
			if len(b) > 8<<10 {
				b = b[len(b)-8<<10:]
			}
			t.Logf("listen's log (end):\n%s", b)
		}
	})
	waitLog(t, "listen", x.log, `Initialization Complete`)
	return x
}

func (x *fakeListen) log() string {
	b, _ := os.ReadFile(x.sac.Log())
	return string(b)
}

// writePMTab replaces the table as pmadm does, by rename: the listener
// may be reading it.
func writePMTab(t *testing.T, s *pmprototest.Sac, body string) {
	t.Helper()
	path := filepath.Join(s.Dir(), "_pmtab")
	if err := os.WriteFile(path+".new", []byte("# VERSION=4\n"+body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// reread makes the listener read its table again and waits until it has.
// The log is moved to o.log every 1000 lines, so what was logged since
// the request is looked for after the old end of the file, in whichever
// name now holds it, and in a new log.
func (x *fakeListen) reread(t *testing.T) {
	t.Helper()
	path := x.sac.Log()
	old := filepath.Join(filepath.Dir(path), "o.log")
	var st syscall.Stat_t
	syscall.Stat(path, &st)
	ino, size := st.Ino, st.Size
	x.sac.Send(t, sacmsg.SCReadDB)
	x.sac.Reply(t)
	rx := regexp.MustCompile(`Re-read (complete|failed)`)
	// logged reports whether p holds the line after from, when p is the
	// file that was the log at the request, or from its start when p is
	// a new log begun since.
	logged := func(p string, rotated bool) bool {
		var st syscall.Stat_t
		if syscall.Stat(p, &st) != nil {
			return false
		}
		from := size
		switch {
		case st.Ino == ino:
		case rotated:
			return false // an o.log older than the request
		default:
			from = 0 // a log begun after a rotation
		}
		b, _ := os.ReadFile(p)
		return int64(len(b)) > from && rx.Match(b[from:])
	}
	deadline := time.Now().Add(10 * time.Second)
	for !logged(path, false) && !logged(old, true) {
		if time.Now().After(deadline) {
			t.Fatal("listen did not finish the re-read")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitReaped waits, at most d, until pid has no children left: the
// services it started have ended and it has reaped them, so its
// descriptors and memory can be measured. What is still there after d
// is for the measurement to show.
func waitReaped(pid int, d time.Duration) {
	for deadline := time.Now().Add(d); len(children(pid)) > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}
