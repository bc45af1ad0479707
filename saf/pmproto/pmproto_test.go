package pmproto

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmproto/pmprototest"
	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// The test binary doubles as a second port monitor process, chosen by
// PMPROTO_HELPER (os/exec's helper-command pattern, STYLE.md 9):
//
//	open   Open the PM named by SAF_ROOT and PMTAG, print the outcome, exit
//	hold   Open it, print "held", keep it until stdin reaches EOF
//	stdio  close fds 0-2, EnsureStdio, write what 0-2 are to PMPROTO_OUT
//	squat  testexec.Squat: become nobody, read-lock the file named by the
//	       argument, print "squatting", keep
//	       it until stdin reaches EOF (squat_test.go)
//	locked print lockfile.RecordLocked(PMPROTO_PATH), as sac sees the lock
const helperEnv = "PMPROTO_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

func helper(mode string) int {
	switch mode {
	case "squat":
		return testexec.Squat(os.Args[1:])
	case "locked":
		return printLocked(os.Getenv("PMPROTO_PATH"))
	}
	if mode == "stdio" {
		for fd := range 3 {
			unix.Close(fd)
		}
		err := EnsureStdio()
		var b strings.Builder
		for fd := range 3 {
			l, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
			fmt.Fprintf(&b, "%d=%s ", fd, l)
		}
		fmt.Fprintf(&b, "err=%v", err)
		if err := os.WriteFile(os.Getenv("PMPROTO_OUT"), []byte(b.String()), 0o644); err != nil {
			return 3
		}
		return 0
	}
	env, err := ReadEnv(os.LookupEnv)
	if err != nil {
		fmt.Println("env:", err)
		return 1
	}
	p, err := Open(Config{Root: paths.FromEnv(nil), Env: env, Name: "helper"})
	var le *LockedError
	switch {
	case errors.As(err, &le) && errors.Is(err, ErrAlreadyRunning):
		// Read _pid only here, in a process that holds no lock on it: a
		// close of any descriptor on the file in the holder's process
		// would release the holder's lock.
		b, _ := os.ReadFile(le.Path)
		fmt.Printf("running pid=%d: %v\n%q\n", le.Pid, err, b)
		return 0
	case err != nil:
		fmt.Println("error:", err)
		return 1
	}
	defer p.Close()
	switch mode {
	case "open":
		fmt.Println("ok")
	case "hold":
		fmt.Println("held")
		io.Copy(io.Discard, os.Stdin) // until the test closes our stdin
	}
	return 0
}

// helperCmd returns a command running the test binary as helper mode
// against s's port monitor.
func helperCmd(t *testing.T, s *pmprototest.Sac, mode string) *exec.Cmd {
	t.Helper()
	cmd := selfCommand(os.Args[0], "-test.run=^$")
	cmd.Env = append(s.Env("enabled"), helperEnv+"="+mode, noRaceSleep())
	return cmd
}

// noRaceSleep keeps a -race helper from sleeping a second at exit (the
// race runtime's atexit_sleep_ms).
func noRaceSleep() string {
	return "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")
}

// recorder collects log lines and hook calls, in order.
type recorder struct {
	t     testing.TB
	mu    sync.Mutex
	lines []string
}

func (r *recorder) logf(format string, args ...any) { r.add(fmt.Sprintf(format, args...)) }

func (r *recorder) add(s string) {
	r.t.Logf("pm: %s", s)
	r.mu.Lock()
	r.lines = append(r.lines, s)
	r.mu.Unlock()
}

// take returns the lines so far and forgets them.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.lines
	r.lines = nil
	return l
}

// hooks returns Hooks that record each call.
func (r *recorder) hooks() Hooks {
	return Hooks{
		OnEnable:  func(from sacmsg.State) { r.add("OnEnable from " + from.String()) },
		OnDisable: func(from sacmsg.State) { r.add("OnDisable from " + from.String()) },
		OnReadDB:  func() { r.add("OnReadDB") },
	}
}

const tag = "tpm"

// open makes a sandbox with a fake sac and opens a PM in it.
func open(t *testing.T, st sacmsg.State, h func(*recorder) Hooks) (*pmprototest.Sac, *PM, *recorder) {
	t.Helper()
	s := pmprototest.New(t, t.TempDir(), tag)
	rec := &recorder{t: t}
	hooks := rec.hooks()
	if h != nil {
		hooks = h(rec)
	}
	p, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: st}, Hooks: hooks, Logf: rec.logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, p, rec
}

