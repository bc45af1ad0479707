package listen

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/sacmsg"
)

// rereadDone sends SC_READDB and waits for the n'th re-read to finish
// (complete or failed).
func rereadDone(t *testing.T, r *run, n int) {
	t.Helper()
	r.sac.Want(t, r.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	rx := regexp.MustCompile(`Re-read complete|Re-read failed`)
	deadline := time.Now().Add(10 * time.Second)
	for len(rx.FindAllString(r.log(), -1)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("re-read %d did not finish", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRereadKeepsEndpoints(t *testing.T) {
	id := me(t)
	pa := freePort(t, "tcp4", "127.0.0.1")
	pb := freePort(t, "tcp4", "127.0.0.1")
	pc := freePort(t, "tcp4", "127.0.0.1")
	a := entry("a", "", id, hexAddr(t, "127.0.0.1", pa), "c", "/bin/cat")
	b := entry("b", "", id, hexAddr(t, "127.0.0.1", pb), "c", "/bin/cat")
	r := startListener(t, a+b+entry("dyn", "", id, "", "cd", "/bin/cat"), options{})
	fdA := r.waitLog(`Service a: fd (\d+) addr`)[1]
	dynAddr := r.waitLog(`Service dyn: fd \d+ dynamic addr (\S+)\n`)[1]
	live := dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pa))
	echo(t, live, "before")

	// a keeps its address (new command), b is removed, c is new.
	writeTable(t, r.root, "tcp",
		entry("a", "", id, hexAddr(t, "127.0.0.1", pa), "c", "/bin/echo changed")+
			entry("c", "", id, hexAddr(t, "127.0.0.1", pc), "c", "/bin/cat")+
			entry("dyn", "", id, "", "cd", "/bin/cat"))
	rereadDone(t, r, 1)
	log := r.log()
	for _, want := range []string{
		`Re-reading database`,
		`Service a: fd ` + fdA + ` addr `,
		`Unbind b: fd \d+ addr `,
		`Service c: fd \d+ addr `,
		// Kept, a dynamic address is the bound one, as the original
		// logged it once it had taken it into the entry.
		`Service dyn: fd \d+ addr ` + regexp.QuoteMeta(dynAddr) + `\n`,
		`Re-read complete, 3 addresses bound, \d+ fds free`,
	} {
		if !regexp.MustCompile(want).MatchString(log) {
			t.Errorf("log lacks %q", want)
		}
	}
	if n := strings.Count(log, "Service a: fd "+fdA+" "); n != 2 {
		t.Errorf("service a logged %d times with fd %s, want twice (kept)", n, fdA)
	}
	echo(t, live, "after") // the running session is untouched
	if out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pa))); out != "changed\n" {
		t.Errorf("a's new command printed %q", out)
	}
	echo(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pc)), "new service")
	if c, err := dialNoFail(fmt.Sprintf("127.0.0.1:%d", pb)); err == nil {
		c.Close()
		t.Error("removed service b still accepts")
	}

	// A bad table keeps the old one in force.
	writeTable(t, r.root, "tcp", "a::root:r:r:r:::c:/bin/cat\n")
	rereadDone(t, r, 2)
	r.waitLog(`Data base file: Error on line 2\n.*Re-read failed, keeping old data base\n`)
	echo(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pc)), "old table")

	// An empty table unbinds everything.
	writeTable(t, r.root, "tcp", "")
	rereadDone(t, r, 3)
	r.waitLog(`No database\?  0 entries\?\n(.*Unbind \w+: fd \d+ .*\n){3}.*Re-read complete, 0 addresses bound`)
	echo(t, live, "still alive")
}

// TestRereadVersionIsFatal: a version line that is wrong or missing ends
// the listener on a re-read too, with the original's lines.
func TestRereadVersionIsFatal(t *testing.T) {
	for _, tt := range []struct {
		name, table string
		code        int
		log         string
	}{
		{"version 3", "# VERSION=3\n", exitBadVersion,
			`; Database file is not at the current version: version 3, this listener reads version 4\n.*; \*\*\* listener terminating!!! \*\*\*\n$`},
		{"no version", "a::root:r:r:r:::c::/bin/cat\n", exitNoVersion,
			`; Data base file has been corrupted: no version line \(want "# VERSION=4"\)\n.*; Database file has been corrupted\n.*; \*\*\* listener terminating!!! \*\*\*\n$`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := startListener(t, "", options{})
			os.WriteFile(r.root.PMTab("tcp"), []byte(tt.table), 0o644)
			r.sac.Send(t, sacmsg.SCReadDB)
			if code := r.exit(); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			r.waitLog(`; Re-reading database\n.*` + tt.log)
		})
	}
}

