package listen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
	"golang.org/x/sys/unix"
)

// The service options (our extension). The whole listener is tested with
// them in e2e/listen_ext_test.go; these pin the parts.

// replace sets *p to v for the test.
func replace[T any](t *testing.T, p *T, v T) {
	old := *p
	*p = v
	t.Cleanup(func() { *p = old })
}

func TestChargenPattern(t *testing.T) {
	if len(chargenCycle) != 95*74 {
		t.Fatalf("cycle of %d bytes", len(chargenCycle))
	}
	lines := strings.Split(strings.TrimSuffix(string(chargenCycle), "\r\n"), "\r\n")
	if len(lines) != 95 {
		t.Fatalf("%d lines", len(lines))
	}
	// RFC 864's sample starts so.
	if want := ` !"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_` + "`" + `abcdefg`; lines[0] != want {
		t.Errorf("line 0 %q, want %q", lines[0], want)
	}
	if !strings.HasPrefix(lines[1], `!"#$`) || !strings.HasPrefix(lines[94], "~ !\"") {
		t.Errorf("lines 1 and 94: %q %q", lines[1], lines[94])
	}
	for i, l := range lines {
		if len(l) != 72 {
			t.Errorf("line %d has %d characters", i, len(l))
		}
	}
	d := chargenDatagram(94, 200)
	if len(d) != 200 || !bytes.HasPrefix(d, []byte(lines[94]+"\r\n"+lines[0])) {
		t.Errorf("datagram from line 94: %q", d)
	}
	if len(chargenDatagram(3, 0)) != 0 {
		t.Error("a 0-byte datagram is not empty")
	}
	for i := 0; i < 50; i++ {
		if r := internalReply("chargen", nil, time.Now(), i); len(r) > 512 {
			t.Errorf("chargen datagram of %d bytes", len(r))
		}
	}
}

func TestDaytimeAndTime(t *testing.T) {
	at := time.Date(2026, 11, 21, 8, 0, 0, 0, time.Local)
	if got := string(daytimeText(at)); got != "Sat Nov 21 08:00:00 2026\r\n" {
		t.Errorf("daytime %q", got)
	}
	if got := string(daytimeText(at.AddDate(0, 0, -20))); got != "Sun Nov  1 08:00:00 2026\r\n" {
		t.Errorf("daytime %q", got)
	}
	if got := timeBytes(time.Unix(0, 0)); binary.BigEndian.Uint32(got) != 2208988800 {
		t.Errorf("time of the epoch %x", got)
	}
	// RFC 868's examples.
	for _, tc := range []struct {
		at   time.Time
		want uint32
	}{
		{time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 2524521600},
		{time.Date(1976, 1, 1, 0, 0, 0, 0, time.UTC), 2398291200},
		{time.Date(1983, 5, 1, 0, 0, 0, 0, time.UTC), 2629584000},
		{time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC), 0}, // the wrap
	} {
		if got := binary.BigEndian.Uint32(timeBytes(tc.at)); got != tc.want {
			t.Errorf("time of %v = %d, want %d", tc.at, got, tc.want)
		}
	}
	if r := internalReply("echo", []byte("x"), at, 0); string(r) != "x" {
		t.Errorf("echo %q", r)
	}
	if r := internalReply("discard", []byte("x"), at, 0); r != nil {
		t.Errorf("discard %q", r)
	}
}

func TestDgramLoopRisk(t *testing.T) {
	for _, tc := range []struct {
		port int
		want bool
	}{
		{0, true}, {7, true}, {19, true}, {1023, true}, {2049, true}, {5000, true},
		{1024, false}, {40000, false},
	} {
		if got := dgramLoopRisk(tc.port, []int{5000}); got != tc.want {
			t.Errorf("port %d: %v", tc.port, got)
		}
	}
}

// socketPair returns a connected stream pair, both close-on-exec.
func socketPair(t *testing.T) (int, *os.File) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fds[1]), "peer")
	t.Cleanup(func() { f.Close() })
	return fds[0], f
}

