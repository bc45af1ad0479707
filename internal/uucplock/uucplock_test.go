package uucplock

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testexec"

	"github.com/linux-saf/saf/internal/testpty"
	"golang.org/x/sys/unix"
)

// helperEnv selects a helper role when the test binary re-executes itself.
const helperEnv = "UUCPLOCK_HELPER"

func TestMain(m *testing.M) {
	testexec.HelperMain(m, helperEnv, map[string]func([]string) int{
		"hold": func(a []string) int { return helperHold(a[0], a[1]) },
		"race": func(a []string) int { return helperRace(a[0], a[1]) },
	})
}

// helperHold takes the lock, says "locked", and exits when its stdin is
// closed, without unlocking: what a crashed dial-out program leaves.
func helperHold(dir, dev string) int {
	if err := Lock(dir, dev, os.Getpid()); err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// helperRace waits for a line on stdin, tries the lock once, reports
// "won" or "lost", and stays alive (holding what it won) until stdin is
// closed.
func helperRace(dir, dev string) int {
	in := bufio.NewReader(os.Stdin)
	if _, err := in.ReadString('\n'); err != nil {
		return 1
	}
	err := Lock(dir, dev, os.Getpid())
	switch {
	case err == nil:
		fmt.Println("won")
	case errors.Is(err, ErrLocked):
		fmt.Println("lost")
	default:
		fmt.Println("error:", err)
	}
	io.Copy(io.Discard, in)
	return 0
}

// helper starts the test binary as helper role with args; its stdin is
// returned for the test to drive and close.
func helper(t *testing.T, role string, args ...string) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), helperEnv+"="+role)
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
	return cmd, stdin, bufio.NewReader(stdout)
}

// deadPid returns the pid of a process that has exited and been reaped.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	pid := cmd.Process.Pid
	if !errors.Is(unix.Kill(pid, 0), unix.ESRCH) {
		t.Skipf("pid %d was reused already", pid)
	}
	return pid
}

func replaceWriteGrace(t *testing.T, d time.Duration) {
	old := writeGrace
	writeGrace = d
	t.Cleanup(func() { writeGrace = old })
}

func TestName(t *testing.T) {
	for dev, want := range map[string]string{
		"/dev/ttyS0":              "LCK..ttyS0",
		"/dev/pts/3":              "LCK..pts_3",
		"/dev/ttyUSB0":            "LCK..ttyUSB0",
		"/dev/serial/by-id/usb-X": "LCK..serial_by-id_usb-X",
		"/dev/term/a":             "LCK..term_a",
		"ttyS1":                   "LCK..ttyS1",
		"/tmp/x":                  "LCK.._tmp_x",
		"/dev/cua/a":              "LCK..cua_a",
		"/dev/ttyACM0":            "LCK..ttyACM0",
		"/dev/../etc/passwd":      "LCK...._etc_passwd", // never a path out of dir
	} {
		if got := Name(dev); got != want {
			t.Errorf("Name(%q) = %q, want %q", dev, got, want)
		}
	}
}

// A device in a subdirectory of /dev has cu's name besides ours; one
// directly in /dev has one name.
func TestNames(t *testing.T) {
	for dev, want := range map[string]string{
		"/dev/ttyS0":              "LCK..ttyS0",
		"/dev/pts/3":              "LCK..pts_3 LCK..3",
		"/dev/serial/by-id/usb-X": "LCK..serial_by-id_usb-X LCK..usb-X",
		"/tmp/x":                  "LCK.._tmp_x LCK..x",
		"ttyS1":                   "LCK..ttyS1",
	} {
		if got := strings.Join(Names(dev), " "); got != want {
			t.Errorf("Names(%q) = %q, want %q", dev, got, want)
		}
	}
}

