package sac

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/paths"
	"golang.org/x/sys/unix"
)

// The files sac (as root) opens by name in a port monitor's directory,
// /etc/saf/<tag>, are _pid and _pmpipe. The directory is root's, mode
// 0755, as sacadm makes it; but an administrator may hand it to the user
// a port monitor runs as, who can then put anything there. Nothing that
// user plants, or swaps in while sac works, may make root change, write
// or signal anything outside it.

// victimFile makes a file outside the port monitor's directory, mode
// 0644, and returns its path and a check that it is untouched.
func victimFile(t *testing.T) (string, func()) {
	t.Helper()
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(victim, 0o644); err != nil {
		t.Fatal(err)
	}
	return victim, func() {
		t.Helper()
		b, err := os.ReadFile(victim)
		fi, serr := os.Stat(victim)
		if err != nil || serr != nil || string(b) != "precious\n" || fi.Mode() != 0o644 {
			t.Errorf("the victim was touched: %q %v (%v, %v)", b, modeOrNil(fi), err, serr)
		}
	}
}

func modeOrNil(fi os.FileInfo) any {
	if fi == nil {
		return nil
	}
	return fi.Mode()
}

// _pmpipe swapped, between sac making it and opening it, for a symbolic
// link to another file: sac used to chmod the path, which follows the
// link, making the target mode 0600 (e.g. /etc/passwd: nobody can log
// in). Swapped for a hard link to another file, sac opened the file and
// wrote its messages into it.
func TestPMPipeSwappedAfterMkfifo(t *testing.T) {
	for _, swap := range []string{"symlink", "hardlink"} {
		t.Run(swap, func(t *testing.T) {
			victim, untouched := victimFile(t)
			path := filepath.Join(t.TempDir(), "_pmpipe")
			replaceHook(t, &afterMkfifo, func(p string) {
				if err := os.Remove(p); err != nil {
					t.Error(err)
				}
				link := os.Symlink
				if swap == "hardlink" {
					link = os.Link
				}
				if err := link(victim, p); err != nil {
					t.Error(err)
				}
			})
			err := mkfifo(path)
			if err == nil {
				var f *os.File
				if f, err = openPMPipe(path); err == nil {
					f.Write([]byte("SC_STATUS")) // what a poll would write
					f.Close()
				}
			}
			if err == nil {
				t.Errorf("sac took %s to another file for its _pmpipe", swap)
			}
			untouched()
		})
	}
}

// In recovery sac opens the _pmpipe of a port monitor still running
// without making it first: anything but a FIFO there is refused, never
// written to.
func TestOpenPMPipeRefusesNonFIFO(t *testing.T) {
	dir := t.TempDir()
	victim, untouched := victimFile(t)
	hard := filepath.Join(dir, "hard")
	if err := os.Link(victim, hard); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	soft := filepath.Join(dir, "soft")
	if err := os.Symlink(fifo, soft); err != nil {
		t.Fatal(err)
	}
	// A hard link to another FIFO (another port monitor's, sac's own
	// _sacpipe, init's /run/initctl): neither written to nor changed.
	other := filepath.Join(t.TempDir(), "otherfifo")
	if err := unix.Mkfifo(other, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(other, 0o644); err != nil {
		t.Fatal(err)
	}
	hardFIFO := filepath.Join(dir, "hardfifo")
	if err := os.Link(other, hardFIFO); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{hard, soft, dir, hardFIFO} {
		if f, err := openPMPipe(path); err == nil {
			f.Write([]byte("SC_STATUS"))
			f.Close()
			t.Errorf("openPMPipe(%s) opened it", filepath.Base(path))
		}
	}
	untouched()
	if fi, err := os.Lstat(other); err != nil || fi.Mode() != os.ModeNamedPipe|0o644 {
		t.Errorf("the other FIFO: %v, %v; want it untouched, mode 0644", modeOrNil(fi), err)
	}
	// A FIFO of another mode is made 0600 through its descriptor.
	own := filepath.Join(dir, "own")
	if err := unix.Mkfifo(own, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(own, 0o666); err != nil {
		t.Fatal(err)
	}
	f, err := openPMPipe(own)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, err := os.Lstat(own); err != nil || fi.Mode() != os.ModeNamedPipe|0o600 {
		t.Errorf("own FIFO: %v, %v; want mode 0600", modeOrNil(fi), err)
	}
}

// A _pid that is a symbolic link to a file some other process holds a
// lock on made sac take that process for the port monitor: recovery
// adopted it, and the first unanswered poll SIGKILLed it (a root
// daemon with a locked pid file, or sac itself through /var/saf/_log).
// A FIFO there blocked sac in open(2) for good.
func TestCheckLockOpensOnlyARegularFile(t *testing.T) {
	s, logs := newTestSac(t)
	root := paths.New(t.TempDir())
	s.root = root
	if err := os.MkdirAll(root.PMDir("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "locked")
	if err := os.WriteFile(other, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	holder := holdLock(t, other)

	t.Run("symlink", func(t *testing.T) {
		os.Remove(root.PMPid("x"))
		if err := os.Symlink(other, root.PMPid("x")); err != nil {
			t.Fatal(err)
		}
		if pid := s.checkLock("x"); pid != 0 {
			t.Errorf("checkLock through a symbolic link = %d (the lock holder is %d), want 0", pid, holder)
		}
		if !strings.Contains(strings.Join(*logs, "\n"), "can not open _pid file for <x>") {
			t.Errorf("not logged: %q", *logs)
		}
	})
	t.Run("fifo", func(t *testing.T) {
		os.Remove(root.PMPid("x"))
		if err := unix.Mkfifo(root.PMPid("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan int, 1)
		go func() { done <- s.checkLock("x") }()
		select {
		case pid := <-done:
			if pid != 0 {
				t.Errorf("checkLock on a FIFO = %d, want 0", pid)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("checkLock blocked opening a FIFO")
		}
	})
	t.Run("hardlink", func(t *testing.T) {
		// Where fs.protected_hardlinks is 0, or for a file the user
		// may read and write.
		os.Remove(root.PMPid("x"))
		if err := os.Link(other, root.PMPid("x")); err != nil {
			t.Fatal(err)
		}
		if pid := s.checkLock("x"); pid != 0 {
			t.Errorf("checkLock through a hard link = %d (the lock holder is %d), want 0", pid, holder)
		}
	})
	t.Run("regular", func(t *testing.T) {
		// The port monitor's own _pid: its holder.
		os.Remove(root.PMPid("x"))
		if err := os.WriteFile(root.PMPid("x"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		pm := holdLock(t, root.PMPid("x"))
		if pid := s.checkLock("x"); pid != pm {
			t.Errorf("checkLock = %d, want the holder %d", pid, pm)
		}
	})
}
