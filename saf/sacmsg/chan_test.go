package sacmsg

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/linux-saf/saf/internal/unixsock"
)

// helperDialEnv makes the test binary a client that sends one AC_STATUS
// to the socket named by the variable's value and prints the outcome
// (TestServeRefusesOtherUID runs it under another uid).
const helperDialEnv = "SACMSG_TEST_DIAL"

func TestMain(m *testing.M) {
	if sock := os.Getenv(helperDialEnv); sock != "" {
		ack, data, err := Call(context.Background(), sock, AdmCmd{Type: ACStatus})
		fmt.Printf("resp=%d size=%d data=%q err=%v\n", ack.Resp, ack.Size, data, err)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// replace sets *p to v for the rest of the test (tailscale tstest.Replace).
// Tests that use it must not run in parallel.
func replace[T any](t *testing.T, p *T, v T) {
	t.Helper()
	old := *p
	*p = v
	t.Cleanup(func() { *p = old })
}

// logSink collects a Server's log lines and echoes them to the test log.
type logSink struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	l.t.Logf("server: %s", s)
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

// has reports whether a logged line contains every one of subs.
func (l *logSink) has(subs ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
next:
	for _, line := range l.lines {
		for _, s := range subs {
			if !strings.Contains(line, s) {
				continue next
			}
		}
		return true
	}
	return false
}

// runServer serves s on a fresh socket under dir; stop ends Serve, checks
// how it ended and closes the listener.
func runServer(t *testing.T, dir string, s *Server) (sock string, stop func()) {
	t.Helper()
	sock = filepath.Join(dir, "_cmdpipe")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var once sync.Once
	return sock, func() {
		once.Do(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("Serve returned %v, want context.Canceled", err)
			}
			if err := ln.Close(); err != nil {
				t.Errorf("closing listener: %v", err)
			}
		})
	}
}

// startServer is runServer with the stop in t.Cleanup and logging set up.
func startServer(t *testing.T, handle func(AdmCmd, Cred) (AdmAck, []byte)) (string, *logSink) {
	t.Helper()
	logs := &logSink{t: t}
	sock, stop := runServer(t, t.TempDir(), &Server{Handle: handle, Logf: logs.logf})
	t.Cleanup(stop)
	return sock, logs
}

