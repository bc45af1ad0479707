package inetdconf

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	f, err := os.Open("testdata/inetd.conf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, bad, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Line: 4, Service: "echo", SocketType: "stream", Proto: "tcp", User: "root", Server: "internal"},
		{Line: 6, Service: "daytime", SocketType: "stream", Proto: "tcp", Wait: true, User: "root", Server: "internal"},
		{Line: 7, Service: "ftp", SocketType: "stream", Proto: "tcp", Max: 40, User: "root", Group: "wheel", Server: "/usr/sbin/tcpd", Args: []string{"in.ftpd", "-l", "-a"}},
		{Line: 11, Service: "orphan", SocketType: "stream", Proto: "tcp", User: "root", Server: "/bin/x", Args: []string{"x"}},
		{Line: 12, Service: "shell", SocketType: "stream", Proto: "tcp", User: "root", Group: "wheel", Class: "daemon", Server: "/usr/sbin/in.rshd", Args: []string{"in.rshd"}},
		{Line: 20, Service: "rstatd/1-3", SocketType: "dgram", Proto: "rpc/udp", Wait: true, User: "root", Server: "/usr/lib/rpc.rstatd", Args: []string{"rpc.rstatd"}},
		{Line: 21, Service: "last", SocketType: "dgram", Proto: "udp", Wait: true, User: "nobody", Server: "/usr/sbin/in.tftpd", Args: []string{"in.tftpd", "-s", "/srv"}},
	}
	if len(entries) == 7 {
		for i, want := range map[int]string{
			2: "ftp stream tcp nowait.40 root.wheel /usr/sbin/tcpd in.ftpd -l -a",
			4: "shell stream tcp nowait root:wheel/daemon /usr/sbin/in.rshd in.rshd",
		} {
			if entries[i].Text != want {
				t.Errorf("line %d: Text %q, want %q", entries[i].Line, entries[i].Text, want)
			}
		}
	}
	if got := stripText(entries); !reflect.DeepEqual(got, want) {
		t.Errorf("entries:\n%+v\nwant\n%+v", got, want)
	}
	wantBad := map[int]error{13: ErrFields, 14: ErrWait, 15: ErrWait, 16: ErrWait, 17: ErrUser, 18: ErrUser}
	if len(bad) != len(wantBad) {
		t.Errorf("bad lines %v, want %v", bad, wantBad)
	}
	for _, b := range bad {
		if !errors.Is(b, wantBad[b.Line]) {
			t.Errorf("line %d: %v, want %v", b.Line, b, wantBad[b.Line])
		}
	}
}

func stripText(es []Entry) []Entry {
	out := make([]Entry, len(es))
	for i, e := range es {
		e.Text = ""
		out[i] = e
	}
	return out
}

func stripLines(es []Entry) []Entry {
	out := stripText(es)
	for i := range out {
		out[i].Line = 0
	}
	return out
}

func TestParseNoNewlineAtEnd(t *testing.T) {
	entries, bad, err := Parse(strings.NewReader("a stream tcp nowait root /bin/a\nb stream tcp nowait root /bin/b a\n\tb"))
	if err != nil || len(bad) != 0 || len(entries) != 2 || !reflect.DeepEqual(entries[1].Args, []string{"a", "b"}) {
		t.Errorf("%+v, %v, %v", entries, bad, err)
	}
}

// FuzzParse: Parse never panics; Format(entries) reads back to the same
// entries, with no bad lines, and is stable.
func FuzzParse(f *testing.F) {
	b, err := os.ReadFile("testdata/inetd.conf")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	for _, s := range []string{"", "a b c wait.3 u.g/c s x y\n", " \t#\n\tx", "a b c nowait u:g:h s #x", "a b c wait u/ s\r\n\tq\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		entries, bad, err := Parse(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			if b.Line < 1 || b.Err == nil {
				t.Fatalf("bad line %+v", b)
			}
		}
		out := Format(entries)
		again, bad2, err := Parse(strings.NewReader(out))
		if err != nil || len(bad2) != 0 {
			t.Fatalf("%q: Format gives %q: %v, %v", in, out, bad2, err)
		}
		if !reflect.DeepEqual(stripLines(again), stripLines(entries)) {
			t.Fatalf("%q: Format gives %q, which reads back as\n%+v, not\n%+v", in, out, again, entries)
		}
		if Format(again) != out {
			t.Fatalf("Format is not stable for %q", in)
		}
	})
}
