package ttymon

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  /bin/login  ", []string{"/bin/login"}},
		{"/bin/x a\tb  c", []string{"/bin/x", "a", "b", "c"}},
		{`/bin/x a\ b`, []string{"/bin/x", "a b"}},
		{`/bin/x \101\n \\`, []string{"/bin/x", "A\n", `\`}},
		{`/bin/x "a b"`, []string{"/bin/x", `"a`, `b"`}}, // no quotes
		{`/bin/x a\0b`, []string{"/bin/x", "a"}},         // NUL ends the word
	} {
		got, err := splitArgs(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	many := "/bin/x" + strings.Repeat(" a", MaxArgs-1)
	if got, err := splitArgs(many); err != nil || len(got) != MaxArgs {
		t.Errorf("%d words: %d, %v", MaxArgs, len(got), err)
	}
	if _, err := splitArgs(many + " b"); !errors.Is(err, errTooManyArgs) {
		t.Errorf("%d words: %v", MaxArgs+1, err)
	}
}

// TestServiceArgv pins the login hand-off (docs/linux.md#login-hand-off):
// a name never becomes an option.
func TestServiceArgv(t *testing.T) {
	for _, tc := range []struct {
		svc, name string
		want      []string
		how       handOff
		err       error
	}{
		{"/bin/login", "", []string{"/bin/login"}, handPushBack, nil},
		{"/bin/login", "alice", []string{"/bin/login", "--", "alice"}, handArg, nil},
		{"/usr/bin/login -p", "alice", []string{"/usr/bin/login", "-p", "--", "alice"}, handArg, nil},
		{"/bin/login", "-froot", nil, 0, errBadName},
		{"/bin/login -- %u", "-froot", nil, 0, errBadName},
		{"/sbin/agetty -a %u %d", "bob", []string{"/sbin/agetty", "-a", "bob", "/dev/tty1"}, handArg, nil},
		{"/bin/echo %u", `a b\c`, []string{"/bin/echo", `a b\c`}, handArg, nil},
		{"/bin/sh -c x", "alice", []string{"/bin/sh", "-c", "x"}, handPushBack, nil},
		{"/bin/echo %%u %d", "alice", []string{"/bin/echo", "%u", "/dev/tty1"}, handPushBack, nil},
		{"/bin/sh -c x", "-alice", []string{"/bin/sh", "-c", "x"}, handPushBack, nil},
	} {
		got, how, err := serviceArgv(tc.svc, "/dev/tty1", tc.name)
		if !errors.Is(err, tc.err) || !reflect.DeepEqual(got, tc.want) || (err == nil && how != tc.how) {
			t.Errorf("serviceArgv(%q, %q) = %q, %v, %v; want %q, %v, %v", tc.svc, tc.name, got, how, err, tc.want, tc.how, tc.err)
		}
	}
}

func TestLoginName(t *testing.T) {
	for in, want := range map[string]string{
		"alice\n":        "alice",
		"  alice  x=1\n": "alice",
		"bob\r":          "bob",
		"   \n":          "",
	} {
		if got := loginName([]byte(in)); got != want {
			t.Errorf("loginName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSpawnLimit is the original's check_spawnlimit: 15 opens, then the
// 16th within 120 s of the first is refused, and the count and the window
// start again at the refusal, so that a port a re-read revives gets 15
// opens more, its window counted from the refusal (not from its first open
// after the revival).
func TestSpawnLimit(t *testing.T) {
	var s spawnLimit
	at := func(sec int64) time.Time { return time.Unix(1000+sec, 0) }
	for i := range int64(15) {
		if !s.allow(at(i)) {
			t.Fatalf("open %d refused", i+1)
		}
	}
	if s.allow(at(100)) {
		t.Fatal("16th open within 120 s allowed")
	}
	// Revived at 300 s: 15 opens, then the 16th at 315 s, 215 s after the
	// refusal, starts a new window.
	for i := range int64(15) {
		if !s.allow(at(300 + i)) {
			t.Fatalf("open %d after the revival refused", i+1)
		}
	}
	if !s.allow(at(315)) {
		t.Fatal("16th open after the revival refused: its window is from the refusal")
	}
	// Whole seconds: 14 opens more in the same second, then the 16th at
	// 119 s (less than 120) is refused ...
	for range 14 {
		s.allow(at(315))
	}
	if s.allow(at(315 + 119)) {
		t.Fatal("16th open 119 s after the first allowed")
	}
	// ... and after a refusal the next window starts at the refusal: 15
	// opens at once, the 16th 120 s later is allowed.
	for range 15 {
		s.allow(at(500))
	}
	if !s.allow(at(315 + 119 + 120)) {
		t.Fatal("open 120 s after the window began refused")
	}
}

func TestExpressPrompt(t *testing.T) {
	for in, want := range map[string]string{
		"login: ":         "login: ",
		`host\nlogin: `:   "host\nlogin: ",
		`a\:b`:            `a\`,
		`\033[1m$ `:       "\033[1m$ ",
		"console login: ": "console login: ",
		`trailing\`:       "trailing",
	} {
		if got := expressPrompt(in); got != want {
			t.Errorf("expressPrompt(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseExpress(t *testing.T) {
	var said []string
	say := func(s string) { said = append(said, s) }
	o, err := parseExpress([]string{"-g", "-h", "-d", "/dev/tty1", "-l", "auto", "-t", "30", "-p", "hi: ", "-m", "ldterm,ttcompat", "-T", "vt100"}, say)
	if err != nil {
		t.Fatal(err)
	}
	want := expressOpts{device: "/dev/tty1", label: "auto", prompt: "hi: ", modules: "ldterm,ttcompat", term: "vt100", timeout: 30}
	if o != want {
		t.Errorf("got %+v, want %+v", o, want)
	}
	o, err = parseExpress([]string{"-g"}, say)
	if err != nil || o.label != "9600" || o.prompt != "login: " {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	for _, args := range [][]string{
		{"-d", "/dev/tty1"},       // no -g
		{"-g", "extra"},           // operand
		{"-g", "-x"},              // unknown option
		{"-g", "-t", "1x"},        // bad timeout
		{"-g", "-m", "nosuchmod"}, // bad module list
		{"-g", "-d"},              // missing argument
	} {
		if _, err := parseExpress(args, say); !errors.Is(err, errUsage) {
			t.Errorf("parseExpress(%q) = %v, want usage", args, err)
		}
	}
	if want := `illegal option -- x|Invalid argument for "-t" -- number expected.|` +
		`Error - invalid STREAMS module list <nosuchmod>.|option requires an argument -- d`; strings.Join(said, "|") != want {
		t.Errorf("messages %q, want %q", strings.Join(said, "|"), want)
	}
	// Glued arguments and grouped flags, as getopt(3) reads them.
	o, err = parseExpress([]string{"-hgd/dev/tty2", "-l9600", "--"}, say)
	if err != nil || o.device != "/dev/tty2" || o.label != "9600" {
		t.Errorf("glued: %+v, %v", o, err)
	}
}

func TestAutobaudMatch(t *testing.T) {
	for in, want := range map[string]string{
		"\x00\x00\x00": "110", "\x00": "110", "\xe6\x80": "1200", "\r": "2400",
		"\xf9": "4800", "\xf2": "4800", "\xff": "9600", "": "", "\r\r": "", "a": "",
	} {
		if got := autobaudMatch([]byte(in)); got != want {
			t.Errorf("autobaudMatch(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTTYNr(t *testing.T) {
	// /dev/pts/3 is 136:3; /dev/ttyS0 4:64; a minor above 255.
	for _, tc := range []struct {
		maj, min uint32
		want     int64
	}{{136, 3, 34819}, {4, 64, 1088}, {136, 300, (300 & 0xff) | 136<<8 | (300&^0xff)<<12}} {
		if got := ttyNr(mkdev(tc.maj, tc.min)); got != tc.want {
			t.Errorf("ttyNr(%d:%d) = %d, want %d", tc.maj, tc.min, got, tc.want)
		}
	}
}

func TestUtmpLine(t *testing.T) {
	for in, want := range map[string]string{"/dev/pts/3": "pts/3", "/dev/ttyS0": "ttyS0", "/tmp/x/tty": "tty"} {
		if got := utmpLine(in); got != want {
			t.Errorf("utmpLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHasPercentU(t *testing.T) {
	for in, want := range map[string]bool{"%u": true, "a %u b": true, "%%u": false, "%%%u": true, "%d": false, "%": false} {
		if got := hasPercentU(in); got != want {
			t.Errorf("hasPercentU(%q) = %v", in, got)
		}
	}
}

func mkdev(maj, min uint32) uint64 { return unix.Mkdev(maj, min) }