func TestStopLeavesSessions(t *testing.T) {
	id := me(t)
	p := freePort(t, "tcp4", "127.0.0.1")
	r := startListener(t, entry("cat", "", id, hexAddr(t, "127.0.0.1", p), "c", "/bin/cat"), options{})
	live := dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", p))
	echo(t, live, "before")
	r.cancel() // what SIGTERM does in Main
	if code := r.exit(); code != exitSIGTERM {
		t.Errorf("exit %d, want %d", code, exitSIGTERM)
	}
	r.waitLog(`caught SIGTERM \(exiting\)\n.*\*\*\* listener terminating!!! \*\*\*\n$`)
	echo(t, live, "after")
	if c, err := dialNoFail(fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
		c.Close()
		t.Error("the listener's address still accepts")
	}
}

func TestStartupFailures(t *testing.T) {
	for _, tt := range []struct {
		name  string
		table string // "" = none written
		o     options
		code  int
		log   string
	}{
		{"usage", "# VERSION=4\n", options{args: []string{}, noWait: true}, exitFatal, `Usage: listen \[ -m minor_prefix \] network_device\n`},
		{"bad option", "# VERSION=4\n", options{args: []string{"-z", "tcp"}, noWait: true}, exitFatal, `Usage: listen`},
		{"unknown net", "# VERSION=4\n", options{args: []string{"udp"}, noWait: true}, exitFatal, `; no netconfig entry for <udp>\n.*; Listener failed to start properly\n`},
		{"long net", "# VERSION=4\n", options{args: []string{strings.Repeat("t", 65)}, noWait: true}, exitFatal, `Bad netspec on command line \( Pathname too long \)`},
		{"no istate", "# VERSION=4\n", options{noIState: true, noWait: true}, exitFatal, `ERROR: ISTATE variable not set in environment\n`},
		{"no table", "", options{noWait: true}, exitBadTable, `Trouble opening data base file\n`},
		{"no version", "a::root:r:r:r:::c::/bin/cat\n", options{noWait: true}, exitNoVersion, `; Data base file has been corrupted: .*\n.*; Database file has been corrupted\n`},
		{"empty version", "# VERSION=\n", options{noWait: true}, exitNoVersion, `; Data base file has been corrupted: .*\n.*; Database file has been corrupted\n`},
		{"version 2", "# VERSION=2\n", options{noWait: true}, exitBadVersion, `; Database file is not at the current version: version 2, this listener reads version 4\n`},
		{"duplicate", "# VERSION=4\ne::root:r:r:r:::c::/bin/cat\ne::root:r:r:r:::c::/bin/cat\n", options{noWait: true}, exitBadTable, `; Data base file: Duplicate service code: <e>\n`},
		{"illegal", "# VERSION=4\nabcdefghijklmn::root:r:r:r:::c::/bin/cat\n", options{noWait: true}, exitBadTable, `; Data base file: Illegal service code: <abcdefghijklmn>\n`},
		{"bad entry", "# VERSION=4\nx:\n", options{noWait: true}, exitBadTable, `Data base file: Error on line 2\n`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root, s := newRoot(t, "tcp")
			if tt.table != "" {
				os.WriteFile(root.PMTab("tcp"), []byte(tt.table), 0o644)
			}
			r := startIn(t, root, s, tt.o)
			if code := r.exit(); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			r.waitLog(tt.log)
			if !strings.HasSuffix(r.log(), "; *** listener terminating!!! ***\n") {
				t.Errorf("last line is not the terminating line")
			}
		})
	}
	t.Run("no PMTAG", func(t *testing.T) {
		if code := Run(t.Context(), Config{Lookup: func(string) (string, bool) { return "", false }, Stderr: os.Stderr}); code != exitFatal {
			t.Errorf("exit %d", code)
		}
	})
	t.Run("no sacpipe reader", func(t *testing.T) {
		root, s := newRoot(t, "tcp")
		os.Remove(root.SacPipe())
		os.WriteFile(root.SacPipe(), nil, 0o644) // not a FIFO
		r := startIn(t, root, s, options{noWait: true})
		if code := r.exit(); code != exitNoFile {
			t.Errorf("exit %d, want %d", code, exitNoFile)
		}
		r.waitLog(`Can't open pipe to respond to SAC messages\n`)
	})
}

// A second listener for the same tag finds _pid locked, says so in the
// running listener's log, and does not move that log aside.
func TestSecondListener(t *testing.T) {
	r := startListener(t, "", options{})
	r2 := startIn(t, r.root, r.sac, options{noWait: true})
	if code := r2.exit(); code != exitFatal {
		t.Errorf("second listener: exit %d, want %d", code, exitFatal)
	}
	log := r.log()
	// The log is mode 0444: only root can append to the running listener's
	// log; anyone else gets the error on stderr.
	if !strings.Contains(log, "Initialization Complete") ||
		(os.Geteuid() == 0 && !strings.Contains(log, "Can't lock PID file: listener may already be running")) {
		t.Errorf("log:\n%s", log)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(r.root.PMLog("tcp")), "o.log")); err == nil {
		t.Error("the running listener's log was rotated")
	}
	r.sac.Want(t, r.sac.Poll(t, sacmsg.SCStatus), sacmsg.PMStatus, sacmsg.Enabled)
}

