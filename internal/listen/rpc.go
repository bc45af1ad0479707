package listen

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/linux-saf/saf/saf/nlsaddr"
)

// RPC registration (docs/original.md#rpc-services,
// docs/linux.md#rpc-registration).
//
// An entry with rpc info "prognum,versnum" is registered with the local
// rpcbind once it is bound: first RPCBPROC_UNSET for (prognum, versnum,
// netid), then RPCBPROC_SET with the address actually bound, both with
// rpcbind protocol version 3 (RFC 1833) over rpcbind's local socket
// (/run/rpcbind.sock, where rpcbind trusts the caller's credentials), or
// over TCP to 127.0.0.1:111 when that socket does not exist. The netid is
// tcp, tcp6 or local; the universal address "h1.h2.h3.h4.p1.p2" (IPv4),
// "v6addr.p1.p2" (IPv6) or the socket path. When the entry is unbound its
// registration is unset. When no rpcbind answers, the listener logs
// "rpcb_set failed, service not registered with rpcbind" and serves the
// address anyway.

// rpcbind's program and procedures (RFC 1833).
const (
	rpcbProg    = 100000
	rpcbVers    = 3
	rpcbProcSet = 1
	rpcbProcUns = 2
	rpcVersion  = 2 // ONC RPC (RFC 5531)
	rpcCall     = 0
	rpcReply    = 1
	rpcTimeout  = 2 * time.Second
)

// rpcbindAddrs are where rpcbind is asked, in order (a seam for tests).
var rpcbindAddrs = []struct{ network, addr string }{
	{"unix", "/run/rpcbind.sock"},
	{"tcp", "127.0.0.1:111"},
}

var rpcXID atomic.Uint32

func init() { rpcXID.Store(uint32(time.Now().UnixNano())) }

// rpcSet registers ep's address for s's rpc info, if it has any.
func (l *listener) rpcSet(ep *endpoint, s *service) {
	if s.RPC == nil {
		return
	}
	// Unset first, as the original does: a stale registration of a dead
	// listener must not survive.
	netid, uaddr, err := rpcbUnset(ep, s)
	if err == nil {
		var ok bool
		if ok, err = rpcbCall(rpcbProcSet, s.RPC.Prog, s.RPC.Vers, netid, uaddr); err == nil && !ok {
			err = errors.New(msgRPCRefused)
		}
	}
	if err != nil {
		l.logf(msgRPCSetFailed)
		l.logf(msgRPCReason, err)
		return
	}
	l.logf(msgRPCRegistered, s.RPC.Prog, s.RPC.Vers)
}

// rpcUnset removes the registration rpcSet made for ep and s.
func (l *listener) rpcUnset(ep *endpoint, s *service) {
	if s.RPC == nil {
		return
	}
	if _, _, err := rpcbUnset(ep, s); err != nil {
		l.logf(msgRPCUnset, s.RPC.Prog, s.RPC.Vers, err)
	}
}

// rpcbUnset unsets s's registration for the netid of ep's address, and
// returns that netid and the address in RPC's universal form.
func rpcbUnset(ep *endpoint, s *service) (netid, uaddr string, err error) {
	netid, uaddr, err = universalAddr(ep.local)
	if err == nil {
		_, err = rpcbCall(rpcbProcUns, s.RPC.Prog, s.RPC.Vers, netid, "")
	}
	return netid, uaddr, err
}

// universalAddr returns the netid and RPC universal address of a bound
// address in the listener's sockaddr layout (see sockaddrBytes).
func universalAddr(b []byte) (netid, uaddr string, err error) {
	if len(b) >= 2 && b[0] == 0 && (b[1] == 2 || b[1] == 10) {
		ap, err := nlsaddr.ParseSockaddr(b)
		if err != nil {
			return "", "", err
		}
		port := ap.Port()
		tail := "." + strconv.Itoa(int(port>>8)) + "." + strconv.Itoa(int(port&0xff))
		ip := ap.Addr()
		if ip.Is4() {
			return "tcp", ip.String() + tail, nil
		}
		return "tcp6", ip.WithZone("").String() + tail, nil
	}
	if len(b) == 0 {
		return "", "", errors.New(msgRPCNoAddress)
	}
	return "local", string(b), nil
}

