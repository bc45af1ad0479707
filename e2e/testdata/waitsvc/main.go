// Command waitsvc is a wait service for e2e/listen_ext_test.go: listen
// starts it with its socket on descriptors 0, 1 and 2.
//
//	waitsvc dgram    reads one datagram from fd 0 and sends back
//	                 "wait <pid>: <datagram>", then exits
//	waitsvc stream   checks that fd 0 is a listening socket, accepts one
//	                 connection, writes "listening <pid>\n", and exits
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) != 2 {
		os.Exit(2)
	}
	switch os.Args[1] {
	case "dgram":
		if t, err := unix.GetsockoptInt(0, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || t != unix.SOCK_DGRAM {
			os.Exit(3)
		}
		buf := make([]byte, 2048)
		n, from, err := unix.Recvfrom(0, buf, 0)
		if err != nil {
			os.Exit(4)
		}
		reply := fmt.Sprintf("wait %d: %s", os.Getpid(), buf[:n])
		if err := unix.Sendto(1, []byte(reply), 0, from); err != nil {
			os.Exit(5)
		}
	case "stream":
		if on, err := unix.GetsockoptInt(0, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || on != 1 {
			os.Exit(3)
		}
		nfd, _, err := unix.Accept(0)
		if err != nil {
			os.Exit(4)
		}
		fmt.Fprintf(os.NewFile(uintptr(nfd), "conn"), "listening %d\n", os.Getpid())
		unix.Close(nfd)
	default:
		os.Exit(2)
	}
}
