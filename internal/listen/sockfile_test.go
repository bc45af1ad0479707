package listen

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/linux-saf/saf/saf/pmtab"
	"golang.org/x/sys/unix"
)

// unixService is an exec entry on the socket file path.
func unixService(path string) *service {
	return &service{Code: "u", Identity: "nobody", Listen: pmtab.Listen{Address: path, Command: "/bin/true"}}
}

// swapForSymlink replaces path by a symlink to target, as someone who can
// write the socket's directory can do at any moment.
func swapForSymlink(t *testing.T, path, target string) {
	tmp := path + ".swap"
	if err := os.Symlink(target, tmp); err != nil {
		t.Error(err)
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Error(err)
	}
}

// A socket file swapped for a symlink right after bind must not make the
// listener change the link's target: the mode is set at bind, never by
// name afterwards. Before the fix a chmod(path, 0666) followed the link.
func TestBindUnixSymlinkRace(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		name := "private umask"
		if fallback {
			name = "unshare refused"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Chmod(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if fallback {
				saved := unshareFS
				unshareFS = func() error { return unix.EPERM }
				t.Cleanup(func() { unshareFS = saved })
			}
			secret := filepath.Join(t.TempDir(), "shadow")
			if err := os.WriteFile(secret, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			sock := filepath.Join(dir, "s")
			afterBind = func(p string) { swapForSymlink(t, p, secret) }
			t.Cleanup(func() { afterBind = nil })
			ep, err := bindService(transportUnix, unixService(sock))
			if err == nil {
				defer ep.close()
				if ep.path != "" {
					t.Errorf("endpoint claims %s, which is no longer its socket", ep.path)
				}
			}
			fi, err := os.Stat(secret)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Fatalf("the symlink's target became mode %o (want 0600)", fi.Mode().Perm())
			}
			if _, err := os.Lstat(sock); err != nil {
				t.Fatalf("the planted symlink was removed: %v", err)
			}
		})
	}
}

// The socket file gets mode 0666 whatever the listener's umask, the
// umask stays as it was, and services keep the listener's umask.
func TestBindUnixMode(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if fallback {
			saved := unshareFS
			unshareFS = func() error { return unix.EPERM }
			t.Cleanup(func() { unshareFS = saved })
		}
		old := unix.Umask(0o077)
		sock := filepath.Join(dir, "s")
		ep, err := bindService(transportUnix, unixService(sock))
		after := unix.Umask(old)
		if err != nil {
			t.Fatalf("fallback %v: %v", fallback, err)
		}
		fi, err := os.Lstat(sock)
		if err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != unixSocketMode {
			t.Errorf("fallback %v: socket file %v, %v; want a socket of mode %o", fallback, fi.Mode(), err, unixSocketMode)
		}
		if after != 0o077 {
			t.Errorf("fallback %v: the process umask changed to %o", fallback, after)
		}
		if ep.fileGone() {
			t.Errorf("fallback %v: fileGone on a socket file that is there", fallback)
		}
		ep.close()
		if _, err := os.Lstat(sock); !os.IsNotExist(err) {
			t.Errorf("fallback %v: socket file left after close: %v", fallback, err)
		}
	}
}

// Without a private umask, a socket in a directory others can write is
// refused rather than given its mode by name.
func TestBindUnixFallbackRefusesSharedDir(t *testing.T) {
	saved := unshareFS
	unshareFS = func() error { return unix.EPERM }
	t.Cleanup(func() { unshareFS = saved })
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s")
	if ep, err := bindService(transportUnix, unixService(sock)); err == nil {
		ep.close()
		t.Fatal("bound in a world-writable directory without a private umask")
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("socket file left behind: %v", err)
	}
}

// A stale socket (nobody listening) is replaced; one owned by another
// user, and anything that is not a socket, is left alone.
func TestRemoveStaleSocket(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale")
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: stale}); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd) // not listening: stale
	removeStaleSocket(stale)
	if _, err := os.Lstat(stale); !os.IsNotExist(err) {
		t.Errorf("stale socket of our own not removed: %v", err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink("/etc/passwd", link)
	removeStaleSocket(link)
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("symlink removed: %v", err)
	}
	if os.Geteuid() != 0 {
		return
	}
	fd, _ = unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	other := filepath.Join(dir, "other")
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: other}); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	os.Lchown(other, 65534, 65534)
	removeStaleSocket(other)
	if _, err := os.Lstat(other); err != nil {
		t.Errorf("another user's stale socket removed: %v", err)
	}
}