// An internal session never outlives its bounds: chargen to a client
// that does not read, echo to one that sends nothing, any session past
// its total.
func TestInternalSessionBounds(t *testing.T) {
	replace(t, &internalIdle, 200*time.Millisecond)
	for _, tc := range []struct {
		name  string
		total time.Duration
	}{
		{"chargen", time.Hour},
		{"echo", time.Hour},
		{"discard", 300 * time.Millisecond},
	} {
		nfd, peer := socketPair(t)
		done := make(chan struct{})
		start := time.Now()
		go func() { serveInternal(tc.name, nfd, tc.total); close(done) }()
		if tc.name == "discard" {
			// Busy, but not for longer than the total.
			go func() {
				for i := 0; i < 20; i++ {
					peer.Write([]byte("x"))
					time.Sleep(50 * time.Millisecond)
				}
			}()
		}
		select {
		case <-done:
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s ended after %v", tc.name, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s session did not end", tc.name)
		}
	}
	// echo answers, and ends when the client closes.
	nfd, peer := socketPair(t)
	done := make(chan struct{})
	go func() { serveInternal("echo", nfd, time.Hour); close(done) }()
	peer.Write([]byte("hello"))
	b := make([]byte, 5)
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := peer.Read(b); err != nil || string(b) != "hello" {
		t.Errorf("echo: %q, %v", b, err)
	}
	unix.Shutdown(int(peer.Fd()), unix.SHUT_WR)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("echo did not end at EOF")
	}
}

// testListener is a listener with a log, enough for admit and refuse.
func testListener(t *testing.T) (*listener, func() string) {
	dir := t.TempDir()
	lg, err := openLog(filepath.Join(dir, "log"), filepath.Join(dir, "o.log"), false, logOptions)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lg.Close() })
	l := &listener{root: paths.New(dir), log: lg}
	return l, func() string { b, _ := os.ReadFile(filepath.Join(dir, "log")); return string(b) }
}

// optService is a service with the options opts.
func optService(t *testing.T, opts string) *service {
	o, err := pmtab.ParseListenOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &service{Code: "svc", Listen: pmtab.Listen{Flags: pmtab.LFlagOptions | pmtab.LFlagCommand, Options: o}}
}

func TestAdmit(t *testing.T) {
	l, _ := testListener(t)
	a1, a2 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	b1 := netip.MustParseAddr("10.0.1.1")
	v6a, v6b := netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fd00::2")
	try := func(ep *endpoint, s *service, a netip.Addr, want refusal, ok bool) func() {
		t.Helper()
		kind, why, release := l.admit(ep, s, a, true)
		if (release != nil) != ok || !ok && kind != want {
			t.Fatalf("%s from %s: kind %d, admitted %v; want kind %d, admitted %v", s.Options.String(), a, kind, release != nil, want, ok)
		}
		if !ok && why() == "" {
			t.Error("no reason")
		}
		return release
	}
	ep := func() *endpoint { return &endpoint{ext: &extState{}} }

	// max
	s, e := optService(t, "max=2"), ep()
	r1 := try(e, s, a1, 0, true)
	try(e, s, a2, 0, true)
	try(e, s, a1, refMax, false)
	r1()
	r1() // twice is once
	try(e, s, a1, 0, true)
	try(e, s, b1, refMax, false)

	// persource, by /24 and /64
	s, e = optService(t, "persource=1&v4prefix=24"), ep()
	try(e, s, a1, 0, true)
	try(e, s, a2, refPerSource, false)
	rb := try(e, s, b1, 0, true)
	try(e, s, v6a, 0, true)
	try(e, s, v6b, refPerSource, false)
	rb()
	try(e, s, b1, 0, true)
	if n := len(e.ext.perSource); n != 3 {
		t.Errorf("%d source groups", n)
	}

	// allow, deny
	s, e = optService(t, "allow=10.0.0.0/24,fd00::1&deny=10.0.0.2"), ep()
	try(e, s, a1, 0, true)
	try(e, s, a2, refAccess, false)
	try(e, s, b1, refAccess, false)
	try(e, s, v6a, 0, true)
	try(e, s, v6b, refAccess, false)
	try(e, s, netip.Addr{}, refAccess, false) // a unix peer is in no allow list
	try(e, s, netip.MustParseAddr("::ffff:10.0.0.1"), 0, true)

	// rate: 2 per hour, pause 10m doubling to 25m. The time between
	// the calls is made up by elapse; the few microseconds that really
	// pass are nothing next to minutes.
	s, e = optService(t, "rate=2/1h&pause=10m&pausemax=25m"), ep()
	try(e, s, a1, 0, true)
	try(e, s, a1, 0, true)
	try(e, s, a1, refRate, false) // the pause starts
	try(e, s, a2, refRate, false)
	elapse(e.ext, 12*time.Minute)
	try(e, s, a1, 0, true) // a new window
	try(e, s, a1, 0, true)
	try(e, s, a1, refRate, false) // again soon: 20m
	if e.ext.pause != 20*time.Minute {
		t.Errorf("second pause %v", e.ext.pause)
	}
	elapse(e.ext, 12*time.Minute)
	try(e, s, a1, refRate, false) // still paused
	elapse(e.ext, 10*time.Minute)
	try(e, s, a1, 0, true)
	try(e, s, a1, 0, true)
	try(e, s, a1, refRate, false)
	if e.ext.pause != 25*time.Minute {
		t.Errorf("third pause %v, want pausemax", e.ext.pause)
	}
	// Wait services skip the access checks, not the limits.
	s, e = optService(t, "allow=10.0.0.1&max=1"), ep()
	if _, _, release := l.admit(e, s, netip.Addr{}, false); release == nil {
		t.Error("wait service refused by allow")
	}
	if kind, _, release := l.admit(e, s, netip.Addr{}, false); release != nil || kind != refMax {
		t.Error("second wait instance admitted")
	}
}