// run runs p.Run until the test ends and checks how it ended.
func run(t *testing.T, p *PM) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	})
}

func start(t *testing.T, st sacmsg.State) (*pmprototest.Sac, *PM, *recorder) {
	s, p, rec := open(t, st, nil)
	run(t, p)
	return s, p, rec
}

func TestReadEnv(t *testing.T) {
	for _, tt := range []struct {
		env     map[string]string
		want    Env
		wantErr error
	}{
		{map[string]string{"PMTAG": "zsmon", "ISTATE": "enabled"}, Env{"zsmon", sacmsg.Enabled}, nil},
		{map[string]string{"PMTAG": "zsmon", "ISTATE": "disabled"}, Env{"zsmon", sacmsg.Disabled}, nil},
		// Exactly "enabled" (sac.md 9.5): anything else is disabled.
		{map[string]string{"PMTAG": "zsmon", "ISTATE": "ENABLED"}, Env{"zsmon", sacmsg.Disabled}, nil},
		{map[string]string{"PMTAG": "zsmon", "ISTATE": "enabled "}, Env{"zsmon", sacmsg.Disabled}, nil},
		{map[string]string{"PMTAG": "zsmon", "ISTATE": ""}, Env{"zsmon", sacmsg.Disabled}, nil},
		{map[string]string{"PMTAG": "zsmon"}, Env{}, ErrNoIState},
		{map[string]string{"ISTATE": "enabled"}, Env{}, ErrNoPMTag},
		{map[string]string{"PMTAG": "", "ISTATE": "enabled"}, Env{}, ErrNoPMTag},
		{map[string]string{}, Env{}, ErrNoPMTag},
		{map[string]string{"PMTAG": "abcdefghijklmno", "ISTATE": "enabled"}, Env{}, ErrBadTag},
		{map[string]string{"PMTAG": "abcdefghijklmn", "ISTATE": "enabled"}, Env{"abcdefghijklmn", sacmsg.Enabled}, nil},
		{map[string]string{"PMTAG": "../x", "ISTATE": "enabled"}, Env{}, ErrBadTag},
		{map[string]string{"PMTAG": "..", "ISTATE": "enabled"}, Env{}, ErrBadTag},
	} {
		got, err := ReadEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
		if got != tt.want || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
			t.Errorf("ReadEnv(%v) = %+v, %v; want %+v, %v", tt.env, got, err, tt.want, tt.wantErr)
		}
	}
	// ttymon's fatal texts (ttymon.md 19.2).
	if ErrNoPMTag.Error() != "PMTAG is missing" || ErrNoIState.Error() != "ISTATE is missing" {
		t.Errorf("texts %q, %q", ErrNoPMTag, ErrNoIState)
	}
}

func TestUnsetEnv(t *testing.T) {
	t.Setenv("PMTAG", "x")
	t.Setenv("ISTATE", "enabled")
	UnsetEnv()
	for _, k := range []string{"PMTAG", "ISTATE"} {
		if v, ok := os.LookupEnv(k); ok {
			t.Errorf("%s=%q still set", k, v)
		}
	}
}

func TestMessages(t *testing.T) {
	s, p, rec := start(t, sacmsg.Enabled)
	for _, tt := range []struct {
		send     byte
		wantType byte
		want     sacmsg.State
		lines    []string
	}{
		{sacmsg.SCStatus, sacmsg.PMStatus, sacmsg.Enabled, nil},
		{sacmsg.SCDisable, sacmsg.PMStatus, sacmsg.Disabled, []string{"Got SC_DISABLE message", "OnDisable from ENABLED"}},
		{sacmsg.SCStatus, sacmsg.PMStatus, sacmsg.Disabled, nil},
		// Repeated orders run the hook again; it is told nothing changed.
		{sacmsg.SCDisable, sacmsg.PMStatus, sacmsg.Disabled, []string{"Got SC_DISABLE message", "OnDisable from DISABLED"}},
		{sacmsg.SCReadDB, sacmsg.PMStatus, sacmsg.Disabled, []string{"Got SC_READDB message", "OnReadDB"}},
		{sacmsg.SCEnable, sacmsg.PMStatus, sacmsg.Enabled, []string{"Got SC_ENABLE message", "OnEnable from DISABLED"}},
		{sacmsg.SCEnable, sacmsg.PMStatus, sacmsg.Enabled, []string{"Got SC_ENABLE message", "OnEnable from ENABLED"}},
		{sacmsg.SCReadDB, sacmsg.PMStatus, sacmsg.Enabled, []string{"Got SC_READDB message", "OnReadDB"}},
		{0, sacmsg.PMUnknown, sacmsg.Enabled, []string{"Got unknown message 0"}},
		{5, sacmsg.PMUnknown, sacmsg.Enabled, []string{"Got unknown message 5"}},
		{255, sacmsg.PMUnknown, sacmsg.Enabled, []string{"Got unknown message 255"}},
	} {
		s.Want(t, s.Poll(t, tt.send), tt.wantType, tt.want)
		if got := rec.take(); !slices.Equal(got, tt.lines) {
			t.Errorf("after type %d: log and hooks %q, want %q", tt.send, got, tt.lines)
		}
		if p.State() != tt.want {
			t.Errorf("after type %d: State() = %v, want %v", tt.send, p.State(), tt.want)
		}
	}
	s.NoReply(t, 50*time.Millisecond) // exactly one reply each
}

