package termios_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"

	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/internal/testpty"
	"golang.org/x/sys/unix"
)

// helperEnv selects a helper role when the test binary re-executes itself.
const helperEnv = "TERMIOS_HELPER"

func TestMain(m *testing.M) {
	testexec.HelperMain(m, helperEnv, map[string]func([]string) int{
		"ctty": func(a []string) int { return helperCtty(a[0]) },
	})
}

// helperCtty runs as a session leader without a controlling terminal: it
// opens the line the way ttymon's parent does (no controlling tty), then
// claims it with SetControlling, and proves it by opening /dev/tty.
func helperCtty(line string) int {
	if _, err := os.Open("/dev/tty"); err == nil {
		fmt.Println("already has a controlling terminal")
		return 1
	}
	f, err := termios.Open(line)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	if termios.IsControlling(int(f.Fd())) {
		fmt.Println("IsControlling before TIOCSCTTY")
		return 1
	}
	if err := termios.SetControlling(int(f.Fd())); err != nil {
		fmt.Println(err)
		return 1
	}
	// qemu-user answers TIOCGSID with 0 (seen with qemu 7.2), so under
	// emulation IsControlling cannot see the terminal become ours; opening
	// /dev/tty below still proves it did.
	if !termios.IsControlling(int(f.Fd())) && emulator() == nil {
		fmt.Println("not IsControlling after TIOCSCTTY")
		return 1
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		fmt.Println("after TIOCSCTTY:", err)
		return 1
	}
	tty.Close()
	fmt.Println("controlling ok")
	return 0
}

// line opens the slave of a new pty pair with termios.Open, as ttymon
// opens a port.
func line(t *testing.T) (*testpty.Pair, *os.File, int) {
	t.Helper()
	p := testpty.Open(t)
	f, err := termios.Open(p.SlavePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return p, f, int(f.Fd())
}

func TestOpenFlags(t *testing.T) {
	_, f, fd := line(t)
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fl&unix.O_NONBLOCK == 0 {
		t.Error("Open: O_NONBLOCK not set")
	}
	if fl&unix.O_ACCMODE != unix.O_RDWR {
		t.Errorf("Open: access mode %#x, want O_RDWR", fl&unix.O_ACCMODE)
	}
	fdfl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil || fdfl&unix.FD_CLOEXEC == 0 {
		t.Errorf("Open: not close-on-exec (%#x, %v)", fdfl, err)
	}
	// Fd did not switch the file to blocking mode, and deadlines work.
	if err := f.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		t.Errorf("SetReadDeadline: %v", err)
	}
	if _, err := f.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read with nothing typed: %v, want a deadline error", err)
	}
	// O_NOCTTY: the test process did not acquire the line. (It leads no
	// session, so it could not anyway; the flag matters for ttymon.)
	if _, err := os.Open("/dev/tty"); err == nil {
		t.Log("note: the test process has a controlling terminal of its own")
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := termios.Open(filepath.Join(t.TempDir(), "ttyNONE"))
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open missing device: %v, want *PathError with ErrNotExist", err)
	}
}

func TestGetSetRoundTrip(t *testing.T) {
	p, _, fd := line(t)
	for _, when := range []termios.When{termios.Now, termios.Drain, termios.Flush} {
		t.Run(when.String(), func(t *testing.T) {
			tio, err := termios.Get(fd)
			if err != nil {
				t.Fatal(err)
			}
			want := *tio
			want.Iflag ^= unix.IXON | unix.ICRNL
			want.Oflag ^= unix.ONLCR
			want.Lflag ^= unix.ECHOE | unix.ECHOK
			want.Cflag ^= unix.HUPCL | unix.CLOCAL
			want.Cc[unix.VERASE] = 0x08
			want.Cc[unix.VKILL] = '@'
			if err := termios.Set(fd, &want, when); err != nil {
				t.Fatal(err)
			}
			got, err := termios.Get(fd)
			if err != nil {
				t.Fatal(err)
			}
			if *got != want {
				t.Errorf("Get after Set(%v):\n got %+v\nwant %+v", when, *got, want)
			}
			// The harness sees the same modes from the master side.
			if st := p.SlaveTermios(t); *st != want {
				t.Errorf("SlaveTermios = %+v", *st)
			}
		})
	}
}

