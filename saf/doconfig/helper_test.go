//go:build linux

package doconfig

// Helper processes (docs/testing.md#sandboxes-and-built-programs): Process
// changes the whole process (its environment, directory, umask, limits and
// descriptor flags), so tests run scripts in a re-executed test binary
// chosen by name in TestMain, as os/exec's tests do with
// registerHelperCommand.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	helperEnv = "DOCONFIG_TEST_HELPER" // names the helper to run
	reportEnv = "DOCONFIG_TEST_REPORT" // file the report helper writes
)

var helpers = map[string]func(args []string) int{
	"exec":    helperExec,
	"report":  helperReport,
	"runreap": helperRunReap,
}

var (
	helperMu   sync.Mutex
	helperUsed = map[string]bool{}
)

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		h, ok := helpers[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "doconfig test: unknown helper %q\n", name)
			os.Exit(2)
		}
		os.Exit(h(os.Args[1:]))
	}
	code := m.Run()
	// Like os/exec's "helper command unused" check: only when every test ran.
	if code == 0 && flagIsEmpty("test.run") && flagIsEmpty("test.skip") && flagIsEmpty("test.fuzz") && flagIsEmpty("test.list") {
		for name := range helpers {
			if !helperUsed[name] {
				fmt.Printf("doconfig test: helper %q unused\n", name)
				code = 1
			}
		}
	}
	os.Exit(code)
}

func flagIsEmpty(name string) bool {
	f := flag.Lookup(name)
	return f == nil || f.Value.String() == ""
}

// useHelper marks a helper as used by the calling test.
func useHelper(name string) {
	helperMu.Lock()
	defer helperMu.Unlock()
	helperUsed[name] = true
}

// helperCommand returns a command that runs the helper name with args.
func helperCommand(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	if _, ok := helpers[name]; !ok {
		t.Fatalf("no helper %q", name)
	}
	useHelper(name)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := selfCommand(exe, args...)
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	if os.Getenv("GORACE") == "" {
		// Under -race every exit would otherwise sleep a second.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	return cmd
}

// execReport is what the exec helper prints: the result of Run and the
// state of the process afterwards.
type execReport struct {
	Line     int
	Err      string
	ExitCode int  // of the failing runwait, -1 if none
	Signaled bool // the failing runwait's shell died of a signal
	Env      map[string]*string
	Wd       string
	Umask    int
	FsizeCur uint64
	FsizeMax uint64
}

// helperExec runs a script with a Process on no stream and prints an
// execReport. Arguments: mode (reap, noreap or fakeshell, which makes the
// test binary itself the shell), the script, the names of the variables to
// report.
func helperExec(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: exec mode script [var...]")
		return 2
	}
	p := &Process{Reap: args[0] != "noreap"}
	if args[0] == "fakeshell" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		shellPath = exe
	}
	line, err := Run(args[1], p, 0)
	r := execReport{Line: line, ExitCode: -1, Env: map[string]*string{}}
	if err != nil {
		r.Err = err.Error()
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			r.ExitCode = ee.ExitCode()
			r.Signaled = ee.Sys().(syscall.WaitStatus).Signaled()
		}
	}
	for _, name := range args[2:] {
		if v, ok := os.LookupEnv(name); ok {
			r.Env[name] = &v
		}
	}
	r.Wd, _ = os.Getwd() // an error leaves Wd empty, which the test reports
	r.Umask = unix.Umask(0)
	unix.Umask(r.Umask)
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_FSIZE, &rl); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r.FsizeCur, r.FsizeMax = rl.Cur, rl.Max
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return 1
	}
	return 0
}

// shellReport is what the report helper writes: how it was started.
type shellReport struct {
	Args     []string
	IFS      *string
	IFSCount int            // IFS entries in the environment
	FDs      map[int]string // inherited descriptors and what they are
	Marker   string         // $DOCONFIG_TEST_MARKER
}

// helperReport stands in for the shell, or is run by it: it lists the
// descriptors it inherited (without opening any) and writes a shellReport to
// $DOCONFIG_TEST_REPORT.
func helperReport(args []string) int {
	r := shellReport{Args: os.Args, FDs: map[int]string{}}
	for fd := 0; fd < 1024; fd++ {
		// Whatever came through exec is not close-on-exec; what this
		// process's own runtime opened is (Go keeps cgroup CPU files
		// open to track GOMAXPROCS), so it is left out.
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			continue
		}
		target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
		if err != nil {
			target = err.Error()
		}
		r.FDs[fd] = target
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "IFS=") {
			r.IFSCount++
		}
	}
	if v, ok := os.LookupEnv("IFS"); ok {
		r.IFS = &v
	}
	r.Marker = os.Getenv("DOCONFIG_TEST_MARKER")
	b, err := json.Marshal(r)
	if err != nil {
		return 1
	}
	if err := os.WriteFile(os.Getenv(reportEnv), b, 0o644); err != nil {
		return 1
	}
	return 0
}

// helperRunReap checks that run does not wait, and who reaps its child.
// Arguments: reap or noreap, a FIFO, a file for the child's pid. The child
// writes its pid and blocks opening the FIFO; the helper opens the other
// end only after Exec returned, so Exec cannot have waited for the child.
func helperRunReap(args []string) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "runreap: "+format+"\n", a...)
		return 1
	}
	if len(args) != 3 {
		return fail("usage: runreap reap|noreap fifo pidfile")
	}
	reap, fifo, pidfile := args[0] == "reap", args[1], args[2]
	s, err := Parse(strings.NewReader(fmt.Sprintf("run echo $$ >%s; read x <%s\n", pidfile, fifo)))
	if err != nil {
		return fail("%v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Exec(&Process{Reap: reap}, 0)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fail("Exec: %v", err)
		}
	case <-time.After(20 * time.Second):
		return fail("Exec of run did not return: it waits for the child")
	}
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // meets the child's open
	if err != nil {
		return fail("%v", err)
	}
	b, err := os.ReadFile(pidfile)
	if err != nil {
		return fail("%v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return fail("pid file %q: %v", b, err)
	}
	if st := procState(pid); st == "" || st == "Z" {
		return fail("child %d state %q while it should be reading the FIFO", pid, st)
	}
	if _, err := w.WriteString("go\n"); err != nil {
		return fail("%v", err)
	}
	w.Close() // write end of a FIFO: nothing buffered to lose
	if reap {
		// The goroutine reaps the child: its /proc entry goes away.
		for deadline := time.Now().Add(20 * time.Second); procState(pid) != ""; {
			if time.Now().After(deadline) {
				return fail("child %d never reaped (state %s)", pid, procState(pid))
			}
			time.Sleep(5 * time.Millisecond)
		}
		return 0
	}
	// No reaper: the child stays a zombie for the caller to collect.
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		return fail("waitid %d: %v", pid, err)
	}
	if st := procState(pid); st != "Z" {
		return fail("exited child %d state %q, want a zombie left for the caller", pid, st)
	}
	var ws unix.WaitStatus
	if got, err := unix.Wait4(pid, &ws, 0, nil); got != pid || err != nil {
		return fail("wait4 %d = %d, %v", pid, got, err)
	}
	return 0
}

// procState returns the state letter of pid from /proc, "" if it is gone.
func procState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+3 > len(s) {
		return ""
	}
	return s[i+2 : i+3]
}
