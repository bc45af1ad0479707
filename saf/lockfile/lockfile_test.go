package lockfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary doubles as a helper process, chosen by environment:
//
//	LOCKFILE_HELPER=stall-write  WriteFile(LOCKFILE_PATH, big data) with the
//	                             partial-write hook stalling forever
//	LOCKFILE_HELPER=hold-record  take a POSIX lock on LOCKFILE_PATH and wait
//	LOCKFILE_HELPER=record-locked print RecordLocked(LOCKFILE_PATH)
//	LOCKFILE_HELPER=read-record  open LOCKFILE_PATH read-only, take a POSIX
//	                             read lock on all of it and wait
func TestMain(m *testing.M) {
	switch os.Getenv("LOCKFILE_HELPER") {
	case "":
		os.Exit(m.Run())
	case "stall-write":
		testHookPartialWrite = func() {
			fmt.Println("partial")
			waitToBeKilled()
		}
		data := bytes.Repeat([]byte("new entry line\n"), 4096)
		if err := WriteFile(os.Getenv("LOCKFILE_PATH"), data, 0o444); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "hold-record":
		f, err := os.OpenFile(os.Getenv("LOCKFILE_PATH"), os.O_RDWR, 0)
		if err == nil {
			err = LockRecord(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("locked")
		waitToBeKilled()
	case "record-locked":
		pid, locked, err := RecordLocked(os.Getenv("LOCKFILE_PATH"))
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Printf("pid=%d locked=%v\n", pid, locked)
		os.Exit(0)
	case "read-record":
		f, err := os.Open(os.Getenv("LOCKFILE_PATH"))
		if err == nil {
			lk := syscall.Flock_t{Type: syscall.F_RDLCK}
			err = syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("read-locked")
		waitToBeKilled()
	default:
		fmt.Fprintln(os.Stderr, "unknown helper")
		os.Exit(2)
	}
}

// waitToBeKilled blocks a helper until the test kills it. Not select{}:
// with no other goroutine the runtime reports a deadlock and exits, and
// the helper's lock would go with it while the test still counts on it.
func waitToBeKilled() {
	for {
		time.Sleep(time.Hour)
	}
}

// helper starts the test binary as a helper and waits for its first line.
func helper(t *testing.T, mode, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "LOCKFILE_HELPER="+mode, "LOCKFILE_PATH="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper %s: %v", mode, err)
	}
	t.Logf("helper %s says %q", mode, line)
	return cmd
}

// lockSeenElsewhere runs RecordLocked on path in another process (F_GETLK
// does not report the caller's own locks) and returns what it printed.
func lockSeenElsewhere(t *testing.T, path string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "LOCKFILE_HELPER=record-locked", "LOCKFILE_PATH="+path)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("record-locked helper: %v %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestWriteFileReplacesAtomicallyWithMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "_sactab")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "new\n" {
		t.Errorf("content = %q", got)
	}
	if m := ModeOf(path, 0); m != 0o444 {
		t.Errorf("mode = %o, want 444", m)
	}
	if _, err := os.Lstat(TempName(path)); !os.IsNotExist(err) {
		t.Errorf("temp file left behind: %v", err)
	}
}

func TestWriteFileRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	os.WriteFile(target, []byte("precious\n"), 0o644)
	link := filepath.Join(dir, "_pmtab")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte("x\n"), 0o444); err == nil {
		t.Fatal("WriteFile over a symlink succeeded")
	}
	if got, _ := os.ReadFile(target); string(got) != "precious\n" {
		t.Errorf("symlink target changed: %q", got)
	}
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	if err := WriteFile(sub, []byte("x\n"), 0o444); err == nil {
		t.Fatal("WriteFile over a directory succeeded")
	}
}

// A writer killed in the middle of writing its temp file leaves the target
// as it was, and the next writer (under the lock) cleans up the debris.
func TestKilledWriterLeavesFileIntact(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "_pmtab")
	old := []byte("# VERSION=1\nold entry\n")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := helper(t, "stall-write", path)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Fatalf("file changed by killed writer: %q", got)
	}
	if fi, err := os.Stat(TempName(path)); err != nil || fi.Size() == 0 {
		t.Fatalf("expected partial temp file debris, got %v", err)
	}
	if err := WriteFile(path, []byte("# VERSION=1\nnext\n"), 0o444); err != nil {
		t.Fatalf("writer after a killed one: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "# VERSION=1\nnext\n" {
		t.Fatalf("content = %q", got)
	}
}