// The initial state comes from ISTATE (sac.md 9.5 item 1).
func TestInitialState(t *testing.T) {
	for istate, want := range map[string]sacmsg.State{"enabled": sacmsg.Enabled, "disabled": sacmsg.Disabled, "Enabled": sacmsg.Disabled, "": sacmsg.Disabled} {
		t.Run("ISTATE="+istate, func(t *testing.T) {
			s := pmprototest.New(t, t.TempDir(), tag)
			env, err := ReadEnv(func(k string) (string, bool) {
				return map[string]string{"PMTAG": tag, "ISTATE": istate}[k], true
			})
			if err != nil {
				t.Fatal(err)
			}
			p, err := Open(Config{Root: s.Root, Env: env})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() }) // after run's cleanup
			run(t, p)
			s.Want(t, s.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, want)
		})
	}
	t.Run("STARTING", func(t *testing.T) {
		s, _, _ := start(t, sacmsg.Starting)
		s.Want(t, s.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Starting)
	})
	for _, st := range []sacmsg.State{sacmsg.NotRunning, sacmsg.Failed, sacmsg.Unknown, 9} {
		s := pmprototest.New(t, t.TempDir(), tag)
		if p, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: st}}); err == nil {
			p.Close()
			t.Errorf("Open with initial state %v succeeded", st)
		}
	}
}