// Lock takes both names of /dev/pts/3, and Unlock removes both; a
// process holding cu's name alone holds the device, and Lock then takes
// neither name.
func TestLockEveryName(t *testing.T) {
	dir := t.TempDir()
	const dev = "/dev/pts/3"
	if err := Lock(dir, dev, os.Getpid()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"LCK..pts_3", "LCK..3"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != string(content(os.Getpid())) {
			t.Errorf("%s = %q, %v", name, b, err)
		}
	}
	if err := Unlock(dir, dev, os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("left after Unlock: %v", left)
	}

	// cu's lock: LCK..3 with the pid of a live process that is not us.
	cmd, stdin, out := helper(t, "hold", dir, "/dev/elsewhere")
	if line, _ := out.ReadString('\n'); line != "locked\n" {
		t.Fatalf("helper: %q", line)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	other := cmd.Process.Pid
	if err := os.WriteFile(filepath.Join(dir, "LCK..3"), content(other), 0o644); err != nil {
		t.Fatal(err)
	}
	if h, err := Holder(dir, dev); h != other || err != nil {
		t.Errorf("Holder with cu's lock = %d, %v; want %d", h, err, other)
	}
	if err := Lock(dir, dev, os.Getpid()); !errors.Is(err, ErrLocked) {
		t.Errorf("Lock with cu's lock there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "LCK..pts_3")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused Lock left our name behind: %v", err)
	}
}

func TestLockFormat(t *testing.T) {
	dir := t.TempDir()
	pid := os.Getpid()
	if err := Lock(dir, "/dev/ttyS0", pid); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "LCK..ttyS0"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%10d\n", pid); string(b) != want || len(b) != 11 {
		t.Errorf("lock content %q, want %q", b, want)
	}
	if got := string(content(123)); got != "       123\n" {
		t.Errorf("content(123) = %q", got)
	}
	fi, _ := os.Stat(filepath.Join(dir, "LCK..ttyS0"))
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("lock mode %v, want -rw-r--r--", fi.Mode())
	}
	// Only the lock is left: the temporary file is gone.
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("lock directory holds %v", ents)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]int{
		"       123\n":     123,
		"0000000123\n":     123,
		"2147483647\n":     2147483647,
		"       123":       0, // no newline
		"123\n":            0, // unpadded
		"        -1\n":     0,
		"         0\n":     0,
		"          \n":     0,
		"      12a3\n":     0,
		"  12 3   4\n":     0,
		"        123\n":    0, // 12 bytes
		"\x39\x30\x00\x00": 0, // binary int, as old tools wrote
		"":                 0,
	} {
		pid, ok := parse([]byte(in))
		if want == 0 && ok || want != 0 && (!ok || pid != want) {
			t.Errorf("parse(%q) = %d, %v; want %d", in, pid, ok, want)
		}
	}
}

func TestLockUnlockOwn(t *testing.T) {
	dir := t.TempDir()
	pid := os.Getpid()
	if h, err := Holder(dir, "/dev/ttyS0"); h != 0 || err != nil {
		t.Fatalf("Holder of a free device = %d, %v", h, err)
	}
	if err := Lock(dir, "/dev/ttyS0", pid); err != nil {
		t.Fatal(err)
	}
	if h, err := Holder(dir, "/dev/ttyS0"); h != pid || err != nil {
		t.Errorf("Holder = %d, %v; want %d", h, err, pid)
	}
	// Our own lock again: fine.
	if err := Lock(dir, "/dev/ttyS0", pid); err != nil {
		t.Errorf("relock by the holder: %v", err)
	}
	if err := Unlock(dir, "/dev/ttyS0", pid); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "LCK..ttyS0")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock still there after Unlock: %v", err)
	}
	if err := Unlock(dir, "/dev/ttyS0", pid); err != nil {
		t.Errorf("Unlock of a free device: %v", err)
	}
	if err := Lock(dir, "/dev/ttyS0", 0); err == nil {
		t.Error("Lock with pid 0 succeeded")
	}
	if err := Lock(filepath.Join(dir, "missing"), "/dev/ttyS0", pid); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Lock in a missing directory: %v", err)
	}
}

