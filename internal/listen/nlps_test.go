package listen

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/nlps"
	"github.com/linux-saf/saf/saf/passfd"
)

// nlpsSetup runs a listener whose service 0 is the NLPS server on a
// loopback port, with services reachable only through it: cat, off
// (disabled), pass (a standing server) and bad (an unknown user).
func nlpsSetup(t *testing.T) (*run, string, *passfd.Listener) {
	t.Helper()
	id := me(t)
	port := freePort(t, "tcp4", "127.0.0.1")
	sock := filepath.Join(t.TempDir(), "standing.sock")
	pl, err := passfd.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pl.Close() })
	body := entry("0", "", "root", hexAddr(t, "127.0.0.1", port), "c", "/usr/lib/saf/nlps_server") +
		entry("cat", "", id, "", "c", "/bin/cat") +
		entry("off", "x", id, "", "c", "/bin/cat") +
		entry("pass", "", id, "", "p", sock) +
		entry("bad", "", "nosuchuser", "", "c", "/bin/cat")
	r := startListener(t, body, options{})
	return r, fmt.Sprintf("127.0.0.1:%d", port), pl
}

func TestNLPSRequests(t *testing.T) {
	r, addr, pl := nlpsSetup(t)

	t.Run("version 2", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		text, err := nlps.Request(c, "cat")
		if err != nil || text != "NLPS (cat) exec: /bin/cat" {
			t.Fatalf("Request: %q, %v", text, err)
		}
		echo(t, c, "through NLPS")
	})
	t.Run("no read-ahead", func(t *testing.T) {
		// The request and the service's first data in one write: what
		// follows the NUL must reach cat.
		c := dial(t, "tcp", addr)
		io.WriteString(c, "NLPS:000:001:cat\x00early data\n")
		b := make([]byte, len("early data\n"))
		if _, err := io.ReadFull(c, b); err != nil || string(b) != "early data\n" {
			t.Fatalf("got %q, %v", b, err)
		}
	})
	t.Run("version 0", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		if err := nlps.RequestV0(c, "cat"); err != nil {
			t.Fatal(err)
		}
		echo(t, c, "no answer first")
	})
	t.Run("short version digits", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		io.WriteString(c, "NLPS:2:2:cat\x00")
		a, err := nlps.ReadAnswer(c)
		if err != nil || a.Code != nlps.CodeStart || a.Version != 2 {
			t.Fatalf("answer %+v, %v", a, err)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		text, err := nlps.Request(c, "nosuch")
		if !errors.Is(err, nlps.ErrUnknownService) || text != "NLPS: Request for service code <nosuch> denied, unknown service code" {
			t.Fatalf("Request: %q, %v", text, err)
		}
		if rest := readAll(t, c); rest != "" {
			t.Errorf("after the refusal: %q", rest)
		}
		r.waitLog(`; NLPS: Request for service code <nosuch> denied, unknown service code\n`)
	})
	t.Run("long code", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		code := strings.Repeat("k", 300)
		io.WriteString(c, "NLPS:002:002:"+code+"\x00")
		a, err := nlps.ReadAnswer(c)
		if err != nil || a.Code != nlps.CodeUnknown {
			t.Fatalf("answer %+v, %v", a, err)
		}
	})
	t.Run("disabled", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		text, err := nlps.Request(c, "off")
		if !errors.Is(err, nlps.ErrServiceDisabled) || text != "NLPS: Request for service code <off> denied, service is disabled" {
			t.Fatalf("Request: %q, %v", text, err)
		}
		r.waitLog(`; NLPS: Request for service code <off> denied, service is disabled\n`)
	})
	t.Run("passfd", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		got := make(chan error, 1)
		go func() {
			f, err := pl.Accept()
			if err == nil {
				_, err = io.WriteString(f, "from the standing server\n")
				f.Close()
			}
			got <- err
		}()
		text, err := nlps.Request(c, "pass")
		if err != nil || !strings.HasPrefix(text, "NLPS (pass) passfd: /") {
			t.Fatalf("Request: %q, %v", text, err)
		}
		if err := <-got; err != nil {
			t.Fatal(err)
		}
		if out := readAll(t, c); out != "from the standing server\n" {
			t.Errorf("got %q", out)
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		c := dial(t, "tcp", addr)
		if _, err := nlps.Request(c, "bad"); err != nil {
			t.Fatal(err) // the answer precedes the start
		}
		if out := readAll(t, c); out != "" {
			t.Errorf("got %q", out)
		}
		r.waitLog(`; NLPS: Missing or bad passwd entry for <nosuchuser>\n`)
	})
}