// Several headers in one write, headers cut across writes, and data after
// a header (sac.md 9.1: skip size bytes) all get one reply per header.
func TestFraming(t *testing.T) {
	s, _, _ := start(t, sacmsg.Enabled)
	hdr := func(typ byte, size int32) []byte {
		b, err := sacmsg.SacMsg{Type: typ, Size: size}.AppendMarshal(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	s.SendRaw(t, slices.Concat(hdr(sacmsg.SCStatus, 0), hdr(sacmsg.SCDisable, 0), hdr(sacmsg.SCStatus, 0)))
	s.Want(t, s.Reply(t), sacmsg.PMStatus, sacmsg.Enabled)
	s.Want(t, s.Reply(t), sacmsg.PMStatus, sacmsg.Disabled)
	s.Want(t, s.Reply(t), sacmsg.PMStatus, sacmsg.Disabled)

	// Data that looks like an SC_ENABLE header must be skipped, not obeyed.
	data := slices.Concat(hdr(sacmsg.SCEnable, 0), []byte("xyz"))
	s.SendRaw(t, slices.Concat(hdr(sacmsg.SCStatus, int32(len(data))), data, hdr(sacmsg.SCStatus, 0)))
	s.Want(t, s.Reply(t), sacmsg.PMStatus, sacmsg.Disabled)
	s.Want(t, s.Reply(t), sacmsg.PMStatus, sacmsg.Disabled)

	// A header in three pieces, then its data in two: the reply comes as
	// soon as the header is whole, and the data is still skipped.
	msg := slices.Concat(hdr(sacmsg.SCEnable, 4), []byte("data"))
	s.SendRaw(t, msg[:3])
	s.NoReply(t, 20*time.Millisecond)
	s.SendRaw(t, msg[3:7])
	s.NoReply(t, 20*time.Millisecond)
	s.SendRaw(t, msg[7:10])
	s.Want(t, s.Reply(t), sacmsg.PMStatus, sacmsg.Enabled)
	s.SendRaw(t, msg[10:])
	s.Want(t, s.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
	s.NoReply(t, 50*time.Millisecond)
}

func TestBadSize(t *testing.T) {
	s, _, rec := start(t, sacmsg.Enabled)
	for _, size := range []uint32{0xffffffff, sacmsg.MaxDataSize + 1} {
		b := []byte{byte(size), byte(size >> 8), byte(size >> 16), byte(size >> 24), sacmsg.SCDisable, 0, 0, 0}
		s.SendRaw(t, b)
		s.Want(t, s.Reply(t), sacmsg.PMStatus, sacmsg.Disabled)
		s.Want(t, s.Poll(t, sacmsg.SCEnable), sacmsg.PMStatus, sacmsg.Enabled)
	}
	if got := strings.Join(rec.take(), "\n"); !strings.Contains(got, "bad data size -1") || !strings.Contains(got, fmt.Sprintf("bad data size %d", sacmsg.MaxDataSize+1)) {
		t.Errorf("log:\n%s", got)
	}
}

// STOPPING set by the owner is reported and final (package doc).
func TestStoppingIsFinal(t *testing.T) {
	s, p, rec := start(t, sacmsg.Enabled)
	p.SetState(sacmsg.Starting)
	s.Want(t, s.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Starting)
	s.Want(t, s.Poll(t, sacmsg.SCEnable), sacmsg.PMStatus, sacmsg.Enabled)
	rec.take()
	p.SetState(sacmsg.Stopping)
	s.Want(t, s.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Stopping)
	s.Want(t, s.Poll(t, sacmsg.SCDisable), sacmsg.PMStatus, sacmsg.Stopping)
	s.Want(t, s.Poll(t, sacmsg.SCEnable), sacmsg.PMStatus, sacmsg.Stopping)
	p.SetState(sacmsg.Enabled)
	s.Want(t, s.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Stopping)
	if got, want := rec.take(), []string{"Got SC_DISABLE message", "Got SC_ENABLE message"}; !slices.Equal(got, want) {
		t.Errorf("log and hooks %q, want %q (no hooks while stopping)", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("SetState(FAILED) did not panic")
		}
	}()
	p.SetState(sacmsg.Failed)
}

// SetState from another goroutine while messages are handled: run with
// -race. Every reply still carries a state a port monitor can report.
func TestConcurrentSetState(t *testing.T) {
	s, p, _ := start(t, sacmsg.Enabled)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p.SetState([]sacmsg.State{sacmsg.Enabled, sacmsg.Disabled, sacmsg.Starting}[i%3])
			_ = p.State()
		}
	})
	for i := range 200 {
		m := s.Poll(t, []byte{sacmsg.SCStatus, sacmsg.SCEnable, sacmsg.SCDisable}[i%3])
		if m.Type != sacmsg.PMStatus || m.State < sacmsg.PMStarting || m.State > sacmsg.PMDisabled {
			t.Fatalf("reply %+v", m)
		}
	}
	close(stop)
	wg.Wait()
}

func TestFilterAndReplied(t *testing.T) {
	var mu sync.Mutex
	var replied []string
	s, p, rec := open(t, sacmsg.Enabled, func(r *recorder) Hooks {
		return Hooks{
			Received: func(m sacmsg.SacMsg) { r.add(fmt.Sprintf("received %d", m.Type)) },
			OnEnable: func(from sacmsg.State) { r.add("OnEnable from " + from.String()) },
			Filter: func(in sacmsg.SacMsg, out sacmsg.PMMsg) (sacmsg.PMMsg, bool) {
				switch in.Type {
				case sacmsg.SCReadDB:
					return out, false
				case sacmsg.SCDisable:
					out.State = 9
				}
				return out, true
			},
			Replied: func(in sacmsg.SacMsg, out sacmsg.PMMsg, err error) {
				mu.Lock()
				replied = append(replied, fmt.Sprintf("%d:%d:%v", in.Type, out.State, err))
				mu.Unlock()
			},
		}
	})
	run(t, p)
	s.Send(t, sacmsg.SCReadDB)
	s.NoReply(t, 50*time.Millisecond)
	if got := s.Poll(t, sacmsg.SCDisable); got.State != 9 {
		t.Errorf("filtered reply %+v, want state 9", got)
	}
	s.Want(t, s.Poll(t, sacmsg.SCEnable), sacmsg.PMStatus, sacmsg.Enabled)
	want := []string{"received 4", "Got SC_READDB message", "received 3", "Got SC_DISABLE message", "received 2", "Got SC_ENABLE message", "OnEnable from DISABLED"}
	if got := rec.take(); !slices.Equal(got, want) {
		t.Errorf("log and hooks %q, want %q", got, want)
	}
	// Replied runs after the reply is written, so the fake sac may have
	// read the last reply before the hook saw it: wait for it.
	want = []string{"3:9:<nil>", "2:2:<nil>"}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		got := slices.Clone(replied)
		mu.Unlock()
		if len(got) >= len(want) || time.Now().After(deadline) {
			if !slices.Equal(got, want) {
				t.Errorf("Replied saw %q, want %q", got, want)
			}
			break
		}
	}
}