// Many lockers doing read-modify-write never lose an update.
func TestAcquireSerializesReadModifyWrite(t *testing.T) {
	dir := t.TempDir()
	lock := filepath.Join(dir, ".lock")
	path := filepath.Join(dir, "counter")
	os.WriteFile(path, []byte("0"), 0o644)
	const n = 50
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := Acquire(lock)
			if err != nil {
				t.Error(err)
				return
			}
			defer l.Close()
			b, _ := os.ReadFile(path)
			v, _ := strconv.Atoi(string(b))
			if err := WriteFile(path, []byte(strconv.Itoa(v+1)), 0o644); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if b, _ := os.ReadFile(path); string(b) != strconv.Itoa(n) {
		t.Fatalf("counter = %s, want %d", b, n)
	}
}

func TestAcquireDoesNotFollowSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, ".lock")
	os.Symlink(target, link)
	if l, err := Acquire(link); err == nil {
		l.Close()
		t.Fatal("Acquire followed a planted symlink")
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Fatal("symlink target was created")
	}
}

func TestRecordLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "_log")
	os.WriteFile(path, nil, 0o644)
	if _, locked, err := RecordLocked(path); err != nil || locked {
		t.Fatalf("unlocked file: locked=%v err=%v", locked, err)
	}
	cmd := helper(t, "hold-record", path)
	pid, locked, err := RecordLocked(path)
	if err != nil || !locked || pid != cmd.Process.Pid {
		t.Fatalf("RecordLocked = %d, %v, %v; want %d, true", pid, locked, err, cmd.Process.Pid)
	}
	f, _ := os.OpenFile(path, os.O_RDWR, 0)
	defer f.Close()
	if err := LockRecord(f); err == nil {
		t.Fatal("LockRecord succeeded while another process holds the lock")
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, locked, _ := RecordLocked(path); !locked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("lock still held after the holder died")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := LockRecord(f); err != nil {
		t.Fatalf("LockRecord after holder died: %v", err)
	}
}

// sac decides from the lock on _pid whether a port monitor runs and which
// process to signal; sacadm decides from the lock on _log whether sac
// runs. A symbolic link planted at the path, to a file some other process
// holds a lock on, must not pass for that lock: sac would signal the other
// process. The same goes for a hard link to it.
func TestRecordLockedIgnoresPlantedLinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "other.pid")
	if err := os.WriteFile(victim, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	holder := helper(t, "hold-record", victim)
	if pid, locked, err := RecordLocked(victim); !locked || pid != holder.Process.Pid {
		t.Fatalf("RecordLocked(victim) = %d, %v, %v; the helper holds no lock", pid, locked, err)
	}
	sym := filepath.Join(dir, "sym_pid")
	if err := os.Symlink(victim, sym); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard_pid")
	if err := os.Link(victim, hard); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{sym, hard} {
		pid, locked, err := RecordLocked(p)
		if locked || err == nil {
			t.Errorf("RecordLocked(%s) = %d, %v, %v; want an error, not the lock of pid %d", filepath.Base(p), pid, locked, err, holder.Process.Pid)
		}
	}
}

// A FIFO at the path would hold a plain read-only open until someone
// writes to it: sacadm would hang.
func TestRecordLockedDoesNotBlockOnFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "_log")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := RecordLocked(path)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("RecordLocked of a FIFO = %v, want ErrNotRegular", err)
		}
	case <-time.After(5 * time.Second):
		if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer w.Close() // releases the blocked open
		}
		t.Fatal("RecordLocked blocked on a FIFO")
	}
}

// ModeOf gives a table's new mode. A symbolic link at the table's path
// must not lend it the mode of its target (a world-writable file, say).
func TestModeOfIgnoresSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "open")
	if err := os.WriteFile(target, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o666); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "_pmtab")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if m := ModeOf(link, 0o444); m != 0o444 {
		t.Errorf("ModeOf(symlink to a 0666 file) = %o, want the default 444", m)
	}
	if m := ModeOf(target, 0o444); m != 0o666 {
		t.Errorf("ModeOf(regular 0666 file) = %o", m)
	}
	if m := ModeOf(filepath.Join(dir, "missing"), 0o444); m != 0o444 {
		t.Errorf("ModeOf(missing) = %o", m)
	}
}

// Debris at the temp name is removed, never followed: a symbolic link
// planted at ._pmtab to another file leaves that file as it was. A hard
// link planted at the table's own path is replaced by the rename, not
// written through.
func TestWriteFileLeavesPlantedLinksAlone(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "shadow")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "_pmtab")
	if err := os.Symlink(victim, TempName(path)); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(victim, filepath.Join(dir, "_sactab")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "_sactab"), []byte("new\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(victim)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" || fi.Mode().Perm() != 0o600 {
		t.Errorf("the planted links' target is now %v %q", fi.Mode().Perm(), b)
	}
	for _, p := range []string{path, filepath.Join(dir, "_sactab")} {
		if b, _ := os.ReadFile(p); string(b) != "new\n" {
			t.Errorf("%s holds %q", filepath.Base(p), b)
		}
	}
}