// fakeServer accepts on a socket and hands each connection to fn, which
// plays a broken sac; the connection is closed when fn returns.
func fakeServer(t *testing.T, fn func(c *net.UnixConn)) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "_cmdpipe")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.AcceptUnix()
			if err != nil {
				return // closed by the cleanup
			}
			wg.Go(func() {
				defer c.Close()
				fn(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return sock
}

// readRequest reads one admcmd on the fake server side.
func readRequest(t *testing.T, c io.Reader) AdmCmd {
	var b [AdmCmdSize]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		t.Errorf("fake server: reading request: %v", err)
		return AdmCmd{}
	}
	cmd, err := ParseAdmCmd(b[:])
	if err != nil {
		t.Errorf("fake server: %v", err)
	}
	return cmd
}

func marshal(t *testing.T, m interface{ AppendMarshal([]byte) ([]byte, error) }) []byte {
	t.Helper()
	b, err := m.AppendMarshal(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sacLike answers like sac: a listing for AC_STATUS, AK_NOPM for an
// unknown tag, AK_PMRUN for AC_START of "run".
func sacLike(t *testing.T, listing []StatusEntry, calls *atomic.Int32) func(AdmCmd, Cred) (AdmAck, []byte) {
	data := formatStatus(t, listing)
	return func(cmd AdmCmd, cred Cred) (AdmAck, []byte) {
		if calls != nil {
			calls.Add(1)
		}
		if cred.Uid != uint32(os.Geteuid()) || cred.Pid != int32(os.Getpid()) {
			t.Errorf("Handle got cred %+v, want our uid %d and pid %d", cred, os.Geteuid(), os.Getpid())
		}
		switch {
		case cmd.Type == ACStatus:
			return AdmAck{Resp: AKAck, Pid: 12345 /* overwritten by Serve */}, data
		case cmd.Type == ACStart && cmd.Tag == "run":
			return AdmAck{Resp: AKPMRun}, []byte("dropped: only AKAck carries data")
		case cmd.Tag == "zsmon":
			return AdmAck{Resp: AKAck}, nil
		}
		return AdmAck{Resp: AKNoPM}, nil
	}
}

var testListing = []StatusEntry{
	{Tag: "tcp", Type: "listen", State: Enabled, Command: "/usr/lib/saf/listen tcp", Comment: "net: tcp"},
	{Tag: "zsmon", Type: "ttymon", Flags: FlagDisabled, RCount: 2, State: Disabled, Command: "/usr/lib/saf/ttymon", Comment: " "},
}

func TestCallRoundTrip(t *testing.T) {
	sock, _ := startServer(t, sacLike(t, testListing, nil))
	ctx := context.Background()

	ack, data, err := Call(ctx, sock, AdmCmd{Type: ACStatus})
	if err != nil {
		t.Fatalf("Call AC_STATUS: %v", err)
	}
	want := formatStatus(t, testListing)
	if ack != (AdmAck{Resp: AKAck, Pid: int32(os.Getpid()), Size: int64(len(want))}) || string(data) != string(want) {
		t.Errorf("AC_STATUS = %+v %q, want AKAck for our pid with %q", ack, data, want)
	}
	if got, err := ParseStatus(data); err != nil || len(got) != 2 || got[1] != testListing[1] {
		t.Errorf("ParseStatus = %+v, %v", got, err)
	}

	for _, tt := range []struct {
		cmd  AdmCmd
		resp byte
	}{
		{AdmCmd{Type: ACEnable, Tag: "zsmon", Pid: 77}, AKAck},
		{AdmCmd{Type: ACStart, Tag: "run"}, AKPMRun},
		{AdmCmd{Type: ACKill, Tag: "nosuch"}, AKNoPM},
	} {
		ack, data, err := Call(ctx, sock, tt.cmd)
		wantPid := tt.cmd.Pid
		if wantPid == 0 {
			wantPid = int32(os.Getpid())
		}
		if err != nil || ack != (AdmAck{Resp: tt.resp, Pid: wantPid}) || data != nil {
			t.Errorf("Call(%+v) = %+v, %q, %v; want resp %d pid %d, no data", tt.cmd, ack, data, err, tt.resp, wantPid)
		}
	}
}

// The socket is 0600 (linux.md D5) whatever the umask: sac runs with
// umask 0 (sac.md 8.2 step 7).
func TestListenMode(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	sock := filepath.Join(t.TempDir(), "_cmdpipe")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Lstat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want socket 0600", fi.Mode())
	}
	// Close-on-exec, so port monitors and scripts never inherit it.
	rc, err := ln.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags int
	var ferr error
	if err := rc.Control(func(fd uintptr) { flags, ferr = unix.FcntlInt(fd, unix.F_GETFD, 0) }); err != nil || ferr != nil {
		t.Fatal(err, ferr)
	}
	if flags&unix.FD_CLOEXEC == 0 {
		t.Error("listener is not close-on-exec")
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket still there after Close: %v", err)
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "_cmdpipe")
	// A socket left by a sac that died: bound, nobody listening.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	if _, _, err := Call(context.Background(), sock, AdmCmd{Type: ACStatus}); !errors.Is(err, ErrNoContact) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Call to stale socket: %v, want ErrNoContact (ECONNREFUSED)", err)
	}
	ln, err := Listen(sock)
	if err != nil {
		t.Fatalf("Listen over stale socket: %v", err)
	}
	ln.Close()
}

func TestListenRefusesNonSocket(t *testing.T) {
	for _, mk := range []func(string) error{
		func(p string) error { return os.WriteFile(p, []byte("keep me"), 0o644) },
		func(p string) error { return os.Mkdir(p, 0o755) },
		func(p string) error { return os.Symlink("/nonexistent", p) },
	} {
		path := filepath.Join(t.TempDir(), "_cmdpipe")
		if err := mk(path); err != nil {
			t.Fatal(err)
		}
		before, _ := os.Lstat(path)
		ln, err := Listen(path)
		if err == nil {
			ln.Close()
			t.Fatalf("Listen over %v succeeded", before.Mode())
		}
		if pe, ok := errors.AsType[*os.PathError](err); !ok || pe.Path != path {
			t.Errorf("Listen over %v: %v, want a PathError naming the path", before.Mode(), err)
		}
		if after, err := os.Lstat(path); err != nil || after.Mode() != before.Mode() {
			t.Errorf("Listen touched the %v at the path: %v %v", before.Mode(), after, err)
		}
	}
}

func TestCallNoServer(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "_cmdpipe")
	_, _, err := Call(context.Background(), sock, AdmCmd{Type: ACStatus})
	if !errors.Is(err, ErrNoContact) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Call with no socket: %v, want ErrNoContact (ENOENT)", err)
	}
	if !strings.Contains(err.Error(), sock) {
		t.Errorf("error %q does not name the socket", err)
	}
}