// Stale locks are removed, by Holder and by Lock.
func TestStale(t *testing.T) {
	replaceWriteGrace(t, 50*time.Millisecond)
	old := time.Now().Add(-time.Hour)
	for name, body := range map[string]string{
		"dead pid":   fmt.Sprintf("%10d\n", deadPid(t)),
		"binary int": "\x39\x30\x00\x00",
		"empty":      "",
		"garbage":    "hello world\n",
		"pid 0":      "         0\n",
		"unpadded":   fmt.Sprintf("%d\n", os.Getpid()),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "LCK..ttyS0")
			for _, op := range []string{"Holder", "Lock"} {
				if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				os.Chtimes(path, old, old)
				switch op {
				case "Holder":
					if h, err := Holder(dir, "/dev/ttyS0"); h != 0 || err != nil {
						t.Errorf("Holder = %d, %v; want 0", h, err)
					}
					if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("stale lock not removed by Holder")
					}
				case "Lock":
					if err := Lock(dir, "/dev/ttyS0", os.Getpid()); err != nil {
						t.Errorf("Lock over a stale lock: %v", err)
					}
					if b, _ := os.ReadFile(path); string(b) != string(content(os.Getpid())) {
						t.Errorf("lock holds %q after Lock", b)
					}
				}
			}
		})
	}
	// A symlink planted as the lock is nobody's lock; its target survives.
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, content(os.Getpid()), 0o644)
	os.Symlink(target, filepath.Join(dir, "LCK..ttyS0"))
	if h, err := Holder(dir, "/dev/ttyS0"); h != 0 || err != nil {
		t.Errorf("Holder with a symlink = %d, %v", h, err)
	}
	if _, err := os.Stat(target); err != nil {
		t.Errorf("symlink target removed: %v", err)
	}
}

// A lock file being written by a tool that creates it first and writes
// the pid after (minicom) is not mistaken for a stale one.
func TestYoungInvalidLockIsWaitedFor(t *testing.T) {
	replaceWriteGrace(t, 2*time.Second)
	dir := t.TempDir()
	path := filepath.Join(dir, "LCK..ttyS0")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, _, out := helper(t, "hold", t.TempDir(), "/dev/other") // any live process not us
	if line, _ := out.ReadString('\n'); line != "locked\n" {
		t.Fatalf("helper: %q", line)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		os.WriteFile(path, content(cmd.Process.Pid), 0o644)
	}()
	err := Lock(dir, "/dev/ttyS0", os.Getpid())
	var le *LockedError
	if !errors.As(err, &le) || le.Pid != cmd.Process.Pid {
		t.Errorf("Lock while another tool writes its lock: %v", err)
	}
}

// A lock held by another live process is respected.
func TestHeldByOther(t *testing.T) {
	dir := t.TempDir()
	cmd, stdin, out := helper(t, "hold", dir, "/dev/ttyS0")
	if line, _ := out.ReadString('\n'); line != "locked\n" {
		t.Fatalf("helper: %q", line)
	}
	other := cmd.Process.Pid
	if h, err := Holder(dir, "/dev/ttyS0"); h != other || err != nil {
		t.Errorf("Holder = %d, %v; want %d", h, err, other)
	}
	err := Lock(dir, "/dev/ttyS0", os.Getpid())
	var le *LockedError
	if !errors.Is(err, ErrLocked) || !errors.As(err, &le) || le.Pid != other || le.Device != "/dev/ttyS0" {
		t.Fatalf("Lock of a held device: %v", err)
	}
	if want := fmt.Sprintf("/dev/ttyS0 is locked by process %d", other); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
	if err := Unlock(dir, "/dev/ttyS0", os.Getpid()); !errors.Is(err, ErrLocked) {
		t.Errorf("Unlock of another's lock: %v", err)
	}
	if h, _ := Holder(dir, "/dev/ttyS0"); h != other {
		t.Errorf("another's lock was removed")
	}
	// The holder dies without unlocking: the lock is stale now.
	stdin.Close()
	cmd.Wait()
	if h, err := Holder(dir, "/dev/ttyS0"); h != 0 || err != nil {
		t.Errorf("Holder after the holder died = %d, %v", h, err)
	}
	if err := Lock(dir, "/dev/ttyS0", os.Getpid()); err != nil {
		t.Errorf("Lock after the holder died: %v", err)
	}
}