// rpcbCall makes one rpcbind version 3 SET or UNSET call and returns its
// boolean result.
func rpcbCall(proc, prog, vers uint32, netid, uaddr string) (bool, error) {
	owner := strconv.Itoa(os.Geteuid())
	args := xdrUint(nil, prog)
	args = xdrUint(args, vers)
	args = xdrString(args, netid)
	args = xdrString(args, uaddr)
	args = xdrString(args, owner)
	var lastErr error
	for _, a := range rpcbindAddrs {
		c, err := net.DialTimeout(a.network, a.addr, rpcTimeout)
		if err != nil {
			lastErr = err
			continue
		}
		res, err := rpcRoundTrip(c, proc, args)
		c.Close()
		if err != nil {
			return false, err
		}
		if len(res) < 4 {
			return false, errors.New(msgRPCShort)
		}
		return binary.BigEndian.Uint32(res) != 0, nil
	}
	return false, fmt.Errorf(msgRPCNotRunning, lastErr)
}

// rpcRoundTrip sends one call with record marking (RFC 5531 11) on a
// stream connection and returns the results of the accepted reply.
func rpcRoundTrip(c net.Conn, proc uint32, args []byte) ([]byte, error) {
	if err := c.SetDeadline(time.Now().Add(rpcTimeout)); err != nil {
		return nil, err
	}
	xid := rpcXID.Add(1)
	msg := xdrUint(nil, xid)
	for _, v := range []uint32{rpcCall, rpcVersion, rpcbProg, rpcbVers, proc, 0, 0, 0, 0} {
		msg = xdrUint(msg, v) // ..., cred AUTH_NONE, verf AUTH_NONE
	}
	msg = append(msg, args...)
	rec := xdrUint(nil, 1<<31|uint32(len(msg)))
	if _, err := c.Write(append(rec, msg...)); err != nil {
		return nil, err
	}
	var reply []byte
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return nil, err
		}
		h := binary.BigEndian.Uint32(hdr[:])
		n := h &^ (1 << 31)
		if n > 1<<16 || len(reply)+int(n) > 1<<16 {
			return nil, errors.New(msgRPCTooLong)
		}
		frag := make([]byte, n)
		if _, err := io.ReadFull(c, frag); err != nil {
			return nil, err
		}
		reply = append(reply, frag...)
		if h&(1<<31) != 0 {
			break
		}
	}
	return parseReply(reply, xid)
}

// parseReply checks an RPC reply to xid and returns its results.
func parseReply(b []byte, xid uint32) ([]byte, error) {
	u := func() (uint32, bool) {
		if len(b) < 4 {
			return 0, false
		}
		v := binary.BigEndian.Uint32(b)
		b = b[4:]
		return v, true
	}
	bad := errors.New(msgRPCMalformed)
	if x, ok := u(); !ok || x != xid {
		return nil, bad
	}
	if t, ok := u(); !ok || t != rpcReply {
		return nil, bad
	}
	stat, ok := u()
	if !ok {
		return nil, bad
	}
	if stat != 0 {
		return nil, errors.New(msgRPCDenied)
	}
	if _, ok := u(); !ok { // verifier flavor
		return nil, bad
	}
	n, ok := u()
	if !ok || int((n+3)&^3) > len(b) {
		return nil, bad
	}
	b = b[(n+3)&^3:]
	acc, ok := u()
	if !ok {
		return nil, bad
	}
	if acc != 0 {
		return nil, fmt.Errorf(msgRPCNotAccept, acc)
	}
	return b, nil
}

func xdrUint(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

func xdrString(b []byte, s string) []byte {
	b = xdrUint(b, uint32(len(s)))
	b = append(b, s...)
	for len(s)%4 != 0 {
		b = append(b, 0)
		s += "\x00"
	}
	return b
}
