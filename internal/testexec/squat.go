package testexec

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Nobody is the uid and gid of the unprivileged user the squatter runs
// as.
const Nobody = 65534

// Squat is a helper (HelperMain) playing a local user with no privilege
// at all who can read the file args[0]: it drops to Nobody (set-id calls
// apply to every thread of a Go program), opens the file read-only, takes
// a POSIX read lock on all of it, prints "squatting" and keeps the lock
// until its stdin reaches EOF. A read lock is all it takes to keep every
// other process from a write lock on the file: sac's on /var/saf/_log, a
// port monitor's on its _pid.
func Squat(args []string) int {
	if len(args) != 1 {
		fmt.Println("usage: squat file")
		return 2
	}
	if err := syscall.Setgroups(nil); err != nil {
		fmt.Println("setgroups:", err)
		return 1
	}
	if err := syscall.Setgid(Nobody); err != nil {
		fmt.Println("setgid:", err)
		return 1
	}
	if err := syscall.Setuid(Nobody); err != nil {
		fmt.Println("setuid:", err)
		return 1
	}
	f, err := os.Open(args[0])
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	lk := unix.Flock_t{Type: unix.F_RDLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		fmt.Println("read lock:", err)
		return 1
	}
	fmt.Println("squatting")
	_, _ = io.Copy(io.Discard, os.Stdin) // until the test closes our stdin
	return 0
}

// StartSquatter runs the test binary as the Squat helper on path (env is
// the assignment HelperMain knows it by, such as "HELPER=squat") and
// returns its pid once it holds its read lock. The directories down to
// path are made reachable for Nobody first (Reachable). The squatter
// ends with the test.
func StartSquatter(t testing.TB, env, path string) int {
	t.Helper()
	RequireRoot(t)
	Reachable(t, path)
	return StartHelper(t, env, "squatting", path)
}

// StartHelper runs the test binary again with the environment assignment
// env (which its TestMain turns into a helper) and args, waits for the
// helper to print the line ready, and returns its pid. The helper keeps
// running until its standard input reaches end of file, which the test's
// end brings; its standard error is the test's.
func StartHelper(t testing.TB, env, ready string, args ...string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	// GORACE: a helper built with -race must not sleep a second at exit.
	cmd.Env = append(os.Environ(), env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != ready+"\n" {
		t.Fatalf("helper %s %q said %q, %v", env, args, line, err)
	}
	return cmd.Process.Pid
}

// Reachable makes every directory from path's own up to the temp
// directory mode 0755 (t.TempDir makes its top one 0700), so that another
// user can reach path.
func Reachable(t testing.TB, path string) {
	t.Helper()
	for d := filepath.Dir(path); strings.HasPrefix(d, os.TempDir()+"/"); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
