package utmp

import (
	"bufio"
	"bytes"
	"encoding/binary"

	"github.com/linux-saf/saf/internal/testexec"

	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// helperEnv selects a helper role when the test binary re-executes itself.
const helperEnv = "UTMP_HELPER"

func TestMain(m *testing.M) {
	testexec.HelperMain(m, helperEnv, map[string]func([]string) int{
		"posixlock": func(a []string) int { return helperPosixLock(a[0]) },
		"trylock":   func(a []string) int { return helperTryLock(a[0]) },
	})
}

// helperPosixLock locks path the way glibc does (a classic POSIX write
// lock with F_SETLKW), says "locked", and holds the lock until its stdin
// is closed.
func helperPosixLock(path string) int {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLKW, &lk); err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n') // returns at EOF
	return 0
}

// helperTryLock tries glibc's lock without waiting and prints the result.
func helperTryLock(path string) int {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		fmt.Println("busy:", err)
		return 0
	}
	fmt.Println("free")
	return 0
}

// replaceLockTimeout sets lockTimeout for one test.
func replaceLockTimeout(t *testing.T, d time.Duration) {
	old := lockTimeout
	lockTimeout = d
	t.Cleanup(func() { lockTimeout = old })
}

// golden is the record the golden files hold (see goldens), written by
// testdata/glibc.c.
var golden = Record{
	Type:        UserProcess,
	Pid:         12345,
	Line:        "pts/7",
	ID:          "ts/7",
	User:        "alice",
	Host:        "example.org",
	Termination: 3,
	Exit:        4,
	Session:     777,
	Time:        time.Unix(1700000000, 123456000),
	Addr:        [4]int32{0x0100007f, 2, 3, -4},
}

func sameRecord(a, b Record) bool {
	ta, tb := a.Time, b.Time
	a.Time, b.Time = time.Time{}, time.Time{}
	return a == b && ta.Equal(tb)
}

// goldens are the record golden in glibc's bytes for each layout and byte
// order: testdata/glibc.c built with Debian's cross compilers and run
// under qemu-user (user.bin on amd64 itself).
var goldens = []struct {
	file   string
	layout *layout
	order  binary.ByteOrder
	arches string // where glibc writes this form
}{
	{"testdata/user.bin", &narrow, binary.LittleEndian, "386 amd64 arm mipsle mips64le ppc64le riscv64"},
	{"testdata/user-384be.bin", &narrow, binary.BigEndian, "mips mips64 ppc64"},
	{"testdata/user-400le.bin", &wide, binary.LittleEndian, "arm64 (and loong64)"},
	{"testdata/user-400be.bin", &wide, binary.BigEndian, "s390x"},
}

// Every layout in either byte order reads and writes glibc's bytes, on
// any host; MarshalBinary writes the host's.
func TestGolden(t *testing.T) {
	hostDone := false
	for _, g := range goldens {
		want, err := os.ReadFile(g.file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := golden.appendLayout(nil, g.layout, g.order)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s (%s): encoding differs from glibc's bytes\n got %x\nwant %x", g.file, g.arches, got, want)
		}
		var r Record
		if err := r.unmarshalLayout(want, g.layout, g.order); err != nil {
			t.Fatal(err)
		}
		if !sameRecord(r, golden) {
			t.Errorf("%s: decoded %+v\nwant %+v", g.file, r, golden)
		}
		if g.layout != host || g.order.Uint16([]byte{1, 0}) != order.Uint16([]byte{1, 0}) {
			continue
		}
		hostDone = true
		if got, err := golden.MarshalBinary(); err != nil || !bytes.Equal(got, want) {
			t.Errorf("MarshalBinary differs from %s: %v\n got %x\nwant %x", g.file, err, got, want)
		}
		if err := r.UnmarshalBinary(want); err != nil || !sameRecord(r, golden) {
			t.Errorf("UnmarshalBinary of %s = %+v, %v", g.file, r, err)
		}
	}
	if !hostDone {
		t.Errorf("no golden file for the host's layout (%d bytes)", RecordSize)
	}
}

// glibcRefEnv names a reference program built in advance for the
// architecture under test: scripts/cross.sh builds testdata/glibc.c with
// a cross compiler and sets it to, for example, "qemu-s390x
// /tmp/x/glibc-s390x". Words are split at spaces.
const glibcRefEnv = "SAF_UTMP_GLIBC"

