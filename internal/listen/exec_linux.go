package listen

import (
	"unsafe"

	"github.com/linux-saf/saf/internal/cloexec"
	"golang.org/x/sys/unix"
)

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

// cloexecFrom3 marks every descriptor from 3 up close-on-exec, so the
// service gets exactly 0, 1 and 2 (listen.md 5.6 step 6, STYLE.md 12).
// Best effort: the service starts regardless.
func cloexecFrom3() { _ = cloexec.From(3) }

// ignored reports whether sig's disposition is SIG_IGN (false when it
// cannot be read).
func ignored(sig int) bool {
	var old sigaction
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
		return false
	}
	return old.handler == sigIGN
}

// setDefault sets sig's disposition to SIG_DFL behind the Go runtime's
// back; only for signals the runtime does not handle (those it left
// ignored). Errors are ignored: the callers check again or go on.
func setDefault(sig int) {
	dfl := sigaction{handler: sigDFL}
	_, _, _ = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0)
}

// catchable reports whether sig's disposition can be changed.
func catchable(sig int) bool { return sig != int(unix.SIGKILL) && sig != int(unix.SIGSTOP) }

// resetSignals gives the service default signal dispositions and an empty
// signal mask (linux.md D14). execve already resets every signal this
// process handles; the ones that stay are those ignored (SIG_IGN), which
// a Go program only has when it inherited them, so those are set to
// SIG_DFL here. It must run on the thread that calls execve, locked with
// runtime.LockOSThread, because the mask is per thread.
func resetSignals() {
	for sig := 1; sig < nsig; sig++ {
		if catchable(sig) && ignored(sig) {
			setDefault(sig)
		}
	}
	var none unix.Sigset_t
	// Ignored: with an empty set SIG_SETMASK cannot fail.
	_ = unix.PthreadSigmask(unix.SIG_SETMASK, &none, nil)
}