// elapse makes x's rate state d older, as if d had passed: admit
// compares the clock with these times only. A zero time (no window, no
// pause yet) stays zero.
func elapse(x *extState, d time.Duration) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, at := range []*time.Time{&x.winStart, &x.pausedUntil, &x.pauseEnd} {
		if !at.IsZero() {
			*at = at.Add(-d)
		}
	}
}

func TestAdmitWrap(t *testing.T) {
	l, _ := testListener(t)
	allow, deny := l.root.HostsAllow(), l.root.HostsDeny()
	os.MkdirAll(filepath.Dir(allow), 0o755)
	s, e := optService(t, "wrap=svcd"), &endpoint{ext: &extState{}}
	a := netip.MustParseAddr("127.0.0.1")
	if _, _, r := l.admit(e, s, a, true); r == nil {
		t.Error("refused without hosts files")
	}
	os.WriteFile(deny, []byte("svcd : 127.\n"), 0o644)
	kind, why, r := l.admit(e, s, a, true)
	if r != nil || kind != refWrap || !strings.Contains(why(), deny+" line 1") {
		t.Errorf("hosts.deny: %v %v", kind, r != nil)
	}
	// A change is seen at the next connection.
	os.WriteFile(allow, []byte("# x\nsvcd : 127.0.0.1\n"), 0o644)
	if _, _, r := l.admit(e, s, a, true); r == nil {
		t.Error("hosts.allow not seen")
	}
}

// Rules that can never match (host names and the like) and lines that
// are skipped are logged once each time the file is read, not ignored in
// silence: a deny rule of host names fails open.
func TestHostsUnmatchableLogged(t *testing.T) {
	l, read := testListener(t)
	allow, deny := l.root.HostsAllow(), l.root.HostsDeny()
	os.MkdirAll(filepath.Dir(allow), 0o755)
	os.WriteFile(deny, []byte("# deny\nsvcd : localhost, LOCAL, 10.0.0.9\nno colon here\nALL : 127.0.0.2\n"), 0o644)
	s, e := optService(t, "wrap=svcd"), &endpoint{ext: &extState{}}
	a := netip.MustParseAddr("127.0.0.1")
	for i := 0; i < 3; i++ {
		if _, _, r := l.admit(e, s, a, true); r == nil {
			t.Fatal("127.0.0.1 refused")
		}
	}
	l.log.Flush()
	log := read()
	for _, want := range []string{
		deny + " line 2: never matches localhost, LOCAL (host names",
		deny + " line 3 ignored: missing \":\" separator",
	} {
		if n := strings.Count(log, want); n != 1 {
			t.Errorf("%d lines %q, want 1; log:\n%s", n, want, log)
		}
	}
	if strings.Contains(log, "line 4") {
		t.Errorf("a rule that can match was reported:\n%s", log)
	}
	// Read again when it changes: reported again.
	os.WriteFile(deny, []byte("svcd : .example.com\n"), 0o644)
	l.admit(e, s, a, true)
	l.log.Flush()
	if !strings.Contains(read(), deny+" line 1: never matches .example.com") {
		t.Errorf("the changed file's rule not reported:\n%s", read())
	}
}