// lockHolder runs a second PM in another process and returns what it
// says: the lock is tested from outside, since F_GETLK does not report the
// caller's own locks.
func lockHolder(t *testing.T, s *pmprototest.Sac) string {
	t.Helper()
	out, _ := helperCmd(t, s, "open").CombinedOutput() // the exit status is in the text
	return strings.TrimSpace(string(out))
}

func TestPidFile(t *testing.T) {
	s := pmprototest.New(t, t.TempDir(), tag)
	// Stale content from a previous run, longer than ours.
	if err := os.WriteFile(s.PidFile(), []byte("123456789012345678\x00junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
	if err != nil {
		t.Fatal(err)
	}
	// Another process sees the lock held by us, as sac's checklock does
	// (sac.md 8.6), and _pid holding our pid: digits and one NUL. (Not
	// read from here: see the helper.)
	want := fmt.Sprintf("running pid=%d: pid file is locked. helper may already be running!\n%q", os.Getpid(), strconv.Itoa(os.Getpid())+"\x00")
	if out := lockHolder(t, s); out != want {
		t.Errorf("second PM in another process:\n%s\nwant\n%s", out, want)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if out := lockHolder(t, s); out != "ok" {
		t.Errorf("after Close, another process: %q, want ok", out)
	}
}

// _pid is mode 0600 whatever the umask, made or found: anyone who can
// open it can take a read lock on it and keep the port monitor from its
// write lock (squat_test.go). One found with a wider mode (sacadm's 0644)
// is replaced, not changed in mode, since a descriptor opened before a
// chmod survives it.
func TestPidFileMode(t *testing.T) {
	old := unix.Umask(0) // the original sac's umask, inherited
	defer unix.Umask(old)
	for _, found := range []os.FileMode{0, 0o644, 0o640, 0o604} {
		t.Run(fmt.Sprintf("%04o", found), func(t *testing.T) {
			s := pmprototest.New(t, t.TempDir(), tag)
			var before os.FileInfo
			if found != 0 {
				if err := os.WriteFile(s.PidFile(), nil, found); err != nil {
					t.Fatal(err)
				}
				before, _ = os.Lstat(s.PidFile())
			}
			p, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			fi, err := os.Lstat(s.PidFile())
			if err != nil || fi.Mode() != 0o600 {
				t.Fatalf("_pid mode %v, %v; want 0600", fi.Mode(), err)
			}
			if before != nil && os.SameFile(before, fi) {
				t.Errorf("_pid of mode %04o was kept, not replaced", found)
			}
		})
	}
}

// A PM holding the lock in another process: Open refuses, naming it.
func TestAlreadyRunningElsewhere(t *testing.T) {
	s := pmprototest.New(t, t.TempDir(), tag)
	cmd := helperCmd(t, s, "hold")
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
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "held\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	before, _ := os.ReadFile(s.PidFile())

	_, err = Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}, Name: "ttymon"})
	var le *LockedError
	if !errors.Is(err, ErrAlreadyRunning) || !errors.As(err, &le) || le.Pid != cmd.Process.Pid || le.Path != s.PidFile() {
		t.Fatalf("Open = %v (%+v), want ErrAlreadyRunning held by pid %d", err, le, cmd.Process.Pid)
	}
	if got, want := err.Error(), "pid file is locked. ttymon may already be running!"; got != want {
		t.Errorf("error text %q, want ttymon's %q", got, want)
	}
	// The refused Open must not have touched the running PM's pid.
	if after, _ := os.ReadFile(s.PidFile()); string(after) != string(before) || string(after) != strconv.Itoa(cmd.Process.Pid)+"\x00" {
		t.Errorf("_pid was %q, now %q", before, after)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	p, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
	if err != nil {
		t.Fatalf("Open after the holder exited: %v", err)
	}
	p.Close()
}

// A second Open in the same process is refused without releasing the
// first one's lock (POSIX locks are per process; package doc).
func TestAlreadyRunningHere(t *testing.T) {
	s, _, _ := open(t, sacmsg.Enabled, nil)
	for range 2 {
		_, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
		var le *LockedError
		if !errors.As(err, &le) || le.Pid != os.Getpid() {
			t.Fatalf("second Open = %v, want ErrAlreadyRunning by us", err)
		}
	}
	if out := lockHolder(t, s); !strings.HasPrefix(out, fmt.Sprintf("running pid=%d:", os.Getpid())) {
		t.Errorf("after refused Opens, another process: %q; the lock was lost", out)
	}
}

// fds lists this process's open descriptors with their close-on-exec bit.
func fds(t *testing.T) map[int]bool {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	m := map[int]bool{}
	for _, e := range ents {
		fd, _ := strconv.Atoi(e.Name())
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil {
			continue // the directory's own descriptor, closed by now
		}
		m[fd] = flags&unix.FD_CLOEXEC != 0
	}
	return m
}

// Every descriptor Open makes is close-on-exec (STYLE.md 12), and Close
// or a failed Open leaves none behind.
func TestFDHygiene(t *testing.T) {
	s := pmprototest.New(t, t.TempDir(), tag)
	before := fds(t)
	p, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
	if err != nil {
		t.Fatal(err)
	}
	during := fds(t)
	var added []int
	for fd, cloexec := range during {
		if _, ok := before[fd]; ok {
			continue
		}
		added = append(added, fd)
		if !cloexec {
			l, _ := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
			t.Errorf("fd %d (%s) is not close-on-exec", fd, l)
		}
	}
	if len(added) < 3 {
		t.Errorf("Open added fds %v, want at least _pid and the two pipes", added)
	}
	p.Close()
	if after := fds(t); len(after) != len(before) {
		t.Errorf("fds before Open %v, after Close %v", before, after)
	}

	// A failed Open (no _pmpipe) leaves nothing open and no lock.
	if err := os.Remove(s.Root.PMPipe(tag)); err != nil {
		t.Fatal(err)
	}
	_, err = Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
	var oe *OpenError
	if !errors.As(err, &oe) || oe.Op != OpOpenPMPipe || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open without _pmpipe = %v", err)
	}
	if got, want := err.Error(), "open pmpipe failed: No such file or directory"; got != want {
		t.Errorf("error text %q, want ttymon's %q", got, want)
	}
	if after := fds(t); len(after) != len(before) {
		t.Errorf("fds before %v, after a failed Open %v", before, after)
	}
	if out := lockHolder(t, s); out != "error: open pmpipe failed: No such file or directory" {
		t.Errorf("after a failed Open, another process: %q (lock left held?)", out)
	}
}

