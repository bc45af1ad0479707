package cloexec

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestFrom(t *testing.T) {
	// A descriptor without the flag, as one inherited would be.
	fds := make([]int, 2)
	if err := unix.Pipe(fds); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if err := From(fds[1]); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, true} {
		flags, err := unix.FcntlInt(uintptr(fds[i]), unix.F_GETFD, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := flags&unix.FD_CLOEXEC != 0; got != want {
			t.Errorf("fd %d (from %d): close-on-exec %v, want %v", fds[i], fds[1], got, want)
		}
	}
	// Standard descriptors below first are left alone.
	if flags, err := unix.FcntlInt(os.Stderr.Fd(), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC != 0 {
		t.Errorf("stderr became close-on-exec")
	}
}
