package saflog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func fixed() time.Time { return time.Date(2024, 11, 1, 4, 17, 0, 0, time.Local) }

func TestFormat(t *testing.T) {
	l := New(nil, Options{Now: fixed, Pid: func() int { return 1234 }})
	for msg, want := range map[string]string{
		"*** SAC starting ***": "Fri Nov  1 04:17:00 2024; 1234; *** SAC starting ***\n",
		"ends in newline\n":    "Fri Nov  1 04:17:00 2024; 1234; ends in newline\n",
		"100% sure":            "Fri Nov  1 04:17:00 2024; 1234; 100% sure\n",
	} {
		if got := l.Format(msg); got != want {
			t.Errorf("Format(%q) = %q, want %q", msg, got, want)
		}
	}
	ll := New(nil, Options{Now: fixed, Pid: func() int { return 7 }, Stamp: ListenTime})
	if got := ll.Format("x"); got != "11/01/24 04:17:00; 7; x\n" {
		t.Errorf("listen format = %q", got)
	}
	short := New(nil, Options{Now: fixed, Pid: func() int { return 1 }, MaxLine: 40})
	if got := short.Format(strings.Repeat("y", 100)); len(got) != 40 || !strings.HasSuffix(got, "\n") {
		t.Errorf("MaxLine: %q (%d bytes)", got, len(got))
	}
}

func TestWriteAppendsAndTees(t *testing.T) {
	path := filepath.Join(t.TempDir(), "_log")
	os.WriteFile(path, []byte("old line\n"), 0o644)
	var sys bytes.Buffer
	l, err := Open(path, 0o644, Options{Now: fixed, Pid: func() int { return 9 }, Syslog: &sys})
	if err != nil {
		t.Fatal(err)
	}
	// A plain blocking descriptor, as listen hands it to its children.
	sc, _ := l.File().SyscallConn()
	sc.Control(func(fd uintptr) {
		if fl, err := unix.FcntlInt(fd, unix.F_GETFL, 0); err != nil || fl&unix.O_NONBLOCK != 0 || fl&unix.O_APPEND == 0 {
			t.Errorf("log descriptor flags %#x, %v: want O_APPEND, not O_NONBLOCK", fl, err)
		}
	})
	l.Printf("port monitor <%s> %s", "a%s", "started")
	l.Close()
	got, _ := os.ReadFile(path)
	if string(got) != "old line\nFri Nov  1 04:17:00 2024; 9; port monitor <a%s> started\n" {
		t.Errorf("file = %q", got)
	}
	if sys.String() != "port monitor <a%s> started" {
		t.Errorf("syslog got %q", sys.String())
	}
}

func TestOpenRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	os.Symlink(target, filepath.Join(dir, "_log"))
	if _, err := Open(filepath.Join(dir, "_log"), 0o644, Options{}); err == nil {
		t.Fatal("Open followed a planted symlink")
	}
}

// A FIFO planted where the log goes would hold a plain open for writing
// until someone reads it: sac or a port monitor would hang at start-up.
// Open refuses it at once.
func TestOpenDoesNotBlockOnFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		l, err := Open(path, 0o644, Options{})
		if err == nil {
			l.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open of a FIFO = %v, want ErrNotRegular naming the path", err)
		}
	case <-time.After(5 * time.Second):
		// Release the blocked open so that the test binary can end.
		if r, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0); err == nil {
			defer r.Close()
		}
		t.Fatal("Open blocked on a FIFO planted at the log's path")
	}
	// With a reader the open succeeds; the type check refuses it.
	r, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if l, err := Open(path, 0o644, Options{}); !errors.Is(err, ErrNotRegular) {
		if err == nil {
			l.Close()
		}
		t.Errorf("Open of a FIFO with a reader = %v, want ErrNotRegular", err)
	}
}

// A hard link planted where the log goes, to a file the daemon must not
// write (with fs.protected_hardlinks off, any file on the same file
// system): O_NOFOLLOW does not see it, so Open checks the link count.
func TestOpenRefusesHardLink(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "shadow")
	if err := os.WriteFile(victim, []byte("root:x:0:0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "log")
	if err := os.Link(victim, path); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path, 0o644, Options{})
	if err == nil {
		l.Printf("a line into the wrong file")
		l.Close()
	}
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "link") {
		t.Errorf("Open of a hard link = %v, want ErrNotRegular about links", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "root:x:0:0\n" {
		t.Errorf("the linked file now holds %q", b)
	}
}