// A pty forces CS8 and no parity whatever is asked (pty_set_termios in
// drivers/tty/pty.c), so character size and parity words (cs7, parenb,
// Solaris "sane") cannot be observed on the test line.
func TestPtyForcesCS8(t *testing.T) {
	_, _, fd := line(t)
	tio, err := termios.Get(fd)
	if err != nil {
		t.Fatal(err)
	}
	tio.Cflag = tio.Cflag&^unix.CSIZE | unix.CS7 | unix.PARENB | unix.PARODD
	if err := termios.Set(fd, tio, termios.Now); err != nil {
		t.Fatal(err)
	}
	got, err := termios.Get(fd)
	if err != nil {
		t.Fatal(err)
	}
	if got.Cflag&unix.CSIZE != unix.CS8 || got.Cflag&unix.PARENB != 0 {
		t.Logf("note: this kernel keeps CS7/PARENB on a pty (Cflag %#o)", got.Cflag)
	}
}

func TestSetBadWhen(t *testing.T) {
	_, _, fd := line(t)
	tio, err := termios.Get(fd)
	if err != nil {
		t.Fatal(err)
	}
	if err := termios.Set(fd, tio, termios.When(7)); err == nil {
		t.Error("Set with When(7) succeeded")
	}
}

func TestNotATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "plain")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = termios.Get(int(f.Fd()))
	var se *os.SyscallError
	if !errors.Is(err, unix.ENOTTY) || !errors.As(err, &se) || !strings.Contains(err.Error(), "ioctl TCGETS") {
		t.Errorf("Get on a plain file: %v, want *SyscallError ioctl TCGETS wrapping ENOTTY", err)
	}
	if err := termios.FlushInput(int(f.Fd())); !errors.Is(err, unix.ENOTTY) {
		t.Errorf("FlushInput on a plain file: %v", err)
	}
	if termios.IsTerminal(int(f.Fd())) || termios.IsControlling(int(f.Fd())) {
		t.Error("a plain file is a terminal")
	}
}

func TestOpenPTY(t *testing.T) {
	m, slave, err := termios.OpenPTY()
	if err != nil {
		t.Skipf("no usable /dev/ptmx: %v", err)
	}
	defer m.Close()
	s, err := termios.Open(slave)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !termios.IsTerminal(int(s.Fd())) || !termios.IsTerminal(int(m.Fd())) {
		t.Error("IsTerminal is false for a pty")
	}
	if termios.IsControlling(int(s.Fd())) {
		t.Error("IsControlling is true for a fresh pty")
	}
	if _, err := m.Write([]byte("x\n")); err != nil {
		t.Fatal(err)
	}
	waitPending(t, int(s.Fd()), 2)
}

