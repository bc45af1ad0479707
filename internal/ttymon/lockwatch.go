package ttymon

import (
	"bytes"
	"encoding/binary"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// lockWatch tells LOCKED ports when their UUCP lock file goes away, so
// that a line is re-armed as soon as the dial-out program is done
// (linux.md D13) rather than at the next 60-second check. It is one
// inotify watch on the lock directory for the whole process. When the
// directory cannot be watched (it does not exist, or inotify is not
// available) ports simply wait for their timer.
type lockWatch struct {
	f *os.File // the inotify descriptor; nil when not watching

	mu   sync.Mutex
	subs map[string]map[*chan struct{}]bool // lock file name -> waiters
}

func newLockWatch(dir string) *lockWatch {
	w := &lockWatch{subs: map[string]map[*chan struct{}]bool{}}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return w
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_DELETE|unix.IN_MOVED_FROM); err != nil {
		unix.Close(fd) // never used
		return w
	}
	w.f = os.NewFile(uintptr(fd), "inotify:"+dir) // non-blocking: served by Go's poller
	go w.loop()
	return w
}

// watch returns a channel that is closed when a file called name leaves
// the directory, and a function to stop watching.
func (w *lockWatch) watch(name string) (<-chan struct{}, func()) {
	c := make(chan struct{})
	if w == nil || w.f == nil {
		return c, func() {}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.subs[name] == nil {
		w.subs[name] = map[*chan struct{}]bool{}
	}
	w.subs[name][&c] = true
	return c, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.subs[name], &c)
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
	for c := range w.subs[name] {
		close(*c)
	}
	delete(w.subs, name)
}

// Close stops watching.
func (w *lockWatch) Close() error {
	if w == nil || w.f == nil {
		return nil
	}
	return w.f.Close()
}