// The admin lock does not follow a planted symbolic link (see
// TestAcquireDoesNotFollowSymlink), and a hard link or FIFO planted at
// its path is neither written nor changed in mode.
func TestAcquireLeavesPlantedFilesAlone(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "shadow")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	os.Chmod(victim, 0o640)
	lock := filepath.Join(dir, ".lock")
	if err := os.Link(victim, lock); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(lock)
	if err == nil {
		l.Close()
	}
	fi, _ := os.Stat(victim)
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" || fi.Mode().Perm() != 0o640 {
		t.Errorf("hard-linked file now %v %q (Acquire: %v)", fi.Mode().Perm(), b, err)
	}
	fifo := filepath.Join(dir, ".fifolock")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		l, err := Acquire(fifo)
		if err == nil {
			l.Close()
		}
		done <- err
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Acquire blocked on a FIFO")
	}
}

// Anyone who can open a file read-only can take a read lock on it, and a
// read lock keeps every other process from the write lock sac and the
// port monitors take. sac and the port monitors take only write locks,
// so a read lock is never theirs: RecordLocked must not report its holder
// as the port monitor or sac (sac would signal it, sacadm would think sac
// runs), and LockRecord must say what kind of lock refused it, so that
// its caller can tell a squatter from a running daemon.
func TestReadLockIsNotALiveDaemon(t *testing.T) {
	path := filepath.Join(t.TempDir(), "_pid")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	squatter := helper(t, "read-record", path)
	if pid, locked, err := RecordLocked(path); err != nil || locked {
		t.Errorf("RecordLocked = %d, %v, %v; a read lock (pid %d) is not a daemon's", pid, locked, err, squatter.Process.Pid)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = LockRecord(f)
	var he *HeldError
	if !errors.As(err, &he) || !errors.Is(err, ErrLocked) || !he.Shared || he.Pid != squatter.Process.Pid {
		t.Fatalf("LockRecord = %v (%+v), want a HeldError for the read lock of pid %d", err, he, squatter.Process.Pid)
	}
	writer := filepath.Join(t.TempDir(), "_log")
	os.WriteFile(writer, nil, 0o600)
	holder := helper(t, "hold-record", writer)
	w, err := os.OpenFile(writer, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := LockRecord(w); !errors.As(err, &he) || he.Shared || he.Pid != holder.Process.Pid {
		t.Errorf("LockRecord = %v (%+v), want a HeldError for the write lock of pid %d", err, he, holder.Process.Pid)
	}
}

// ReplaceLocked puts a new file in place of one a squatter holds open and
// locked: the squatter's descriptor, and its lock, stay with the old file,
// which is no longer at the path; the new file is locked by the caller
// before it appears at the path, has exactly the mode asked for, and the
// old file is never written.
func TestReplaceLocked(t *testing.T) {
	old := unix.Umask(0)
	defer unix.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "_log")
	if err := os.WriteFile(path, []byte("old line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	squatter := helper(t, "read-record", path)
	f, err := ReplaceLocked(path, 0o600, os.O_WRONLY|os.O_APPEND, strings.NewReader("old line\n"), fi)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("new line\n"); err != nil {
		t.Fatal(err)
	}
	nfi, err := os.Lstat(path)
	if err != nil || nfi.Mode() != 0o600 || os.SameFile(fi, nfi) {
		t.Fatalf("after ReplaceLocked: %v, %v; want a new file of mode 0600", nfi, err)
	}
	// Our lock, seen from another process; the squatter's is on the old
	// file only.
	if got, want := lockSeenElsewhere(t, path), fmt.Sprintf("pid=%d locked=true", os.Getpid()); got != want {
		t.Errorf("lock on the new file seen from another process: %q, want %q (the squatter is %d)", got, want, squatter.Process.Pid)
	}
	// Last: closing the descriptor ReadFile opens drops this process's
	// lock on the file.
	if b, _ := os.ReadFile(path); string(b) != "old line\nnew line\n" {
		t.Errorf("content %q", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %v, want _log only", ents)
	}
	// The path changed under the caller: nothing is replaced.
	if g, err := ReplaceLocked(path, 0o600, os.O_WRONLY, nil, fi); !errors.Is(err, ErrChanged) {
		if g != nil {
			g.Close()
		}
		t.Errorf("ReplaceLocked with a stale FileInfo = %v, want ErrChanged", err)
	}
	if n, _ := os.ReadDir(dir); len(n) != 1 {
		t.Errorf("directory holds %v after a refused replace", n)
	}
}
