package e2e

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/nlsaddr"
	"github.com/linux-saf/saf/saf/pmtab"
)

// The service options of the listen _pmtab tail, ours
// (docs/linux.md#extensions-beyond-the-original; saf/pmtab/listenopts.go),
// with the built listen, started by hand with a fake sac, on loopback only.
// The table is written directly.

// extEntry is one _pmtab line: a service code and its listen tail.
type extEntry struct {
	code string
	tail pmtab.Listen
}

// optEntry is an entry with options opts on addr (host:port) running cmd.
func optEntry(t *testing.T, code, addr, opts, cmd string) extEntry {
	t.Helper()
	o, err := pmtab.ParseListenOptions(opts)
	if err != nil {
		t.Fatalf("options %q: %v", opts, err)
	}
	return extEntry{code, pmtab.Listen{Address: hexAddr(t, addr), Flags: pmtab.LFlagCommand | pmtab.LFlagOptions, Options: o, Command: cmd}}
}

// hexAddr is the \x form of host:port.
func hexAddr(t *testing.T, hostport string) string {
	t.Helper()
	ap, err := nlsaddr.ParseHostPort(hostport)
	if err != nil {
		t.Fatal(err)
	}
	h, err := nlsaddr.HexForm(ap)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// extTab is the _pmtab lines of entries, run as the current user.
func extTab(t *testing.T, entries ...extEntry) string {
	t.Helper()
	id := svcUser(t)
	var tab strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&tab, "%s::%s:reserved:reserved:reserved:%s#\n", e.code, id, e.tail.Format())
	}
	return tab.String()
}