// Deep SAF_ROOTs overflow sun_path; both sides say so instead of EINVAL.
func TestSocketPathTooLong(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("d", unixsock.MaxPath), "_cmdpipe")
	ln, err := Listen(long)
	if err == nil {
		ln.Close()
		t.Fatal("Listen succeeded")
	}
	if !errors.Is(err, syscall.ENAMETOOLONG) || !strings.Contains(err.Error(), "SAF_ROOT") {
		t.Errorf("Listen: %v, want ENAMETOOLONG with a hint", err)
	}
	_, _, err = Call(context.Background(), long, AdmCmd{Type: ACStatus})
	if !errors.Is(err, ErrNoContact) || !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Errorf("Call: %v, want ErrNoContact (ENAMETOOLONG)", err)
	}
	t.Log(err)
}

func TestCallBadTag(t *testing.T) {
	sock := fakeServer(t, func(c *net.UnixConn) { t.Error("Call connected despite a bad tag") })
	_, _, err := Call(context.Background(), sock, AdmCmd{Type: ACStart, Tag: "fifteen-bytes-x"})
	if !errors.Is(err, ErrTagTooLong) {
		t.Errorf("Call: %v, want ErrTagTooLong", err)
	}
}

// sac.md 10.1: a sac that never answers costs sacadm its 10 s alarm and
// exit 10. The deadline comes from ctx, or from replyTimeout without one.
func TestCallServerNeverAnswers(t *testing.T) {
	release := make(chan struct{})
	sock := fakeServer(t, func(c *net.UnixConn) {
		readRequest(t, c)
		<-release
	})
	defer close(release) // before fakeServer's cleanup waits for its handlers

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := Call(ctx, sock, AdmCmd{Type: ACStatus})
	if !errors.Is(err, ErrNoReply) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Call with ctx deadline: %v, want ErrNoReply (deadline)", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Call took %v with a 100ms deadline", d)
	}

	replace(t, &replyTimeout, 100*time.Millisecond)
	start = time.Now()
	_, _, err = Call(context.Background(), sock, AdmCmd{Type: ACStatus})
	if !errors.Is(err, ErrNoReply) {
		t.Errorf("Call without deadline: %v, want ErrNoReply", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Call took %v with replyTimeout 100ms", d)
	}
}

func TestCallCancel(t *testing.T) {
	release := make(chan struct{})
	got := make(chan struct{}, 1)
	sock := fakeServer(t, func(c *net.UnixConn) {
		readRequest(t, c)
		got <- struct{}{}
		<-release
	})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-got
		cancel()
	}()
	// The ctx has no deadline: only the cancel can end this before 10 s.
	_, _, err := Call(ctx, sock, AdmCmd{Type: ACStatus})
	if !errors.Is(err, ErrNoReply) {
		t.Errorf("cancelled Call: %v, want ErrNoReply", err)
	}
}

func TestCallBrokenReplies(t *testing.T) {
	ack := func(a AdmAck) func(*testing.T, AdmCmd) []byte {
		return func(t *testing.T, cmd AdmCmd) []byte {
			if a.Pid == 0 {
				a.Pid = cmd.Pid
			}
			return marshal(t, a)
		}
	}
	for _, tt := range []struct {
		name  string
		reply func(*testing.T, AdmCmd) []byte
		want  []error
	}{
		{"close without reply", func(*testing.T, AdmCmd) []byte { return nil }, []error{ErrNoReply, io.EOF}},
		{"half an ack", func(t *testing.T, cmd AdmCmd) []byte { return ack(AdmAck{})(t, cmd)[:9] }, []error{ErrNoReply, io.ErrUnexpectedEOF}},
		{"wrong pid", ack(AdmAck{Resp: AKAck, Pid: 1}), []error{ErrNoReply}},
		{"negative size", func(t *testing.T, cmd AdmCmd) []byte {
			b := ack(AdmAck{Resp: AKAck})(t, cmd)
			binary.LittleEndian.PutUint64(b[8:], ^uint64(0))
			return b
		}, []error{ErrNoReply, ErrBadSize}},
		{"short data", func(t *testing.T, cmd AdmCmd) []byte {
			return append(ack(AdmAck{Resp: AKAck, Size: 100})(t, cmd), "only ten b"...)
		}, []error{ErrShortData, io.ErrUnexpectedEOF}},
		{"no data at all", ack(AdmAck{Resp: AKAck, Size: 10}), []error{ErrShortData, io.EOF}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sock := fakeServer(t, func(c *net.UnixConn) {
				cmd := readRequest(t, c)
				if _, err := c.Write(tt.reply(t, cmd)); err != nil {
					t.Errorf("fake server: %v", err)
				}
			})
			ack, data, err := Call(context.Background(), sock, AdmCmd{Type: ACStatus})
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("Call = %+v, %q, %v; want %v", ack, data, err, w)
				}
			}
		})
	}
}

