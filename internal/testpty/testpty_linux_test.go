package testpty

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"

	"golang.org/x/sys/unix"
)

// helperEnv selects a helper role when the test binary re-executes itself.
const helperEnv = "TESTPTY_HELPER"

func TestMain(m *testing.M) {
	testexec.HelperMain(m, helperEnv, map[string]func([]string) int{
		"ctty": func([]string) int { return helperCtty() },
	})
}

// helperCtty runs as a child started by StartControlled: it reports
// whether it leads its own session with the line as controlling terminal,
// then waits for the interrupt character to arrive as SIGINT.
func helperCtty() int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT)
	pid := os.Getpid()
	sid, err := unix.Getsid(0)
	if err != nil || sid != pid {
		fmt.Printf("not a session leader: sid %d pid %d err %v\n", sid, pid, err)
		return 1
	}
	tty, err := os.Open("/dev/tty") // works only with a controlling terminal
	if err != nil {
		fmt.Printf("no controlling tty: %v\n", err)
		return 1
	}
	tty.Close()
	name, err := os.Readlink("/proc/self/fd/3")
	if err != nil {
		fmt.Printf("no fd 3: %v\n", err)
		return 1
	}
	fmt.Printf("ctty ok %s\n", name)
	select {
	case <-sigs:
		fmt.Printf("got SIGINT\n")
		return 0
	case <-time.After(30 * time.Second):
		fmt.Printf("no SIGINT\n")
		return 1
	}
}

// fakeTB records a fatal failure instead of ending the real test, so the
// harness's own failure paths can be tested. Use it from a goroutine of its
// own: Fatalf ends that goroutine as the real one would.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	failed string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.failed = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

// run calls fn with the fake in a goroutine and returns the failure
// message ("" when fn returned normally).
func (f *fakeTB) run(fn func(testing.TB)) string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

// rawSlave opens the slave and puts it in raw mode, as a program under test
// would.
func rawSlave(t *testing.T, p *Pair) *os.File {
	t.Helper()
	s := p.OpenSlave(t)
	tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Lflag &^= unix.ICANON | unix.ECHO | unix.ISIG
	tio.Iflag &^= unix.ICRNL | unix.BRKINT | unix.IGNBRK
	tio.Oflag &^= unix.OPOST
	tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	return s
}

// readSlave reads from the slave until n bytes arrived or 5 s passed.
func readSlave(t *testing.T, s *os.File, n int) string {
	t.Helper()
	var got []byte
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < n {
		if err := s.SetReadDeadline(deadline); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, n-len(got))
		k, err := s.Read(b)
		if err != nil {
			t.Fatalf("read slave after %q: %v", got, err)
		}
		got = append(got, b[:k]...)
	}
	return string(got)
}

func TestOpen(t *testing.T) {
	p := Open(t)
	if !strings.HasPrefix(p.SlavePath, "/dev/pts/") {
		t.Errorf("SlavePath = %q", p.SlavePath)
	}
	fi, err := os.Stat(p.SlavePath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("%s is not a character device: %v", p.SlavePath, fi.Mode())
	}
	flags, err := unix.FcntlInt(p.Master.Fd(), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("master not close-on-exec: flags %#x, %v", flags, err)
	}
}

// Every descriptor Open makes is closed by its cleanup.
func TestNoFdLeak(t *testing.T) {
	before := countFds(t)
	t.Run("pair", func(t *testing.T) {
		p := Open(t)
		s := p.OpenSlave(t)
		s.Write([]byte("x\n"))
		p.SlaveTermios(t)
	})
	if after := countFds(t); after != before {
		t.Errorf("open descriptors: %d before, %d after", before, after)
	}
}

func countFds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	return len(ents)
}

func TestTypeReachesSlave(t *testing.T) {
	p := Open(t)
	s := p.OpenSlave(t)
	p.Type(t, "hello\n")
	// Canonical mode with ECHO: the slave reads the line, the master sees
	// the echo.
	if got := readSlave(t, s, 6); got != "hello\n" {
		t.Errorf("slave read %q", got)
	}
	p.Expect(t, `hello\r\n`, 5*time.Second)
}

func TestExpectKeepsTheRest(t *testing.T) {
	p := Open(t)
	s := rawSlave(t, p)
	if _, err := s.Write([]byte("abcXYZdef")); err != nil {
		t.Fatal(err)
	}
	if got := p.Expect(t, "XYZ", 5*time.Second); got != "abcXYZ" {
		t.Errorf("first Expect = %q, want abcXYZ", got)
	}
	if got := p.Expect(t, "def", 5*time.Second); got != "def" {
		t.Errorf("second Expect = %q, want def", got)
	}
	s.Write([]byte("tail"))
	if got := p.ReadAll(t, 100*time.Millisecond); got != "tail" {
		t.Errorf("ReadAll = %q, want tail", got)
	}
}

func TestExpectTimeoutShowsWhatWasRead(t *testing.T) {
	p := Open(t)
	s := rawSlave(t, p)
	s.Write([]byte("Password:"))
	f := &fakeTB{TB: t}
	start := time.Now()
	msg := f.run(func(tb testing.TB) { p.Expect(tb, "login: ", 200*time.Millisecond) })
	if msg == "" {
		t.Fatal("Expect did not fail")
	}
	if !strings.Contains(msg, `"Password:"`) || !strings.Contains(msg, "login: ") {
		t.Errorf("failure message %q lacks the text read or the pattern", msg)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Expect took %v to time out", d)
	}
}