// uport returns a loopback UDP port nobody uses right now.
func uport(t *testing.T, host string) int {
	t.Helper()
	c, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("no udp on %s: %v", host, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// dialFrom connects to addr from the local address from (host only).
func dialFrom(t *testing.T, from, addr string) (net.Conn, error) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	c, err := d.Dial("tcp", addr)
	if err == nil {
		c.SetDeadline(time.Now().Add(15 * time.Second))
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// served reports whether an echo service at addr, reached from from,
// echoes a line: false when the connection is refused (reset or closed
// without data).
func served(t *testing.T, from, addr string) bool {
	t.Helper()
	c, err := dialFrom(t, from, addr)
	if err != nil {
		return false
	}
	defer c.Close()
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		return false
	}
	b := make([]byte, 5)
	_, err = io.ReadFull(c, b)
	return err == nil && string(b) == "ping\n"
}

// udpAsk sends req to addr and returns the reply, or nil after wait.
func udpAsk(t *testing.T, addr string, req []byte, wait time.Duration) []byte {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(wait))
	b := make([]byte, 65536)
	n, err := c.Read(b)
	if err != nil {
		return nil
	}
	return b[:n]
}

// chargenPattern is n bytes of RFC 864's pattern from line 0.
func chargenPattern(n int) []byte {
	var b []byte
	for line := 0; len(b) < n; line++ {
		for j := 0; j < 72; j++ {
			b = append(b, byte(' '+(line+j)%95))
		}
		b = append(b, '\r', '\n')
	}
	return b[:n]
}

var daytimeRE = regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 123]\d [012]\d:[0-5]\d:[0-6]\d \d{4}\r\n$`)

// checkDaytime checks an RFC 867 reply against the clock.
func checkDaytime(t *testing.T, proto string, b []byte) {
	t.Helper()
	if !daytimeRE.Match(b) {
		t.Errorf("%s daytime %q", proto, b)
		return
	}
	got, err := time.ParseInLocation(time.ANSIC, strings.TrimSuffix(string(b), "\r\n"), time.Local)
	if err != nil || got.Sub(time.Now()).Abs() > 5*time.Second {
		t.Errorf("%s daytime %q is not now: %v", proto, b, err)
	}
}

// checkTime checks an RFC 868 reply against the clock.
func checkTime(t *testing.T, proto string, b []byte) {
	t.Helper()
	if len(b) != 4 {
		t.Errorf("%s time %q: want 4 bytes", proto, b)
		return
	}
	want := uint32(time.Now().Unix() + 2208988800)
	if d := int64(binary.BigEndian.Uint32(b)) - int64(want); d < -5 || d > 5 {
		t.Errorf("%s time %d, want about %d", proto, binary.BigEndian.Uint32(b), want)
	}
}

func TestListenExtInternal(t *testing.T) {
	names := []string{"echo", "discard", "daytime", "chargen", "time"}
	tcp, udp := map[string]string{}, map[string]string{}
	var entries []extEntry
	for _, n := range names {
		tcp[n] = fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
		udp[n] = fmt.Sprintf("127.0.0.1:%d", uport(t, "127.0.0.1"))
		entries = append(entries,
			optEntry(t, "t"+n, tcp[n], "internal="+n, ""),
			optEntry(t, "u"+n, udp[n], "internal="+n+"&proto=udp", ""))
	}
	x := startFakeListen(t, "tcp", extTab(t, entries...), "")

	// TCP.
	c := ldial(t, "tcp4", tcp["echo"])
	lecho(t, c, "echo, RFC 862")
	lecho(t, c, strings.Repeat("x", 10000))
	c.Close()

	c = ldial(t, "tcp4", tcp["discard"])
	io.WriteString(c, "thrown away\n")
	c.(*net.TCPConn).CloseWrite()
	if got := lreadAll(t, c); got != "" {
		t.Errorf("tcp discard sent %q", got)
	}

	checkDaytime(t, "tcp", []byte(lreadAll(t, ldial(t, "tcp4", tcp["daytime"]))))
	checkTime(t, "tcp", []byte(lreadAll(t, ldial(t, "tcp4", tcp["time"]))))

	c = ldial(t, "tcp4", tcp["chargen"])
	want := chargenPattern(3 * 95 * 74)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want) {
		t.Errorf("tcp chargen: %v; first bytes %q", err, got[:80])
	}
	c.Close() // chargen must stop, not pin the listener: checked below

	// UDP.
	if got := udpAsk(t, udp["echo"], []byte("echo over udp"), 5*time.Second); string(got) != "echo over udp" {
		t.Errorf("udp echo %q", got)
	}
	if got := udpAsk(t, udp["discard"], []byte("x"), 300*time.Millisecond); got != nil {
		t.Errorf("udp discard replied %q", got)
	}
	checkDaytime(t, "udp", udpAsk(t, udp["daytime"], []byte("?"), 5*time.Second))
	checkTime(t, "udp", udpAsk(t, udp["time"], nil, 5*time.Second))
	cycle := chargenPattern(2 * 95 * 74)
	for i := 0; i < 5; i++ {
		got := udpAsk(t, udp["chargen"], []byte("?"), 5*time.Second)
		if got == nil || len(got) > 512 || !bytes.Contains(cycle, got) {
			t.Errorf("udp chargen %d bytes: %q", len(got), got)
		}
		if len(got) >= 74 && !bytes.HasPrefix(got, cycle[bytes.Index(cycle, got[:74]):][:74]) {
			t.Errorf("udp chargen does not start on a line: %q", got[:74])
		}
	}

	// Datagrams from a port below 1024 are never answered (loop
	// protection).
	t.Run("loop", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root: binding port 1019")
		}
		pc, err := net.ListenPacket("udp4", "127.0.0.1:1019")
		if err != nil {
			t.Skipf("port 1019 is taken: %v", err)
		}
		defer pc.Close()
		ua, _ := net.ResolveUDPAddr("udp", udp["echo"])
		pc.WriteTo([]byte("loop?"), ua)
		// Once the listener has logged the datagram, a reply would be
		// there already.
		waitLog(t, "listen", x.log, `Service uecho: datagram from 127.0.0.1 port 1019 ignored: a reply could start a loop`)
		pc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, _, err := pc.ReadFrom(make([]byte, 100)); err == nil {
			t.Errorf("answered a datagram from port 1019 (%d bytes)", n)
		}
	})

	// The chargen session ended when its client went: the listener
	// serves on, and no internal session holds a descriptor.
	lecho(t, ldial(t, "tcp4", tcp["echo"]), "still here")
	if n := strings.Count(x.log(), "type internal"); n < 6 {
		t.Errorf("%d internal connections logged, want 6 or more", n)
	}
}

// A udp wait service gets the datagram socket, answers, exits, and the
// listener starts it again for the next datagram; a stream wait service
// gets the listening socket.
func TestListenExtWait(t *testing.T) {
	svc := buildTool(t, "waitsvc")
	ua := fmt.Sprintf("127.0.0.1:%d", uport(t, "127.0.0.1"))
	ta := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	x := startFakeListen(t, "tcp", extTab(t,
		optEntry(t, "udpwait", ua, "proto=udp", svc+" dgram"),
		optEntry(t, "tcpwait", ta, "wait=yes", svc+" stream"),
	), "")
	replyRE := regexp.MustCompile(`^wait (\d+): (.*)$`)
	pids := map[string]bool{}
	for _, msg := range []string{"one", "two", "three"} {
		got := udpAsk(t, ua, []byte(msg), 10*time.Second)
		m := replyRE.FindSubmatch(got)
		if m == nil || string(m[2]) != msg {
			t.Fatalf("udp wait service: %q to %q", got, msg)
		}
		pids[string(m[1])] = true
	}
	if len(pids) != 3 {
		t.Errorf("three datagrams served by %d processes, want 3", len(pids))
	}
	streamRE := regexp.MustCompile(`^listening \d+\n$`)
	for i := 0; i < 2; i++ {
		if got := lreadAll(t, ldial(t, "tcp4", ta)); !streamRE.MatchString(got) {
			t.Errorf("stream wait service: %q", got)
		}
	}
	if n := strings.Count(x.log(), "type wait"); n != 5 {
		t.Errorf("%d wait starts logged, want 5", n)
	}
}

func TestListenExtLimits(t *testing.T) {
	maxA := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	srcA := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	rateA := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	toA := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	x := startFakeListen(t, "tcp", extTab(t,
		optEntry(t, "max", maxA, "max=2", "/bin/cat"),
		optEntry(t, "src", srcA, "persource=1", "/bin/cat"),
		optEntry(t, "rate", rateA, "internal=echo&rate=3/30&pause=1&pausemax=4", ""),
		optEntry(t, "to", toA, "timeout=1", "/bin/cat"),
	), "")

	t.Run("max", func(t *testing.T) {
		a := ldial(t, "tcp4", maxA)
		lecho(t, a, "first")
		b := ldial(t, "tcp4", maxA)
		lecho(t, b, "second")
		for i := 0; i < 3; i++ {
			lrefused(t, "tcp4", maxA)
		}
		a.Close()
		// Once the first cat is reaped, there is room again.
		waitFor(t, "a free instance", func() bool { return served(t, "", maxA) })
		waitLog(t, "listen", x.log, `Service max: 127\.0\.0\.1 refused: 2 instances running \(max 2\)\n(.*\n)*.*Service max: \d+ more refused by max\n`)
		if n := strings.Count(x.log(), "refused: 2 instances running"); n != 1 {
			t.Errorf("max refusals logged %d times, want once", n)
		}
	})

	t.Run("persource", func(t *testing.T) {
		a, err := dialFrom(t, "127.0.0.1", srcA)
		if err != nil {
			t.Fatal(err)
		}
		lecho(t, a, "one from 127.0.0.1")
		if served(t, "127.0.0.1", srcA) {
			t.Error("a second instance from 127.0.0.1 was served")
		}
		b, err := dialFrom(t, "127.0.0.2", srcA)
		if err != nil {
			t.Fatal(err)
		}
		lecho(t, b, "one from 127.0.0.2")
		waitLog(t, "listen", x.log, `Service src: 127\.0\.0\.1 refused: 1 instances running from 127\.0\.0\.1/32`)
	})

	t.Run("rate", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			if !served(t, "", rateA) {
				t.Fatalf("connection %d refused", i+1)
			}
		}
		if served(t, "", rateA) || served(t, "", rateA) {
			t.Fatal("a 4th connection in the period was served")
		}
		start := time.Now()
		waitLog(t, "listen", x.log, `Service rate: more than 3 connections in 30s: not accepting for 1s`)
		waitFor(t, "the pause to end", func() bool { return served(t, "", rateA) })
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("served again after %v, want about 1s", d)
		}
		// A second overrun soon after: twice the pause. It starts no
		// sooner than over, so 1.2 s after over it still holds.
		served(t, "", rateA)
		served(t, "", rateA)
		over := time.Now()
		if served(t, "", rateA) {
			t.Fatal("over the rate again, and served")
		}
		waitLog(t, "listen", x.log, `Service rate: more than 3 connections in 30s: not accepting for 2s`)
		time.Sleep(time.Until(over.Add(1200 * time.Millisecond)))
		if served(t, "", rateA) {
			t.Error("served 1.2s into a 2s pause")
		}
		waitFor(t, "the second pause to end", func() bool { return served(t, "", rateA) })
	})

	t.Run("timeout", func(t *testing.T) {
		c := ldial(t, "tcp4", toA)
		lecho(t, c, "before the timeout")
		start := time.Now()
		lreadAll(t, c) // cat gets SIGHUP after 1s: EOF
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("session ended after %v, want about 1s", d)
		}
		waitLog(t, "listen", x.log, `Service to: pid \d+ timed out after 1s: SIGHUP, SIGKILL in 5s`)
	})
}

func TestListenExtAccess(t *testing.T) {
	allowA := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	denyA := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	wrapA := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	otherA := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))
	entries := []extEntry{
		optEntry(t, "allow", allowA, "internal=echo&allow=127.0.0.1,10.0.0.0/8", ""),
		optEntry(t, "deny", denyA, "internal=echo&deny=127.0.0.2", ""),
		optEntry(t, "wrap", wrapA, "internal=echo&wrap=echod", ""),
		optEntry(t, "other", otherA, "internal=echo&wrap=otherd", ""),
	}
	var v6 string
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		v6 = ln.Addr().String()
		ln.Close()
		entries = append(entries, optEntry(t, "wrap6", v6, "internal=echo&wrap=echo6", ""))
	}
	// The files are found under SAF_ROOT, read at each connection.
	x := startFakeListen(t, "tcp", extTab(t, entries...), "")
	root := x.sac.Root
	os.MkdirAll(filepath.Dir(root.HostsAllow()), 0o755)
	os.WriteFile(root.HostsAllow(), []byte("# hosts.allow\necho6 : [::1]/128\nechod : 127.0.0.3, \\\n  127.0.0.4\n"), 0o644)
	os.WriteFile(root.HostsDeny(), []byte("echod : 127.0.0.0/255.0.0.0 EXCEPT 127.0.0.5\nALL EXCEPT otherd echod : ALL\n"), 0o644)

	for _, tc := range []struct {
		addr, from string
		want       bool
	}{
		{allowA, "127.0.0.1", true},
		{allowA, "127.0.0.2", false},
		{denyA, "127.0.0.1", true},
		{denyA, "127.0.0.2", false},
		{wrapA, "127.0.0.3", true},  // hosts.allow
		{wrapA, "127.0.0.4", true},  // hosts.allow, continued line
		{wrapA, "127.0.0.1", false}, // hosts.deny
		{wrapA, "127.0.0.5", true},  // hosts.deny's EXCEPT
		{otherA, "127.0.0.1", true}, // another daemon name
	} {
		if got := served(t, tc.from, tc.addr); got != tc.want {
			t.Errorf("%s from %s: served %v, want %v", tc.addr, tc.from, got, tc.want)
		}
	}
	t.Run("ipv6", func(t *testing.T) {
		if v6 == "" {
			t.Skip("no tcp6 on [::1]")
		}
		if !served(t, "::1", v6) {
			t.Error("[::1] refused by hosts.allow's [::1]/128")
		}
		os.WriteFile(root.HostsAllow(), []byte("\n"), 0o644)
		os.WriteFile(root.HostsDeny(), []byte("ALL : [::1]\n"), 0o644)
		if served(t, "::1", v6) {
			t.Error("[::1] served despite hosts.deny")
		}
	})
	// Refusals are logged once per burst.
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); served(t, "127.0.0.2", allowA) }()
	}
	wg.Wait()
	waitLog(t, "listen", x.log, `Service allow: \d+ more refused by allow/deny\n`)
	if n := strings.Count(x.log(), "Service allow: 127.0.0.2 refused"); n > 2 {
		t.Errorf("allow refusals logged %d times for 6 refusals in two bursts", n)
	}
	if !strings.Contains(x.log(), "Service wrap: 127.0.0.1 refused by "+root.HostsDeny()+" line 1 (daemon echod)") {
		t.Error("the hosts.deny refusal is not logged with its rule")
	}
}

// Sockets passed the systemd way (LISTEN_PID, LISTEN_FDS) are used
// instead of binding; one that matches no entry is closed; services see
// none of it.
func TestListenExtActivation(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lf, _ := ln.(*net.TCPListener).File()
	defer lf.Close()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pf, _ := pc.(*net.UDPConn).File()
	defer pf.Close()
	stray, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stray.Close()
	sf, _ := stray.(*net.TCPListener).File()
	defer sf.Close()
	envA := fmt.Sprintf("127.0.0.1:%d", lport(t, "tcp4", "127.0.0.1"))

	x := startFakeListen(t, "tcp", extTab(t,
		optEntry(t, "sdecho", ln.Addr().String(), "internal=echo", ""),
		optEntry(t, "sdtime", pc.LocalAddr().String(), "internal=time&proto=udp", ""),
		extEntry{"env", pmtab.Listen{Address: hexAddr(t, envA), Flags: pmtab.LFlagCommand, Command: "/usr/bin/env"}},
	), `LISTEN_PID=$$; LISTEN_FDS=3; LISTEN_FDNAMES=a:b:c; export LISTEN_PID LISTEN_FDS LISTEN_FDNAMES; exec "$0" tcp`, lf, pf, sf)
	// Our copies go: only listen's keep the sockets open.
	ln.Close()
	pc.Close()
	stray.Close()
	lf.Close()
	pf.Close()
	sf.Close()

	lecho(t, ldial(t, "tcp4", ln.Addr().String()), "through a passed socket")
	checkTime(t, "udp", udpAsk(t, pc.LocalAddr().String(), nil, 5*time.Second))
	log := x.log()
	for _, re := range []string{
		`Service sdecho: socket fd 3 taken from the service manager`,
		`Service sdtime: socket fd 4 taken from the service manager`,
		`Socket activation: fd 5 \(stream \\x[0-9A-F]+\) matches no service, closed`,
	} {
		if !regexp.MustCompile(re).MatchString(log) {
			t.Errorf("log lacks %s", re)
		}
	}
	lrefused(t, "tcp4", stray.Addr().String())
	env := lreadAll(t, ldial(t, "tcp4", envA))
	if strings.Contains(env, "LISTEN_") || !strings.Contains(env, "NLSADDR=") {
		t.Errorf("service environment:\n%s", env)
	}
}