// Data after anything but an AKAck is not read, as in sacadm.
func TestCallIgnoresDataOfNonAck(t *testing.T) {
	sock := fakeServer(t, func(c *net.UnixConn) {
		cmd := readRequest(t, c)
		c.Write(append(marshal(t, AdmAck{Resp: AKPMRun, Pid: cmd.Pid, Size: 5}), "12345"...))
	})
	ack, data, err := Call(context.Background(), sock, AdmCmd{Type: ACStart, Tag: "a"})
	if err != nil || ack.Resp != AKPMRun || data != nil {
		t.Errorf("Call = %+v, %q, %v; want AKPMRun without data", ack, data, err)
	}
}

// rawCall sends req as is and returns whatever comes back before EOF.
func rawCall(t *testing.T, sock string, req []byte) []byte {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestServeMalformedRequest(t *testing.T) {
	var calls atomic.Int32
	sock, logs := startServer(t, sacLike(t, nil, &calls))
	req := unhex(t, "01 6162636465666768696a6b6c6d6e6f 39300000") // tag without NUL, pid 12345
	out := rawCall(t, sock, req)
	a, err := ParseAdmAck(out)
	if err != nil || a != (AdmAck{Resp: AKReqFail, Pid: 12345}) || len(out) != AdmAckSize {
		t.Errorf("reply %x (%+v, %v), want AKReqFail for pid 12345", out, a, err)
	}
	if calls.Load() != 0 {
		t.Error("Handle called for a malformed request")
	}
	if !logs.has("refused", "tag too long") {
		t.Errorf("no log line for the malformed request: %q", logs.lines)
	}
}

func TestServeShortRequest(t *testing.T) {
	replace(t, &requestTimeout, 100*time.Millisecond)
	var calls atomic.Int32
	sock, logs := startServer(t, sacLike(t, nil, &calls))
	// Five bytes, then silence: the server gives up without a reply.
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte{ACStatus, 0, 0, 0, 0})
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	out, err := io.ReadAll(c)
	if err != nil || len(out) != 0 {
		t.Errorf("got %x, %v; want EOF without reply", out, err)
	}
	if calls.Load() != 0 {
		t.Error("Handle called for a short request")
	}
	if !logs.has("not received", "i/o timeout") {
		t.Errorf("no log line for the short request: %q", logs.lines)
	}
}

func TestServeDataTooLarge(t *testing.T) {
	big := make([]byte, MaxDataSize+1)
	sock, logs := startServer(t, func(AdmCmd, Cred) (AdmAck, []byte) { return AdmAck{Resp: AKAck}, big })
	ack, data, err := Call(context.Background(), sock, AdmCmd{Type: ACStatus})
	if err != nil || ack.Resp != AKReqFail || data != nil {
		t.Errorf("Call = %+v, %d bytes, %v; want AKReqFail", ack, len(data), err)
	}
	if !logs.has("AC_STATUS", "more than") {
		t.Errorf("no log line for the oversized reply: %q", logs.lines)
	}
}

// Handle runs one request at a time even when clients come at once, so sac
// can touch its state from it without locks. Run with -race.
func TestServeSerializesHandle(t *testing.T) {
	var in, calls atomic.Int32
	state := 0 // unguarded on purpose: the race detector checks the claim
	sock, _ := startServer(t, func(cmd AdmCmd, _ Cred) (AdmAck, []byte) {
		if in.Add(1) != 1 {
			t.Error("Handle called concurrently")
		}
		state++
		calls.Add(1)
		time.Sleep(time.Millisecond) // widen the window for overlap
		in.Add(-1)
		return AdmAck{Resp: AKAck}, []byte(cmd.Tag)
	})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			tag := fmt.Sprint("pm", i)
			ack, data, err := Call(context.Background(), sock, AdmCmd{Type: ACPMRead, Tag: tag, Pid: int32(1000 + i)})
			if err != nil || ack.Pid != int32(1000+i) || string(data) != tag {
				t.Errorf("call %d: %+v %q %v", i, ack, data, err)
			}
		})
	}
	wg.Wait()
	if calls.Load() != 20 {
		t.Errorf("Handle called %d times, want 20", calls.Load())
	}
}

