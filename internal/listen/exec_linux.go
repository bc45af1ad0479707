package listen

import (
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// markCloexecFrom3 marks every descriptor from 3 up close-on-exec, so the
// service gets exactly 0, 1 and 2 (listen.md 5.6 step 6, STYLE.md 12).
// Descriptors Go opened are close-on-exec already; this catches anything
// inherited or opened by a library without the flag.
func markCloexecFrom3() {
	if unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	// Kernels before 5.11: walk /proc/self/fd.
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		for fd := 3; fd < 1024; fd++ {
			unix.CloseOnExec(fd)
		}
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd >= 3 {
			unix.CloseOnExec(fd)
		}
	}
}

// sigaction is the kernel's struct sigaction as far as resetSignals needs
// it: the handler comes first on every Linux architecture Go supports;
// the rest is zero for SIG_DFL. Its size covers the largest layout.
type sigaction struct {
	handler uintptr
	rest    [3]uint64
}

const (
	sigDFL = 0
	sigIGN = 1
	nsig   = 65
)

// resetSignals gives the service default signal dispositions and an empty
// signal mask (linux.md D14). execve already resets every signal this
// process handles; the ones that stay are those ignored (SIG_IGN), which
// a Go program only has when it inherited them, so those are set to
// SIG_DFL here. It must run on the thread that calls execve, locked with
// runtime.LockOSThread, because the mask is per thread.
func resetSignals() {
	for sig := 1; sig < nsig; sig++ {
		if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) {
			continue
		}
		var old sigaction
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
			continue
		}
		if old.handler == sigIGN {
			dfl := sigaction{handler: sigDFL}
			unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
		}
	}
	var none unix.Sigset_t
	// Ignored: with an empty set SIG_SETMASK cannot fail.
	_ = unix.PthreadSigmask(unix.SIG_SETMASK, &none, nil)
}
