package e2e

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// TestStressTTYMon: one ttymon (fake sac) with two ports. Port p1's
// device is a symlink in the sandbox to a pty, so the device can vanish
// and come back as another pty; port p2 is the witness that must keep
// working whatever p1 goes through. p1 is put through hang-ups during the
// prompt, a hang-up while the child reads the name (its reads fail),
// floods of BREAKs (NUL bytes on a pty), a 1 MB line, and its device
// disappearing for a while: each time it must be re-armed, or back off
// without spinning (ttymon's CPU is measured while the device is gone),
// and come back when the table is re-read (a port that failed 15 opens in
// 120 s waits for the next re-read).
func TestStressTTYMon(t *testing.T) {
	full := stressing()
	pick := func(stress, quick int) int {
		if full {
			return stress
		}
		return quick
	}
	stressN(t, 1, 0) // about 5 s even with a cycle of each: make stress only
	deadline := stressBudget(150*time.Second, 30*time.Second)
	tmNeedHome(t)
	row := newRow(t, "ttymon: hangup/EIO/BREAK flood/1MB line/device gone")
	fail := func(format string, args ...any) {
		t.Helper()
		row.Failures++
		t.Errorf(format, args...)
	}
	sb := tmSandbox(t)
	link := sb.Path("/dev/line1")
	if err := os.MkdirAll(sb.Path("/dev"), 0o755); err != nil {
		t.Fatal(err)
	}
	p1 := testpty.Open(t)
	if err := os.Symlink(p1.SlavePath, link); err != nil {
		t.Fatal(err)
	}
	p2 := testpty.Open(t)
	svc := tmScript(t, "svc", "echo SVC-RAN\n")
	tab := tmLine("p1", "", svcUser(t), pmtab.TTY{Device: link, Service: svc, Label: "fast", Prompt: "login: "}) +
		tmLine("p2", "", svcUser(t), pmtab.TTY{Device: p2.SlavePath, Service: svc, Label: "fast", Prompt: "login: "})
	r := startTTYMon(t, sb, "tm", tab)
	pid := r.cmd.Process.Pid
	p1.Expect(t, `login: $`, tmWait)
	p2.Expect(t, `login: $`, tmWait)
	// revive re-reads the table: a port that gave up comes back.
	revive := func() {
		r.sac.Want(t, r.sac.Poll(t, sacmsg.SCReadDB), sacmsg.PMStatus, sacmsg.Enabled)
	}
	// witness proves p2 still prompts and starts its service.
	witness := func(when string) {
		t.Helper()
		defer func() { t.Logf("%s: ttymon has %d fds, %d KiB RSS", when, fdCount(pid), rssKiB(pid)) }()
		p2.Type(t, "w\r")
		if out := p2.Expect(t, `login: $`, tmWait); !strings.Contains(out, "SVC-RAN") {
			fail("p2 %s: no service run: %q", when, out)
		}
		row.Iterations++
	}
	// prompt waits for p's prompt. A port that failed 15 opens within
	// 120 s gives up until the table is re-read: then the table is
	// re-read, once, and the prompt must come.
	// A port whose pty has gone away gives up the same way (ttymon(8),
	// "Pseudo-terminal lines").
	gaveUp := func() int {
		l := r.log()
		return strings.Count(l, "is respawning too rapidly") + strings.Count(l, "has gone away")
	}
	revives := 0
	prompt := func(p *testpty.Pair, what string) {
		t.Helper()
		ok, dead := readUntil(p, regexp.MustCompile(`login: $`), func() bool { return gaveUp() > revives }, tmWait)
		if dead {
			revives++
			revive()
			ok, _ = readUntil(p, regexp.MustCompile(`login: $`), func() bool { return false }, tmWait)
		}
		if !ok {
			t.Fatalf("p1 %s: no prompt", what)
		}
	}
	witness("at the start")
	time.Sleep(200 * time.Millisecond)
	row.before(pid)

	// 1. Hang-ups during the prompt (vhangup of the line, as a modem
	// dropping carrier would).
	// Without CAP_SYS_ADMIN there is no vhangup: phases 1 and 2 are
	// left out.
	hangups := pick(60, 2)
	for i := 0; i < hangups && time.Now().Before(deadline); i++ {
		s := p1.OpenSlave(t)
		if err := unix.IoctlSetInt(int(s.Fd()), unix.TIOCVHANGUP, 0); err != nil {
			t.Logf("TIOCVHANGUP: %v (needs CAP_SYS_ADMIN): no hang-ups", err)
			s.Close()
			hangups = 0
			break
		}
		s.Close()
		prompt(p1, "after a hang-up")
		row.Iterations++
	}
	witness("after the hang-ups")
	memMid := rssKiB(pid) // the heap has grown to its working size

	// 2. A hang-up while the child reads the name: its reads fail (EIO
	// or end of file), it exits, and the port is reopened.
	for i, n := 0, min(hangups, pick(30, 1)); i < n && time.Now().Before(deadline); i++ {
		// An empty line: the child starts, prompts again and reads.
		p1.Type(t, "\r")
		p1.Expect(t, `login: $`, tmWait)
		waitFor(t, "the child to read", func() bool { return len(children(pid)) > 0 })
		s := p1.OpenSlave(t)
		unix.IoctlSetInt(int(s.Fd()), unix.TIOCVHANGUP, 0)
		s.Close()
		prompt(p1, "after a hang-up in the child")
		row.Iterations++
	}
	witness("after the child hang-ups")

	// 3. Floods of BREAKs: a pty delivers a BREAK as a NUL byte; each
	// one moves the child to the next speed and prompts again.
	for i, n := 0, pick(20, 1); i < n && time.Now().Before(deadline); i++ {
		p1.Type(t, strings.Repeat("\x00", pick(500, 20)))
		p1.ReadAll(t, 500*time.Millisecond)
		if i == n-1 {
			// The flood is over: the child waits for a name without
			// spinning.
			kids := children(pid)
			var c0 int
			for k := range kids {
				c, _ := cpuTicks(k)
				c0 += c
			}
			t0 := time.Now()
			time.Sleep(2 * time.Second)
			c1 := 0
			for k := range kids {
				c, _ := cpuTicks(k)
				c1 += c
			}
			busy := float64(c1-c0) / 100 / time.Since(t0).Seconds()
			t.Logf("after a flood of BREAKs: %d children used %.2f%% CPU", len(kids), 100*busy)
			if len(kids) == 0 || busy > 0.01 {
				fail("after a flood of BREAKs: %d children, %.2f%% CPU", len(kids), 100*busy)
			}
		}
		p1.Type(t, "\r") // an empty line: the prompt again
		p1.Expect(t, `login: $`, tmWait)
		row.Iterations++
	}
	p1.Type(t, "u\r")
	if out := p1.Expect(t, `login: $`, tmWait); !strings.Contains(out, "SVC-RAN") {
		fail("p1 after the BREAK floods: no service run: %q", out)
	}
	witness("after the BREAK floods")

	// 4. A 1 MB line typed at the prompt.
	for i, n := 0, pick(3, 1); i < n && time.Now().Before(deadline); i++ {
		big := strings.Repeat("a", pick(1<<20, 64<<10))
		typed := make(chan error, 1)
		go func() { // typed while the echo is read
			p1.Master.SetWriteDeadline(time.Now().Add(time.Minute))
			_, err := p1.Master.Write([]byte(big + "\r"))
			typed <- err
		}()
		// The child reads the start of the line, finds no end of line
		// in it and exits; the port is reopened with a fresh prompt.
		p1.Expect(t, `login: $`, time.Minute)
		if err := <-typed; err != nil {
			fail("typing a long line: %v", err)
		}
		p1.ReadAll(t, 300*time.Millisecond)
		p1.Type(t, "\r")
		prompt(p1, "after a 1 MB line")
		row.Iterations++
	}
	witness("after the long lines")

	// 5. The device disappears (the pty master closed, the symlink
	// removed) for a while, then comes back as another pty.
	gone := time.Duration(pick(10, 1)) * time.Second
	for i, n := 0, pick(6, 2); i < n && time.Now().Before(deadline); i++ {
		if i%2 == 1 {
			// This time the child holds the line, reading a name:
			// its reads fail, then the parent's reopen does.
			p1.Type(t, "\r")
			p1.Expect(t, `login: $`, tmWait)
			waitFor(t, "the child to read", func() bool { return len(children(pid)) > 0 })
		}
		p1.Master.Close()
		os.Remove(link)
		time.Sleep(200 * time.Millisecond) // let it notice
		c0, _ := cpuTicks(pid)
		t0 := time.Now()
		time.Sleep(gone / 2)
		witness("while p1's device is gone")
		time.Sleep(gone / 2)
		c1, _ := cpuTicks(pid)
		busy := float64(c1-c0) / 100 / time.Since(t0).Seconds()
		t.Logf("device gone for %v: ttymon used %.2f%% CPU", time.Since(t0), 100*busy)
		limit := 0.01
		if !full {
			limit = 0.05 // one clock tick is 1% of a second
		}
		if busy > limit {
			fail("ttymon used %.2f%% CPU while the device was gone", 100*busy)
		}
		p1 = testpty.Open(t)
		if err := os.Symlink(p1.SlavePath, link); err != nil {
			t.Fatal(err)
		}
		prompt(p1, "after the device came back")
		row.Iterations++
	}
	witness("at the end")
	t.Logf("p1 gave up and was revived by a re-read %d times", revives)

	row.FDsAfter = waitFlat(pid, row.FDsBefore, 5*time.Second)
	row.MemAfter = rssKiB(pid)
	row.Zombies = zombieCount(pid)
	if row.FDsAfter > row.FDsBefore {
		fail("descriptors: %d before, %d after", row.FDsBefore, row.FDsAfter)
	}
	if row.Zombies > 0 {
		fail("%d zombies", row.Zombies)
	}
	if row.MemAfter > memMid+2*1024 {
		fail("RSS grew from %d KiB after the first phase to %d KiB", memMid, row.MemAfter)
	}
	if r.cmd.ProcessState != nil {
		fail("ttymon exited")
	}
}

// readUntil reads what the line writes until re matches the text read
// (true, false), stop returns true (false, true) or d has passed. Unlike
// testpty's Expect it does not fail the test, and it keeps nothing: the
// caller has consumed everything before.
func readUntil(p *testpty.Pair, re *regexp.Regexp, stop func() bool, d time.Duration) (matched, stopped bool) {
	var got []byte
	buf := make([]byte, 64<<10)
	for end := time.Now().Add(d); time.Now().Before(end); {
		p.Master.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := p.Master.Read(buf)
		got = append(got, buf[:n]...)
		if len(got) > 1<<20 {
			got = got[len(got)-4096:]
		}
		if re.Match(got) {
			return true, false
		}
		if errors.Is(err, syscall.EIO) {
			time.Sleep(5 * time.Millisecond)
		}
		if stop() {
			return false, true
		}
	}
	return false, false
}