func TestLogRotation(t *testing.T) {
	dir := t.TempDir()
	path, old := filepath.Join(dir, "log"), filepath.Join(dir, "o.log")
	os.WriteFile(path, []byte("previous run\n"), 0o644)
	l, err := openLog(path, old, true, logOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if b, _ := os.ReadFile(old); string(b) != "previous run\n" {
		t.Errorf("o.log holds %q after start-up", b)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != logMode {
		t.Errorf("log mode %v", fi.Mode())
	}
	for i := 1; i <= rotateAfter+5; i++ {
		l.Printf("message %d", i)
	}
	oldLog, _ := os.ReadFile(old)
	newLog, _ := os.ReadFile(path)
	if n := strings.Count(string(oldLog), "\n"); n != rotateAfter+1 || !strings.HasSuffix(string(oldLog), "; Restarting log file\n") {
		t.Errorf("o.log: %d lines, ends %q", n, string(oldLog)[max(0, len(oldLog)-40):])
	}
	if !regexp.MustCompile(`^\d\d/\d\d/\d\d \d\d:\d\d:\d\d; \d+; message 1001\n`).Match(newLog) || strings.Count(string(newLog), "\n") != 5 {
		t.Errorf("new log:\n%s", newLog)
	}
	// The listener's own log line format.
	if !regexp.MustCompile(`^\d\d/\d\d/\d\d \d\d:\d\d:\d\d; ` + fmt.Sprint(os.Getpid()) + `; message 1\n`).Match(oldLog) {
		t.Errorf("line format: %q", oldLog[:80])
	}
}

// Connections waiting in the queue of an endpoint that a re-read keeps are
// served afterwards; those of a removed endpoint are refused.
func TestRereadKeepsQueuedConnections(t *testing.T) {
	gate := make(chan struct{})
	beforeAccept = func() { <-gate }
	released := false
	release := func() {
		if !released {
			released = true
			close(gate)
		}
	}
	t.Cleanup(func() { release(); beforeAccept = nil })
	id := me(t)
	pa, pb := freePort(t, "tcp4", "127.0.0.1"), freePort(t, "tcp4", "127.0.0.1")
	a := entry("a", "", id, hexAddr(t, "127.0.0.1", pa), "c", "/bin/cat")
	r := startListener(t, a+entry("b", "", id, hexAddr(t, "127.0.0.1", pb), "c", "/bin/cat"), options{})
	// Both complete their handshake in the kernel and wait in the queue.
	qa := dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pa))
	qb := dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pb))
	io.WriteString(qa, "queued\n")
	writeTable(t, r.root, "tcp", a)
	rereadDone(t, r, 1)
	release()
	b := make([]byte, len("queued\n"))
	if _, err := io.ReadFull(qa, b); err != nil || string(b) != "queued\n" {
		t.Fatalf("queued connection on the kept endpoint: %q, %v", b, err)
	}
	if n, err := qb.Read(b); err == nil {
		t.Errorf("queued connection on the removed endpoint read %q", b[:n])
	}
}

// Deferred lines keep their order with the immediate ones, count toward
// rotation and reach the file by Flush, Printf, dup, Close or size.
func TestLogDefer(t *testing.T) {
	dir := t.TempDir()
	path, old := filepath.Join(dir, "log"), filepath.Join(dir, "o.log")
	l, err := openLog(path, old, false, logOptions)
	if err != nil {
		t.Fatal(err)
	}
	lines := func(p string) []string {
		b, _ := os.ReadFile(p)
		var out []string
		for _, s := range strings.SplitAfter(string(b), "\n") {
			if _, msg, ok := strings.Cut(s, "; "); ok {
				_, msg, _ = strings.Cut(msg, "; ")
				out = append(out, strings.TrimSuffix(msg, "\n"))
			}
		}
		return out
	}
	l.Defer("one")
	l.Defer("two")
	if got := lines(path); len(got) != 0 {
		t.Fatalf("deferred lines written at once: %q", got)
	}
	l.Printf("three")
	l.Defer("four")
	l.Flush()
	l.Defer("five")
	f, err := l.dup()
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	l.Defer("six")
	if got, want := strings.Join(lines(path), ","), "one,two,three,four,five"; got != want {
		t.Errorf("log holds %s, want %s", got, want)
	}
	// Enough to pass deferMax: written without a Flush.
	for i := range deferMax / 20 {
		l.Defer("filler %d", i)
	}
	if n := len(lines(path)); n <= 5 {
		t.Errorf("%d lines written after %d bytes queued", n, deferMax)
	}
	// Rotation counts deferred lines and keeps them in the old file.
	for l.n != 0 {
		l.Defer("more")
	}
	oldLines := lines(old)
	if len(oldLines) != rotateAfter+1 || oldLines[len(oldLines)-1] != "Restarting log file" || oldLines[len(oldLines)-2] != "more" {
		t.Errorf("o.log: %d lines, last %q", len(oldLines), oldLines[max(0, len(oldLines)-2):])
	}
	l.Defer("seven")
	l.Close()
	if got := lines(path); len(got) != 1 || got[0] != "seven" {
		t.Errorf("after Close the new log holds %q", got)
	}
}