// Without sac nobody reads _sacpipe: Open fails at once instead of
// blocking (package doc).
func TestNoSac(t *testing.T) {
	root := paths.New(t.TempDir())
	if err := os.MkdirAll(root.PMDir(tag), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{root.SacPipe(), root.PMPipe(tag)} {
		if err := unix.Mkfifo(f, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		p, err := Open(Config{Root: root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
		if err == nil {
			p.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		var oe *OpenError
		if !errors.As(err, &oe) || oe.Op != OpOpenSacPipe || !errors.Is(err, unix.ENXIO) {
			t.Fatalf("Open = %v, want ENXIO opening _sacpipe", err)
		}
		if !strings.Contains(err.Error(), "open sacpipe failed: No such device or address") || !strings.Contains(err.Error(), "is sac running?") {
			t.Errorf("error text %q", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Open blocked on _sacpipe with no reader")
	}
}

// Files of the wrong type are refused, not opened (a FIFO at _pid would
// block a plain open).
func TestWrongFileTypes(t *testing.T) {
	t.Run("pmpipe", func(t *testing.T) {
		s := pmprototest.New(t, t.TempDir(), tag)
		os.Remove(s.Root.PMPipe(tag))
		os.WriteFile(s.Root.PMPipe(tag), nil, 0o600)
		_, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
		if !errors.Is(err, ErrFileType) {
			t.Errorf("Open = %v, want ErrFileType", err)
		}
	})
	t.Run("pid fifo", func(t *testing.T) {
		s := pmprototest.New(t, t.TempDir(), tag)
		if err := unix.Mkfifo(s.PidFile(), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
		if !errors.Is(err, ErrFileType) {
			t.Errorf("Open = %v, want ErrFileType", err)
		}
	})
	t.Run("pid symlink", func(t *testing.T) {
		s := pmprototest.New(t, t.TempDir(), tag)
		target := filepath.Join(t.TempDir(), "victim")
		os.WriteFile(target, []byte("keep"), 0o644)
		if err := os.Symlink(target, s.PidFile()); err != nil {
			t.Fatal(err)
		}
		_, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
		var oe *OpenError
		if !errors.As(err, &oe) || oe.Op != OpOpenPid {
			t.Errorf("Open = %v, want an open pid file error", err)
		}
		if b, _ := os.ReadFile(target); string(b) != "keep" {
			t.Errorf("symlink target now holds %q", b)
		}
	})
}

func TestRunEnds(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		s, p, _ := open(t, sacmsg.Enabled, nil)
		for range 2 { // a cancelled Run can be run again
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			s.Want(t, s.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
			if err := p.Run(ctx); err == nil || !strings.Contains(err.Error(), "already running") {
				t.Errorf("concurrent Run = %v", err)
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Run = %v", err)
			}
		}
	})
	t.Run("close", func(t *testing.T) {
		s, p, _ := open(t, sacmsg.Enabled, nil)
		done := make(chan error, 1)
		go func() { done <- p.Run(context.Background()) }()
		s.Want(t, s.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
		p.Close()
		if err := <-done; !errors.Is(err, ErrClosed) {
			t.Errorf("Run = %v, want ErrClosed", err)
		}
	})
}

// A sac that stops reading: the reply write gives up after the timeout
// and is logged; the loop goes on (ttymon.md 17.1).
func TestReplyTimeout(t *testing.T) {
	old := replyTimeout
	replyTimeout = 100 * time.Millisecond
	t.Cleanup(func() { replyTimeout = old })

	s, _, rec := start(t, sacmsg.Enabled)
	// Fill _sacpipe from sac's side until it is full.
	w, err := unix.Open(s.Root.SacPipe(), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(w)
	junk := make([]byte, 4096)
	for {
		if _, err := unix.Write(w, junk); err != nil {
			if !errors.Is(err, unix.EAGAIN) {
				t.Fatal(err)
			}
			break
		}
	}
	s.Send(t, sacmsg.SCStatus)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if slices.Contains(rec.take(), "sanity response to SAC failed: i/o timeout") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no 'sanity response to SAC failed' line")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A reply that cannot be written is logged with the C error text and
// reported to Replied; the next message is still answered.
func TestReplyError(t *testing.T) {
	rec := &recorder{t: t}
	var replied []error
	p := &PM{tag: tag, state: sacmsg.Enabled, logf: rec.logf, hooks: Hooks{
		Replied: func(_ sacmsg.SacMsg, _ sacmsg.PMMsg, err error) { replied = append(replied, err) },
	}}
	w := &failWriter{err: &fs.PathError{Op: "write", Path: "_sacpipe", Err: unix.EPIPE}}
	in := slices.Concat(statusHdr, statusHdr)
	if err := p.serve(strings.NewReader(string(in)), w); err != io.EOF {
		t.Fatalf("serve = %v", err)
	}
	if got, want := rec.take(), []string{"sanity response to SAC failed: Broken pipe", "sanity response to SAC failed: Broken pipe"}; !slices.Equal(got, want) {
		t.Errorf("log %q, want %q", got, want)
	}
	if len(replied) != 2 || !errors.Is(replied[0], unix.EPIPE) {
		t.Errorf("Replied saw %v", replied)
	}
}

var statusHdr = []byte{0, 0, 0, 0, sacmsg.SCStatus, 0, 0, 0}

type failWriter struct{ err error }

func (w *failWriter) Write([]byte) (int, error) { return 0, w.err }

// sac starts port monitors with no descriptors at all (sac.md 8.4).
func TestEnsureStdio(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	cmd := selfCommand(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=stdio", "PMPROTO_OUT="+out, noRaceSleep())
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if want := "0=/dev/null 1=/dev/null 2=/dev/null err=<nil>"; err != nil || string(b) != want {
		t.Errorf("got %q, %v; want %q", b, err, want)
	}
	if err := EnsureStdio(); err != nil { // all open: nothing to do
		t.Error(err)
	}
}

// Files planted in a port monitor's directory by someone who can write it
// (an /etc/saf/<tag> made group-writable or given to a service account):
// a root port monitor must neither write through them into other files
// nor take its messages from a FIFO that is not sac's.
func TestPlantedFiles(t *testing.T) {
	openPM := func(s *pmprototest.Sac) error {
		p, err := Open(Config{Root: s.Root, Env: Env{Tag: tag, State: sacmsg.Enabled}})
		if err == nil {
			p.Close()
		}
		return err
	}
	// victimFIFO is a FIFO outside the port monitor's directory (say,
	// another daemon's control FIFO), held open read/write so that
	// opens of it succeed.
	victimFIFO := func(t *testing.T) string {
		path := filepath.Join(t.TempDir(), "initctl")
		if err := unix.Mkfifo(path, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_RDWR|unix.O_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return path
	}
	wantRefused := func(t *testing.T, err error, op string) {
		t.Helper()
		var oe *OpenError
		if !errors.As(err, &oe) || oe.Op != op {
			t.Errorf("Open = %v, want a %q error", err, op)
		}
	}

	// A _pid the port monitor cannot trust (a hard link to another file,
	// a file of another user's) is replaced by a fresh one of its own:
	// the rename removes the name only, so the other file is neither
	// written nor locked, and the port monitor runs.
	wantReplaced := func(t *testing.T, s *pmprototest.Sac, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("Open = %v, want _pid replaced", err)
		}
		var st unix.Stat_t
		if err := unix.Lstat(s.PidFile(), &st); err != nil {
			t.Fatal(err)
		}
		if st.Mode != unix.S_IFREG|0o600 || int(st.Uid) != os.Geteuid() || st.Nlink != 1 {
			t.Errorf("_pid now mode %o, uid %d, %d links", st.Mode, st.Uid, st.Nlink)
		}
	}
	t.Run("pid hard link", func(t *testing.T) {
		s := pmprototest.New(t, t.TempDir(), tag)
		victim := filepath.Join(s.Root.Prefix(), "shadow") // same file system
		if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Link(victim, s.PidFile()); err != nil {
			t.Fatal(err)
		}
		wantReplaced(t, s, openPM(s))
		if b, _ := os.ReadFile(victim); string(b) != "precious" {
			t.Errorf("the linked file now holds %q", b)
		}
	})
	t.Run("pmpipe symlink", func(t *testing.T) {
		s := pmprototest.New(t, t.TempDir(), tag)
		os.Remove(s.Root.PMPipe(tag))
		if err := os.Symlink(victimFIFO(t), s.Root.PMPipe(tag)); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, openPM(s), OpOpenPMPipe)
	})
	t.Run("pmpipe hard link", func(t *testing.T) {
		s := pmprototest.New(t, t.TempDir(), tag)
		other := filepath.Join(s.Root.Prefix(), "other")
		if err := unix.Mkfifo(other, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Remove(s.Root.PMPipe(tag))
		if err := os.Link(other, s.Root.PMPipe(tag)); err != nil {
			t.Fatal(err)
		}
		err := openPM(s)
		wantRefused(t, err, OpOpenPMPipe)
		if !errors.Is(err, ErrFileType) {
			t.Errorf("Open = %v, want ErrFileType", err)
		}
	})
	t.Run("sacpipe symlink", func(t *testing.T) {
		s := pmprototest.New(t, t.TempDir(), tag)
		os.Remove(s.Root.SacPipe())
		if err := os.Symlink(victimFIFO(t), s.Root.SacPipe()); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, openPM(s), OpOpenSacPipe)
	})
	t.Run("pmpipe of another user", func(t *testing.T) {
		requireRoot(t)
		s := pmprototest.New(t, t.TempDir(), tag)
		if err := os.Chown(s.Root.PMPipe(tag), 65534, 65534); err != nil {
			t.Fatal(err)
		}
		err := openPM(s)
		wantRefused(t, err, OpOpenPMPipe)
		if !errors.Is(err, ErrFileOwner) {
			t.Errorf("Open = %v, want ErrFileOwner", err)
		}
	})
	t.Run("pid of another user", func(t *testing.T) {
		requireRoot(t)
		s := pmprototest.New(t, t.TempDir(), tag)
		if err := os.WriteFile(s.PidFile(), []byte("theirs"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(s.PidFile(), 65534, 65534); err != nil {
			t.Fatal(err)
		}
		theirs, err := os.Open(s.PidFile())
		if err != nil {
			t.Fatal(err)
		}
		defer theirs.Close()
		wantReplaced(t, s, openPM(s))
		if b, _ := io.ReadAll(theirs); string(b) != "theirs" {
			t.Errorf("their file now holds %q", b)
		}
	})
}

// requireRoot skips a test that needs to give files to another user.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to make files owned by another user")
	}
}
