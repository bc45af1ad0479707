package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	// Play sac: mark every descriptor above 2 close-on-exec, so that
	// whatever the test runner inherited does not reach testpm; startPM
	// closes 0-2.
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		for _, e := range ents {
			if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
				unix.CloseOnExec(fd)
			}
		}
	}
	code := m.Run()
	testexec.Cleanup()
	os.Exit(code)
}

// pmRun is one testpm process under a fake sac.
type pmRun struct {
	t   *testing.T
	sac *pmprototest.Sac
	cmd *exec.Cmd
}

// startPM starts testpm the way sac does: cwd /etc/saf/<tag>, PMTAG, ISTATE
// and SAF_ROOT set, and no open descriptors at all (the shell closes 0-2
// before it execs testpm).
func startPM(t *testing.T, sac *pmprototest.Sac, istate string, env []string, args ...string) *pmRun {
	t.Helper()
	bin := testexec.TestPM(t)
	cmd := exec.Command("/bin/sh", append([]string{"-c", `exec "$0" "$@" <&- >&- 2>&-`, bin}, args...)...)
	cmd.Env = append(sac.Env(istate), env...)
	cmd.Dir = sac.Dir()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &pmRun{t: t, sac: sac, cmd: cmd}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			b, _ := os.ReadFile(sac.Log())
			t.Logf("testpm log:\n%s", b)
		}
	})
	return r
}

// wait waits for testpm to exit and returns how.
func (r *pmRun) wait() *os.ProcessState {
	r.t.Helper()
	done := make(chan struct{})
	go func() { r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		r.t.Fatal("testpm did not exit")
	}
	return r.cmd.ProcessState
}