// Of many processes locking at once, exactly one wins, also when they all
// find a stale lock to remove first.
func TestConcurrentLockers(t *testing.T) {
	for _, withStale := range []bool{false, true} {
		t.Run(fmt.Sprintf("stale=%v", withStale), func(t *testing.T) {
			dir := t.TempDir()
			if withStale {
				os.WriteFile(filepath.Join(dir, "LCK..ttyS0"), content(deadPid(t)), 0o644)
			}
			const n = 8
			type racer struct {
				stdin io.WriteCloser
				out   *bufio.Reader
			}
			var rs []racer
			for range n {
				_, in, out := helper(t, "race", dir, "/dev/ttyS0")
				rs = append(rs, racer{in, out})
			}
			for _, r := range rs {
				io.WriteString(r.stdin, "go\n")
			}
			results := map[string]int{}
			for _, r := range rs {
				line, _ := r.out.ReadString('\n')
				results[strings.TrimSpace(line)]++
			}
			if results["won"] != 1 || results["lost"] != n-1 {
				t.Errorf("results %v, want one winner", results)
			}
		})
	}
}

// Goroutines of one process hold different pids only in tests; the lock
// file still admits one of them.
func TestConcurrentGoroutines(t *testing.T) {
	dir := t.TempDir()
	var pids []int
	for range 4 {
		cmd, _, out := helper(t, "hold", t.TempDir(), "/dev/x")
		out.ReadString('\n')
		pids = append(pids, cmd.Process.Pid)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(pids))
	for i, pid := range pids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Lock(dir, "/dev/ttyS9", pid)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrLocked):
			t.Error(err)
		}
	}
	if won != 1 {
		t.Errorf("%d winners: %v", won, errs)
	}
}

// flock on the device, as picocom uses.
func TestFlockDevice(t *testing.T) {
	p := testpty.Open(t)
	a := p.OpenSlave(t)
	b := p.OpenSlave(t)
	if ok, err := FlockDevice(a); !ok || err != nil {
		t.Fatalf("first FlockDevice = %v, %v", ok, err)
	}
	if ok, err := FlockDevice(a); !ok || err != nil {
		t.Errorf("FlockDevice again on the holder = %v, %v", ok, err)
	}
	if ok, err := FlockDevice(b); ok || err != nil {
		t.Errorf("FlockDevice while another open file holds it = %v, %v; want false, nil", ok, err)
	}
	a.Close()
	if ok, err := FlockDevice(b); !ok || err != nil {
		t.Errorf("FlockDevice after the holder closed = %v, %v", ok, err)
	}
}

// FlockHolder finds the process that holds a flock on the device, from
// any descriptor of it.
func TestFlockHolder(t *testing.T) {
	p := testpty.Open(t)
	a := p.OpenSlave(t)
	b := p.OpenSlave(t)
	if pid, err := FlockHolder(b); pid != 0 || err != nil {
		t.Errorf("FlockHolder of an unlocked device = %d, %v", pid, err)
	}
	if ok, err := FlockDevice(a); !ok || err != nil {
		t.Fatalf("FlockDevice = %v, %v", ok, err)
	}
	if pid, err := FlockHolder(b); pid != os.Getpid() || err != nil {
		t.Errorf("FlockHolder = %d, %v; want %d", pid, err, os.Getpid())
	}
}

