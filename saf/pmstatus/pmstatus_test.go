package pmstatus

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

func sample() Status {
	t0 := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	return Status{
		Tag: "tcp", Type: "listen", PID: 42, Since: t0, State: "enabled",
		Services: []Service{
			{Tag: "lp", State: "listening", Where: "127.0.0.1:21000", Entry: `lp::root:reserved:reserved:reserved:\x00025208:c::/bin/cat`,
				Sessions: []Session{{PID: 100, Peer: "127.0.0.1:40000", Since: t0.Add(time.Minute)}}},
			{Tag: "off", State: "disabled"},
		},
	}
}

func TestMarshalParseRoundTrip(t *testing.T) {
	st := sample()
	b, err := Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(b), "}\n") {
		t.Errorf("document does not end in one newline: %q", b)
	}
	// Lists are never null, for readers in other languages.
	if strings.Contains(string(b), "null") {
		t.Errorf("document holds null: %s", b)
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	st.Version = Version
	st.Services[1].Sessions = []Session{}
	if !reflect.DeepEqual(got, st) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, st)
	}
	if s := got.Find("lp"); s == nil || s.Sessions[0].PID != 100 {
		t.Errorf("Find(lp) = %+v", s)
	}
	if got.Find("nope") != nil {
		t.Error("Find(nope) found something")
	}
	// RFC 3339 times.
	if !strings.Contains(string(b), `"since":"2026-11-21T08:00:00Z"`) {
		t.Errorf("since not RFC 3339: %s", b)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"", ErrSyntax},
		{"[]", ErrSyntax},
		{`{"version":1`, ErrSyntax},
		{`{"version":1} {}`, ErrSyntax},
		{`{"version":1,"pid":"x"}`, ErrSyntax},
		{`{"tag":"a"}`, ErrVersion},
		{`{"version":2}`, ErrVersion},
		{`{"version":-1}`, ErrVersion},
		{`{"version":1,"services":[{"since":"yesterday"}]}`, ErrSyntax},
		{strings.Repeat(" ", MaxSize+1), ErrTooBig},
	} {
		if _, err := Parse([]byte(tc.in)); !errors.Is(err, tc.want) {
			name := tc.in
			if len(name) > 40 {
				name = name[:40] + "..."
			}
			t.Errorf("Parse(%q) = %v, want %v", name, err, tc.want)
		}
	}
	// Unknown fields are ignored: later versions may add some.
	st, err := Parse([]byte(`{"version":1,"tag":"a","extra":{"x":1},"services":[{"tag":"s","new":true}]}`))
	if err != nil || st.Tag != "a" || len(st.Services) != 1 {
		t.Errorf("unknown fields: %+v, %v", st, err)
	}
}

func TestMarshalTooBig(t *testing.T) {
	st := Status{Services: []Service{{Tag: strings.Repeat("x", MaxSize)}}}
	if _, err := Marshal(st); !errors.Is(err, ErrTooBig) {
		t.Errorf("Marshal of a huge status: %v, want ErrTooBig", err)
	}
}

// shortDir is a temp directory with a path short enough for sun_path.
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "pmst")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestServeQuery(t *testing.T) {
	path := filepath.Join(shortDir(t), "_status")
	calls := 0
	srv, err := Serve(path, func() Status {
		calls++
		st := sample()
		st.PID = calls
		return st
	})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want socket 0600", fi.Mode())
	}
	for i := 1; i <= 3; i++ {
		st, err := Query(path, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		// A fresh snapshot for every connection.
		if st.PID != i || st.Tag != "tcp" || len(st.Services) != 2 {
			t.Errorf("query %d: %+v", i, st)
		}
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket left after Close: %v", err)
	}
	if _, err := Query(path, time.Second); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Query after Close: %v, want ErrNotExist", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestServeRemovesStaleSocket(t *testing.T) {
	path := filepath.Join(shortDir(t), "_status")
	// A socket left by a port monitor that died: bound, never served.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := Query(path, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Query of a stale socket: %v, want ECONNREFUSED", err)
	}
	srv, err := Serve(path, sample)
	if err != nil {
		t.Fatalf("Serve over a stale socket: %v", err)
	}
	defer srv.Close()
	if _, err := Query(path, 2*time.Second); err != nil {
		t.Error(err)
	}
}

func TestServeRefusesNonSockets(t *testing.T) {
	dir := shortDir(t)
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	// A symlink to a place where a socket could be made.
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), dangling); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{target, link, dangling, sub} {
		if srv, err := Serve(p, sample); err == nil {
			srv.Close()
			t.Errorf("Serve(%s) succeeded", p)
		} else if !strings.Contains(err.Error(), p) {
			t.Errorf("Serve(%s): %v does not name the path", p, err)
		}
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "keep" {
		t.Errorf("target changed: %q, %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a socket was made through the dangling link: %v", err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode().Type() != fs.ModeSymlink {
		t.Errorf("link changed: %v, %v", fi, err)
	}
}

func TestPathTooLong(t *testing.T) {
	long := "/" + strings.Repeat("d", 120) + "/_status"
	if _, err := Serve(long, sample); !errors.Is(err, syscall.ENAMETOOLONG) || !strings.Contains(err.Error(), "SAF_ROOT") {
		t.Errorf("Serve: %v", err)
	}
	if _, err := Query(long, time.Second); !errors.Is(err, syscall.ENAMETOOLONG) {
		t.Errorf("Query: %v", err)
	}
}

// A server that writes garbage, or too much, or nothing.
func TestQueryBadServers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(c net.Conn)
		want  error
	}{
		{"garbage", func(c net.Conn) { c.Write([]byte("hello")) }, ErrSyntax},
		{"empty", func(c net.Conn) {}, ErrSyntax},
		{"huge", func(c net.Conn) {
			c.Write([]byte(`{"version":1,"tag":"`))
			c.Write([]byte(strings.Repeat("x", MaxSize)))
		}, ErrTooBig},
		{"silent", func(c net.Conn) { time.Sleep(3 * time.Second) }, os.ErrDeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(shortDir(t), "s")
			ln, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				tc.write(c)
				c.Close()
			}()
			start := time.Now()
			_, err = Query(path, 500*time.Millisecond)
			if !errors.Is(err, tc.want) {
				t.Errorf("Query: %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Query took %v with a 500ms timeout", d)
			}
		})
	}
}

// FuzzParse: Parse reads untrusted bytes from whatever listens at the
// socket. It never panics, and whatever it accepts survives Marshal and
// Parse again unchanged.
func FuzzParse(f *testing.F) {
	b, _ := Marshal(sample())
	f.Add(b)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"services":[{"tag":"a","sessions":[{"pid":1,"since":"2026-01-01T00:00:00+02:00"}]}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, in []byte) {
		st, err := Parse(in)
		if err != nil {
			return
		}
		out, err := Marshal(st)
		if err != nil {
			if errors.Is(err, ErrTooBig) {
				return
			}
			t.Fatalf("Marshal of a parsed document: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal(Parse(x))): %v\n%s", err, out)
		}
		out2, err := Marshal(again)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}
