package listen

import (
	"errors"
	"io"
	"time"

	"github.com/linux-saf/saf/saf/doconfig"
	"github.com/linux-saf/saf/saf/nlps"
	"github.com/linux-saf/saf/saf/passfd"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/saflog"
	"golang.org/x/sys/unix"
)

// The NLPS server (listen.md 6), run by the launcher in place of
// /usr/lib/saf/nlps_server (linux.md D16). It has the connection on fd 0
// and behaves as the original program: it reads the request one byte at a
// time (never past its NUL), looks the service code up in a fresh read of
// _pmtab (every entry, with or without an address, disabled ones
// included), answers a version 2 request, and becomes the service or
// passes the connection on. Its exit statuses are the original's: 0 after
// a bad request, 2 after a refusal or a failure, 54 when the request did
// not come in time.
//
// Decisions where the spec is silent: entry 0's own script, modules and
// identity are not applied (the original nlps_server ran as root and
// switched to the requested service's identity; doing entry 0's switch
// first would make that impossible); a request for a service whose
// program is the NLPS server again is answered and then served like a new
// connection, as exec'ing nlps_server again would.

// errTimeout is the expiry of the NLPS request timer.
var errTimeout = errors.New("NLPS request timed out")

// fdReader reads a descriptor in blocking mode, each read waiting at most
// until deadline. It reads no more than asked, so nlps.ReadRequest reads
// nothing past the request.
type fdReader struct {
	fd       int
	deadline time.Time
}

func (r *fdReader) Read(p []byte) (int, error) {
	for {
		left := time.Until(r.deadline)
		if left <= 0 {
			return 0, errTimeout
		}
		ms := int((left + time.Millisecond - 1) / time.Millisecond)
		fds := []unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, ms)
		if errors.Is(err, unix.EINTR) || (err == nil && n == 0) {
			continue
		}
		if err != nil {
			return 0, err
		}
		n, err = unix.Read(r.fd, p)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 && len(p) > 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

// writeAll writes b to fd.
func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// serveNLPS serves one NLPS request on fd 0 and becomes the service. It
// returns only when it does not, with the exit status.
func serveNLPS(root paths.Root, tag string, logf saflog.Logf) int {
	const conn = 0
	for {
		// Step 1 of listen.md 6.3: the timer covers the whole request.
		req, err := nlps.ReadRequest(&fdReader{fd: conn, deadline: time.Now().Add(nlpsTimeout)})
		if err != nil {
			switch {
			case errors.Is(err, errTimeout):
				logf("Timed out trying to rcv message to start a service")
				return exitNLPSTimer
			case errors.Is(err, nlps.ErrTooLong):
				logf("NLPS: recieve buffer not large enough") // sic (listen.md 10)
			case errors.Is(err, nlps.ErrNotNLPS), errors.Is(err, nlps.ErrSMB):
				// MS-NET requests (listen.md 6.7) are not implemented:
				// treated as unknown, as the spec allows.
				logf("NLPS: Unknown service request (ignored)")
			default:
				if errors.Is(err, io.ErrUnexpectedEOF) {
					err = io.EOF
				}
				logf("Error trying to rcv message to start a service: %s", strerror(err))
			}
			logf("NLPS: No/bad service request received")
			return exitOK
		}
		m, err := nlps.ParseRequest(req)
		if err != nil {
			if errors.Is(err, nlps.ErrBadVersion) {
				logf("NLPS: Unknown version of an NLPS service request: %d:%d", m.Low, m.High)
				logf("ATT service: unknown version")
			} else {
				logf("ATT service: bad message format")
			}
			// Slows down clients probing the port (listen.md 6.4).
			time.Sleep(badRequestDelay)
			return exitOK
		}
		answer := func(code int, text string) {
			logf("%s", text)
			if m.Low != nlps.Version2 {
				return
			}
			b, err := nlps.Answer{Version: m.Low, Code: code, Text: text}.Truncate().AppendMarshal(nil)
			if err == nil {
				// Ignored: a client that went away learns nothing
				// either way, and the service start fails on its own.
				_ = writeAll(conn, b)
			}
		}
		s := lookupService(root, tag, m.Service, logf)
		switch {
		case s == nil:
			answer(nlps.CodeUnknown, nlps.UnknownText(m.Service))
			return exitChild
		case s.disabled():
			answer(nlps.CodeDisabled, nlps.DisabledText(m.Service))
			return exitChild
		case s.Listen.Flags&pmtab.LFlagOptions != 0:
			// Options (issue 6) are applied on the entry's own
			// address only: its limits and access lists live in the
			// listener, and must not be bypassed by asking for the
			// service here. Refused as if disabled.
			logf("NLPS: service %s has options and is served on its own address only", s.Code)
			answer(nlps.CodeDisabled, nlps.DisabledText(m.Service))
			return exitChild
		case s.Listen.Flags&pmtab.LFlagCommand != 0:
			// The success answer goes before the start (listen.md 6.5
			// [ORIG; keep]).
			answer(nlps.CodeStart, nlps.ExecText(s.Code, argv0(s.Command)))
			if isNLPSServer(s.Command) {
				continue
			}
			return execService(root, tag, s, logf, nlpsTexts)
		default:
			// Neither c nor p is passed on here but exec'd by the
			// listener (listen.md 6.5 [QUIRK: keep]).
			answer(nlps.CodeStart, nlps.PassfdText(s.Code, s.Command))
			return nlpsPassFD(root, tag, s, logf)
		}
	}
}

// lookupService reads _pmtab afresh and returns the entry for code, or
// nil.
func lookupService(root paths.Root, tag, code string, logf saflog.Logf) *service {
	svcs, _, err := readTable(root.PMTab(tag))
	if err != nil {
		logf("NLPS: Unable to open database file")
		return nil
	}
	for _, s := range svcs {
		if s.Code == code {
			return s
		}
	}
	return nil
}

// argv0 is the program a command runs, for the answer text.
func argv0(command string) string {
	if argv, err := pmtab.SplitCommand(command); err == nil {
		return argv[0]
	}
	return command
}

// nlpsPassFD passes fd 0 to a standing server (listen.md 6.6 "Pass-fd").
// Unlike the listener's pass-fd path, run and runwait are allowed in the
// script: this process is about to exit anyway.
func nlpsPassFD(root paths.Root, tag string, s *service, logf saflog.Logf) int {
	sock := doconfig.NewProcess(0, doconfig.Socket)
	if len(s.Modules) > 0 {
		if err := sock.Push(s.Modules); err != nil {
			logf("NLPS: Can't push server's modules: exit")
			return exitChild
		}
	}
	script := root.ServiceScript(tag, s.Code)
	if line, _ := doconfig.Run(script, sock, doconfig.NoAssign); line != 0 {
		logf("doconfig failed on line %d of script %s", line, script)
		return exitChild
	}
	if err := passfd.Send(s.Command, 0, passfdTimeout); err != nil {
		var pe *passfd.Error
		if errors.As(err, &pe) && pe.Op == passfd.OpConnect {
			logf("NLPS open failed: %s", s.Command)
		} else {
			logf("NLPS passfd failed: %s", s.Command)
		}
		return exitChild
	}
	return exitOK
}