func TestFlockHolderParse(t *testing.T) {
	const locks = `1: POSIX  ADVISORY  WRITE 11104 00:19:5 0 EOF
2: FLOCK  ADVISORY  WRITE 13200 00:19:55 0 EOF
3: -> FLOCK  ADVISORY  WRITE 13300 00:19:5 0 EOF
4: FLOCK  ADVISORY  WRITE 0 00:19:5 0 EOF
5: FLOCK  ADVISORY  WRITE 13200 00:19:5 0 EOF
`
	if pid := flockHolder(locks, 0, 0x19, 5); pid != 13200 {
		t.Errorf("flockHolder = %d, want 13200 (line 5)", pid)
	}
	if pid := flockHolder(locks, 0, 0x19, 6); pid != 0 {
		t.Errorf("flockHolder of an unlocked inode = %d", pid)
	}
	if pid := flockHolder(locks[:strings.Index(locks, "5:")], 0, 0x19, 5); pid != 0 {
		t.Errorf("flockHolder counted a POSIX lock, a waiter or pid 0: %d", pid)
	}
}

func TestRecordLockHolder(t *testing.T) {
	p := testpty.Open(t)
	f := p.OpenSlave(t)
	if pid, err := RecordLockHolder(f); pid != 0 || err != nil {
		t.Errorf("RecordLockHolder of an unlocked device = %d, %v", pid, err)
	}
	// A lock of our own never conflicts with us; that it is seen at all
	// needs another process, which TestPicocomInterop's tools do not use.
}

// picocom (Debian builds it with USE_FLOCK) locks the device with flock
// only; FlockDevice sees it. Needs: apt-get install picocom.
func TestPicocomInterop(t *testing.T) {
	picocom, err := exec.LookPath("picocom")
	if err != nil {
		t.Skip("picocom not installed (apt-get install picocom)")
	}
	term := testpty.Open(t) // picocom's own terminal
	line := testpty.Open(t) // the serial line it opens
	cmd := exec.Command(picocom, line.SlavePath)
	cmd.Env = append(os.Environ(), "TERM=vt100")
	term.StartControlled(t, cmd)
	term.Expect(t, "Terminal ready", 10*time.Second)
	f := line.OpenSlave(t)
	if ok, err := FlockDevice(f); ok || err != nil {
		t.Errorf("FlockDevice while picocom runs = %v, %v; want false, nil", ok, err)
	}
	if pid, err := FlockHolder(f); pid != cmd.Process.Pid || err != nil {
		t.Errorf("FlockHolder while picocom runs = %d, %v; want %d", pid, err, cmd.Process.Pid)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if ok, err := FlockDevice(f); !ok || err != nil {
		t.Errorf("FlockDevice after picocom exited = %v, %v", ok, err)
	}
}

// minicom writes and honours LCK..pts_N in /var/lock, byte for byte our
// format. Needs root (the real lock directory) and apt-get install minicom.
func TestMinicomInterop(t *testing.T) {
	minicom, err := exec.LookPath("minicom")
	if err != nil {
		t.Skip("minicom not installed (apt-get install minicom)")
	}
	const dir = "/var/lock" // minicom's compiled-in lock directory
	if unix.Access(dir, unix.W_OK) != nil {
		t.Skipf("%s not writable: minicom's locks live there", dir)
	}
	home := t.TempDir()
	start := func(term, line *testpty.Pair) *exec.Cmd {
		cmd := exec.Command(minicom, "-D", line.SlavePath)
		cmd.Env = append(os.Environ(), "TERM=vt100", "HOME="+home, "LANG=C")
		term.StartControlled(t, cmd)
		return cmd
	}
	line := testpty.Open(t)
	t.Cleanup(func() { os.Remove(filepath.Join(dir, Name(line.SlavePath))) })

	// minicom holds the line: we see its lock.
	term := testpty.Open(t)
	cmd := start(term, line)
	term.Expect(t, "Welcome to minicom", 10*time.Second)
	var h int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if h, err = Holder(dir, line.SlavePath); h != 0 || err != nil {
			break
		}
	}
	if h != cmd.Process.Pid || err != nil {
		t.Fatalf("Holder while minicom runs = %d, %v; want %d", h, err, cmd.Process.Pid)
	}
	if err := Lock(dir, line.SlavePath, os.Getpid()); !errors.Is(err, ErrLocked) {
		t.Errorf("Lock while minicom runs: %v", err)
	}
	// Killed, it leaves a stale lock, which we clear.
	cmd.Process.Kill()
	cmd.Wait()
	if h, err := Holder(dir, line.SlavePath); h != 0 || err != nil {
		t.Errorf("Holder after minicom died = %d, %v", h, err)
	}

	// We hold the line: minicom refuses it.
	if err := Lock(dir, line.SlavePath, os.Getpid()); err != nil {
		t.Fatal(err)
	}
	term2 := testpty.Open(t)
	start(term2, line)
	term2.Expect(t, "is locked", 10*time.Second)
	if err := Unlock(dir, line.SlavePath, os.Getpid()); err != nil {
		t.Error(err)
	}
}

