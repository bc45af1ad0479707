package ttymon

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/testpty"
	"github.com/linux-saf/saf/internal/utmp"
	"github.com/linux-saf/saf/saf/paths"
	"golang.org/x/sys/unix"
)

// testOSRelease is an os-release file with the traps of the format:
// quotes, a comment, a variable whose name starts with another's, blanks
// around '=', and a variable set twice.
const testOSRelease = `# a comment: PRETTY_NAME="not this"
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
ID_LIKE=none
ID=debian
VERSION_ID = "12"   
ANSI_COLOR="1;31"
;HOME_URL="https://example.org/"
  BUG_REPORT_URL='quoted'
TWICE=first
TWICE=second
`

// testValues are the values the table of TestExpandIssue expands with.
func testValues() *issueValues {
	return &issueValues{
		Sysname: "Linux", Nodename: "vm", Release: "6.1.0-18-amd64",
		Version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)", Machine: "x86_64",
		Domain: "(none)", DNSDomain: "example.org",
		Line:      "ttyS0",
		Speed:     115200,
		Now:       time.Date(2024, time.September, 5, 7, 3, 9, 0, time.UTC),
		Users:     3,
		OSRelease: []byte(testOSRelease),
		Ifaces: []issueIface{
			{Name: "lo", Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}},
			{Name: "eth0", Best: false, Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.9")}}, // down
			{Name: "eth1", Best: true, Addrs: []netip.Addr{netip.MustParseAddr("fe80::1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.3")}},
		},
		HostAddrs: []netip.Addr{netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("2001:db8::7")},
	}
}