// waitPending polls InputPending until it reports n: what the master
// writes reaches the slave's queue through the kernel's flip-buffer work,
// not synchronously.
func waitPending(t *testing.T, fd, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := termios.InputPending(fd)
		if err != nil {
			t.Fatal(err)
		}
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("InputPending = %d, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestInputPendingAndFlush(t *testing.T) {
	p, _, fd := line(t)
	waitPending(t, fd, 0)
	p.Type(t, "abc\n")
	waitPending(t, fd, 4)
	if err := termios.FlushInput(fd); err != nil {
		t.Fatal(err)
	}
	waitPending(t, fd, 0)

	// Set with Flush discards typed input too (TCSETSF, autobaud's mode).
	p.Type(t, "xyz\n")
	waitPending(t, fd, 4)
	tio, err := termios.Get(fd)
	if err != nil {
		t.Fatal(err)
	}
	if err := termios.Set(fd, tio, termios.Flush); err != nil {
		t.Fatal(err)
	}
	waitPending(t, fd, 0)

	// Drain keeps it (TCSETSW, set_termio's mode, ttymon.md §10.1).
	p.Type(t, "uvw\n")
	waitPending(t, fd, 4)
	if err := termios.Set(fd, tio, termios.Drain); err != nil {
		t.Fatal(err)
	}
	waitPending(t, fd, 4)
	if err := termios.FlushInput(fd); err != nil {
		t.Fatal(err)
	}
	waitPending(t, fd, 0)

	// In canonical mode FIONREAD counts complete lines only (inq_canon in
	// n_tty.c): a partial line reads as 0 until canonical mode is left.
	p.Type(t, "pq")
	raw := *tio
	raw.Lflag &^= unix.ICANON
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
	time.Sleep(20 * time.Millisecond) // let the kernel deliver "pq"; then it must still read 0
	if n, err := termios.InputPending(fd); err != nil || n != 0 {
		t.Errorf("InputPending with a partial canonical line = %d, %v; want 0", n, err)
	}
	if err := termios.Set(fd, &raw, termios.Now); err != nil {
		t.Fatal(err)
	}
	waitPending(t, fd, 2)
}

func TestDrain(t *testing.T) {
	p, f, fd := line(t)
	if _, err := f.Write([]byte("login: ")); err != nil {
		t.Fatal(err)
	}
	if err := termios.DrainOutput(fd); err != nil {
		t.Fatal(err)
	}
	p.Expect(t, "login: ", 5*time.Second)
}

// rates are the Linux Bxxx rates, all of which GNU stty accepts.
var rates = []int{0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
	57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000,
	2500000, 3000000, 3500000, 4000000}

func TestSpeeds(t *testing.T) {
	p, _, fd := line(t)
	for _, baud := range rates {
		tio, err := termios.Get(fd)
		if err != nil {
			t.Fatal(err)
		}
		if err := termios.SetSpeed(tio, baud); err != nil {
			t.Fatalf("SetSpeed(%d): %v", baud, err)
		}
		if got := termios.Speed(tio); got != baud {
			t.Errorf("Speed after SetSpeed(%d) = %d", baud, got)
		}
		if c, ok := termios.BaudCode(baud); !ok || tio.Cflag&unix.CBAUD != c {
			t.Errorf("BaudCode(%d) = %#o, %v; SetSpeed put %#o", baud, c, ok, tio.Cflag&unix.CBAUD)
		}
		if tio.Cflag&unix.CIBAUD != 0 {
			t.Errorf("SetSpeed(%d) left CIBAUD %#o", baud, tio.Cflag&unix.CIBAUD)
		}
		if err := termios.Set(fd, tio, termios.Now); err != nil {
			t.Fatalf("Set at %d: %v", baud, err)
		}
		if rateBeyondEmulator(t, baud) {
			continue
		}
		if got := termios.Speed(p.SlaveTermios(t)); got != baud {
			t.Errorf("line speed after setting %d = %d", baud, got)
		}
	}
}

// The speed table is GNU stty's: every rate it sets on a line is one
// Speed reads back, and the rates it refuses have no code here either.
func TestSpeedsMatchGNUStty(t *testing.T) {
	stty, err := exec.LookPath("stty")
	if err != nil {
		t.Skip("no stty")
	}
	if out, err := exec.Command(stty, "--version").Output(); err != nil || !strings.Contains(string(out), "GNU coreutils") {
		t.Skip("stty is not GNU coreutils stty")
	}
	p, _, fd := line(t)
	for _, baud := range rates[1:] { // "stty 0" hangs up: nothing to read back
		if rateBeyondEmulator(t, baud) {
			continue
		}
		if out, err := exec.Command(stty, "-F", p.SlavePath, fmt.Sprint(baud)).CombinedOutput(); err != nil {
			t.Errorf("stty %d: %v %s", baud, err, out)
			continue
		}
		tio, err := termios.Get(fd)
		if err != nil {
			t.Fatal(err)
		}
		if got := termios.Speed(tio); got != baud {
			t.Errorf("after stty %d, Speed = %d", baud, got)
		}
	}
	for _, baud := range []int{76800, 153600, 307200, 4000001} {
		if err := exec.Command(stty, "-F", p.SlavePath, fmt.Sprint(baud)).Run(); err == nil {
			t.Errorf("stty accepts %d", baud)
		}
		if _, ok := termios.BaudCode(baud); ok {
			t.Errorf("BaudCode(%d) exists", baud)
		}
	}
}

func TestSpeedTable(t *testing.T) {
	// ttymon.md §21.1's octal codes.
	for baud, code := range map[int]uint32{9600: 0o15, 19200: 0o16, 38400: 0o17, 57600: 0o10001, 115200: 0o10002, 230400: 0o10003, 460800: 0o10004} {
		var tio unix.Termios
		tio.Cflag = unix.CS8 | unix.CREAD | 0o7 // B75 first, to see it replaced
		if err := termios.SetSpeed(&tio, baud); err != nil {
			t.Fatal(err)
		}
		if unix.CBAUD == 0o10017 && tio.Cflag&unix.CBAUD != code {
			t.Errorf("SetSpeed(%d): CBAUD bits %#o, want %#o", baud, tio.Cflag&unix.CBAUD, code)
		}
		if tio.Cflag&^unix.CBAUD != unix.CS8|unix.CREAD {
			t.Errorf("SetSpeed(%d) changed other bits: %#o", baud, tio.Cflag)
		}
	}
}

func TestUnsupportedSpeed(t *testing.T) {
	for _, baud := range []int{76800, 153600, 307200, 12345, -1} {
		tio := unix.Termios{Cflag: unix.B9600 | unix.CS8}
		err := termios.SetSpeed(&tio, baud)
		if !errors.Is(err, termios.ErrUnsupportedSpeed) {
			t.Errorf("SetSpeed(%d) = %v, want ErrUnsupportedSpeed", baud, err)
		}
		if err != nil && !strings.Contains(err.Error(), fmt.Sprint(baud)) {
			t.Errorf("error %q does not name the speed", err)
		}
		if tio.Cflag != unix.B9600|unix.CS8 {
			t.Errorf("failed SetSpeed(%d) changed Cflag to %#o", baud, tio.Cflag)
		}
	}
	if got := termios.Speed(&unix.Termios{Cflag: unix.BOTHER}); got != -1 {
		t.Errorf("Speed(BOTHER) = %d, want -1", got)
	}
}

// ttymon.md §21.7: TIOCSSOFTCAR on Linux sets or clears CLOCAL.
func TestSoftCarrier(t *testing.T) {
	_, _, fd := line(t)
	for _, on := range []bool{true, false, true, false} {
		if err := termios.SetSoftCarrier(fd, on); err != nil {
			t.Fatal(err)
		}
		tio, err := termios.Get(fd)
		if err != nil {
			t.Fatal(err)
		}
		if got := tio.Cflag&unix.CLOCAL != 0; got != on {
			t.Errorf("SetSoftCarrier(%v): CLOCAL %v", on, got)
		}
	}
}

func TestDiscipline(t *testing.T) {
	_, _, fd := line(t)
	ld, err := termios.GetDiscipline(fd)
	if err != nil {
		t.Fatal(err)
	}
	if ld != 0 {
		t.Errorf("GetDiscipline = %d, want N_TTY (0)", ld)
	}
	if err := termios.SetDiscipline(fd, 0); err != nil {
		t.Errorf("SetDiscipline(N_TTY): %v", err)
	}
	// N_PPP needs the ppp_async module; without it the kernel says EINVAL
	// (ttymon.md §21.5). Either way the call must not fail otherwise.
	const nPPP = 3
	if err := termios.SetDiscipline(fd, nPPP); err != nil {
		if !errors.Is(err, unix.EINVAL) {
			t.Errorf("SetDiscipline(N_PPP): %v", err)
		}
		t.Logf("N_PPP unavailable here: %v", err)
	} else if err := termios.SetDiscipline(fd, 0); err != nil {
		t.Errorf("back to N_TTY: %v", err)
	}
	if err := termios.SetDiscipline(fd, 1000); !errors.Is(err, unix.EINVAL) {
		t.Errorf("SetDiscipline(1000) = %v, want EINVAL", err)
	}
}

// linux.md D11: the typed name is pushed back so that the service reads it.
func TestPushInput(t *testing.T) {
	p, f, fd := line(t)
	tio, err := termios.Get(fd)
	if err != nil {
		t.Fatal(err)
	}
	noEcho := *tio
	noEcho.Lflag &^= unix.ECHO
	if err := termios.Set(fd, &noEcho, termios.Drain); err != nil {
		t.Fatal(err)
	}
	skipBigEndianTIOCSTI(t)
	err = termios.PushInput(fd, []byte("alice\n"))
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EIO) {
		t.Skipf("TIOCSTI refused (needs CAP_SYS_ADMIN or dev.tty.legacy_tiocsti=1 and a controlling tty): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	// TIOCSTI feeds the line discipline synchronously.
	if n, err := termios.InputPending(fd); err != nil || n != 6 {
		t.Errorf("InputPending after PushInput = %d, %v; want 6", n, err)
	}
	if err := termios.Set(fd, tio, termios.Now); err != nil {
		t.Fatal(err)
	}
	if err := f.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 100)
	n, err := f.Read(b)
	if err != nil || string(b[:n]) != "alice\n" {
		t.Errorf("reader got %q, %v; want alice\\n", b[:n], err)
	}
	// ECHO was off: nothing was echoed to the terminal.
	if got := p.ReadAll(t, 50*time.Millisecond); got != "" {
		t.Errorf("pushed input was echoed: %q", got)
	}
}

// On a pty, Hangup is quick (no modem controls, no hold) and leaves the
// modes as they were.
func TestHangupOnPty(t *testing.T) {
	p, _, fd := line(t)
	tio, err := termios.Get(fd)
	if err != nil {
		t.Fatal(err)
	}
	if err := termios.SetSpeed(tio, 19200); err != nil {
		t.Fatal(err)
	}
	if err := termios.Set(fd, tio, termios.Now); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := termios.Hangup(fd); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d >= termios.HangupHold {
		t.Errorf("Hangup on a pty took %v: it held DTR although there is none", d)
	}
	if got := p.SlaveTermios(t); *got != *tio {
		t.Errorf("modes after Hangup:\n got %+v\nwant %+v", *got, *tio)
	}
}

func TestSetControlling(t *testing.T) {
	p := testpty.Open(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd := selfCommand(exe, p.SlavePath)
	cmd.Env = append(os.Environ(), helperEnv+"=ctty")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // a session leader with no terminal
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "controlling ok") {
		t.Errorf("helper: %v\n%s", err, out.String())
	}
}