// The lock directory is often writable by every user (/run/lock is
// 1777 on Debian): root removes only what is a lock file, a regular
// file. A FIFO, a directory or a symlink with a lock's name is nobody's
// lock: Holder does not count it (the line is free) and leaves it; Lock
// cannot take the lock over it and says why.
func TestNonRegularLockLeftAlone(t *testing.T) {
	replaceWriteGrace(t, 50*time.Millisecond)
	old := time.Now().Add(-time.Hour)
	for name, plant := range map[string]func(path string) error{
		"fifo":      func(path string) error { return unix.Mkfifo(path, 0o644) },
		"directory": func(path string) error { return os.Mkdir(path, 0o755) },
		"symlink": func(path string) error {
			target := filepath.Join(filepath.Dir(path), "target")
			if err := os.WriteFile(target, content(deadPid(t)), 0o644); err != nil {
				return err
			}
			return os.Symlink(target, path)
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "LCK..ttyS0")
			if err := plant(path); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(path, old, old)
			if h, err := Holder(dir, "/dev/ttyS0"); h != 0 || err != nil {
				t.Errorf("Holder = %d, %v; want 0, nil", h, err)
			}
			if _, err := os.Lstat(path); err != nil {
				t.Fatalf("Holder removed the %s: %v", name, err)
			}
			err := Lock(dir, "/dev/ttyS0", os.Getpid())
			if err == nil || errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("Lock over a %s: %v; want a \"not a regular file\" error", name, err)
			}
			if _, err := os.Lstat(path); err != nil {
				t.Errorf("Lock removed the %s: %v", name, err)
			}
		})
	}
}

// A stale lock is removed only if it is still the file that was judged
// stale: a tool that does not take the directory guard may have put its
// own, live, lock there meanwhile.
func TestStaleRemovalKeepsNewLock(t *testing.T) {
	replaceWriteGrace(t, 50*time.Millisecond)
	dir := t.TempDir()
	path := filepath.Join(dir, "LCK..ttyS0")
	if err := os.WriteFile(path, content(deadPid(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, _, out := helper(t, "hold", t.TempDir(), "/dev/other") // a live process, not us
	if line, _ := out.ReadString('\n'); line != "locked\n" {
		t.Fatalf("helper: %q", line)
	}
	live := cmd.Process.Pid
	testHookStale = func(p string) {
		// The other tool: the stale lock goes, its own lock comes.
		os.Remove(p)
		os.WriteFile(p, content(live), 0o644)
	}
	t.Cleanup(func() { testHookStale = nil })
	h, err := Holder(dir, "/dev/ttyS0")
	if b, _ := os.ReadFile(path); string(b) != string(content(live)) {
		t.Fatalf("the live lock of %d was removed (Holder = %d, %v); the file holds %q", live, h, err, b)
	}
	if h != live || err != nil {
		t.Errorf("Holder = %d, %v; want %d", h, err, live)
	}
}