// buildGlibc returns the command line of the testdata/glibc.c reference:
// the one glibcRefEnv names, or one compiled here with cc. It skips
// without a C compiler, and under emulation without glibcRefEnv (cc
// would build the reference for the host, whose layout may differ from
// the emulated architecture's).
func buildGlibc(t *testing.T) []string {
	t.Helper()
	if ref := strings.Fields(os.Getenv(glibcRefEnv)); len(ref) > 0 {
		return ref
	}
	if emulator() != nil {
		t.Skipf("emulated (%s) and no %s: cc here would build the reference for the host's layout", testexec.EmulatorEnv, glibcRefEnv)
	}
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler (cc) to check the layout against glibc")
	}
	bin := filepath.Join(t.TempDir(), "glibc")
	if out, err := exec.Command(cc, "-o", bin, "testdata/glibc.c").CombinedOutput(); err != nil {
		t.Skipf("cannot build the glibc reference (not a glibc system?): %v\n%s", err, out)
	}
	return []string{bin}
}

// runGlibc runs the reference program and returns its layout report, the
// record it wrote, and the utmp file its pututline sequence produced.
func runGlibc(t *testing.T) (layout map[string][2]int, rec, seq []byte) {
	t.Helper()
	bin := buildGlibc(t)
	dir := t.TempDir()
	recPath, seqPath := filepath.Join(dir, "rec"), filepath.Join(dir, "utmp")
	if err := os.WriteFile(seqPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin[0], append(bin[1:], recPath, seqPath)...).Output()
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(bin, " "), err)
	}
	layout = map[string][2]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var name string
		var off, size int
		if _, err := fmt.Sscan(line, &name, &off, &size); err != nil {
			t.Fatalf("glibc output %q: %v", line, err)
		}
		layout[name] = [2]int{off, size}
	}
	if rec, err = os.ReadFile(recPath); err != nil {
		t.Fatal(err)
	}
	if seq, err = os.ReadFile(seqPath); err != nil {
		t.Fatal(err)
	}
	return layout, rec, seq
}

func TestGlibcLayout(t *testing.T) {
	glibc, rec, _ := runGlibc(t)
	word := 4
	if host.wide {
		word = 8
	}
	want := map[string][2]int{
		"size":       {0, RecordSize},
		"ut_type":    {offType, 2},
		"ut_pid":     {offPid, 4},
		"ut_line":    {offLine, LineSize},
		"ut_id":      {offID, IDSize},
		"ut_user":    {offUser, UserSize},
		"ut_host":    {offHost, HostSize},
		"ut_exit":    {offTerm, 4},
		"ut_session": {host.session, word},
		"ut_tv":      {host.sec, 2 * word},
		"ut_addr_v6": {host.addr, 16},
	}
	for name, w := range want {
		if g, ok := glibc[name]; !ok || g != w {
			t.Errorf("%s: glibc has offset/size %v, we use %v", name, g, w)
		}
	}
	got, err := golden.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, rec) {
		t.Errorf("MarshalBinary differs from glibc's record\n got %x\nwant %x", got, rec)
	}
}

// putSequence is the pututline sequence of testdata/glibc.c.
var putSequence = []Record{
	{Type: LoginProcess, Pid: 100, Line: "pts/1", ID: "ts/1", User: "LOGIN", Time: time.Unix(1000, 0)},
	{Type: LoginProcess, Pid: 101, Line: "pts/2", ID: "ts/2", User: "LOGIN", Time: time.Unix(1001, 0)},
	{Type: UserProcess, Pid: 100, Line: "pts/1", ID: "ts/1", User: "alice", Time: time.Unix(1002, 0)},
	{Type: BootTime, Line: "~", ID: "~~", User: "reboot", Time: time.Unix(1003, 0)},
	{Type: BootTime, Line: "~", ID: "~~", User: "reboot", Time: time.Unix(1004, 0)},
	{Type: DeadProcess, Pid: 101, Line: "pts/2", ID: "ts/2", Time: time.Unix(1005, 0)},
	{Type: UserProcess, Pid: 102, Line: "pts/2", User: "bob", Time: time.Unix(1006, 0)},
	{Type: Empty, ID: "zz", Time: time.Unix(1007, 0)},
	{Type: LoginProcess, Pid: 103, Line: "ttyS0", ID: "ts/1", User: "LOGIN", Time: time.Unix(1008, 0)},
	{Type: RunLvl, Line: "~", ID: "~~", User: "runlevel", Time: time.Unix(1009, 0)},
	{Type: InitProcess, Pid: 104, ID: "si", Time: time.Unix(1010, 0)},
	{Type: UserProcess, Pid: 105, Line: "longer-than-four", ID: "longer", User: "carol", Time: time.Unix(1011, 0)},
}

