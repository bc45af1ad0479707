// Command idreport is a service for e2e/stress_priv_test.go: it writes
// one line on its standard output saying who it runs as and which
// descriptors it inherited, then reads a line (so that a caller can look
// at it while it runs) and exits.
//
//	ID uid=<uid> gid=<gid> groups=<gid,...> fds=<fd,...>
//
// groups are the supplementary groups, sorted; fds are the descriptors
// open without close-on-exec when it started (those a parent passed).
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func main() {
	fds := inherited()
	gs, _ := os.Getgroups()
	sort.Ints(gs)
	var g []string
	for _, x := range gs {
		g = append(g, strconv.Itoa(x))
	}
	fmt.Printf("ID uid=%d gid=%d groups=%s fds=%s\n", os.Getuid(), os.Getgid(), strings.Join(g, ","), fds)
	var b [1]byte
	os.Stdin.Read(b[:])
}

// inherited lists the descriptors without FD_CLOEXEC: everything the Go
// runtime opens itself is close-on-exec, so these came from the parent.
func inherited() string {
	var out []string
	for fd := 0; fd < 1024; fd++ {
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || flags&unix.FD_CLOEXEC != 0 {
			continue
		}
		out = append(out, strconv.Itoa(fd))
	}
	return strings.Join(out, ",")
}
