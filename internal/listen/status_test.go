package listen

import (
	"os/exec"
	"testing"

	"github.com/linux-saf/saf/saf/pmstatus"
	"golang.org/x/sys/unix"
)

func TestPeerString(t *testing.T) {
	for _, tt := range []struct {
		sa   unix.Sockaddr
		want string
	}{
		{&unix.SockaddrInet4{Port: 40000, Addr: [4]byte{127, 0, 0, 1}}, "127.0.0.1:40000"},
		{&unix.SockaddrInet6{Port: 80, Addr: [16]byte{15: 1}}, "[::1]:80"},
		{&unix.SockaddrInet6{Port: 80, Addr: [16]byte{0: 0xfe, 1: 0x80, 15: 1}, ZoneId: 2}, "[fe80::1%2]:80"},
		{&unix.SockaddrUnix{Name: "/run/x"}, "/run/x"},
		{&unix.SockaddrUnix{}, "unix"},
		{nil, ""},
	} {
		if got := peerString(tt.sa); got != tt.want {
			t.Errorf("peerString(%#v) = %q, want %q", tt.sa, got, tt.want)
		}
	}
}

func TestEntryKey(t *testing.T) {
	for in, want := range map[string]string{
		"  a::root:r:r:r:::c::/bin/cat  #comment": "a::root:r:r:r:::c::/bin/cat",
		"a:x:root:r:r:r:::c::/bin/echo \t":        "a:x:root:r:r:r:::c::/bin/echo",
		"# only a comment":                        "",
	} {
		if got := entryKey(in); got != want {
			t.Errorf("entryKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// The listener's sessions as the status socket shows them: by service, with
// the caller; a service gone from the table keeps its sessions under state
// "removed"; an entry for a pid that is no child of ours (reaped before it
// was recorded) is dropped; a reaped one is gone.
func TestStatusSessions(t *testing.T) {
	l := &listener{tag: "tcp"}
	ss := &statusState{}
	ss.table.Store(&publishedTable{services: []pmstatus.Service{{Tag: "a", State: "listening"}, {Tag: "b", State: "disabled"}}})
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	other := exec.Command("sleep", "30")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer other.Process.Kill()
	pid, pid2 := child.Process.Pid, other.Process.Pid
	l.sessionStarted("a", pid, &unix.SockaddrInet4{Port: 4000, Addr: [4]byte{10, 0, 0, 1}})
	l.sessionStarted("gone", pid2, &unix.SockaddrUnix{Name: "/s"})
	l.sessionStarted("a", 1, nil) // init: no child of ours
	(&listener{}).sessionStarted("a", 2, nil)
	defer func() {
		for _, p := range []int{pid, pid2, 1, 2} {
			sessionEnded(p)
		}
	}()

	st := l.snapshot(ss)
	if st.Tag != "tcp" || st.Type != "listen" || st.State != "disabled" {
		t.Errorf("status header %+v", st)
	}
	a, b, gone := st.Find("a"), st.Find("b"), st.Find("gone")
	if a == nil || len(a.Sessions) != 1 || a.Sessions[0].PID != pid || a.Sessions[0].Peer != "10.0.0.1:4000" || a.Sessions[0].Since.IsZero() {
		t.Errorf("service a: %+v", a)
	}
	if b == nil || len(b.Sessions) != 0 {
		t.Errorf("service b: %+v", b)
	}
	if gone == nil || gone.State != "removed" || len(gone.Sessions) != 1 || gone.Sessions[0].Peer != "/s" {
		t.Errorf("service gone: %+v", gone)
	}
	sessMu.Lock()
	_, stale := sessions[1]
	_, foreign := sessions[2]
	sessMu.Unlock()
	if stale {
		t.Error("the entry of a pid that is no child of ours was kept")
	}
	if !foreign {
		t.Error("another listener's session was touched")
	}
	// The published table is not changed by a snapshot.
	if ss.table.Load().services[0].Sessions != nil {
		t.Error("snapshot wrote into the published table")
	}

	child.Process.Kill()
	child.Wait()
	sessionEnded(pid)
	if a := l.snapshot(ss).Find("a"); len(a.Sessions) != 0 {
		t.Errorf("a reaped session is still shown: %+v", a)
	}
}
