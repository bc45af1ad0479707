// Command nullmodem joins two pseudo-terminals back to back, like a
// null-modem cable between two serial ports: what one side's programs
// write, the other side's programs read. make demo uses it to give ttymon
// a line and the user a terminal to reach it with picocom or screen.
//
//	nullmodem LINK_A LINK_B
//
// It makes two pty pairs, points the symlinks LINK_A and LINK_B at their
// slave devices, prints the two device paths on one line, and relays
// bytes between the masters until it gets SIGINT or SIGTERM. It lives
// outside cmd/ so that make build never installs it.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/linux-saf/saf/internal/termios"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: nullmodem LINK_A LINK_B")
		os.Exit(2)
	}
	a, aPath, err := termios.OpenPTY()
	if err != nil {
		fail(err)
	}
	b, bPath, err := termios.OpenPTY()
	if err != nil {
		fail(err)
	}
	for i, link := range os.Args[1:] {
		target := []string{aPath, bPath}[i]
		os.Remove(link)
		if err := os.Symlink(target, link); err != nil {
			fail(err)
		}
		defer os.Remove(link)
	}
	// Keep each slave open once ourselves: a pty master reads EIO while no
	// one has its slave open, and the cable must survive a program on
	// either end closing and reopening its port.
	for _, p := range []string{aPath, bPath} {
		f, err := os.OpenFile(p, os.O_RDWR|syscall.O_NOCTTY, 0)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		if t, err := termios.Get(int(f.Fd())); err == nil {
			// Raw on our own open, so the cable passes bytes untouched.
			t.Iflag, t.Oflag, t.Lflag = 0, 0, 0
			_ = termios.Set(int(f.Fd()), t, termios.Now) // best effort: a cooked cable still carries text
		}
	}
	fmt.Println(aPath, bPath)
	go relay(a, b)
	go relay(b, a)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	<-sigs
}

// relay copies from one master to the other; a read error (EIO while the
// far end's slave is closed) is waited out, not fatal.
func relay(from, to *os.File) {
	buf := make([]byte, 4096)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			to.Write(buf[:n])
		}
		if err == io.EOF || err != nil && n == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "nullmodem:", err)
	os.Exit(1)
}
