package pmproto

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// printLocked is the "locked" helper: what sac's lock test sees, and
// what the file holds. (Not read by the test itself: closing any
// descriptor of the file drops the test process's lock on it.)
func printLocked(path string) int {
	pid, locked, err := lockfile.RecordLocked(path)
	b, _ := os.ReadFile(path)
	fmt.Printf("pid=%d locked=%v err=%v %q\n", pid, locked, err, b)
	return 0
}

// startSquatter starts the squat helper on path and returns its pid once
// it holds its read lock; it ends with the test.
func startSquatter(t *testing.T, path string) int {
	t.Helper()
	if q := emulator(); q != nil {
		// testexec.StartSquatter execs the test binary itself, which
		// fails without the emulator in front.
		t.Skipf("emulated (%s): the squatter helper cannot be started", q[0])
	}
	return testexec.StartSquatter(t, helperEnv+"=squat", path)
}

// lockSeen runs the "locked" helper on path.
func lockSeen(t *testing.T, path string) string {
	t.Helper()
	cmd := selfCommand(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=locked", "PMPROTO_PATH="+path, noRaceSleep())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("locked helper: %v %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// Any local user who can read _pid can take a read lock on it, and a read
// lock keeps the port monitor from its write lock: it used to refuse to
// start ("pid file is locked"), and sac took the squatter for the port
// monitor. The port monitor now puts a fresh _pid of mode 0600 in place
// of one it cannot trust, so the squatter's descriptor, and its lock,
// stay with a file that is no longer _pid. That holds for a squatter who
// opened _pid while it was still readable, before the port monitor made
// it private: a descriptor survives chmod.
//
// WARNING: this is what keeps an unprivileged user from stopping a port
// monitor and from being signalled as one. Re-verify with
//
//	go test -count=1 -run 'TestSquatter' ./saf/pmproto
func TestSquatterOnPid(t *testing.T) {
	requireRoot(t)
	for _, tc := range []struct {
		name string
		mode os.FileMode // of _pid when the port monitor starts
	}{
		{"0644 as sacadm makes it", 0o644},
		{"0600 opened while it was 0644", 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := pmprototest.New(t, t.TempDir(), tag)
			path := s.PidFile()
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			squatter := startSquatter(t, path)
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{t: t}
			p, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}, Name: "ttymon", Logf: rec.logf})
			if err != nil {
				t.Fatalf("Open with pid %d read-locking _pid: %v", squatter, err)
			}
			defer p.Close()
			if got, want := lockSeen(t, path), fmt.Sprintf("pid=%d locked=true err=<nil> %q", os.Getpid(), fmt.Sprintf("%d\x00", os.Getpid())); got != want {
				t.Errorf("sac's lock test sees %s, want %s (the squatter is %d)", got, want, squatter)
			}
			var st unix.Stat_t
			if err := unix.Lstat(path, &st); err != nil {
				t.Fatal(err)
			}
			if st.Mode != unix.S_IFREG|0o600 || st.Uid != 0 || st.Nlink != 1 {
				t.Errorf("_pid is mode %o, uid %d, %d links; want a regular file 0600 of root's", st.Mode, st.Uid, st.Nlink)
			}
			want := fmt.Sprintf("replaced %s: pid %d held a read lock on it", path, squatter)
			if lines := rec.take(); !strings.Contains(strings.Join(lines, "\n"), want) {
				t.Errorf("log %q, want a line %q", lines, want)
			}
			ents, _ := os.ReadDir(filepath.Dir(path))
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), ".") {
					t.Errorf("left behind: %s", e.Name())
				}
			}
		})
	}
}

// A port monitor that really runs holds a write lock, not a read lock: a
// second one is still refused with the original's text, and the running
// one's _pid is neither replaced nor rewritten, even when its mode is the
// old 0644 (a port monitor of an earlier version).
func TestSquatterRulesKeepRunningPM(t *testing.T) {
	s := pmprototest.New(t, t.TempDir(), tag)
	path := s.PidFile()
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := helperCmd(t, s, "hold")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "held\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // as an earlier version left it
		t.Fatal(err)
	}
	before, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}, Name: "ttymon"})
	var le *LockedError
	if !errors.As(err, &le) || le.Pid != cmd.Process.Pid || err.Error() != "pid file is locked. ttymon may already be running!" {
		t.Fatalf("Open = %v (%+v), want the running port monitor %d", err, le, cmd.Process.Pid)
	}
	after, err := os.Lstat(path)
	if err != nil || !os.SameFile(before, after) {
		t.Errorf("the running port monitor's _pid was replaced")
	}
	if got, want := lockSeen(t, path), fmt.Sprintf("pid=%d locked=true err=<nil> %q", cmd.Process.Pid, fmt.Sprintf("%d\x00", cmd.Process.Pid)); got != want {
		t.Errorf("sac's lock test sees %q, want %q", got, want)
	}
}
