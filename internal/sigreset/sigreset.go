//go:build linux

// Package sigreset gives a program that is about to exec a service the
// signal state every service starts with (ttymon(8), listen(8)): the
// default disposition for every signal and nothing blocked. ttymon's
// per-port child and listen's launcher use it just before execve; the
// listener uses it to check and fix its own state for the services it
// forks directly.
//
// execve sets every signal the process handles back to SIG_DFL, but
// keeps SIG_IGN and the signal mask. A Go program has an ignored signal
// only when it ignored one itself or inherited one that the runtime
// left alone (SIGHUP or SIGINT from nohup or from a shell that ignores
// them, the C library's signals 32 and 33), so those are the ones to
// undo. They are changed with raw system calls behind the runtime's
// back, which is safe for a signal the runtime does not handle.
package sigreset

import (
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

const sigIGN = 1 // SIG_IGN; SIG_DFL is 0

// The kernel's struct sigaction has its handler first and a 64-signal
// set on every Linux architecture Go supports but mips, where an int of
// flags comes first and a set holds 128 signals (sigactiont in the
// runtime's defs_linux_*.go). An all-zero one is SIG_DFL, no flags,
// nothing blocked during the handler.
var handlerOffset, setSize uintptr = 0, 8

// changeable holds every signal whose disposition a process can change.
var changeable []int

func init() {
	if strings.HasPrefix(runtime.GOARCH, "mips") {
		handlerOffset, setSize = unsafe.Sizeof(uintptr(0)), 16
	}
	for sig := 1; sig <= int(8*setSize); sig++ {
		if sig != int(unix.SIGKILL) && sig != int(unix.SIGSTOP) {
			changeable = append(changeable, sig)
		}
	}
}

// sigaction is room for the largest layout of the kernel's struct.
type sigaction [8]uint64

// Ignored reports whether sig's disposition is SIG_IGN (false when it
// cannot be read).
func Ignored(sig int) bool {
	var old sigaction
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), setSize, 0, 0); e != 0 {
		return false
	}
	return *(*uintptr)(unsafe.Add(unsafe.Pointer(&old), handlerOffset)) == sigIGN
}

// Unignore sets sig back to SIG_DFL when it is ignored. Any other
// disposition is left alone, so the runtime's handlers stay. Errors are
// ignored: Ignored shows what happened.
func Unignore(sig int) {
	if !Ignored(sig) {
		return
	}
	var dfl sigaction
	_, _, _ = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, setSize, 0, 0)
}

// ForExec sets every ignored signal back to SIG_DFL and unblocks every
// signal on the calling thread, so that a program this thread execs
// starts with the default for all of them. The caller must have locked
// itself to its thread (runtime.LockOSThread), because the mask is the
// thread's, and exec on it.
func ForExec() {
	for _, sig := range changeable {
		Unignore(sig)
	}
	var none unix.Sigset_t
	// With an empty set, SIG_SETMASK cannot fail.
	_ = unix.PthreadSigmask(unix.SIG_SETMASK, &none, nil)
}

// Clean reports whether a child forked by the calling thread starts with
// the state ForExec gives without it: no signal ignored, none blocked.
// Go restores the thread's mask in a child it forks and sets the signals
// it handles to SIG_DFL there, so these two are all that can differ.
func Clean() bool {
	var cur unix.Sigset_t
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, nil, &cur); err != nil || cur != (unix.Sigset_t{}) {
		return false
	}
	for _, sig := range changeable {
		if Ignored(sig) {
			return false
		}
	}
	return true
}
