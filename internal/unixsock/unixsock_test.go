package unixsock

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// shortDir is a temp directory with a path short enough for sun_path
// (t.TempDir's paths grow with the test's name).
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "usk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// setHook installs testHookBound for one test.
func setHook(t *testing.T, h func(string)) {
	t.Helper()
	old := testHookBound
	testHookBound = h
	t.Cleanup(func() { testHookBound = old })
}

// The attack on a root daemon that binds in a directory someone else can
// write: between the bind and whatever Listen does next by name, the new
// socket is renamed away and a symbolic link to a file that must not
// change is put in its place. Listen must not change that file's mode
// (a chmod by name follows the link and made it 0600 here, 0666 in
// listen's case). Closing the listener removes only the link.
func TestListenDoesNotFollowASwappedSocket(t *testing.T) {
	dir := shortDir(t)
	victim := filepath.Join(shortDir(t), "shadow")
	if err := os.WriteFile(victim, []byte("root:x:0:0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(victim, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	path := filepath.Join(dir, "_status")
	swapped := false
	setHook(t, func(p string) {
		if err := os.Rename(p, p+".moved"); err != nil {
			t.Errorf("attacker's rename: %v", err)
			return
		}
		if err := os.Symlink(victim, p); err != nil {
			t.Errorf("attacker's symlink: %v", err)
			return
		}
		swapped = true
	})
	ln, err := Listen(path)
	if !swapped {
		t.Fatal("the hook did not run")
	}
	if err == nil {
		ln.Close()
	}
	fi, serr := os.Stat(victim)
	if serr != nil {
		t.Fatal(serr)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("the symlink's target is now mode %v, want 0644 untouched (Listen: %v)", fi.Mode().Perm(), err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "root:x:0:0\n" {
		t.Errorf("the symlink's target now holds %q", b)
	}
}

// The socket is 0600 whatever the umask lets through, with no moment at
// which it is more open (its mode comes from the socket, not a chmod).
func TestListenMode(t *testing.T) {
	dir := shortDir(t)
	for i, mask := range []int{0, 0o022, 0o077} {
		path := filepath.Join(dir, "s"+string(rune('0'+i)))
		var seen fs.FileMode
		setHook(t, func(p string) {
			if fi, err := os.Lstat(p); err == nil {
				seen = fi.Mode()
			}
		})
		old := unix.Umask(mask)
		ln, err := Listen(path)
		unix.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != fs.ModeSocket|0o600 {
			t.Errorf("umask %03o: mode %v, want socket 0600", mask, fi.Mode())
		}
		if seen != fs.ModeSocket|0o600 {
			t.Errorf("umask %03o: just after bind the socket was %v, want 0600 from the start", mask, seen)
		}
		if got := ln.Addr().String(); got != path {
			t.Errorf("Addr = %q, want %q", got, path)
		}
		if err := ln.Close(); err != nil {
			t.Error(err)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("socket left after Close: %v", err)
		}
	}
}

// The listener accepts connections, is close-on-exec, and a stale
// socket at the path is replaced.
func TestListenReplacesStaleSocket(t *testing.T) {
	path := filepath.Join(shortDir(t), "_cmdpipe")
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	ln, err := Listen(path)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	defer ln.Close()
	sc, err := ln.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	sc.Control(func(fd uintptr) {
		if fl, err := unix.FcntlInt(fd, unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
			t.Errorf("listener not close-on-exec: flags %#x, %v", fl, err)
		}
	})
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
}

// Anything at the path that is not a socket is reported and left as it
// is: a regular file, a directory, a symbolic link (to a file, to a stale
// socket, or to nothing).
func TestListenRefusesNonSockets(t *testing.T) {
	dir := shortDir(t)
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	sockPath := filepath.Join(dir, "sock")
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: sockPath, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"tofile": file, "tosock": sockPath, "dangling": filepath.Join(dir, "nothing")}
	for name, to := range links {
		if err := os.Symlink(to, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"file", "sub", "tofile", "tosock", "dangling"} {
		p := filepath.Join(dir, name)
		before, _ := os.Lstat(p)
		ln, err := Listen(p)
		if err == nil {
			ln.Close()
			t.Errorf("Listen(%s) succeeded", name)
			continue
		}
		if !errors.Is(err, ErrNotSocket) || !strings.Contains(err.Error(), p) {
			t.Errorf("Listen(%s) = %v, want ErrNotSocket naming the path", name, err)
		}
		after, aerr := os.Lstat(p)
		if aerr != nil || !os.SameFile(before, after) || after.Mode() != before.Mode() {
			t.Errorf("%s changed: %v -> %v (%v)", name, before.Mode(), after.Mode(), aerr)
		}
	}
	if fi, err := os.Lstat(sockPath); err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Errorf("the linked-to socket was removed: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nothing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a socket was made through the dangling link: %v", err)
	}
}

func TestListenErrors(t *testing.T) {
	long := "/" + strings.Repeat("d", 120) + "/_status"
	if _, err := Listen(long); !errors.Is(err, syscall.ENAMETOOLONG) || !strings.Contains(err.Error(), "SAF_ROOT") {
		t.Errorf("Listen of a long path: %v", err)
	}
	// The error of a failed bind reads as net.ListenUnix's did.
	missing := filepath.Join(shortDir(t), "nodir", "s")
	_, err := Listen(missing)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Listen in a missing directory: %v", err)
	}
	if want := "listen unix " + missing + ": bind: no such file or directory"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}