// Put replaces and appends exactly as glibc's pututline does.
func TestPutLikeGlibc(t *testing.T) {
	_, _, want := runGlibc(t)
	path := filepath.Join(t.TempDir(), "utmp")
	for _, r := range putSequence {
		if err := Put(path, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("file after Put sequence differs from glibc's (%d vs %d bytes)", len(got), len(want))
		g, w := decode(got), decode(want)
		for i := range max(len(g), len(w)) {
			var a, b Record
			if i < len(g) {
				a = g[i]
			}
			if i < len(w) {
				b = w[i]
			}
			if !sameRecord(a, b) {
				t.Errorf("record %d:\n got %+v\nwant %+v", i, a, b)
			}
		}
	}
}

// The same sequence without a C compiler: the expected slots, by hand.
func TestPutSlots(t *testing.T) {
	path := filepath.Join(t.TempDir(), "utmp")
	for _, r := range putSequence {
		if err := Put(path, r); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Slot: the index in putSequence of the record that ends there.
	want := []int{8, 6, 4, 7, 9, 10, 11}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d: %+v", len(recs), len(want), recs)
	}
	for i, w := range want {
		exp := putSequence[w]
		exp.ID = field(exp.ID, IDSize)
		if !sameRecord(recs[i], exp) {
			t.Errorf("slot %d = %+v, want %+v", i, recs[i], exp)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, r := range []Record{
		golden,
		{},
		{Type: DeadProcess, Pid: -1, Termination: -2, Exit: 255, Time: time.Unix(1<<32-1, 999999000)},
		{Type: LoginProcess, Line: strings.Repeat("l", LineSize), ID: "abcd", User: strings.Repeat("u", UserSize), Host: strings.Repeat("h", HostSize), Time: time.Unix(1, 0)},
	} {
		b, err := r.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != RecordSize {
			t.Fatalf("MarshalBinary: %d bytes", len(b))
		}
		var got Record
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if !sameRecord(got, r) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
		}
		if !bytes.Equal(b[host.reserved:], make([]byte, RecordSize-host.reserved)) {
			t.Errorf("reserved bytes not zero: %x", b[host.reserved:])
		}
		if b[2] != 0 || b[3] != 0 {
			t.Errorf("padding after ut_type not zero: %x", b[2:4])
		}
	}
}

func TestMarshalTruncates(t *testing.T) {
	r := Record{Line: "serial/by-id/usb-FTDI_FT232R_USB_UART_A1B2C3-if00-port0", ID: "toolong", User: "a\x00b"}
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Record
	got.UnmarshalBinary(b)
	if got.Line != r.Line[:LineSize] || got.ID != "tool" || got.User != "a" {
		t.Errorf("stored %q %q %q", got.Line, got.ID, got.User)
	}
}

// The narrow layout's unsigned 32-bit seconds hold 1970 to 2106; the wide
// layout's 64-bit ones hold these times too.
func TestMarshalTimeRange(t *testing.T) {
	for _, tm := range []time.Time{time.Unix(-1, 0), time.Unix(1<<32, 0)} {
		r := Record{Time: tm}
		if _, err := r.appendLayout(nil, &narrow, order); !errors.Is(err, ErrTimeRange) {
			t.Errorf("narrow layout with time %v: %v, want ErrTimeRange", tm, err)
		}
		b, err := r.appendLayout(nil, &wide, order)
		if err != nil {
			t.Errorf("wide layout with time %v: %v", tm, err)
			continue
		}
		var got Record
		if err := got.unmarshalLayout(b, &wide, order); err != nil || !got.Time.Equal(tm) {
			t.Errorf("wide layout: time %v read back as %v, %v", tm, got.Time, err)
		}
	}
}

func TestUnmarshalBadSize(t *testing.T) {
	var r Record
	for _, n := range []int{0, RecordSize - 1, RecordSize + 1, narrow.size + wide.size - RecordSize} {
		if err := r.UnmarshalBinary(make([]byte, n)); err == nil {
			t.Errorf("UnmarshalBinary of %d bytes succeeded", n)
		}
	}
}

func TestIDFor(t *testing.T) {
	for line, want := range map[string]string{
		"pts/3": "ts/3", "ttyS0": "tyS0", "tty1": "tty1", "ttyUSB12": "SB12", "t1": "t1", "": "",
	} {
		if got := IDFor(line); got != want {
			t.Errorf("IDFor(%q) = %q, want %q", line, got, want)
		}
	}
}

// Put creates a missing file with mode 0664 whatever the umask.
func TestPutCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "var", "run", "utmp")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	old := syscall.Umask(0o077)
	err := Put(path, LoginRecord(1, "pts/1", "ts/1", time.Unix(5, 0)))
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o664 || fi.Size() != RecordSize {
		t.Errorf("created %v, %d bytes; want -rw-rw-r--, %d", fi.Mode(), fi.Size(), RecordSize)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
}

// A crashed writer's partial record is cut off before appending.
func TestAppendAfterPartialRecord(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"utmp", "wtmp"} {
		path := filepath.Join(dir, name)
		first, _ := putSequence[0].MarshalBinary()
		if err := os.WriteFile(path, append(first, 1, 2, 3), 0o664); err != nil {
			t.Fatal(err)
		}
		var err error
		if name == "utmp" {
			err = Put(path, putSequence[1])
		} else {
			err = AppendWtmp(path, putSequence[1])
		}
		if err != nil {
			t.Fatal(err)
		}
		recs, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(path)
		if fi.Size() != 2*RecordSize || len(recs) != 2 || !sameRecord(recs[1], putSequence[1]) {
			t.Errorf("%s: %d bytes, records %+v", name, fi.Size(), recs)
		}
	}
}

