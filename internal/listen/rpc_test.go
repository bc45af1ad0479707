package listen

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeRpcbind answers rpcbind version 3 SET and UNSET calls on a unix
// socket and records them as "SET prog vers netid uaddr owner".
type fakeRpcbind struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeRpcbind) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeRpcbind) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeRpcbind) serve(t *testing.T, c net.Conn) {
	defer c.Close()
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		msg := make([]byte, binary.BigEndian.Uint32(hdr[:])&^(1<<31))
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		u := func() uint32 { v := binary.BigEndian.Uint32(msg); msg = msg[4:]; return v }
		str := func() string {
			n := int(u())
			s := string(msg[:n])
			msg = msg[(n+3)&^3:]
			return s
		}
		xid := u()
		if typ, rv, prog, vers := u(), u(), u(), u(); typ != 0 || rv != 2 || prog != rpcbProg || vers != rpcbVers {
			t.Errorf("fake rpcbind: call %d %d %d %d", typ, rv, prog, vers)
			return
		}
		proc := u()
		u()
		msg = msg[(u()+3)&^3:] // credentials
		u()
		msg = msg[(u()+3)&^3:] // verifier
		name := map[uint32]string{rpcbProcSet: "SET", rpcbProcUns: "UNSET"}[proc]
		f.record(fmt.Sprintf("%s %d %d %s %s %s", name, u(), u(), str(), str(), str()))
		reply := binary.BigEndian.AppendUint32(nil, xid)
		for _, v := range []uint32{rpcReply, 0, 0, 0, 0, 1} { // accepted, null verifier, success, true
			reply = binary.BigEndian.AppendUint32(reply, v)
		}
		c.Write(append(binary.BigEndian.AppendUint32(nil, 1<<31|uint32(len(reply))), reply...))
	}
}

func TestRPCRegistration(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "rpcbind.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f := &fakeRpcbind{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(t, c)
		}
	}()
	old := rpcbindAddrs
	rpcbindAddrs = []struct{ network, addr string }{{"unix", sock}}
	t.Cleanup(func() { rpcbindAddrs = old })

	id := me(t)
	p := freePort(t, "tcp4", "127.0.0.1")
	line := fmt.Sprintf("rusers::%s:reserved:reserved:reserved:%s:100002,3:c::/bin/cat#\n", id, hexAddr(t, "127.0.0.1", p))
	r := startListener(t, line, options{})
	r.waitLog(`Service rusers: fd \d+ addr .*\n.*  registered with rpcbind, prognum 100002 version 3\n`)
	uid := fmt.Sprint(geteuid())
	uaddr := fmt.Sprintf("127.0.0.1.%d.%d", p>>8, p&0xff)
	want := []string{"UNSET 100002 3 tcp  " + uid, "SET 100002 3 tcp " + uaddr + " " + uid}
	if got := f.seen(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rpcbind saw %q, want %q", got, want)
	}
	// Removed: unregistered.
	writeTable(t, r.root, "tcp", "")
	rereadDone(t, r, 1)
	if got := f.seen(); len(got) != 3 || got[2] != want[0] {
		t.Errorf("after removal rpcbind saw %q", got)
	}

	// No rpcbind at all: logged, and the service is served anyway.
	ln.Close() // removes the socket file
	writeTable(t, r.root, "tcp", line)
	rereadDone(t, r, 2)
	r.waitLog(`rpcb_set failed, service not registered with rpcbind\n`)
	echo(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p)), "served anyway")
}

func TestUniversalAddr(t *testing.T) {
	for _, tt := range []struct {
		host         string
		port         int
		netid, uaddr string
	}{
		{"127.0.0.1", 2049, "tcp", "127.0.0.1.8.1"},
		{"0.0.0.0", 111, "tcp", "0.0.0.0.0.111"},
		{"::1", 515, "tcp6", "::1.2.3"},
	} {
		b, _ := hexBytes(t, tt.host, tt.port)
		netid, uaddr, err := universalAddr(b)
		if err != nil || netid != tt.netid || uaddr != tt.uaddr {
			t.Errorf("%s:%d: %s %s %v", tt.host, tt.port, netid, uaddr, err)
		}
	}
	if netid, uaddr, _ := universalAddr([]byte("/run/x.sock")); netid != "local" || uaddr != "/run/x.sock" {
		t.Errorf("unix: %s %s", netid, uaddr)
	}
}