// Bad requests close the connection without an answer; the log says why.
func TestNLPSBadRequests(t *testing.T) {
	r, addr, _ := nlpsSetup(t)
	for _, tt := range []struct {
		name, req, log string
		delay          time.Duration // the wait before the close
	}{
		{"garbage", "GET / HTTP/1.0\r\n\r\n", `NLPS: Unknown service request \(ignored\)`, 0},
		{"smb", "\xffSMBr\x00\x00\x00\x00", `NLPS: Unknown service request \(ignored\)`, 0},
		{"oversize", "NLPS:002:002:" + strings.Repeat("a", 2000) + "\x00", `NLPS: recieve buffer not large enough`, 0},
		{"bad format", "NLPS:abc\x00", `ATT service: bad message format`, testBadDelay},
		{"no code", "NLPS:002:002:\x00", `ATT service: bad message format`, testBadDelay},
		{"unknown version", "NLPS:003:004:cat\x00", `NLPS: Unknown version of an NLPS service request: 3:4\n.*ATT service: unknown version`, testBadDelay},
		{"eof", "NLPS:002", `Error trying to rcv message to start a service: EOF\n.*NLPS: No/bad service request received`, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, "tcp", addr)
			start := time.Now()
			io.WriteString(c, tt.req)
			if tt.name == "eof" {
				c.(*net.TCPConn).CloseWrite()
			}
			if out := readAll(t, c); out != "" {
				t.Errorf("answer %q, want none", out)
			}
			if took := time.Since(start); took < tt.delay {
				t.Errorf("closed after %v, want at least %v", took, tt.delay)
			}
			r.waitLog(tt.log)
		})
	}
}

// A request that does not arrive in time: the server gives up after the
// request timer (45 s, shortened here through the test seam).
func TestNLPSStalledRequest(t *testing.T) {
	r, addr, _ := nlpsSetup(t)
	for _, partial := range []string{"", "NLPS:00"} {
		c := dial(t, "tcp", addr)
		start := time.Now()
		io.WriteString(c, partial)
		if out := readAll(t, c); out != "" {
			t.Errorf("answer %q", out)
		}
		took := time.Since(start)
		if took < testNLPSTimeout || took > testNLPSTimeout+5*time.Second {
			t.Errorf("closed after %v, want about %v", took, testNLPSTimeout)
		}
	}
	r.waitLog(`(?s)Timed out trying to rcv message to start a service.*Timed out trying`)
}

// children counts the live children of this process (the test binary
// runs the listener).
func children(t *testing.T) int {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range tasks {
		b, err := os.ReadFile(p)
		if err == nil {
			n += len(strings.Fields(string(b)))
		}
	}
	return n
}

// A connection to the NLPS address costs a descriptor, not a process,
// until it has named its service; requests not yet complete are bounded,
// the oldest dropped first, and a new client still gets its service.
// Before, every connection forked a server that waited 45 s for its
// request.
func TestNLPSPendingCostsNoProcess(t *testing.T) {
	saved, savedTimeout := nlpsMaxPending, nlpsTimeout
	nlpsMaxPending, nlpsTimeout = 4, 2*time.Second
	t.Cleanup(func() { nlpsMaxPending, nlpsTimeout = saved, savedTimeout })
	r, addr, _ := nlpsSetup(t)
	base := children(t)
	var idle []net.Conn
	for i := 0; i < 6; i++ {
		c := dial(t, "tcp", addr)
		if i == 0 {
			io.WriteString(c, "NLPS:000:") // half a request
		}
		idle = append(idle, c)
		r.waitLog(fmt.Sprintf(`seq %d, type exec`, i+1))
	}
	time.Sleep(100 * time.Millisecond)
	if n := children(t) - base; n != 0 {
		t.Errorf("%d processes for 6 connections that sent no request", n)
	}
	// The two oldest were dropped: they see the connection end.
	for i, c := range idle {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		closed := err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
		if closed != (i < 2) {
			t.Errorf("connection %d: read %v (dropped: want %v)", i, err, i < 2)
		}
	}
	r.waitLog(`NLPS: 4 requests pending on fd \d+: the oldest dropped`)
	// A client that asks gets its service at once.
	c := dial(t, "tcp", addr)
	if text, err := nlps.Request(c, "cat"); err != nil || text != "NLPS (cat) exec: /bin/cat" {
		t.Fatalf("Request: %q, %v", text, err)
	}
	echo(t, c, "past the idle ones")
	// Once the timer runs out the others are closed too.
	for _, c := range idle[2:] {
		c.SetReadDeadline(time.Now().Add(nlpsTimeout + 5*time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("idle connection still open after the request timer: %v", err)
		}
	}
	r.waitLog(`Timed out trying to rcv message to start a service`)
	if got := strings.Count(r.log(), "the oldest dropped"); got != 1 {
		t.Errorf("%d lines about dropped requests, want 1 (one per burst)", got)
	}
}
