package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/saf/pmtab"
	"golang.org/x/sys/unix"
)

// tmKeys is a service that shows the name it was given (%u in its
// command, or the line it reads back when it has no argument) and the
// erase and kill characters of its session, as stty -a prints them.
const tmKeys = `echo "ARGV=[$*]"
echo "KEYS=[$(stty -a | grep -o 'erase = [^;]*; kill = [^;]*')]"
echo "ICRNL=[$(stty -a | tr ' ' '\n' | grep -x -- '-\{0,1\}icrnl')]"
if [ $# -eq 0 ]; then read line; echo "READ=[$line]"; fi
`

// TestTTYMonEraseKeys: at the prompt both BS and DEL erase and both ^U
// and ^X kill, whatever the line's VERASE and VKILL (DEL and ^U here,
// from "sane"); the service gets the edited name, and its session the
// erase and kill keys the user typed (man/ttymon.8, "Reading the name").
//
// Ports with a timeout prompt from the per-port child, which reads the
// name itself and echoes the erase as canonical mode with echoe would.
// A plain port's first line is typed at the parent's prompt and edited
// by the kernel, which echoes ^H; the child applies BS and ^X to it
// afterwards.
func TestTTYMonEraseKeys(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	// A label without icrnl: RETURN's CR ends the name all the same, and
	// the session gets the mapping, as agetty gives it.
	sb.WriteFile(t, "etc/ttydefs", tmDefs+"nocr:9600:9600 sane -icrnl::nocr\n")
	svc := tmScript(t, "keys", tmKeys)
	cases := []struct {
		name, typed, service, label string
		timeout                     pmtab.Decimal
		echo                        string // what the line shows for typed
		want                        []string
	}{
		{"BS", "rooX\bt\r", svc + " %u", "fast", "60", "rooX\b \bt\r\n",
			[]string{"ARGV=[root]", "KEYS=[erase = ^H; kill = ^U]"}},
		{"DEL", "rooX\x7ft\r", svc + " %u", "fast", "60", "rooX\b \bt\r\n",
			[]string{"ARGV=[root]", "KEYS=[erase = ^?; kill = ^U]"}},
		{"^U", "junk\x15rooX\bt\r", svc + " %u", "fast", "60", "junk\b \b\b \b\b \b\b \brooX\b \bt\r\n",
			[]string{"ARGV=[root]", "KEYS=[erase = ^H; kill = ^U]"}},
		{"^X, pushed back", "junk\x18root\r", svc, "fast", "60", "junk\b \b\b \b\b \b\b \broot\r\n",
			[]string{"ARGV=[]", "KEYS=[erase = ^?; kill = ^X]", "READ=[root]"}},
		{"CR without icrnl", "root\r", svc + " %u", "nocr", "60", "root\r\r\n",
			[]string{"ARGV=[root]", "ICRNL=[icrnl]"}},
		{"BS at the parent's prompt", "rooX\bt\r", svc + " %u", "fast", "", "rooX^Ht\r\n",
			[]string{"ARGV=[root]", "KEYS=[erase = ^H; kill = ^U]"}},
	}
	var tab string
	ptys := make([]*testpty.Pair, len(cases))
	for i, c := range cases {
		ptys[i] = testpty.Open(t)
		tab += tmLine(string(rune('a'+i)), "", svcUser(t), pmtab.TTY{
			Device: ptys[i].SlavePath, Service: c.service, Label: c.label, Prompt: "login: ", Timeout: c.timeout,
		})
	}
	startTTYMon(t, sb, "tm", tab)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pty := ptys[i]
			pty.Expect(t, `login: $`, tmWait)
			if c.timeout != "" {
				waitReading(t, pty)
			}
			pty.Type(t, c.typed)
			got := pty.Expect(t, `ICRNL=\[[^]]*\]\r\n`, tmWait)
			// The echo, once, then the service.
			if !strings.HasPrefix(got, c.echo+"ARGV=") {
				t.Errorf("echo of %q: %q, want %q before the service's output", c.typed, got, c.echo)
			}
			if !strings.Contains(c.service, "%u") {
				got += pty.Expect(t, `READ=\[[^]]*\]`, tmWait)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("service output lacks %q:\n%q", w, got)
				}
			}
		})
	}
}

// waitReading waits until the port's child reads the name byte by byte
// (canonical mode off), or the kernel would edit what is typed now.
func waitReading(t *testing.T, pty *testpty.Pair) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for pty.SlaveTermios(t).Lflag&unix.ICANON != 0 {
		if time.Now().After(deadline) {
			t.Errorf("the line is still in canonical mode at the prompt")
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTTYMonEraseModesRestored: a child stopped while it reads the name
// (here by a re-read that changes its port) puts the line's modes back
// first. The reading modes (no canonical mode, no echo) would otherwise
// stay on the line for its next prompt: the initial modes of the shipped
// labels do not turn canonical mode on again.
func TestTTYMonEraseModesRestored(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	pty := testpty.Open(t)
	svc := tmScript(t, "keys", tmKeys)
	entry := pmtab.TTY{Device: pty.SlavePath, Service: svc, Label: "fast", Prompt: "login: ", Timeout: "60"}
	r := startTTYMon(t, sb, "tm", tmLine("a", "", svcUser(t), entry))
	pty.Expect(t, `login: $`, tmWait)
	waitReading(t, pty)
	pty.Type(t, "ro")
	pty.Expect(t, `ro$`, tmWait)

	// Without the timeout the parent prompts, and the line keeps the
	// modes it gets then until a name is typed.
	entry.Timeout, entry.Prompt = "", "again: "
	r.rewrite(tmLine("a", "", svcUser(t), entry))
	pty.Expect(t, `again: $`, tmWait)
	if l := pty.SlaveTermios(t).Lflag; l&unix.ICANON == 0 || l&unix.ECHO == 0 {
		t.Errorf("lflag %#o at the new prompt: canonical mode or echo is off", l)
	}
	pty.Type(t, "rooX\bt\r")
	got := pty.Expect(t, `ICRNL=\[[^]]*\]\r\n`, tmWait)
	if !strings.Contains(got, "KEYS=[erase = ^H; kill = ^U]") {
		t.Errorf("after the re-read: %q", got)
	}
}