// waitLog waits until the log holds a line containing s.
func (r *pmRun) waitLog(s string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(r.sac.Log())
		if strings.Contains(string(b), s) {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("testpm log has no %q:\n%s", s, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newSac(t *testing.T) *pmprototest.Sac {
	return pmprototest.New(t, t.TempDir(), "tpm")
}

// The default, well-behaved testpm: answers polls, obeys orders, stops on
// SIGTERM, and logs all of it.
func TestStatusAndSIGTERM(t *testing.T) {
	sac := newSac(t)
	r := startPM(t, sac, "enabled", nil, "extra", "args")
	sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
	sac.Want(t, sac.Poll(t, sacmsg.SCDisable), sacmsg.PMStatus, sacmsg.Disabled)
	sac.Want(t, sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Disabled)
	sac.Want(t, sac.Poll(t, 7), sacmsg.PMUnknown, sacmsg.Disabled)

	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if st := r.wait(); !st.Exited() || st.ExitCode() != 0 {
		t.Errorf("after SIGTERM: %v, want exit 0", st)
	}
	b, err := os.ReadFile(sac.Log())
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	for _, want := range []string{
		fmt.Sprintf("; %d; testpm starting pid %d\n", r.cmd.Process.Pid, r.cmd.Process.Pid),
		"fds at start: 0=/dev/null 1=/dev/null 2=/dev/null\n",
		"cwd: " + sac.Dir() + "\n",
		`args: ["extra" "args"]` + "\n",
		"PMTAG: tpm\n",
		"ISTATE: enabled\n",
		"Starting state: ENABLED\n",
		"received SC_STATUS (size 0)\n",
		"replied PM_STATUS state ENABLED\n",
		"received SC_DISABLE (size 0)\n",
		"Got SC_DISABLE message\n",
		"replied PM_STATUS state DISABLED\n",
		"Got SC_READDB message\n",
		"received type 7 (size 0)\n",
		"Got unknown message 7\n",
		"replied PM_UNKNOWN state DISABLED\n",
		"caught SIGTERM\n",
		"state STOPPING\n",
		"exiting with status 0\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	// ctime format: "Thu Nov 21 04:17:00 2024; pid; msg".
	first := strings.SplitN(log, "\n", 2)[0]
	if _, err := time.Parse("Mon Jan _2 15:04:05 2006", strings.SplitN(first, "; ", 2)[0]); err != nil {
		t.Errorf("first line %q: %v", first, err)
	}
}

func TestKnobs(t *testing.T) {
	t.Run("state", func(t *testing.T) {
		sac := newSac(t)
		startPM(t, sac, "disabled", nil, "--state", "9")
		sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, 9)
	})
	t.Run("unknown from the environment", func(t *testing.T) {
		sac := newSac(t)
		startPM(t, sac, "disabled", []string{"TESTPM_UNKNOWN=1", "TESTPM_STATE=4"})
		sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMUnknown, sacmsg.Stopping)
	})
	t.Run("flag beats environment", func(t *testing.T) {
		sac := newSac(t)
		startPM(t, sac, "enabled", []string{"TESTPM_STATE=9"}, "--state=3")
		sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Disabled)
	})
	t.Run("hang after messages", func(t *testing.T) {
		sac := newSac(t)
		r := startPM(t, sac, "enabled", []string{"TESTPM_HANG_AFTER_MSGS=2"})
		sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
		sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
		sac.Send(t, sacmsg.SCStatus)
		sac.NoReply(t, 200*time.Millisecond)
		r.waitLog("hanging after 2 messages")
		r.waitLog("not answering SC_STATUS")
	})
	t.Run("hang after time", func(t *testing.T) {
		sac := newSac(t)
		r := startPM(t, sac, "enabled", nil, "--hang-after", "50ms")
		r.waitLog("hanging after 50ms")
		sac.Send(t, sacmsg.SCStatus)
		sac.NoReply(t, 200*time.Millisecond)
	})
	t.Run("exit", func(t *testing.T) {
		sac := newSac(t)
		r := startPM(t, sac, "enabled", []string{"TESTPM_EXIT_AFTER=100ms", "TESTPM_EXIT_CODE=3"})
		if st := r.wait(); st.ExitCode() != 3 {
			t.Errorf("%v, want exit 3", st)
		}
		r.waitLog("exiting with status 3 after 100ms")
	})
	t.Run("crash panic", func(t *testing.T) {
		sac := newSac(t)
		r := startPM(t, sac, "enabled", nil, "--crash-after=50ms")
		if st := r.wait(); st.ExitCode() != 2 {
			t.Errorf("%v, want exit 2 (a Go panic)", st)
		}
		r.waitLog("crashing (panic) after 50ms")
	})
	t.Run("crash kill", func(t *testing.T) {
		sac := newSac(t)
		r := startPM(t, sac, "enabled", []string{"TESTPM_CRASH=kill", "TESTPM_CRASH_AFTER=50ms"})
		st := r.wait()
		if ws := st.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Errorf("%v, want killed by SIGKILL", st)
		}
	})
	t.Run("ignore SIGTERM", func(t *testing.T) {
		sac := newSac(t)
		r := startPM(t, sac, "enabled", []string{"TESTPM_IGNORE_TERM=true"})
		sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
		r.cmd.Process.Signal(syscall.SIGTERM)
		r.waitLog("ignoring SIGTERM")
		sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
	})
	t.Run("stop wait", func(t *testing.T) {
		sac := newSac(t)
		r := startPM(t, sac, "enabled", nil, "--stop-wait=10s", "--term-exit=4")
		sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
		r.cmd.Process.Signal(syscall.SIGTERM)
		r.waitLog("state STOPPING")
		sac.Want(t, sac.Poll(t, sacmsg.SCEnable), sacmsg.PMStatus, sacmsg.Stopping)
		if st := r.wait(); st.ExitCode() != 4 {
			t.Errorf("%v, want exit 4", st)
		}
	})
	t.Run("reply delay", func(t *testing.T) {
		sac := newSac(t)
		startPM(t, sac, "enabled", nil, "--reply-delay=300ms")
		sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled) // started
		t0 := time.Now()
		sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
		if d := time.Since(t0); d < 300*time.Millisecond {
			t.Errorf("reply after %v, want at least 300ms", d)
		}
	})
	t.Run("bad knob", func(t *testing.T) {
		sac := newSac(t)
		r := startPM(t, sac, "enabled", []string{"TESTPM_EXIT_AFTER=soon"})
		if st := r.wait(); st.ExitCode() != 1 {
			t.Errorf("%v, want exit 1", st)
		}
		r.waitLog(`usage: TESTPM_EXIT_AFTER="soon"`)
	})
}

// A second testpm for the same tag finds _pid locked and gives up.
func TestAlreadyRunning(t *testing.T) {
	sac := newSac(t)
	first := startPM(t, sac, "enabled", nil)
	sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
	second := startPM(t, sac, "enabled", nil)
	if st := second.wait(); st.ExitCode() != 1 {
		t.Errorf("second testpm: %v, want exit 1", st)
	}
	second.waitLog(fmt.Sprintf("; %d; pid file is locked. testpm may already be running!", second.cmd.Process.Pid))
	// The first one is unharmed and still holds the lock.
	sac.Want(t, sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
	b, err := os.ReadFile(sac.PidFile())
	if want := fmt.Sprintf("%d\x00", first.cmd.Process.Pid); err != nil || string(b) != want {
		t.Errorf("_pid holds %q, %v; want %q", b, err, want)
	}
}

// Without PMTAG testpm cannot log; it says so on stderr and exits 1.
func TestNoPMTag(t *testing.T) {
	cmd := exec.Command(testexec.TestPM(t))
	cmd.Env = []string{"ISTATE=enabled", "SAF_ROOT=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || string(out) != "testpm: PMTAG is missing\n" {
		t.Errorf("got %q, %v; want exit 1 and PMTAG is missing", out, err)
	}
}