func TestBurstLog(t *testing.T) {
	replace(t, &burstQuiet, 100*time.Millisecond)
	l, read := testListener(t)
	e := &endpoint{ext: &extState{}}
	for i := 0; i < 5; i++ {
		l.refuse(e, "svc", refMax, func() string { return "first" })
	}
	l.refuse(e, "svc", refAccess, func() string { return "other kind" })
	burstOver(t, e, refMax)
	burstOver(t, e, refAccess)
	if !strings.Contains(read(), "Service svc: 4 more refused by max") {
		t.Fatalf("no summary:\n%s", read())
	}
	// A new burst of one: its line, and no summary when it ends.
	l.refuse(e, "svc", refMax, func() string { return "first" })
	burstOver(t, e, refMax)
	log := read()
	if strings.Count(log, "; first\n") != 2 || strings.Count(log, "; other kind\n") != 1 || strings.Count(log, "more refused") != 1 {
		t.Errorf("log:\n%s", log)
	}
}

// burstOver waits until the burst of kind on e has ended: its summary,
// if it has one, is logged by then.
func burstOver(t *testing.T, e *endpoint, kind refusal) {
	t.Helper()
	b := &e.ext.logs[kind]
	deadline := time.Now().Add(5 * time.Second)
	for {
		b.mu.Lock()
		active := b.active
		b.mu.Unlock()
		if !active {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the burst of refusal kind %d did not end", kind)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A session past its timeout gets SIGHUP, and SIGKILL killDelay later
// when it ignores that; a reaped one gets nothing.
func TestSessionTimer(t *testing.T) {
	replace(t, &killDelay, 200*time.Millisecond)
	for _, tc := range []struct {
		script string
		sig    syscall.Signal
	}{
		{"exec sleep 30", syscall.SIGHUP},
		{`trap "" HUP; sleep 30 & wait; sleep 30`, syscall.SIGKILL},
	} {
		cmd := exec.Command("/bin/sh", "-c", tc.script)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		st := &sessionTimer{}
		logged := make(chan struct{}, 1)
		st.start(100*time.Millisecond, cmd.Process.Pid, func() { logged <- struct{}{} })
		err := cmd.Wait()
		st.stop()
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != tc.sig {
			t.Errorf("%q ended with %v, want signal %v", tc.script, err, tc.sig)
		}
		select {
		case <-logged:
		default:
			t.Error("the timeout was not logged")
		}
	}
	st := &sessionTimer{}
	st.stop()
	st.start(time.Millisecond, 1, func() { t.Error("a stopped timer fired") })
	time.Sleep(20 * time.Millisecond)
}

func TestWatchChild(t *testing.T) {
	exited := 0
	if pid := watchChild(func() int { return 0 }, func() { exited++ }); pid != 0 || watched.Load() != 0 {
		t.Fatalf("failed start: pid %d, watched %d", pid, watched.Load())
	}
	pid := watchChild(func() int { return 1 << 30 }, func() { exited++ })
	if pid != 1<<30 || watched.Load() != 1 {
		t.Fatalf("pid %d, watched %d", pid, watched.Load())
	}
	childGone(12345)
	childGone(pid)
	childGone(pid)
	if exited != 1 || watched.Load() != 0 {
		t.Errorf("exited %d times, watched %d", exited, watched.Load())
	}
}

func TestSocketKind(t *testing.T) {
	plain := &service{}
	for _, tc := range []struct {
		opts string
		kind epKind
		typ  int
	}{
		{"", kindAccept, unix.SOCK_STREAM},
		{"max=3", kindAccept, unix.SOCK_STREAM},
		{"internal=echo", kindAccept, unix.SOCK_STREAM},
		{"wait=yes", kindWait, unix.SOCK_STREAM},
		{"proto=udp", kindWait, unix.SOCK_DGRAM},
		{"proto=udp&internal=time", kindDgram, unix.SOCK_DGRAM},
	} {
		s := optService(t, tc.opts)
		if socketKind(s) != tc.kind || sockType(s) != tc.typ {
			t.Errorf("%q: kind %d type %d", tc.opts, socketKind(s), sockType(s))
		}
		if sameSocket(plain, s) != (tc.kind == kindAccept) {
			t.Errorf("%q: sameSocket with a plain entry %v", tc.opts, sameSocket(plain, s))
		}
	}
}

func TestEntrySockaddr(t *testing.T) {
	s := &service{Listen: pmtab.Listen{Address: `\x00021F907F0000010000000000000000`}}
	want := []byte{0, 2, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}
	if got := entrySockaddr(transportTCP, s); !bytes.Equal(got, want) {
		t.Errorf("tcp: %x", got)
	}
	s.Address = "/run/x.sock"
	if got := entrySockaddr(transportUnix, s); string(got) != "/run/x.sock" {
		t.Errorf("unix: %q", got)
	}
	s.Address, s.Listen.Flags = "", pmtab.LFlagDynamic
	if entrySockaddr(transportTCP, s) != nil {
		t.Error("dynamic entry has an address")
	}
}

// The loops of entries with options, in process (so the race detector
// sees them): internal TCP and UDP, a udp wait service that is started
// again for each datagram, max, and a re-read that keeps a socket whose
// kind is unchanged and rebinds one whose kind changed.
func TestOptionsInProcess(t *testing.T) {
	id := me(t)
	tp, up, wp, mp := freePort(t, "tcp4", "127.0.0.1"), udpPort(t), udpPort(t), freePort(t, "tcp4", "127.0.0.1")
	table := entry("echo", "", id, hexAddr(t, "127.0.0.1", tp), "co", "internal=echo:") +
		entry("time", "", id, hexAddr(t, "127.0.0.1", up), "co", "internal=time&proto=udp:") +
		entry("cat", "", id, hexAddr(t, "127.0.0.1", wp), "co", "proto=udp:/bin/cat") +
		entry("max", "", id, hexAddr(t, "127.0.0.1", mp), "co", "max=1:/bin/cat")
	r := startListener(t, table, options{})
	ta, ua, wa, ma := fmt.Sprintf("127.0.0.1:%d", tp), fmt.Sprintf("127.0.0.1:%d", up), fmt.Sprintf("127.0.0.1:%d", wp), fmt.Sprintf("127.0.0.1:%d", mp)

	c := dial(t, "tcp4", ta)
	c.Write([]byte("hi\n"))
	b := make([]byte, 3)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "hi\n" {
		t.Errorf("echo: %q %v", b, err)
	}
	c.Close()
	if got := askUDP(t, ua); len(got) != 4 {
		t.Errorf("time: %q", got)
	}
	// cat reads the datagram and fails to answer (an unconnected
	// socket); the listener watches the socket again when it is reaped.
	for i := 1; i <= 2; i++ {
		u, err := net.Dial("udp4", wa)
		if err != nil {
			t.Fatal(err)
		}
		u.Write([]byte("x"))
		u.Close()
		r.waitLog(fmt.Sprintf(`(?s)(svctag cat, seq \d+, type wait.*){%d}`, i))
		waitNoWatched(t)
	}

	m1 := dial(t, "tcp4", ma)
	m1.Write([]byte("a"))
	m1.Read(make([]byte, 1))
	// The refusal's reset may come before the dial has seen its
	// connection complete.
	if m2, err := net.DialTimeout("tcp4", ma, 5*time.Second); err == nil {
		m2.SetDeadline(time.Now().Add(5 * time.Second))
		if n, err := m2.Read(make([]byte, 1)); err == nil {
			t.Errorf("a second instance of max=1 answered %d bytes", n)
		}
		m2.Close()
	}
	m1.Close()
	r.waitLog(`Service max: 127\.0\.0\.1 refused: 1 instances running \(max 1\)`)

	writeTable(t, r.root, "tcp", entry("echo", "", id, hexAddr(t, "127.0.0.1", tp), "co", "internal=echo&max=5:")+
		entry("time", "", id, hexAddr(t, "127.0.0.1", up), "co", "internal=daytime&proto=udp:")+
		entry("cat", "", id, hexAddr(t, "127.0.0.1", wp), "co", "proto=udp&internal=echo:"))
	r.reread(t)
	r.waitLog(`Re-read complete`) // reread may return at "Re-reading database"
	log := r.log()
	if strings.Contains(log, "Unbind echo") || strings.Contains(log, "Unbind time") || !strings.Contains(log, "Unbind cat") {
		t.Errorf("re-read kept or rebound the wrong sockets:\n%s", log)
	}
	if got := askUDP(t, ua); !strings.HasSuffix(string(got), "\r\n") {
		t.Errorf("daytime after the re-read: %q", got)
	}
	if got := askUDPMsg(t, wa, "now echo"); string(got) != "now echo" {
		t.Errorf("echo after the re-read: %q", got)
	}
}

// waitNoWatched waits until no child is watched.
func waitNoWatched(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for watched.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a watched child was never reaped")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func udpPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func askUDP(t *testing.T, addr string) []byte { return askUDPMsg(t, addr, "?") }

func askUDPMsg(t *testing.T, addr, msg string) []byte {
	t.Helper()
	c, err := net.Dial("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(msg))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 1024)
	n, err := c.Read(b)
	if err != nil {
		t.Errorf("no answer from %s: %v", addr, err)
	}
	return b[:n]
}