func TestExpandIssue(t *testing.T) {
	tests := []struct {
		in, want string
		v        func(*issueValues) // changes to testValues
	}{
		{in: "", want: ""},
		{in: "plain text\n", want: "plain text\n"},
		{in: `Debian GNU/Linux 12 \n \l`, want: "Debian GNU/Linux 12 vm ttyS0"},
		{in: `\n login: `, want: "vm login: "},
		{in: `\s \n \r \v \m`, want: "Linux vm 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64"},
		{in: `This is \n.\o (\s \m \r) \t`, want: "This is vm.(none) (Linux x86_64 6.1.0-18-amd64) 07:03:09"},
		{in: `\O`, want: "example.org"},
		{in: `\O`, want: "unknown_domain", v: func(v *issueValues) { v.DNSDomain = "" }},
		{in: `\d`, want: "Thu Sep  5  2024"},
		{in: `\d`, want: "Fri Dec 31  1999", v: func(v *issueValues) { v.Now = time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC) }},
		{in: `\t`, want: "07:03:09"},
		{in: `at \b baud`, want: "at 115200 baud"},
		{in: `at \b baud`, want: "at  baud", v: func(v *issueValues) { v.Speed = -1 }},
		{in: `at \b baud`, want: "at  baud", v: func(v *issueValues) { v.Speed = 0 }},
		// \u is followed by a space, as agetty writes it.
		{in: `[\u]`, want: "[3 ]"},
		{in: `\U`, want: "3 users"},
		{in: `\U`, want: "1 user", v: func(v *issueValues) { v.Users = 1 }},
		{in: `\U`, want: "0 users", v: func(v *issueValues) { v.Users = 0 }},
		// os-release.
		{in: `\S`, want: "Debian GNU/Linux 12 (bookworm)"},
		{in: `\S{ID}`, want: "debian"},
		{in: `\S{ID_LIKE}`, want: "none"},
		{in: `\S{VERSION_ID}`, want: "12"},
		{in: `\S{TWICE}`, want: "second"},
		{in: `\S{HOME_URL}`, want: ""},
		{in: `\S{BUG_REPORT_URL}`, want: "'quoted'"},
		{in: `\S{NOPE}!`, want: "!"},
		{in: `\S{ANSI_COLOR}`, want: "\033[1;31m"},
		{in: `\S`, want: "Linux", v: func(v *issueValues) { v.OSRelease = nil }},
		{in: `\S{ID}`, want: "", v: func(v *issueValues) { v.OSRelease = nil }},
		{in: `\S`, want: "Linux", v: func(v *issueValues) { v.OSRelease = []byte("NAME=x\n") }},
		// Addresses.
		{in: `\4`, want: "192.0.2.2"},
		{in: `\6`, want: "fe80::1"},
		{in: `\4{lo} \6{lo}`, want: "127.0.0.1 ::1"},
		{in: `\4{eth0}`, want: "10.0.0.9"},
		{in: `[\6{eth0}]`, want: "[]"},
		{in: `[\4{wlan9}]`, want: "[]"},
		{in: `\4 \6`, want: "198.51.100.7 2001:db8::7", v: func(v *issueValues) { v.Ifaces = v.Ifaces[:2] }},
		{in: `[\4]`, want: "[]", v: func(v *issueValues) { v.Ifaces, v.HostAddrs = nil, nil }},
		// Colours.
		{in: `\e[0m`, want: "\033[0m"},
		{in: `\e{red}Alert\e{reset}`, want: "\033[31mAlert\033[0m"},
		{in: `\e{lightgray}\e{yellow}\e{white}`, want: "\033[37m\033[1;33m\033[1;37m"},
		{in: `[\e{nosuchcolour}]`, want: "[]"},
		{in: `[\e{}]`, want: "[]"},
		// Unknown escapes stand for the character; the literal backslash.
		{in: `back\\slash`, want: `back\slash`},
		{in: `\\n is not the host`, want: `\n is not the host`},
		{in: `\\\n`, want: `\vm`},
		{in: `\q\z\ \{`, want: "qz {"},
		{in: `{n}\x{`, want: "{n}x{"},
		{in: "tab\\\tnewline\\\n", want: "tab\tnewline\n"},
		{in: `end\`, want: `end\`},
		{in: `\`, want: `\`},
		{in: "nul\\\x00", want: "nul\x00"},
		// Arguments: only e, S, 4 and 6 take one; an unterminated one
		// takes the rest of the text.
		{in: `\n{x}`, want: "vm{x}"},
		{in: `\S{ID and more`, want: "Debian GNU/Linux 12 (bookworm)"},
		{in: `\e{red`, want: "\033"},
		{in: `\4{eth0`, want: "192.0.2.2"},
		{in: `\S{I{D}}`, want: "}"},
		// Bytes that are not UTF-8 pass through.
		{in: "\xff\\l\xfe", want: "\xffttyS0\xfe"},
	}
	for _, tt := range tests {
		v := testValues()
		if tt.v != nil {
			tt.v(v)
		}
		if got := string(expandIssue(nil, tt.in, v)); got != tt.want {
			t.Errorf("expandIssue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeSet(t *testing.T) {
	tests := []struct {
		in   string
		want string // the letters used
	}{
		{"", ""},
		{"no escapes", ""},
		{`\n \l`, "ln"},
		{`\\n`, `\`},
		{`\S{a\u}\4`, "4S"},
		{`\e{x`, "e"},
		{`x\`, ""},
		{"\\\x00", "\x00"},
	}
	for _, tt := range tests {
		var set escapeSet
		found := set.add(tt.in)
		var got []byte
		for c, in := range set {
			if in {
				got = append(got, byte(c))
			}
		}
		if string(got) != tt.want || found != strings.Contains(tt.in, `\`) {
			t.Errorf("escapes of %q: %q (found %v), want %q", tt.in, got, found, tt.want)
		}
	}
}

func TestVirtualConsole(t *testing.T) {
	tests := []struct {
		major, minor uint32
		active       string
		want         bool
	}{
		{4, 0, "", true},   // /dev/tty0
		{4, 1, "", true},   // /dev/tty1
		{4, 63, "", true},  // /dev/tty63
		{4, 64, "", false}, // /dev/ttyS0
		{4, 65, "", false},
		{5, 1, "tty0\n", true},
		{5, 1, "ttyS0 tty0\n", true},
		{5, 1, "tty0 ttyS0\n", false},
		{5, 1, "ttyS0\n", false},
		{5, 1, "hvc0\n", false},
		{5, 1, "tty\n", false},
		{5, 1, "", false},
		{5, 0, "tty0\n", false},   // /dev/tty
		{136, 3, "", false},       // /dev/pts/3
		{188, 0, "tty1\n", false}, // /dev/ttyUSB0
	}
	for _, tt := range tests {
		if got := virtualConsole(tt.major, tt.minor, tt.active); got != tt.want {
			t.Errorf("virtualConsole(%d, %d, %q) = %v, want %v", tt.major, tt.minor, tt.active, got, tt.want)
		}
	}
}

// TestTermType: a configured type wins; a pseudo-terminal is a serial
// line to agetty, and so is anything that is not a device.
func TestTermType(t *testing.T) {
	pty := testpty.Open(t)
	slave := pty.OpenSlave(t)
	fd := int(slave.Fd())
	if got := termType(fd, "vt220"); got != "vt220" {
		t.Errorf("configured: TERM %q", got)
	}
	if got := termType(fd, ""); got != "vt102" {
		t.Errorf("pty: TERM %q, want vt102", got)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := termType(int(f.Fd()), ""); got != "vt102" {
		t.Errorf("%s: TERM %q, want vt102", os.DevNull, got)
	}
	if got := termType(-1, ""); got != "vt102" {
		t.Errorf("no descriptor: TERM %q, want vt102", got)
	}
}

// TestPromptText: the escapes are expanded in the issue file and the
// prompt, the values gathered for the line; the disable message stays
// as it is.
func TestPromptText(t *testing.T) {
	dir := t.TempDir()
	root := paths.New(dir)
	write(t, root.Issue(), `Welcome to \n on \l at \b, \U; \\ and \q`+"\n")
	// One user session and one getty waiting: \U counts the first.
	if err := os.MkdirAll(filepath.Dir(root.Utmp()), 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, r := range []utmp.Record{
		{Type: utmp.UserProcess, Pid: 10, Line: "pts/1", ID: "ts/1", User: "alice", Time: now},
		utmp.LoginRecord(11, "ttyS1", "S1", now),
	} {
		if err := utmp.Put(root.Utmp(), r); err != nil {
			t.Fatal(err)
		}
	}
	pty := testpty.Open(t)
	slave := pty.OpenSlave(t)
	tio := pty.SlaveTermios(t)
	tio.Cflag = tio.Cflag&^unix.CBAUD | unix.B4800
	if err := unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimPrefix(pty.SlavePath, "/dev/")
	issue := "Welcome to " + host + " on " + line + " at 4800, 1 user; \\ and q\n"

	got := string(promptText(root, int(slave.Fd()), pty.SlavePath, `\n login: `, false, true))
	if want := "\r\n" + issue + host + " login: "; got != want {
		t.Errorf("prompt:\n got %q\nwant %q", got, want)
	}
	got = string(promptText(root, int(slave.Fd()), pty.SlavePath, `\n is \l: closed`, true, false))
	if want := issue + `\n is \l: closed`; got != want {
		t.Errorf("disable message:\n got %q\nwant %q", got, want)
	}
	// No issue file, no escapes: the prompt as it is.
	if err := os.Remove(root.Issue()); err != nil {
		t.Fatal(err)
	}
	if got := string(promptText(root, int(slave.Fd()), pty.SlavePath, "login: ", false, true)); got != "\r\nlogin: " {
		t.Errorf("plain prompt %q", got)
	}
}

// TestIssueMatchesAgetty compares the expansion with agetty's own, where
// util-linux's agetty is installed: "agetty --show-issue" expands an
// issue file for the terminal on its standard input as it would for the
// line tty1 (its default line). Only the escapes whose values cannot
// change between the two runs are compared: not \d and \t.
func TestIssueMatchesAgetty(t *testing.T) {
	agetty, err := exec.LookPath("agetty")
	if err != nil {
		for _, p := range []string{"/usr/sbin/agetty", "/sbin/agetty"} {
			if _, err := os.Stat(p); err == nil {
				agetty = p
			}
		}
	}
	if agetty == "" {
		t.Skip("agetty (util-linux) is not installed")
	}
	text := `n=\n l=\l s=\s r=\r v=\v m=\m o=\o O=\O b=\b u=\u U=\U` + "\n" +
		`S=\S S{ID}=\S{ID} S{NOPE}=\S{NOPE} S{ANSI_COLOR}=\S{ANSI_COLOR}` + "\n" +
		`e=\e e{red}=\e{red} e{reset}=\e{reset} e{nope}=\e{nope} e{}=\e{}` + "\n" +
		`4=\4 6=\6 4{lo}=\4{lo} 6{lo}=\6{lo} 4{nope}=\4{nope}` + "\n" +
		`bs=\\ x=\x brace=\{ unterminated=\S{ID` + "\n"
	file := filepath.Join(t.TempDir(), "issue")
	write(t, file, text)
	pty := testpty.Open(t)
	slave := pty.OpenSlave(t)
	var out, errs bytes.Buffer
	cmd := exec.Command(agetty, "--issue-file", file, "--show-issue")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, &out, &errs
	if err := cmd.Run(); err != nil {
		t.Skipf("agetty --show-issue: %v: %s", err, errs.String())
	}
	v := gatherIssue("/var/run/utmp", int(slave.Fd()), "/dev/tty1", text)
	got := string(expandIssue(nil, text, v))
	if got != out.String() {
		t.Errorf("expansion differs from agetty's:\n got %q\nwant %q", got, out.String())
	}
}

// FuzzIssueEscapes: the expansion never fails; text without escapes is
// written as it is (promptText relies on it, with no values at all);
// text whose backslashes are doubled comes back unchanged.
func FuzzIssueEscapes(f *testing.F) {
	for _, s := range []string{
		"", "plain", `Debian GNU/Linux 12 \n \l`, `\S{ID} \4{lo} \e{red}x\e{reset}`,
		`\U \u \d \t \b \O \o`, `\`, `\\`, `\S{unterminated`, "\xff\\\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var set escapeSet
		if !set.add(s) {
			if got := string(expandIssue(nil, s, nil)); got != s {
				t.Fatalf("text without escapes %q became %q", s, got)
			}
		}
		_ = expandIssue(nil, s, testValues())
		quoted := strings.ReplaceAll(s, `\`, `\\`)
		if got := string(expandIssue(nil, quoted, testValues())); got != s {
			t.Fatalf("quoted %q became %q", quoted, got)
		}
	})
}
