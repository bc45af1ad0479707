package listen

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Internal services (our extension): option internal=NAME makes the
// listener answer the entry itself, as inetd does, without starting a
// process. The bytes are those of the RFCs:
//
//	echo     RFC 862  TCP: everything read is sent back; UDP: the datagram
//	                  is sent back
//	discard  RFC 863  everything read is thrown away; UDP: no reply
//	daytime  RFC 867  "Sat Nov 21 08:00:00 2026\r\n", the listener's local
//	                  time in ctime(3)'s form as inetd sends it; TCP: then
//	                  close
//	chargen  RFC 864  TCP: lines of 72 printable characters and CRLF, each
//	                  starting one character further along the 95
//	                  printable ASCII characters, until the client closes
//	                  or stops reading; UDP: 0 to 512 bytes of that
//	                  pattern, a random length, each reply starting one
//	                  line further
//	time     RFC 868  the seconds since 1900-01-01 00:00 UTC, 32 bits
//	                  big-endian (modulo 2^32); TCP: then close
//
// A TCP session runs in its own goroutine and is bounded: it ends when
// the client makes no progress (sends nothing to echo or discard, reads
// nothing of chargen) for internalIdle, and after the entry's timeout, or
// internalTotal without one, in any case. A UDP reply is one datagram
// per request; datagrams that could start a loop between two such
// services are not answered (dgramLoopRisk).

// chargenLine is the length of a chargen line without its CRLF, and
// chargenRing the number of printable characters it cycles through.
const (
	chargenLine = 72
	chargenRing = 95 // ' ' to '~'
)

// chargenCycle is one whole chargen period: chargenRing lines of
// chargenLine characters and CRLF; the pattern repeats after it.
var chargenCycle = func() []byte {
	b := make([]byte, 0, chargenRing*(chargenLine+2))
	for line := 0; line < chargenRing; line++ {
		for j := 0; j < chargenLine; j++ {
			b = append(b, byte(' '+(line+j)%chargenRing))
		}
		b = append(b, '\r', '\n')
	}
	return b
}()

// rfc868Offset is the seconds from 1900-01-01 to 1970-01-01 (RFC 868).
const rfc868Offset = 2208988800

// daytimeText is the RFC 867 reply for now, in ctime(3)'s layout as
// inetd sends it.
func daytimeText(now time.Time) []byte {
	return []byte(now.Format("Mon Jan _2 15:04:05 2006") + "\r\n")
}

// timeBytes is the RFC 868 reply for now.
func timeBytes(now time.Time) []byte {
	return binary.BigEndian.AppendUint32(nil, uint32(now.Unix()+rfc868Offset))
}

// chargenDatagram returns n bytes of the chargen pattern starting at line
// (RFC 864, UDP).
func chargenDatagram(line, n int) []byte {
	out := make([]byte, 0, n)
	off := (line % chargenRing) * (chargenLine + 2)
	for len(out) < n {
		k := min(n-len(out), len(chargenCycle)-off)
		out = append(out, chargenCycle[off:off+k]...)
		off = 0
	}
	return out
}

// internalReply is the reply datagram of internal service name to req,
// nil for none (discard). line is the chargen line to start at.
func internalReply(name string, req []byte, now time.Time, line int) []byte {
	switch name {
	case "echo":
		return req
	case "daytime":
		return daytimeText(now)
	case "time":
		return timeBytes(now)
	case "chargen":
		return chargenDatagram(line, rand.IntN(513))
	}
	return nil
}

// serveInternal serves internal service name on the accepted connection
// nfd (blocking, close-on-exec) until the session ends, bounded by total,
// and closes it. It runs in its own goroutine.
func serveInternal(name string, nfd int, total time.Duration) {
	// Non-blocking, so the file is served by Go's poller and deadlines
	// work. Ignored: on failure the reads and writes below block, still
	// bounded by nothing but the client; it cannot fail on a socket.
	_ = unix.SetNonblock(nfd, true)
	f := os.NewFile(uintptr(nfd), "internal:"+name)
	defer f.Close()
	end := time.Now().Add(total)
	// step is the deadline of the next read or write: idle time, never
	// past the end of the session.
	step := func() time.Time {
		d := time.Now().Add(internalIdle)
		if d.After(end) {
			return end
		}
		return d
	}
	// Ignored below: a failed deadline or write ends the session, which
	// is all that can be done with a client that went away.
	switch name {
	case "daytime":
		_ = f.SetWriteDeadline(step())
		_, _ = f.Write(daytimeText(time.Now()))
	case "time":
		_ = f.SetWriteDeadline(step())
		_, _ = f.Write(timeBytes(time.Now()))
	case "chargen":
		for {
			_ = f.SetWriteDeadline(step())
			if _, err := f.Write(chargenCycle); err != nil {
				return
			}
		}
	case "echo", "discard":
		buf := make([]byte, 4096)
		for {
			_ = f.SetReadDeadline(step())
			n, err := f.Read(buf)
			if n > 0 && name == "echo" {
				_ = f.SetWriteDeadline(step())
				if _, werr := f.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
}

// dgramLoopRisk reports whether a datagram from port must not be answered,
// because the reply could start an endless exchange with another service
// (inetd's rule): port 0 (not a real sender), the privileged ports below
// 1024, among them the internal services' own 7, 9, 13, 19 and 37 (as
// OpenBSD's inetd does), NFS's 2049, and the port of any internal UDP
// service this listener serves.
func dgramLoopRisk(port int, own []int) bool {
	if port < 1024 || port == 2049 {
		return true
	}
	for _, p := range own {
		if p == port {
			return true
		}
	}
	return false
}
