package lockfile

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a helper process, chosen by environment:
//
//	LOCKFILE_HELPER=stall-write  WriteFile(LOCKFILE_PATH, big data) with the
//	                             partial-write hook stalling forever
//	LOCKFILE_HELPER=hold-record  take a POSIX lock on LOCKFILE_PATH and wait
func TestMain(m *testing.M) {
	switch os.Getenv("LOCKFILE_HELPER") {
	case "":
		os.Exit(m.Run())
	case "stall-write":
		testHookPartialWrite = func() {
			fmt.Println("partial")
			select {} // wait to be killed
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
		select {}
	default:
		fmt.Fprintln(os.Stderr, "unknown helper")
		os.Exit(2)
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