// Before the slave is ever opened, the master has no data and no error.
func TestExpectTimesOutWithoutSlave(t *testing.T) {
	p := Open(t)
	f := &fakeTB{TB: t}
	if msg := f.run(func(tb testing.TB) { p.Expect(tb, "x", 100*time.Millisecond) }); msg == "" {
		t.Fatal("Expect did not fail")
	}
	if got := p.ReadAll(t, 50*time.Millisecond); got != "" {
		t.Errorf("ReadAll = %q", got)
	}
}

// After the last slave close the master reads EIO; the data written before
// the close is still delivered first.
func TestHangupAndReopen(t *testing.T) {
	p := Open(t)
	s, err := os.OpenFile(p.SlavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("bye"))
	s.Close()
	if got := p.ExpectHangup(t, 5*time.Second); !strings.Contains(got, "bye") {
		t.Errorf("ExpectHangup = %q, want the text written before the close", got)
	}
	// Hung up: reads keep failing with EIO, which Expect and ReadAll
	// tolerate; ReadAll counts it as quiet.
	start := time.Now()
	if got := p.ReadAll(t, 100*time.Millisecond); got != "" {
		t.Errorf("ReadAll on a hung-up line = %q", got)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("ReadAll on a hung-up line took %v", d)
	}
	// A port monitor reopens the line after a hang-up: the master works
	// again.
	go func() {
		time.Sleep(50 * time.Millisecond) // Expect must wait through EIO
		s, err := os.OpenFile(p.SlavePath, os.O_RDWR|unix.O_NOCTTY, 0)
		if err != nil {
			return // Expect below reports the missing text
		}
		s.Write([]byte("login: "))
		time.Sleep(100 * time.Millisecond)
		s.Close()
	}()
	p.Expect(t, "login: ", 5*time.Second)
}

func TestExpectHangupTimeout(t *testing.T) {
	p := Open(t)
	p.OpenSlave(t) // held open for the whole test
	f := &fakeTB{TB: t}
	if msg := f.run(func(tb testing.TB) { p.ExpectHangup(tb, 100*time.Millisecond) }); !strings.Contains(msg, "still open") {
		t.Errorf("ExpectHangup failure = %q", msg)
	}
}

func TestBreakIsNUL(t *testing.T) {
	p := Open(t)
	s := rawSlave(t, p)
	p.Break(t)
	if got := readSlave(t, s, 1); got != "\x00" {
		t.Errorf("slave read %q, want a NUL byte", got)
	}
}

// The slave's modes persist across its close and reopen while the master
// stays open, and SlaveTermios, which asks the master, sees exactly what
// TCGETS on the slave sees. This pins the kernel fact the harness relies
// on: mode ioctls on a pty master act on the slave.
func TestSlaveTermios(t *testing.T) {
	p := Open(t)
	s := p.OpenSlave(t)
	tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Cflag = tio.Cflag&^unix.CBAUD | unix.B19200
	tio.Lflag &^= unix.ECHO
	tio.Cc[unix.VINTR] = 7
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	if got := p.SlaveTermios(t); *got != *tio {
		t.Errorf("SlaveTermios = %+v\nslave TCGETS = %+v", *got, *tio)
	}
	s.Close()
	got := p.SlaveTermios(t)
	if got.Cflag&unix.CBAUD != unix.B19200 {
		t.Errorf("slave speed bits %#o, want B19200 (%#o)", got.Cflag&unix.CBAUD, unix.B19200)
	}
	if got.Lflag&unix.ECHO != 0 || got.Cc[unix.VINTR] != 7 {
		t.Error("modes changed by close and reopen")
	}
	// Reopened, the slave still has them.
	s2 := p.OpenSlave(t)
	again, err := unix.IoctlGetTermios(int(s2.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *again != *tio {
		t.Errorf("after reopen: %+v, want %+v", *again, *tio)
	}
}

// SlaveTermios does not open the slave, so before the port monitor opens
// the line the master still has no hang-up to report.
func TestSlaveTermiosKeepsHangupState(t *testing.T) {
	p := Open(t)
	p.SlaveTermios(t)
	f := &fakeTB{TB: t}
	if msg := f.run(func(tb testing.TB) { p.ExpectHangup(tb, 100*time.Millisecond) }); msg == "" {
		t.Error("the master reports a hang-up although the slave was never opened")
	}
}

// StartControlled gives the child its own session with the line as
// controlling terminal, and the interrupt character reaches it as SIGINT.
func TestStartControlled(t *testing.T) {
	p := Open(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), helperEnv+"=ctty")
	p.StartControlled(t, cmd)
	p.Expect(t, "ctty ok "+p.SlavePath+`\r\n`, 10*time.Second)
	p.Type(t, "\x03") // VINTR with ISIG, the default slave modes
	p.Expect(t, `got SIGINT\r\n`, 10*time.Second)
	if err := cmd.Wait(); err != nil {
		t.Errorf("helper: %v; output %q", err, p.Buffered())
	}
	p.ExpectHangup(t, 5*time.Second)
}
