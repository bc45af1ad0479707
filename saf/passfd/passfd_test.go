package passfd

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func listen(t *testing.T) (*Listener, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "srv.sock")
	l, err := Listen(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, p
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(ents)
}

func TestSendAndAccept(t *testing.T) {
	l, path := listen(t)
	// The "client connection": one end of a socket pair.
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	client := os.NewFile(uintptr(pair[0]), "client")
	defer client.Close()
	before := openFDs(t)

	got := make(chan *os.File, 1)
	errc := make(chan error, 1)
	go func() {
		f, err := l.Accept()
		got <- f
		errc <- err
	}()
	if err := Send(path, pair[1], time.Second); err != nil {
		t.Fatal(err)
	}
	unix.Close(pair[1]) // the listener closes its copy
	f := <-got
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if flags, _ := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0); flags&unix.FD_CLOEXEC == 0 {
		t.Error("received descriptor is not close-on-exec")
	}
	if _, err := client.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	if _, err := io.ReadFull(f, b); err != nil || string(b) != "ping" {
		t.Fatalf("read %q, %v through the passed descriptor", b, err)
	}
	// Only the received descriptor is new.
	if n := openFDs(t); n != before {
		t.Errorf("%d descriptors open, want %d (sent copy closed, received one open)", n, before)
	}
}

func TestSendFailures(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, nil, 0o600)
	for _, p := range []string{fifo, plain, filepath.Join(dir, "missing")} {
		start := time.Now()
		err := Send(p, 0, time.Second)
		var e *Error
		if !errors.As(err, &e) || e.Op != OpConnect || e.Path != p {
			t.Errorf("Send(%s) = %v, want a connect error", filepath.Base(p), err)
		}
		if time.Since(start) > 900*time.Millisecond {
			t.Errorf("Send(%s) blocked for %v", filepath.Base(p), time.Since(start))
		}
	}
}

// sendRaw connects to path and sends data with the given descriptors.
func sendRaw(t *testing.T, path string, data []byte, fds ...int) {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if _, _, err := c.(*net.UnixConn).WriteMsgUnix(data, oob, nil); err != nil {
		t.Fatal(err)
	}
}

func TestAcceptRejectsBadHandoffs(t *testing.T) {
	l, path := listen(t)
	l.RecvTimeout = 2 * time.Second
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	before := openFDs(t)
	for _, tt := range []struct {
		name string
		send func()
		want error
	}{
		{"data only", func() { sendRaw(t, path, []byte{0}) }, ErrNoFD},
		{"closed at once", func() { sendRaw(t, path, nil) }, ErrNoFD},
		{"two descriptors", func() { sendRaw(t, path, []byte{0}, int(null.Fd()), int(null.Fd())) }, ErrTooManyFDs},
	} {
		done := make(chan error, 1)
		go func() {
			f, err := l.Accept()
			if f != nil {
				f.Close()
			}
			done <- err
		}()
		tt.send()
		if err := <-done; !errors.Is(err, tt.want) {
			t.Errorf("%s: Accept error %v, want %v", tt.name, err, tt.want)
		}
	}
	if n := openFDs(t); n != before {
		t.Errorf("%d descriptors open after the failures, want %d: received ones leaked", n, before)
	}
}
