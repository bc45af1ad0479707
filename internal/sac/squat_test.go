package sac

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmproto"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
	"github.com/linux-saf/saf/saf/sacmsg"
)

// A local user with no privilege who can open a file read-only can take a
// POSIX read lock on it, and a read lock keeps everyone else from the
// write lock sac holds on /var/saf/_log and a port monitor on its _pid.
// These tests run such a squatter (testexec.Squat, as nobody) against sac.
//
// WARNING: they are what shows that no local user can keep sac or a port
// monitor from starting, pass for either, or get signalled as a port
// monitor. Re-verify, as root, with
//
//	go test -count=1 -run 'Squatter|TestSac|ReadLock|ReplaceLocked' ./internal/sac ./saf/pmproto ./saf/lockfile

// sacHelper runs sac (SAF_ROOT from the environment).
func sacHelper(args []string) int {
	return Main(args, os.Stdin, os.Stdout, os.Stderr)
}

// pmHelper is a port monitor's start-up (pmproto.Open) for the tag
// args[1] under SAF_ROOT args[0]: it prints "held" and keeps its _pid
// locked until stdin reaches EOF, or prints why Open failed.
func pmHelper(args []string) int {
	p, err := pmproto.Open(pmproto.Config{Root: paths.New(args[0]), Env: pmproto.Env{Tag: args[1], State: sacmsg.Enabled}, Name: "testpm"})
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer p.Close()
	fmt.Println("held")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// startPM runs pmHelper and returns its pid once it holds _pid.
func startPM(t *testing.T, root paths.Root, tag string) int {
	t.Helper()
	return testexec.StartHelper(t, helperEnv+"=pm", "held", root.Prefix(), tag)
}

// A squatter on a port monitor's _pid (made 0644 by sacadm) used to be
// the port monitor to sac: checkLock returned its pid, so sac would not
// start the real one ("_pid file locked"), took the squatter for it in
// recovery, and sent it the port monitor's signals; and the port monitor
// itself refused to start. A read lock is no port monitor's (they take
// write locks), and the port monitor replaces a _pid it cannot lock.
func TestCheckLockWithSquatterOnPid(t *testing.T) {
	testexec.RequireRoot(t)
	s, logs := newTestSac(t)
	fake := pmprototest.New(t, t.TempDir(), "x")
	s.root = fake.Root
	path := fake.Root.PMPid("x")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	squatter := testexec.StartSquatter(t, helperEnv+"=squat", path)
	if pid := s.checkLock("x"); pid != 0 {
		t.Errorf("checkLock = %d with only the squatter %d on _pid, want 0 (not running)", pid, squatter)
	}
	pm := startPM(t, fake.Root, "x")
	if pid := s.checkLock("x"); pid != pm {
		t.Errorf("checkLock = %d, want the port monitor %d (the squatter is %d)", pid, pm, squatter)
	}
	if pid, locked, err := lockfile.RecordLocked(path); !locked || pid != pm {
		t.Errorf("RecordLocked = %d, %v, %v; want the port monitor %d", pid, locked, err, pm)
	}
	if len(*logs) != 0 {
		t.Errorf("logged %q", *logs)
	}
}

// sacSandbox makes a SAF_ROOT with an empty _sactab and a _log of mode
// 0644 holding a line from an earlier sac, as the original left it.
func sacSandbox(t *testing.T) (paths.Root, string) {
	t.Helper()
	root := paths.New(t.TempDir())
	for _, d := range []string{root.SafDir(), root.Path(paths.VarSafDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(root.SacTab(), []byte("# VERSION=1\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	const old = "Thu Nov 21 04:17:00 2024; 1234; *** SAC starting ***\n"
	if err := os.WriteFile(root.SacLog(), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root.SacLog(), 0o644); err != nil {
		t.Fatal(err)
	}
	return root, old
}

// startSacHelper starts sac -t 60 in root; it is stopped with SIGTERM when
// the test ends.
func startSacHelper(t *testing.T, root paths.Root, stderr io.Writer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-t", "60")
	cmd.Env = append(os.Environ(), helperEnv+"=sac", paths.EnvVar+"="+root.Prefix())
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	})
	return cmd
}

// waitSacLock waits up to 10 seconds for the pid that RecordLocked
// reports on the log to be want.
func waitSacLock(t *testing.T, path string, want int, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pid, locked, _ := lockfile.RecordLocked(path)
		if locked && pid == want {
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(path)
			t.Fatalf("sac (pid %d) has no lock on its log: the lock is pid %d's (%v)\nsac said: %s\nlog:\n%s", want, pid, locked, out, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitReady waits up to 10 seconds for sac's admin socket: by then sac
// has logged its start-up and handles SIGTERM.
func waitReady(t *testing.T, root paths.Root, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Lstat(root.CmdPipe()); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sac did not get ready; it said: %s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A squatter on /var/saf/_log used to keep sac waiting for ever at
// start-up for "another sac" (the squatter's pid), and sacadm took the
// squatter for sac. sac now puts a copy of the log, mode 0600, in its
// place, locks that, and says once what it did and whose lock it was.
func TestSacStartsWithSquatterOnLog(t *testing.T) {
	testexec.RequireRoot(t)
	root, old := sacSandbox(t)
	path := root.SacLog()
	squatter := testexec.StartSquatter(t, helperEnv+"=squat", path)
	out := &syncBuffer{}
	cmd := startSacHelper(t, root, out)
	waitSacLock(t, path, cmd.Process.Pid, out)
	waitReady(t, root, out)

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	if !strings.HasPrefix(log, old) {
		t.Errorf("the earlier lines were not kept:\n%s", log)
	}
	want := fmt.Sprintf("; %d; replaced %s with a copy of mode 0600: pid %d held a read lock on it", cmd.Process.Pid, path, squatter)
	if strings.Count(log, want) != 1 {
		t.Errorf("log, want one line with %q:\n%s", want, log)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode() != 0o600 {
		t.Errorf("log mode %v, %v; want 0600", modeOrNil(fi), err)
	}
	if strings.Contains(out.String(), "another sac") {
		t.Errorf("sac took the squatter for another sac: %s", out)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("sac: %v\n%s", err, out)
	}
}

// A log of the old mode 0644, not squatted (yet): sac replaces it at
// start-up all the same, so that a descriptor someone opened while it was
// readable cannot be used to squat it once this sac is gone.
func TestSacReplacesOpenLog(t *testing.T) {
	root, old := sacSandbox(t)
	path := root.SacLog()
	before, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	cmd := startSacHelper(t, root, out)
	waitSacLock(t, path, cmd.Process.Pid, out)
	// The lock is on the old file first: the copy is in place by the time
	// sac is ready.
	waitReady(t, root, out)
	after, err := os.Lstat(path)
	if err != nil || after.Mode() != 0o600 || os.SameFile(before, after) {
		t.Errorf("log %v, %v, same file %v; want a new file of mode 0600", modeOrNil(after), err, os.SameFile(before, after))
	}
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), old) {
		t.Errorf("the earlier lines were not kept:\n%s", b)
	}
}

// Where the copy cannot be made (no room for it, say), a log whose mode
// was only too wide is narrowed in place, and sac starts.
func TestSacNarrowsLogItCannotReplace(t *testing.T) {
	root, old := sacSandbox(t)
	path := root.SacLog()
	replaceHook(t, &replaceLocked, func(string, os.FileMode, int, io.Reader, os.FileInfo) (*os.File, error) {
		return nil, syscall.ENOSPC
	})
	f, note, err := openLog(path, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if want := "could not replace " + path + " (it was mode 0644): no space left on device; made it mode 0600 instead"; note != want {
		t.Errorf("note %q, want %q", note, want)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode() != 0o600 {
		t.Errorf("log %v, %v; want mode 0600", modeOrNil(fi), err)
	}
	if _, err := f.WriteString("new\n"); err != nil {
		t.Fatal(err)
	}
	// Last: the descriptor ReadFile opens and closes drops our lock.
	if b, _ := os.ReadFile(path); string(b) != old+"new\n" {
		t.Errorf("log holds %q", b)
	}
}

// A sac that really runs holds a write lock: a second one still says so,
// with the original's meaning, and waits, without touching the log.
func TestSacWaitsForRunningSac(t *testing.T) {
	root, _ := sacSandbox(t)
	path := root.SacLog()
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Lstat(path)
	first := holdLock(t, path) // as a running sac holds it
	out := &syncBuffer{}
	cmd := startSacHelper(t, root, out)
	want := fmt.Sprintf("sac: another sac (pid %d) is running; waiting for it to exit\n", first)
	deadline := time.Now().Add(10 * time.Second)
	for out.String() != want {
		if time.Now().After(deadline) {
			t.Fatalf("second sac said %q, want %q", out, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if after, _ := os.Lstat(path); !os.SameFile(before, after) {
		t.Errorf("the running sac's log was replaced")
	}
	if pid, _, _ := lockfile.RecordLocked(path); pid != first {
		t.Errorf("lock now %d's, want the first sac's %d", pid, first)
	}
	if cmd.ProcessState != nil {
		t.Errorf("the second sac exited: %s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for a child's output and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
