package listen

import (
	"errors"
	"io/fs"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls of a connection's way from accept to exec, made raw.
//
// A Go system call (syscall.Syscall) tells the scheduler it may block;
// the first one after the process was idle wakes the runtime's monitor
// thread (sysmon), which then polls every 20 microseconds for as long as
// the processor is busy. On a connection that is the whole fork and exec
// of the service, during which the processor is held: on a two-core
// machine, e2e BenchmarkListen counted about five extra context switches
// per connection in that thread, a fifth of the listener's CPU (issue
// 5). These calls cannot block (a non-blocking accept, a close of a
// socket without SO_LINGER, a stat in /etc/saf), so they are made raw and
// the monitor is first woken, if at all, by ForkExec's own calls once the
// child has exec'd.

// acceptRaw is accept4 on the non-blocking listening socket fd, giving a
// blocking, close-on-exec descriptor and the peer's address (nil for a
// family we do not decode).
func acceptRaw(fd int) (int, unix.Sockaddr, error) {
	var rsa unix.RawSockaddrAny
	n := uint32(unsafe.Sizeof(rsa))
	r, _, e := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&n)), unix.SOCK_CLOEXEC, 0, 0)
	if e != 0 {
		return -1, nil, e
	}
	return int(r), decodeSockaddr(&rsa), nil
}

// decodeSockaddr converts the kernel's address. It does what package
// syscall's conversion does for the families a listener serves (x/sys/unix
// makes a getsockopt(SO_PROTOCOL) for every IPv4 address, looking for
// L2TP).
func decodeSockaddr(rsa *unix.RawSockaddrAny) unix.Sockaddr {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		port := (*[2]byte)(unsafe.Pointer(&p.Port))
		return &unix.SockaddrInet4{Port: int(port[0])<<8 | int(port[1]), Addr: p.Addr}
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		port := (*[2]byte)(unsafe.Pointer(&p.Port))
		return &unix.SockaddrInet6{Port: int(port[0])<<8 | int(port[1]), ZoneId: p.Scope_id, Addr: p.Addr}
	case unix.AF_UNIX:
		// As package syscall's accept4, which listen used before: the
		// name runs to the first NUL, a leading NUL (an abstract name,
		// or the unnamed socket of most clients) shown as '@'.
		p := (*unix.RawSockaddrUnix)(unsafe.Pointer(rsa))
		b := unsafe.Slice((*byte)(unsafe.Pointer(&p.Path[0])), len(p.Path))
		if b[0] == 0 {
			b[0] = '@'
		}
		for i, c := range b {
			if c == 0 {
				b = b[:i]
				break
			}
		}
		return &unix.SockaddrUnix{Name: string(b)}
	}
	return nil
}

// closeRaw closes fd. Errors are ignored: the descriptor is gone either
// way on Linux, and the callers have nothing to do about them.
func closeRaw(fd int) {
	_, _, _ = unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

// lstatAbsent reports whether path does not exist (ENOENT), with lstat's
// meaning: a dangling symbolic link exists. Any other answer, an error
// included, is false. statx asks for no fields.
func lstatAbsent(path string) bool {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return false
	}
	var stx unix.Statx_t
	dirfd := unix.AT_FDCWD // a variable: the constant is negative
	_, _, e := unix.RawSyscall6(unix.SYS_STATX, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		unix.AT_SYMLINK_NOFOLLOW|unix.AT_STATX_DONT_SYNC, 0, uintptr(unsafe.Pointer(&stx)), 0)
	switch e {
	case 0:
		return false
	case unix.ENOENT:
		return true
	case unix.ENOSYS:
		// A kernel before statx (4.11).
		_, err := os.Lstat(path)
		return errors.Is(err, fs.ErrNotExist)
	}
	return false
}
