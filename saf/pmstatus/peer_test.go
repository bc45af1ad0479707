package pmstatus

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listenAs listens on a Unix socket at path whose peer credentials (what
// a client reads with SO_PEERCRED) are those of uid: the kernel takes
// them from the thread that calls listen(2), so one locked thread takes
// that effective uid for the call and goes back to root. Needs root.
func listenAs(t *testing.T, path string, uid int) net.Listener {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to listen as another user")
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		// Never unlocked: the runtime ends this thread with the
		// goroutine rather than reuse one whose uid was changed.
		runtime.LockOSThread()
		// The raw system call changes this thread only (the
		// setresuid of libc and of package syscall change them all).
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, ^uintptr(0), uintptr(uid), ^uintptr(0)); e != 0 {
			done <- e
			return
		}
		err := unix.Listen(fd, 8)
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, ^uintptr(0), 0, ^uintptr(0)); e != 0 && err == nil {
			err = e
		}
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ln, err := net.FileListener(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close(); os.Remove(path) })
	return ln
}

// Someone who can write a port monitor's directory removes its status
// socket and serves their own there: sacadm, as root, must not show
// what they write (it would pass for the port monitor's state, with
// whatever text they like in it). Only a server running as root or as
// sacadm's own user is believed.
func TestQueryRefusesAnotherUsersServer(t *testing.T) {
	path := filepath.Join(shortDir(t), "_status")
	ln := listenAs(t, path, 65534)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, _ := Marshal(Status{Tag: "forged", Type: "ttymon", PID: 1, State: "enabled"})
			c.Write(b)
			c.Close()
		}
	}()
	st, err := Query(path, 2*time.Second)
	if !errors.Is(err, ErrStranger) {
		t.Fatalf("Query of a server run by uid 65534 = %+v, %v; want ErrStranger", st, err)
	}

	// The same server as root is believed.
	own := filepath.Join(shortDir(t), "_status")
	ln0 := listenAs(t, own, 0)
	go func() {
		c, err := ln0.Accept()
		if err != nil {
			return
		}
		b, _ := Marshal(sample())
		c.Write(b)
		c.Close()
	}()
	if st, err := Query(own, 2*time.Second); err != nil || st.Tag != "tcp" {
		t.Errorf("Query of root's server = %+v, %v", st, err)
	}
}
