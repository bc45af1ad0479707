package sac

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startSession starts sh -c script as a child of the test in a session of
// its own, as a port monitor starts its services.
func startSession(t *testing.T, script string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	return cmd
}

// waitIgnoring waits until pid ignores every one of sigs, as the kernel
// shows it (SigIgn in /proc/<pid>/status): the shell has run its trap,
// so a signal sent from now on finds it set.
func waitIgnoring(t *testing.T, pid int, sigs ...syscall.Signal) {
	t.Helper()
	var want uint64
	for _, s := range sigs {
		want |= 1 << (s - 1)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			t.Fatalf("process %d: %v", pid, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "SigIgn:"); ok {
				if ign, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64); err == nil && ign&want == want {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d does not ignore %v", pid, sigs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestChildrenOf(t *testing.T) {
	a := startSession(t, "sleep 30")
	b := startSession(t, "sleep 30")
	for name, kids := range map[string][]int{
		"childrenOf":     childrenOf(os.Getpid()),
		"childrenByScan": childrenByScan(os.Getpid()),
	} {
		if !slices.Contains(kids, a.Process.Pid) || !slices.Contains(kids, b.Process.Pid) {
			t.Errorf("%s(self) = %v, want %d and %d among them", name, kids, a.Process.Pid, b.Process.Pid)
		}
	}
}

func TestStatPPid(t *testing.T) {
	for _, tt := range []struct {
		in   string
		ppid int
		ok   bool
	}{
		{"12 (sh) S 7 12 12 0 -1", 7, true},
		{"12 (a b) c) (d) R 99 1 1", 99, true},
		{"12 (sh", 0, false},
		{"12 (sh) S", 0, false},
		{"12 (sh) S x", 0, false},
	} {
		got, ok := statPPid([]byte(tt.in))
		if got != tt.ppid || ok != tt.ok {
			t.Errorf("statPPid(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.ppid, tt.ok)
		}
	}
}

// sacadm -k --force (our extension) ends the sessions: SIGHUP and SIGTERM
// to each session's group, SIGKILL to what ignores them, and only to the
// processes collected (never to a pid reused since).
func TestEndSessions(t *testing.T) {
	defer func(g time.Duration) { forceGrace = g }(forceGrace)
	forceGrace = 300 * time.Millisecond

	polite := startSession(t, "sleep 30 & wait")                     // ends on SIGHUP, with its group
	stubborn := startSession(t, `trap "" HUP TERM; sleep 30 & wait`) // needs SIGKILL
	var sessions []session
	for _, c := range []*exec.Cmd{polite, stubborn} {
		_, start, ok := procState(c.Process.Pid)
		if !ok {
			t.Fatalf("no /proc entry for %d", c.Process.Pid)
		}
		sessions = append(sessions, session{pid: c.Process.Pid, start: start})
	}
	// A "session" whose pid now belongs to another process: it must be
	// left alone.
	other := startSession(t, "sleep 30")
	sessions = append(sessions, session{pid: other.Process.Pid, start: "1"})

	waitIgnoring(t, stubborn.Process.Pid, syscall.SIGHUP, syscall.SIGTERM)
	var mu sync.Mutex
	var logs []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, sprintf(format, args...))
	}
	start := time.Now()
	endSessions("tcp", sessions, logf)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("endSessions took %v with a grace of %v", d, forceGrace)
	}
	for _, c := range []*exec.Cmd{polite, stubborn} {
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("session %d exited 0", c.Process.Pid)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("session %d still runs", c.Process.Pid)
		}
	}
	if polite.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGHUP {
		t.Errorf("polite session ended by %v, want SIGHUP", polite.ProcessState)
	}
	if stubborn.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("stubborn session ended by %v, want SIGKILL", stubborn.ProcessState)
	}
	if err := syscall.Kill(other.Process.Pid, 0); err != nil {
		t.Errorf("a process that was not collected was signalled: %v", err)
	}
	want := sprintf("session %d of <tcp> did not end - sending SIGKILL", stubborn.Process.Pid)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(logs, []string{want}) {
		t.Errorf("logged %q, want %q", logs, want)
	}
}

// A session whose leader ends at once but leaves a process of its group
// that ignores SIGHUP and SIGTERM: that one gets SIGKILL too.
func TestEndSessionsStraggler(t *testing.T) {
	defer func(g time.Duration) { forceGrace = g }(forceGrace)
	forceGrace = 300 * time.Millisecond

	leader := startSession(t, `(trap "" HUP TERM; exec sleep 30) & wait`)
	var straggler int
	for i := 0; i < 100 && straggler == 0; i++ {
		if kids := childrenOf(leader.Process.Pid); len(kids) > 0 {
			straggler = kids[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	if straggler == 0 {
		t.Fatal("the background process did not start")
	}
	waitIgnoring(t, straggler, syscall.SIGHUP, syscall.SIGTERM)
	_, start, _ := procState(leader.Process.Pid)
	endSessions("tcp", []session{{pid: leader.Process.Pid, start: start}}, func(string, ...any) {})
	leader.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _, ok := procState(straggler)
		if !ok || st == 'Z' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d of the session still runs (state %c)", straggler, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
