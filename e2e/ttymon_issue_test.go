package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
	"github.com/linux-saf/saf/internal/testpty"
)

// TestTTYMonIssueAndTERM: what a user of agetty expects on a login line.
// The issue file's escapes are expanded; the prompt agetty shows,
// "<hostname> login: ", is set up the way the manual tells an admin:
// ttyadm -p '\\n login: ' (the _pmtab decodes one level of backslashes,
// the prompt's escapes the next), then pmadm, under the real sac. A
// service gets TERM=vt102 on a line without -T, as agetty gives a serial
// line or a pty, and the -T value on a line with it.
func TestTTYMonIssueAndTERM(t *testing.T) {
	tmNeedHome(t)
	sb := tmSandbox(t)
	sb.WriteFile(t, "etc/issue", `Welcome to \n on \l (\s) at \b baud, \U`+"\n"+`C:\\SAF\q`+"\n")
	p1, p2 := testpty.Open(t), testpty.Open(t)
	svc := tmScript(t, "term", `echo "TERM=[$TERM]"; read x`)
	if out, errs, code := sacadm(t, sb, "sacadm", "-a", "-p", "ttys", "-t", "ttymon", "-c", testexec.Bin(t, "ttymon"), "-v", "1"); code != 0 {
		t.Fatalf("sacadm -a: exit %d\n%s%s", code, out, errs)
	}
	for _, port := range []struct {
		tag  string
		pty  *testpty.Pair
		more []string
	}{
		{"p1", p1, nil},
		{"p2", p2, []string{"-T", "vt220"}},
	} {
		// What the admin types in a shell: -p '\\n login: '.
		args := append([]string{"-d", port.pty.SlavePath, "-l", "fast", "-s", svc, "-p", `\\n login: `}, port.more...)
		spec, errs, code := sacadm(t, sb, "ttyadm", args...)
		if code != 0 {
			t.Fatalf("ttyadm: exit %d: %s", code, errs)
		}
		if out, errs, code := sacadm(t, sb, "pmadm", "-a", "-p", "ttys", "-s", port.tag, "-i", svcUser(t), "-v", "1", "-m", spec); code != 0 && code != 4 {
			t.Fatalf("pmadm -a: exit %d\n%s%s", code, out, errs)
		}
	}
	tab, err := os.ReadFile(sb.Path("etc/saf/ttys/_pmtab"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tab), `:\\n login\: :`) {
		t.Errorf("the prompt in _pmtab is not `\\\\n login\\: `:\n%s", tab)
	}
	startSac(t, sb, "ttys")

	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	for _, port := range []struct {
		pty  *testpty.Pair
		term string
	}{
		{p1, "vt102"},
		{p2, "vt220"},
	} {
		line := strings.TrimPrefix(port.pty.SlavePath, "/dev/")
		// CR LF (each LF becomes CR LF on the way), the issue file with
		// its escapes expanded and "\q" read as "q", the prompt.
		want := "\r\r\nWelcome to " + host + " on " + line + " (Linux) at 9600 baud, 0 users\r\n" +
			`C:\SAFq` + "\r\n" + host + " login: "
		if got := port.pty.Expect(t, regexp.QuoteMeta(host+" login: ")+"$", tmWait); got != want {
			t.Errorf("%s: prompt bytes\n got %q\nwant %q", line, got, want)
		}
		port.pty.Type(t, "alice\r")
		port.pty.Expect(t, `TERM=\[`+port.term+`\]`, tmWait)
		port.pty.Type(t, "\r")
	}
}
