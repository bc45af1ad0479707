package ttymon

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// lockWatch tells ports when a UUCP lock file of their line appears or goes
// away: a LOCKED port is re-armed as soon as the dial-out program is done
// rather than at the next 60-second check, and a bidirectional port waiting
// for its first character lets go of the line as soon as a dial-out program
// locks it. It is one inotify watch on the lock directory for the whole
// process. When the directory cannot be watched (it does not exist, or
// inotify is not available) ports simply wait for their timer or their
// line.
type lockWatch struct {
	f *os.File // the inotify descriptor; nil when not watching

	mu   sync.Mutex
	subs map[string]map[*lockWaiter]bool // lock file name -> waiters
}

// lockWaiter is one watch: c is closed at the first event on any of names.
type lockWaiter struct {
	c     chan struct{}
	names []string
}

// lockEvents: a lock is taken by link(2), creat(2) or rename(2), and
// given up by unlink(2) or rename(2).
const lockEvents = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_DELETE | unix.IN_MOVED_FROM

func newLockWatch(dir string) *lockWatch {
	w := &lockWatch{subs: map[string]map[*lockWaiter]bool{}}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return w
	}
	if _, err := unix.InotifyAddWatch(fd, dir, lockEvents); err != nil {
		unix.Close(fd) // never used
		return w
	}
	w.f = os.NewFile(uintptr(fd), "inotify:"+dir) // non-blocking: served by Go's poller
	go w.loop()
	return w
}

// watch returns a channel that is closed when a file with one of names
// enters or leaves the directory, and a function to stop watching. The
// waiter looks at the locks again: the event says only that something
// changed.
func (w *lockWatch) watch(names ...string) (<-chan struct{}, func()) {
	lw := &lockWaiter{c: make(chan struct{}), names: names}
	if w == nil || w.f == nil {
		return lw.c, func() {}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, name := range names {
		if w.subs[name] == nil {
			w.subs[name] = map[*lockWaiter]bool{}
		}
		w.subs[name][lw] = true
	}
	return lw.c, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.drop(lw)
	}
}

// drop forgets lw under every name; w.mu is held.
func (w *lockWatch) drop(lw *lockWaiter) {
	for _, name := range lw.names {
		delete(w.subs[name], lw)
		if len(w.subs[name]) == 0 {
			delete(w.subs, name)
		}
	}
}

func (w *lockWatch) loop() {
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			return // closed
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			// struct inotify_event: wd, mask, cookie, len (native
			// 32-bit words), then len bytes of NUL-padded name.
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			start := off + unix.SizeofInotifyEvent
			off = start + nameLen
			if off > n {
				break
			}
			name := buf[start : start+nameLen]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			w.fire(string(name))
		}
	}
}

func (w *lockWatch) fire(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for lw := range w.subs[name] {
		close(lw.c)
		w.drop(lw) // under its other names too: closed once
	}
}

// Close stops watching.
func (w *lockWatch) Close() error {
	if w == nil || w.f == nil {
		return nil
	}
	return w.f.Close()
}

// exitWatch returns a channel that is closed when process pid ends, and
// a function to stop watching, through a pidfd served by Go's poller (no
// thread waits, nothing polls). ok is false when pid cannot be watched:
// it has ended already, or the kernel has no pidfd.
//
// Why: a dial-out program that locks the line with flock(2) alone
// (picocom) leaves no lock file whose removal could be watched; the end
// of the process that holds the flock is when the line is likely free.
func exitWatch(pid int) (gone <-chan struct{}, stop func(), ok bool) {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return nil, nil, false
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close() // read-only; nothing to report
		return nil, nil, false
	}
	c := make(chan struct{})
	go func() {
		// A pidfd turns readable when its process ends. Read waits in
		// the poller until then, or fails when f is closed (stop) or
		// cannot be polled; only the first closes c.
		err := rc.Read(func(fd uintptr) bool {
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(pfd, 0)
			return err == nil && n > 0
		})
		if err == nil {
			close(c)
		}
	}()
	return c, func() { f.Close() }, true
}
