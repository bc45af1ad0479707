package listen

import (
	"container/list"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/doconfig"
	"github.com/linux-saf/saf/saf/nlps"
	"github.com/linux-saf/saf/saf/passfd"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/saflog"
	"golang.org/x/sys/unix"
)

// The NLPS server, which the listener runs itself in place
// of /usr/lib/saf/nlps_server, with the observable
// behaviour of the original program: it reads the request (never past
// its NUL, so the service gets every byte after it), looks the service
// code up in a fresh read of _pmtab (every entry, with or without an
// address, disabled ones included), answers a version 2 request, and
// starts the service or passes the connection on, with the original's
// log lines.
//
// The request is read here, in the listener, not in a process of its
// own: a connection that has not named its service yet costs a
// descriptor and a goroutine, not a process. The original forked a
// server for every connection and let it wait 45 seconds for the
// request, so a client that opens connections and sends nothing held a
// process each; two thousand of them made over a thousand processes and
// more than a gigabyte of memory. Requests not yet complete are bounded
// too: an endpoint holds at most nlpsMaxPending of them (or the entry's
// max=, when that is larger), and when another connection comes the
// oldest is dropped (closed), so a client holding many idle connections
// loses its own, and a new client still gets in. An NLPS entry with
// options (max, rate, allow ...) applies them to these connections as to
// any entry's; for it an instance is a request being read.
//
// Once the service is known, a launcher is started for it (launch.go),
// which becomes the service with the NLPS server's messages
// (nlpsTexts), or passes the connection to a standing server; the
// listener's pass-fd path forbids run in the service's script, the NLPS
// server's never did.
//
// Decisions the original does not dictate
// (docs/linux.md#nlps-server-in-the-listener): entry 0's own script,
// modules and identity are not applied (the original nlps_server ran as
// root and switched to the requested service's identity; doing entry 0's
// switch first would make that impossible); a request for a service whose
// program is the NLPS server again is answered and the next request read,
// as exec'ing nlps_server again would.

// nlpsMaxPending is how many connections an NLPS endpoint holds while
// their requests are read; a test seam (hooks.go sets the others).
var nlpsMaxPending = 256

// pendingSet is an endpoint's connections whose request is being read,
// oldest first.
type pendingSet struct {
	list list.List // of *pendingConn
}

// pendingConn is one connection whose request is being read.
type pendingConn struct {
	f       *os.File
	elem    *list.Element // nil once it left the set; under ext.mu
	dropped atomic.Bool   // closed by serveNLPSConn
}

// serveNLPSConn serves the NLPS request on connection nfd to the entry s
// of ep in a goroutine of its own, which calls release (if not nil) when
// the request phase is over.
func (l *listener) serveNLPSConn(ep *endpoint, s *service, nfd int, peer unix.Sockaddr, release func()) {
	if err := unix.SetNonblock(nfd, true); err != nil {
		l.logf(msgRcvError, errno.Text(err))
		closeRaw(nfd)
		if release != nil {
			release()
		}
		return
	}
	// Non-blocking, so Go's poller waits for the request, not a thread.
	pc := &pendingConn{f: os.NewFile(uintptr(nfd), "nlps")}
	limit := max(nlpsMaxPending, s.Options.MaxInstances)
	x := ep.ext
	x.mu.Lock()
	for x.pending.list.Len() >= limit {
		old := x.pending.list.Remove(x.pending.list.Front()).(*pendingConn)
		old.elem = nil
		old.dropped.Store(true)
		// Ignored: closing wakes its reader, which gives up.
		_ = old.f.Close()
		l.refuse(ep, s.Code, refPending, func() string {
			return fmt.Sprintf(msgNLPSDropped, limit, ep.fd)
		})
	}
	pc.elem = x.pending.list.PushBack(pc)
	x.mu.Unlock()
	go func() {
		if release != nil {
			defer release()
		}
		l.nlpsRequests(ep, pc, peer)
	}()
}

// leave takes pc out of ep's pending set. It returns false when pc was
// dropped meanwhile (its descriptor is closed).
func (ep *endpoint) leave(pc *pendingConn) bool {
	ep.ext.mu.Lock()
	defer ep.ext.mu.Unlock()
	if pc.dropped.Load() {
		return false
	}
	if pc.elem != nil {
		ep.ext.pending.list.Remove(pc.elem)
		pc.elem = nil
	}
	return true
}