func TestLoginDead(t *testing.T) {
	dir := t.TempDir()
	utmpPath, wtmpPath := filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp")
	t0 := time.Unix(1700000000, 0)
	if err := Login(utmpPath, 4242, "pts/9", IDFor("pts/9"), t0); err != nil {
		t.Fatal(err)
	}
	if err := Login(utmpPath, 4343, "ttyS1", IDFor("ttyS1"), t0); err != nil {
		t.Fatal(err)
	}
	recs, err := ReadFile(utmpPath)
	if err != nil {
		t.Fatal(err)
	}
	want := Record{Type: LoginProcess, Pid: 4242, Line: "pts/9", ID: "ts/9", User: "LOGIN", Session: 4242, Time: t0}
	if len(recs) != 2 || !sameRecord(recs[0], want) {
		t.Fatalf("after Login: %+v", recs)
	}
	// login rewrites the record as the user's (same pid and id).
	user := Record{Type: UserProcess, Pid: 4242, Line: "pts/9", ID: "ts/9", User: "alice", Host: "h", Session: 4242, Time: t0.Add(time.Second)}
	if err := Put(utmpPath, user); err != nil {
		t.Fatal(err)
	}

	// The service exited with status 3.
	t1 := t0.Add(5 * time.Minute)
	if err := Dead(utmpPath, wtmpPath, 4242, 3<<8, t1); err != nil {
		t.Fatal(err)
	}
	dead := Record{Type: DeadProcess, Pid: 4242, Line: "pts/9", ID: "ts/9", Exit: 3, Session: 4242, Time: t1}
	recs, _ = ReadFile(utmpPath)
	if len(recs) != 2 || !sameRecord(recs[0], dead) {
		t.Errorf("utmp after Dead: %+v", recs)
	}
	w, err := ReadFile(wtmpPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != 1 || !sameRecord(w[0], dead) {
		t.Errorf("wtmp after Dead: %+v", w)
	}
	// Already dead: nothing more is written.
	if err := Dead(utmpPath, wtmpPath, 4242, 0, t1.Add(time.Minute)); err != nil {
		t.Error(err)
	}
	if w, _ := ReadFile(wtmpPath); len(w) != 1 {
		t.Errorf("second Dead appended to wtmp: %d records", len(w))
	}
	// Killed by SIGHUP: e_termination is the signal.
	if err := Dead(utmpPath, wtmpPath, 4343, int(syscall.SIGHUP), t1); err != nil {
		t.Fatal(err)
	}
	recs, _ = ReadFile(utmpPath)
	if recs[1].Type != DeadProcess || recs[1].Termination != int16(syscall.SIGHUP) || recs[1].Exit != 0 || recs[1].User != "" {
		t.Errorf("killed service's record: %+v", recs[1])
	}
	if err := Dead(utmpPath, wtmpPath, 99999, 0, t1); !errors.Is(err, ErrNoRecord) {
		t.Errorf("Dead for an unknown pid: %v, want ErrNoRecord", err)
	}
	if err := Dead(filepath.Join(dir, "missing"), wtmpPath, 1, 0, t1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Dead on a missing utmp: %v", err)
	}
}

// Dead takes the wait status of a real process.
func TestDeadWithRealStatus(t *testing.T) {
	dir := t.TempDir()
	utmpPath, wtmpPath := filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp")
	cmd := exec.Command("/bin/sh", "-c", "exit 7")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	if err := Login(utmpPath, cmd.Process.Pid, "pts/5", "ts/5", time.Now()); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if err := Dead(utmpPath, wtmpPath, cmd.Process.Pid, int(ws), time.Now()); err != nil {
		t.Fatal(err)
	}
	recs, _ := ReadFile(wtmpPath)
	if len(recs) != 1 || recs[0].Exit != 7 || recs[0].Termination != 0 {
		t.Errorf("wtmp: %+v", recs)
	}
}

// Writers in many goroutines (ttymon serves many ports) never lose a
// record: the lock excludes goroutines of one process too.
func TestConcurrentPut(t *testing.T) {
	dir := t.TempDir()
	utmpPath, wtmpPath := filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp")
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := LoginRecord(1000+i, "pts/"+strconv.Itoa(i), fmt.Sprintf("%04d", i), time.Unix(1, 0))
			errs <- Put(utmpPath, r)
			errs <- AppendWtmp(wtmpPath, r)
			if _, err := ReadFile(utmpPath); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, p := range []string{utmpPath, wtmpPath} {
		recs, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != n {
			t.Errorf("%s: %d records, want %d", filepath.Base(p), len(recs), n)
		}
	}
}

// Our lock and glibc's (a classic POSIX lock held by another process)
// exclude each other.
func TestLockInteropWithGlibc(t *testing.T) {
	path := filepath.Join(t.TempDir(), "utmp")
	if err := Put(path, putSequence[0]); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}

	// glibc holds it: Put waits, then gives up.
	holder := selfCommand(exe, path)
	holder.Env = append(os.Environ(), helperEnv+"=posixlock")
	stdin, _ := holder.StdinPipe()
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Wait()
	defer stdin.Close()
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
		t.Fatalf("holder: %q", line)
	}
	replaceLockTimeout(t, 200*time.Millisecond)
	start := time.Now()
	err = Put(path, putSequence[1])
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("Put while glibc holds the lock: %v", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("Put gave up after %v, before the timeout", d)
	}
	// Released: Put goes through.
	replaceLockTimeout(t, 10*time.Second)
	stdin.Close()
	if err := Put(path, putSequence[1]); err != nil {
		t.Errorf("Put after release: %v", err)
	}

	// We hold it: glibc's lock attempt fails.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := lock(f, writeLock); err != nil {
		t.Fatal(err)
	}
	try := selfCommand(exe, path)
	try.Env = append(os.Environ(), helperEnv+"=trylock")
	out, err := try.Output()
	if err != nil || !strings.HasPrefix(string(out), "busy:") {
		t.Errorf("glibc-style lock while we hold ours: %q, %v", out, err)
	}
}

