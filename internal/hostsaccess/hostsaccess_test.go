package hostsaccess

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func parse(t testing.TB, s string) *Rules {
	t.Helper()
	rs, err := Parse(strings.NewReader(s), "f")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestParse(t *testing.T) {
	rs := parse(t, "# comment\n\n  \nin.telnetd, echo : 10.0.0.1 [::1]/128 : spawn x : deny\n"+
		"ALL EXCEPT a\\\n :\\\n 127.\n"+
		"no separator here\n"+
		" #not a comment : ALL\n"+
		"x : [fe80::1:2]:allow")
	want := []Rule{
		{File: "f", Line: 4, Daemons: []string{"in.telnetd", "echo"}, Clients: []string{"10.0.0.1", "[::1]/128"}, Options: "spawn x : deny"},
		{File: "f", Line: 5, Daemons: []string{"ALL", "EXCEPT", "a"}, Clients: []string{"127."}},
		{File: "f", Line: 9, Daemons: []string{"#not", "a", "comment"}, Clients: []string{"ALL"}},
		{File: "f", Line: 10, Daemons: []string{"x"}, Clients: []string{"[fe80::1:2]"}, Options: "allow"},
	}
	if !reflect.DeepEqual(rs.List, want) {
		t.Errorf("rules:\n%+v\nwant\n%+v", rs.List, want)
	}
	var le *LineError
	if len(rs.Errors) != 1 || !errors.As(rs.Errors[0], &le) || le.Line != 8 || !errors.Is(le, ErrNoSeparator) {
		t.Errorf("errors: %v", rs.Errors)
	}
	if v := rs.List[0].Verdict(); v != "deny" {
		t.Errorf("verdict %q", v)
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		rule, daemon, addr string
		want               bool
	}{
		{"ALL : ALL", "x", "1.2.3.4", true},
		{"all : all except 1.2.3.4", "x", "1.2.3.4", false},
		{"all : all except 1.2.3.4", "x", "1.2.3.5", true},
		{"echo : ALL", "ECHO", "1.2.3.4", true},
		{"echo : ALL", "echod", "1.2.3.4", false},
		{"echo@host : ALL", "echo", "1.2.3.4", false},
		{"ALL EXCEPT echo : ALL", "echo", "1.2.3.4", false},
		{"ALL EXCEPT echo : ALL", "time", "1.2.3.4", true},
		{"ALL : 127.0.0.1", "x", "127.0.0.1", true},
		{"ALL : 127.0.0.1", "x", "127.0.0.2", false},
		{"ALL : 127.0.0.1", "x", "::ffff:127.0.0.1", true},
		{"ALL : 127.", "x", "127.9.9.9", true},
		{"ALL : 127.", "x", "12.7.0.1", false},
		{"ALL : 12.", "x", "127.0.0.1", false},
		{"ALL : 10.1.0.0/255.255.0.0", "x", "10.1.200.3", true},
		{"ALL : 10.1.0.0/255.255.0.0", "x", "10.2.0.3", false},
		{"ALL : 10.1.0.1/255.255.0.0", "x", "10.1.0.1", false}, // host bits set: never
		{"ALL : 10.0.0.0/8", "x", "10.200.0.1", true},
		{"ALL : 10.0.0.0/8", "x", "11.0.0.1", false},
		{"ALL : [::1]", "x", "::1", true},
		{"ALL : [::1]", "x", "::2", false},
		{"ALL : [fd00::]/8", "x", "fd12::1", true},
		{"ALL : [fd00::]/8", "x", "fe80::1", false},
		{"ALL : [::ffff:127.0.0.0]/104", "x", "127.0.0.5", true},
		{"ALL : 127.0.0.*", "x", "127.0.0.42", true},
		{"ALL : 127.0.0.?", "x", "127.0.0.42", false},
		{"ALL : ALL@127.0.0.1", "x", "127.0.0.1", true},
		{"ALL : root@127.0.0.1", "x", "127.0.0.1", false},
		{"ALL : localhost .example.com LOCAL KNOWN UNKNOWN PARANOID @ng /etc/list", "x", "127.0.0.1", false},
		{"ALL : ALL EXCEPT 127.0.0.1", "x", "127.0.0.1", false},
		{"ALL : ALL EXCEPT 127.0.0.1", "x", "127.0.0.2", true},
		{"ALL : ALL EXCEPT 127. EXCEPT 127.0.0.1", "x", "127.0.0.1", true},
		{"ALL : ALL EXCEPT 127. EXCEPT 127.0.0.1", "x", "127.0.0.2", false},
		{"ALL : EXCEPT 127.0.0.1", "x", "127.0.0.2", false},
		{"ALL : 127.0.0.1,127.0.0.2", "x", "127.0.0.2", true},
	} {
		got := parse(t, tc.rule+"\n").Match(tc.daemon, netip.MustParseAddr(tc.addr)) != nil
		if got != tc.want {
			t.Errorf("%q, daemon %s, client %s: match %v, want %v", tc.rule, tc.daemon, tc.addr, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	allow := parse(t, "echo : 127.0.0.2\ntime : 127.0.0.3 : deny\n")
	deny := parse(t, "ALL : 127.0.0.0/8\ntime : ALL : allow\n")
	for _, tc := range []struct {
		daemon, addr string
		want         bool
		line         int
	}{
		{"echo", "127.0.0.2", true, 1},  // hosts.allow grants
		{"echo", "127.0.0.1", false, 1}, // hosts.deny denies
		{"echo", "::1", true, 0},        // neither: granted
		{"time", "127.0.0.3", false, 2}, // allow rule with option deny
		{"time", "::1", true, 2},        // deny rule with option allow
	} {
		ok, r := Check(allow, deny, tc.daemon, netip.MustParseAddr(tc.addr))
		line := 0
		if r != nil {
			line = r.Line
		}
		if ok != tc.want || line != tc.line {
			t.Errorf("%s from %s: %v by line %d, want %v by line %d", tc.daemon, tc.addr, ok, line, tc.want, tc.line)
		}
	}
	// Missing files: everything is granted.
	dir := t.TempDir()
	if ok, _ := Check(ReadFile(filepath.Join(dir, "a")), ReadFile(filepath.Join(dir, "d")), "x", netip.MustParseAddr("1.2.3.4")); !ok {
		t.Error("missing files denied")
	}
	// An unreadable file (a directory) is empty too.
	if rs := ReadFile(dir); len(rs.List) != 0 {
		t.Errorf("directory read as %+v", rs)
	}
	p := filepath.Join(dir, "deny")
	if err := os.WriteFile(p, []byte("ALL: ALL\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ok, r := Check(nil, ReadFile(p), "x", netip.MustParseAddr("1.2.3.4")); ok || r.File != p || r.Line != 1 {
		t.Errorf("ALL: ALL in deny: %v %+v", ok, r)
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{
		"ALL : ALL\n", "a,b EXCEPT c : 10.0.0.0/8, [::1] : spawn (x) : deny\n",
		"# c\n\nx:y\\\nz\n", "x : [a:b]:c", "]\\", ", #a : b\\\n\n", "no colon\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := Parse(strings.NewReader(s), "f")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs.List {
			r.Verdict()
			// A word said never to match must not match anything.
			for _, w := range r.NeverMatch() {
				for _, a := range probeAddrs {
					if !strings.Contains(w, "@") && clientMatch(w, a) {
						t.Fatalf("%q: NeverMatch word %q matches %v", s, w, a)
					}
				}
			}
		}
		rs.Match("x", netip.MustParseAddr("::1"))
		out := rs.Format()
		again, err := Parse(strings.NewReader(out), "f")
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Errors) != 0 || len(again.List) != len(rs.List) {
			t.Fatalf("%q formats as %q, which reads as %+v (errors %v)", s, out, again.List, again.Errors)
		}
		for i := range rs.List {
			a, b := rs.List[i], again.List[i]
			a.Line, b.Line = 0, 0
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%q formats as %q: rule %d %+v reads back as %+v", s, out, i, a, b)
			}
		}
	})
}

// probeAddrs are addresses the NeverMatch checks try words against.
var probeAddrs = []netip.Addr{
	netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("10.1.2.3"),
	netip.MustParseAddr("::1"), netip.MustParseAddr("fd00::ab"), netip.MustParseAddr("192.168.0.255"),
}

// Words that need a name service, or are malformed, are reported so that
// a rule that can never apply is not silently ignored; the forms listen
// supports are not.
func TestNeverMatch(t *testing.T) {
	never := []string{"localhost", "LOCAL", "known", "UNKNOWN", "PARANOID", ".example.com",
		"@netgroup", "/etc/file", "joe@10.0.0.1", "ALL@", "host.example.com", "[::1", "[fe80::1%eth0]",
		"10.0.0.0/33", "10.0.0.0/255.0.0.x", "[::]/129", "ab*z", "gw.", "1.2.3.4.5"}
	can := []string{"ALL", "all", "127.0.0.1", "[::1]", "10.1.", "10.0.0.0/255.0.0.0", "10.0.0.0/8",
		"[fd00::]/8", "10.*", "1?7.0.0.1", "ALL@127.0.0.1", "::1", "fd00::*"}
	for _, w := range never {
		r := Rule{Daemons: []string{"d"}, Clients: []string{w}}
		if got := r.NeverMatch(); len(got) != 1 || got[0] != w {
			t.Errorf("NeverMatch of client %q = %q, want it reported", w, got)
		}
		for _, a := range probeAddrs {
			if clientMatch(w, a) {
				t.Errorf("%q, reported as never matching, matches %v", w, a)
			}
		}
	}
	for _, w := range can {
		r := Rule{Daemons: []string{"d"}, Clients: []string{w, "EXCEPT", "10.0.0.1"}}
		if got := r.NeverMatch(); len(got) != 0 {
			t.Errorf("NeverMatch of client %q = %q, want nothing", w, got)
		}
	}
	r := Rule{Daemons: []string{"in.telnetd@host", "ALL"}, Clients: []string{"ALL"}}
	if got := r.NeverMatch(); len(got) != 1 || got[0] != "in.telnetd@host" {
		t.Errorf("daemon@host: NeverMatch = %q", got)
	}
}