// nlpsRequests reads requests on pc until one names a service that is
// started or refused.
func (l *listener) nlpsRequests(ep *endpoint, pc *pendingConn, peer unix.Sockaddr) {
	f := pc.f
	for {
		// The timer covers the whole request, as in the original. Ignored:
		// a file of Go's poller always takes deadlines.
		_ = f.SetDeadline(time.Now().Add(nlpsTimeout))
		req, err := nlps.ReadRequest(f)
		if pc.dropped.Load() {
			return // closed by serveNLPSConn; logged there
		}
		if err != nil {
			l.nlpsBadRead(err)
			l.nlpsClose(ep, pc, 0)
			return
		}
		m, err := nlps.ParseRequest(req)
		if err != nil {
			if errors.Is(err, nlps.ErrBadVersion) {
				l.logf(msgNLPSVersion, m.Low, m.High)
				l.logf(msgATTVersion)
			} else {
				l.logf(msgATTFormat)
			}
			// Slows down clients probing the port.
			l.nlpsClose(ep, pc, badRequestDelay)
			return
		}
		answer := func(code int, text string) {
			l.logf("%s", text)
			if m.Low != nlps.Version2 {
				return
			}
			b, err := nlps.Answer{Version: m.Low, Code: code, Text: text}.Truncate().AppendMarshal(nil)
			if err == nil {
				// Ignored: a client that went away learns nothing
				// either way, and the service start fails on its own.
				_, _ = f.Write(b)
			}
		}
		s := lookupService(l.root, l.tag, m.Service, l.logf)
		switch {
		case s == nil:
			answer(nlps.CodeUnknown, nlps.UnknownText(m.Service))
		case s.disabled():
			answer(nlps.CodeDisabled, nlps.DisabledText(m.Service))
		case s.Listen.Flags&pmtab.LFlagOptions != 0:
			// Options are applied on the entry's own address only: its
			// limits and access lists must not be bypassed by asking
			// for the service here. Refused as if disabled.
			l.logf(msgNLPSOptions, s.Code)
			answer(nlps.CodeDisabled, nlps.DisabledText(m.Service))
		case s.Listen.Flags&pmtab.LFlagCommand != 0:
			// The success answer goes before the start, as in the original
			// (docs/original.md#nlps-answers).
			answer(nlps.CodeStart, nlps.ExecText(s.Code, argv0(s.Command)))
			if isNLPSServer(s.Command) {
				continue
			}
			l.nlpsStart(ep, pc, s, peer, false)
			return
		default:
			// Neither c nor p is passed on here but exec'd by the
			// listener: the original's quirk, kept
			// (docs/original.md#nlps-answers).
			answer(nlps.CodeStart, nlps.PassfdText(s.Code, s.Command))
			l.nlpsStart(ep, pc, s, peer, true)
			return
		}
		l.nlpsClose(ep, pc, 0)
		return
	}
}

// nlpsBadRead logs why no request could be read.
func (l *listener) nlpsBadRead(err error) {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		l.logf(msgRcvTimeout)
		return
	case errors.Is(err, nlps.ErrTooLong):
		l.logf(msgNLPSTooLong) // sic
	case errors.Is(err, nlps.ErrNotNLPS), errors.Is(err, nlps.ErrSMB):
		// MS-NET requests are not implemented: treated as unknown
		// (docs/original.md#nlps-smb-requests).
		l.logf(msgNLPSUnknownReq)
	default:
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF
		}
		l.logf(msgRcvError, errno.Text(err))
	}
	l.logf(msgNLPSNoRequest)
}

// nlpsClose closes pc's connection after delay, during which it stays in
// the pending set (and may be dropped from it).
func (l *listener) nlpsClose(ep *endpoint, pc *pendingConn, delay time.Duration) {
	if delay > 0 {
		// Reading nothing more: a client that writes on is not read.
		_ = pc.f.SetDeadline(time.Now().Add(delay))
		var b [256]byte
		for {
			if _, err := pc.f.Read(b[:]); err != nil {
				break
			}
		}
	}
	if ep.leave(pc) {
		// Ignored: nothing was written that a close could lose.
		_ = pc.f.Close()
	}
}

// nlpsStart starts s for pc's connection, which it takes out of the
// pending set and closes in the listener.
func (l *listener) nlpsStart(ep *endpoint, pc *pendingConn, s *service, peer unix.Sockaddr, passFD bool) {
	if !ep.leave(pc) {
		return
	}
	// The connection leaves Go's poller: a copy of the descriptor, in
	// blocking mode again, goes to the launcher.
	rc, err := pc.f.SyscallConn()
	nfd := -1
	if err == nil {
		cerr := rc.Control(func(fd uintptr) { nfd, err = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) })
		if err == nil {
			err = cerr
		}
	}
	// Ignored: the copy, if any, keeps the connection.
	_ = pc.f.Close()
	if err == nil {
		err = unix.SetNonblock(nfd, false)
	}
	if err != nil {
		l.logf(msgForkError)
		l.logf(msgReason, errno.Text(err))
		if nfd >= 0 {
			closeRaw(nfd)
		}
		return
	}
	su := l.newSetup(s, nfd, peer) // setup.go
	su.byNLPS, su.passFD = true, passFD
	l.startLauncher(&su)
}

// lookupService reads _pmtab afresh and returns the entry for code, or
// nil.
func lookupService(root paths.Root, tag, code string, logf saflog.Logf) *service {
	svcs, _, err := readTable(root.PMTab(tag))
	if err != nil {
		logf(msgNLPSNoDB)
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

// nlpsPassFD passes fd 0 to a standing server,
// in a launcher. Unlike the listener's pass-fd path, run and runwait are
// allowed in the script: this process is about to exit anyway.
func nlpsPassFD(root paths.Root, tag string, s *service, logf saflog.Logf) int {
	sock := doconfig.NewProcess(0, doconfig.Socket)
	if len(s.Modules) > 0 {
		if err := sock.Push(s.Modules); err != nil {
			logf(msgNLPSPushExit)
			return exitChild
		}
	}
	script := root.ServiceScript(tag, s.Code)
	if line, _ := doconfig.Run(script, sock, doconfig.NoAssign); line != 0 {
		logf(msgDoconfig, line, script)
		return exitChild
	}
	if err := passfd.Send(s.Command, 0, passfdTimeout); err != nil {
		var pe *passfd.Error
		if errors.As(err, &pe) && pe.Op == passfd.OpConnect {
			logf(msgNLPSOpenFailed, s.Command)
		} else {
			logf(msgNLPSPassfd, s.Command)
		}
		return exitChild
	}
	return exitOK
}
