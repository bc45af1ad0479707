package termios

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// baudCodes is the Linux Bxxx table (include/uapi/asm-generic/termbits.h;
// x/sys/unix holds the per-architecture values, and every architecture Go
// runs Linux on has all of them). These are exactly the rates GNU stty
// accepts on Linux. Rates outside it need TCSETS2 with BOTHER, which this
// package does not use: ttymon reports them as unsupported.
var baudCodes = map[int]uint32{
	0:       unix.B0,
	50:      unix.B50,
	75:      unix.B75,
	110:     unix.B110,
	134:     unix.B134,
	150:     unix.B150,
	200:     unix.B200,
	300:     unix.B300,
	600:     unix.B600,
	1200:    unix.B1200,
	1800:    unix.B1800,
	2400:    unix.B2400,
	4800:    unix.B4800,
	9600:    unix.B9600,
	19200:   unix.B19200,
	38400:   unix.B38400,
	57600:   unix.B57600,
	115200:  unix.B115200,
	230400:  unix.B230400,
	460800:  unix.B460800,
	500000:  unix.B500000,
	576000:  unix.B576000,
	921600:  unix.B921600,
	1000000: unix.B1000000,
	1152000: unix.B1152000,
	1500000: unix.B1500000,
	2000000: unix.B2000000,
	2500000: unix.B2500000,
	3000000: unix.B3000000,
	3500000: unix.B3500000,
	4000000: unix.B4000000,
}

// codeBauds is baudCodes inverted.
var codeBauds = func() map[uint32]int {
	m := make(map[uint32]int, len(baudCodes))
	for b, c := range baudCodes {
		m[c] = b
	}
	return m
}()

func baudCode(baud int) (uint32, bool) {
	c, ok := baudCodes[baud]
	return c, ok
}

func codeBaud(code uint32) (int, bool) {
	b, ok := codeBauds[code]
	return b, ok
}

func speed(t *unix.Termios) int {
	if b, ok := codeBauds[t.Cflag&unix.CBAUD]; ok {
		return b
	}
	return -1
}

func setSpeed(t *unix.Termios, baud int) error {
	c, ok := baudCodes[baud]
	if !ok {
		return fmt.Errorf("termios: speed %d: %w", baud, ErrUnsupportedSpeed)
	}
	t.Cflag = t.Cflag&^(unix.CBAUD|unix.CIBAUD) | c
	return nil
}