// Serve returns promptly on cancel even with a client that connected and
// never sent its request.
func TestServeStopsOnCancel(t *testing.T) {
	replace(t, &requestTimeout, time.Hour)
	sock, stop := runServer(t, t.TempDir(), &Server{Handle: sacLike(t, nil, nil), Logf: t.Logf})
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Make sure the server is inside serveConn: a full request from
	// another client is answered only after Accept has run for both.
	if _, _, err := Call(context.Background(), sock, AdmCmd{Type: ACStatus}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		stop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	// The stalled client sees the connection closed without a reply.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if out, err := io.ReadAll(c); err != nil || len(out) != 0 {
		t.Errorf("stalled client got %x, %v; want EOF", out, err)
	}
}

func TestPeerAllowed(t *testing.T) {
	for _, tt := range []struct {
		peer, self uint32
		want       bool
	}{
		{0, 0, true},
		{1000, 0, false},
		{0, 1000, true},
		{1000, 1000, true},
		{1001, 1000, false},
		{65534, 0, false},
	} {
		if got := peerAllowed(Cred{Pid: 1, Uid: tt.peer, Gid: tt.peer}, tt.self); got != tt.want {
			t.Errorf("peerAllowed(uid %d, self %d) = %v, want %v", tt.peer, tt.self, got, tt.want)
		}
	}
}

// TestServeRefusesOtherUID dials the server from a child process running
// as nobody (linux.md D5): the request is answered AKReqFail, Handle never
// sees it and the log says why. The socket is abstract, so file
// permissions do not stop the child before the credential check does.
func TestServeRefusesOtherUID(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a child as another uid")
	}
	const nobody = 65534
	// The child runs a copy of the test binary: the go tool's build
	// directory is not readable by nobody.
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sacmsg.test")
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}

	sock := fmt.Sprintf("@saf-sacmsg-test-%d-%d", os.Getpid(), time.Now().UnixNano())
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	logs := &logSink{t: t}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&Server{Handle: sacLike(t, nil, &calls), Logf: logs.logf}).Serve(ctx, ln)
	}()
	defer func() {
		cancel()
		<-done
		ln.Close()
	}()

	cmd := selfCommand(bin)
	cmd.Env = append(os.Environ(), helperDialEnv+"="+sock)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), fmt.Sprintf(`resp=%d size=0 data="" err=<nil>`, AKReqFail); got != want {
		t.Errorf("child as uid %d got %q, want %q", nobody, got, want)
	}
	if calls.Load() != 0 {
		t.Error("Handle called for a refused peer")
	}
	if !logs.has("AC_STATUS from", "refused", fmt.Sprint("uid ", nobody)) {
		t.Errorf("no log line for the refused peer: %q", logs.lines)
	}
	// The same server still answers root.
	if ack, _, err := Call(context.Background(), sock, AdmCmd{Type: ACStatus}); err != nil || ack.Resp != AKAck {
		t.Errorf("root's Call = %+v, %v", ack, err)
	}
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("cannot count fds:", err)
	}
	return len(ents)
}

// Neither side leaks a descriptor per request, whatever the outcome
// (STYLE.md 12).
func TestNoFDLeak(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	hangup := fakeServer(t, func(c *net.UnixConn) { readRequest(t, c) })
	malformed := unhex(t, "01 6162636465666768696a6b6c6d6e6f 39300000")
	s := &Server{Handle: sacLike(t, testListing, nil)}

	calls := func(sock string, n int) {
		for i := range n {
			cmd := AdmCmd{Type: ACStatus}
			if i%2 == 1 {
				cmd = AdmCmd{Type: ACStart, Tag: "run"}
			}
			if _, _, err := Call(context.Background(), sock, cmd); err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
			if _, _, err := Call(context.Background(), missing, cmd); !errors.Is(err, ErrNoContact) {
				t.Fatalf("call %d to missing socket: %v", i, err)
			}
			if _, _, err := Call(context.Background(), hangup, cmd); !errors.Is(err, ErrNoReply) {
				t.Fatalf("call %d to hanging-up server: %v", i, err)
			}
			if out := rawCall(t, sock, malformed); len(out) != AdmAckSize {
				t.Fatalf("raw call %d: %x", i, out)
			}
		}
	}
	// Warm up: the runtime's poller descriptors are created once.
	sock, stop := runServer(t, filepath.Join(dir), s)
	calls(sock, 1)
	stop()

	before := countFDs(t)
	sub := filepath.Join(dir, "again")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	sock, stop = runServer(t, sub, s)
	calls(sock, 200)
	stop()
	after := countFDs(t)
	t.Logf("%d fds before, %d after", before, after)
	if after != before {
		t.Errorf("%d fds open after 800 requests, %d before", after, before)
	}
}