// who (coreutils) and last (util-linux) read what we write.
func TestWhoReadsUtmp(t *testing.T) {
	skipHostTools(t, "who")
	who, err := exec.LookPath("who")
	if err != nil {
		t.Skip("who not installed (Debian package coreutils)")
	}
	path := filepath.Join(t.TempDir(), "utmp")
	t0 := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	pid := os.Getpid() // a live process, in case who checks
	if err := Login(path, pid, "pts/9", "ts/9", t0); err != nil {
		t.Fatal(err)
	}
	out := run(t, who, "-l", path)
	if !strings.Contains(out, "LOGIN") || !strings.Contains(out, "pts/9") {
		t.Errorf("who -l does not show the LOGIN_PROCESS record:\n%s", out)
	}
	user := Record{Type: UserProcess, Pid: int32(pid), Line: "pts/9", ID: "ts/9", User: "alice", Host: "example.org", Session: int32(pid), Time: t0}
	if err := Put(path, user); err != nil {
		t.Fatal(err)
	}
	out = run(t, who, path)
	if !regexpMatch(`(?m)^alice\s+pts/9\s+.*\b10:00 \(example\.org\)`, out) {
		t.Errorf("who does not show the USER_PROCESS record:\n%s", out)
	}
}

func TestLastReadsWtmp(t *testing.T) {
	skipHostTools(t, "last")
	last, err := exec.LookPath("last")
	if err != nil {
		t.Skip("last not installed (Debian package util-linux up to bookworm: apt-get install util-linux)")
	}
	dir := t.TempDir()
	utmpPath, wtmpPath := filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp")
	t0 := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	const pid = 4242
	// ttymon starts the service.
	if err := Login(utmpPath, pid, "pts/9", "ts/9", t0); err != nil {
		t.Fatal(err)
	}
	if err := AppendWtmp(wtmpPath, LoginRecord(pid, "pts/9", "ts/9", t0)); err != nil {
		t.Fatal(err)
	}
	// login makes it the user's record.
	user := Record{Type: UserProcess, Pid: pid, Line: "pts/9", ID: "ts/9", User: "alice", Host: "example.org", Session: pid, Time: t0.Add(10 * time.Second)}
	if err := Put(utmpPath, user); err != nil {
		t.Fatal(err)
	}
	if err := AppendWtmp(wtmpPath, user); err != nil {
		t.Fatal(err)
	}
	// The session ends; ttymon records it.
	if err := Dead(utmpPath, wtmpPath, pid, 0, t0.Add(5*time.Minute+10*time.Second)); err != nil {
		t.Fatal(err)
	}
	out := run(t, last, "-f", wtmpPath)
	if !regexpMatch(`(?m)^alice\s+pts/9\s+example\.org\s+Fri Mar  1 10:00 - 10:05\s+\(00:05\)`, out) {
		t.Errorf("last does not show the session:\n%s", out)
	}
	if strings.Contains(out, "LOGIN") {
		t.Errorf("last shows the LOGIN_PROCESS record as a session:\n%s", out)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func regexpMatch(re, s string) bool {
	return regexp.MustCompile(re).MatchString(s)
}

// Decoding any RecordSize bytes never panics, and what it decodes
// survives a marshal round trip.
func FuzzRecord(f *testing.F) {
	for _, g := range goldens {
		if b, err := os.ReadFile(g.file); err == nil && len(b) == RecordSize {
			f.Add(b)
		}
	}
	for _, r := range putSequence {
		b, _ := r.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		if err := r.UnmarshalBinary(b); err != nil {
			if len(b) == RecordSize {
				t.Fatal(err)
			}
			return
		}
		out, err := r.MarshalBinary()
		if errors.Is(err, ErrTimeRange) {
			return // tv_usec beyond a second pushed the time past 2106
		}
		if err != nil {
			t.Fatal(err)
		}
		var again Record
		if err := again.UnmarshalBinary(out); err != nil {
			t.Fatal(err)
		}
		if !sameRecord(r, again) {
			t.Errorf("round trip:\n got %+v\nwant %+v", again, r)
		}
	})
}

// The accounting files live in directories that are not always root's
// alone (Ubuntu's /var/log is root:syslog 0775): a link or a FIFO planted
// at their name must not make ttymon or listen, running as root, write,
// truncate or block on another file. Each operation fails instead, and
// the target is left as it was.
func TestPlantedFilesRefused(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "shadow")
	orig := []byte("root:secret:19000:0:99999:7:::\n")
	if err := os.WriteFile(target, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "utmp")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1700000000, 0)
	for name, op := range map[string]func() error{
		"Put":        func() error { return Put(link, LoginRecord(7, "pts/7", "ts/7", t0)) },
		"Login":      func() error { return Login(link, 7, "pts/7", "ts/7", t0) },
		"AppendWtmp": func() error { return AppendWtmp(link, LoginRecord(7, "pts/7", "ts/7", t0)) },
		"Dead":       func() error { return Dead(link, link, 7, 0, t0) },
		"ReadFile":   func() error { _, err := ReadFile(link); return err },
	} {
		if err := op(); err == nil {
			t.Errorf("%s through a symlink: no error", name)
		}
		if b, _ := os.ReadFile(target); !bytes.Equal(b, orig) {
			t.Fatalf("%s through a symlink changed its target: %q", name, b)
		}
	}

	fifo := filepath.Join(dir, "wtmp")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, op := range map[string]func() error{
		"ReadFile":   func() error { _, err := ReadFile(fifo); return err },
		"AppendWtmp": func() error { return AppendWtmp(fifo, LoginRecord(7, "pts/7", "ts/7", t0)) },
		"Dead":       func() error { return Dead(fifo, fifo, 7, 0, t0) },
	} {
		done := make(chan error, 1)
		go func() { done <- op() }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s on a FIFO: no error", name)
			}
		case <-time.After(3 * time.Second):
			// Unblock the open so that the goroutine ends.
			if w, err := os.OpenFile(fifo, os.O_RDWR, 0); err == nil {
				w.Close()
			}
			t.Errorf("%s on a FIFO blocked", name)
		}
	}
}
