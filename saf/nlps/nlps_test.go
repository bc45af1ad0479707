package nlps

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

var parseRequestTests = []struct {
	name string
	in   string
	want Message
	err  error
}{
	{"version 2", "NLPS:002:002:lp\x00", Message{2, 2, "lp"}, nil},
	{"version 0", "NLPS:000:001:lp\x00", Message{0, 1, "lp"}, nil},
	{"short digits", "NLPS:2:2:x\x00", Message{2, 2, "x"}, nil},
	{"blank before numbers", "NLPS: 2: 2:x\x00", Message{2, 2, "x"}, nil},
	{"signs", "NLPS:+2:-1:x\x00", Message{2, -1, "x"}, nil},
	{"minus zero", "NLPS:-0:000:x\x00", Message{0, 0, "x"}, nil},
	{"high never checked", "NLPS:002:999:x\x00", Message{2, 999, "x"}, nil},
	{"blank before code", "NLPS:002:002:  tty\x00", Message{2, 2, "tty"}, nil},
	{"junk after code", "NLPS:002:002:tty junk\tmore\x00", Message{2, 2, "tty"}, nil},
	{"code with colon", "NLPS:002:002:a:b\x00", Message{2, 2, "a:b"}, nil},
	{"long code", "NLPS:002:002:" + strings.Repeat("a", 100) + "\x00", Message{2, 2, strings.Repeat("a", 100)}, nil},
	{"no code", "NLPS:002:002:\x00", Message{}, ErrBadFormat},
	{"blank code", "NLPS:002:002:   \x00", Message{}, ErrBadFormat},
	{"letters", "NLPS:abc\x00", Message{}, ErrBadFormat},
	{"four digits", "NLPS:0002:002:x\x00", Message{}, ErrBadFormat},
	{"sign only", "NLPS:+:002:x\x00", Message{}, ErrBadFormat},
	{"blank before colon", "NLPS:2 :2:x\x00", Message{}, ErrBadFormat},
	{"missing high", "NLPS:002:x\x00", Message{}, ErrBadFormat},
	{"unknown version 1", "NLPS:001:002:x\x00", Message{1, 2, "x"}, ErrBadVersion},
	{"unknown version 3", "NLPS:3:3:x\x00", Message{3, 3, "x"}, ErrBadVersion},
	{"lower case id", "nlps:002:002:x\x00", Message{}, ErrNotNLPS},
	{"no colon after id", "NLPS 002:002:x\x00", Message{}, ErrNotNLPS},
	{"no NUL", "NLPS:002:002:x", Message{}, ErrTruncated},
	{"empty", "", Message{}, ErrTruncated},
	{"trailing", "NLPS:002:002:x\x00more", Message{}, ErrTrailing},
	{"too long", "NLPS:002:002:" + strings.Repeat("a", MaxRequest) + "\x00", Message{}, ErrTooLong},
}

func TestParseRequest(t *testing.T) {
	for _, tt := range parseRequestTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRequest([]byte(tt.in))
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("ParseRequest(%q) error %v, want %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("ParseRequest(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestMessageAppendMarshal(t *testing.T) {
	for _, tt := range []struct {
		m    Message
		want string
		err  error
	}{
		{Message{2, 2, "lp"}, "NLPS:002:002:lp\x00", nil},
		{Message{0, 1, "0"}, "NLPS:000:001:0\x00", nil},
		{Message{-1, 999, "x"}, "NLPS:-01:999:x\x00", nil},
		{Message{2, 2, ""}, "", ErrServiceCode},
		{Message{2, 2, "a b"}, "", ErrServiceCode},
		{Message{2, 2, "a\x00"}, "", ErrServiceCode},
		{Message{1000, 2, "x"}, "", nil}, // error without a sentinel
		{Message{2, 2, strings.Repeat("a", MaxRequest-13)}, "", ErrTooLong},
	} {
		got, err := tt.m.AppendMarshal([]byte("prefix"))
		if tt.want == "" {
			if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) {
				t.Errorf("AppendMarshal(%+v) = %q, %v; want error %v", tt.m, got, err, tt.err)
			}
			if string(got) != "prefix" {
				t.Errorf("AppendMarshal(%+v) on error changed the buffer to %q", tt.m, got)
			}
			continue
		}
		if err != nil || string(got) != "prefix"+tt.want {
			t.Errorf("AppendMarshal(%+v) = %q, %v; want %q", tt.m, got, err, tt.want)
		}
	}
	// The longest code that fits.
	m := Message{2, 2, strings.Repeat("a", MaxRequest-14)}
	if b, err := m.AppendMarshal(nil); err != nil || len(b) != MaxRequest {
		t.Errorf("longest request: %d bytes, %v", len(b), err)
	}
}

// oneByteReader fails the test if anyone asks it for more than it should
// give: it records every read's size.
type countingReader struct {
	r     io.Reader
	reads []int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads = append(c.reads, len(p))
	return c.r.Read(p)
}

func TestReadRequest(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		want string
		err  error
	}{
		{"stops at NUL", "NLPS:002:002:lp\x00service data", "NLPS:002:002:lp\x00", nil},
		{"garbage", "GET / HTTP/1.0\r\n\r\n", "", ErrNotNLPS},
		{"smb", "\xffSMBr\x00\x00\x00", "", ErrSMB},
		{"short header", "NLP", "", io.ErrUnexpectedEOF},
		{"eof before NUL", "NLPS:002:002:lp", "", io.ErrUnexpectedEOF},
		{"exactly max", "NLPS:" + strings.Repeat("a", MaxRequest-6) + "\x00", "NLPS:" + strings.Repeat("a", MaxRequest-6) + "\x00", nil},
		{"oversize", "NLPS:" + strings.Repeat("a", MaxRequest-5) + "\x00", "", ErrTooLong},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &countingReader{r: strings.NewReader(tt.in)}
			got, err := ReadRequest(r)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("ReadRequest error %v, want %v", err, tt.err)
			}
			if tt.err == nil && string(got) != tt.want {
				t.Errorf("ReadRequest = %q, want %q", got, tt.want)
			}
			total := 0
			for _, n := range r.reads {
				total += n
			}
			if tt.err == nil && total != len(tt.want) {
				t.Errorf("asked for %d bytes in all, want exactly %d (no read-ahead)", total, len(tt.want))
			}
		})
	}
}

func TestAnswerRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		a    Answer
		wire string
	}{
		{Answer{2, CodeStart, ExecText("lp", "/bin/cat")}, "2:0:NLPS (lp) exec: /bin/cat\x00"},
		{Answer{2, CodeUnknown, UnknownText("zz")}, "2:3:NLPS: Request for service code <zz> denied, unknown service code\x00"},
		{Answer{2, CodeDisabled, DisabledText("x")}, "2:4:NLPS: Request for service code <x> denied, service is disabled\x00"},
		{Answer{2, CodeStart, PassfdText("lp", "/run/lp")}, "2:0:NLPS (lp) passfd: /run/lp\x00"},
		{Answer{2, 0, "a:b:c"}, "2:0:a:b:c\x00"},
		{Answer{2, 0, ""}, "2:0:\x00"},
	} {
		b, err := tt.a.AppendMarshal(nil)
		if err != nil || string(b) != tt.wire {
			t.Errorf("AppendMarshal(%+v) = %q, %v; want %q", tt.a, b, err, tt.wire)
		}
		got, err := ParseAnswer([]byte(tt.wire))
		if err != nil || got != tt.a {
			t.Errorf("ParseAnswer(%q) = %+v, %v", tt.wire, got, err)
		}
	}
	for _, bad := range []string{"", "2:0:x", "x:0:y\x00", "2:y:z\x00", "2\x00", "2:0\x00", ":0:x\x00", "2:0:x\x00y"} {
		if a, err := ParseAnswer([]byte(bad)); err == nil {
			t.Errorf("ParseAnswer(%q) = %+v, want error", bad, a)
		}
	}
	// Every text the server sends fits, however long the code it echoes.
	long := strings.Repeat("c", 2000)
	for _, text := range []string{UnknownText(long), DisabledText(long), ExecText(long, long), PassfdText(long, long)} {
		if _, err := (Answer{Version2, CodeUnknown, text}).AppendMarshal(nil); err != nil {
			t.Errorf("answer %q...: %v", text[:40], err)
		}
	}
	a := Answer{Version2, CodeStart, long}
	if _, err := a.AppendMarshal(nil); !errors.Is(err, ErrTooLong) {
		t.Errorf("long answer: %v, want ErrTooLong", err)
	}
	if b, err := a.Truncate().AppendMarshal(nil); err != nil || len(b) != MaxAnswer {
		t.Errorf("truncated answer: %d bytes, %v", len(b), err)
	}
}

// fakeServer answers one request on the server end of a pipe, then writes
// the service's first bytes.
func fakeServer(t *testing.T, conn net.Conn, answer string, then string) <-chan string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		defer conn.Close()
		req, err := ReadRequest(conn)
		got <- string(req)
		if err != nil {
			return
		}
		io.WriteString(conn, answer+then)
	}()
	return got
}

func TestRequest(t *testing.T) {
	for _, tt := range []struct {
		name   string
		answer string
		text   string
		err    error
	}{
		{"start", "2:0:NLPS (lp) exec: /bin/cat\x00", "NLPS (lp) exec: /bin/cat", nil},
		{"unknown", "2:3:NLPS: Request for service code <lp> denied, unknown service code\x00", "NLPS: Request for service code <lp> denied, unknown service code", ErrUnknownService},
		{"disabled", "2:4:off\x00", "off", ErrServiceDisabled},
		{"format", "2:2:bad\x00", "bad", ErrRequestFormat},
		{"garbage answer", "hello\x00", "", ErrBadAnswer},
		{"oversize answer", strings.Repeat("2", 300), "", ErrTooLong},
		{"closed", "", "", io.ErrUnexpectedEOF},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, s := net.Pipe()
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			req := fakeServer(t, s, tt.answer, "SERVICE")
			text, err := Request(c, "lp")
			if got := <-req; got != "NLPS:002:002:lp\x00" {
				t.Errorf("server got %q", got)
			}
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Request: %q, %v; want error %v", text, err, tt.err)
			}
			if text != tt.text {
				t.Errorf("Request text %q, want %q", text, tt.text)
			}
			if err == nil {
				// Nothing after the answer was consumed.
				b, _ := io.ReadAll(c)
				if string(b) != "SERVICE" {
					t.Errorf("after the answer the service sent %q, want SERVICE", b)
				}
			}
		})
	}
}

func TestRequestRefusesBadCodes(t *testing.T) {
	var buf bytes.Buffer
	for _, svc := range []string{"", strings.Repeat("a", MaxServiceCode+1), "a b"} {
		if _, err := Request(&struct {
			io.Reader
			io.Writer
		}{strings.NewReader(""), &buf}, svc); !errors.Is(err, ErrServiceCode) {
			t.Errorf("Request(%q): %v, want ErrServiceCode", svc, err)
		}
		if err := RequestV0(&buf, svc); !errors.Is(err, ErrServiceCode) {
			t.Errorf("RequestV0(%q): %v, want ErrServiceCode", svc, err)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("bad codes sent %q", buf.String())
	}
	if err := RequestV0(&buf, "lp"); err != nil || buf.String() != "NLPS:000:001:lp\x00" {
		t.Errorf("RequestV0 sent %q, %v", buf.String(), err)
	}
}

func TestGetCall(t *testing.T) {
	env := map[string]string{EnvAddr: "00029C407F0000010000000000000000", EnvOpt: "", EnvUData: "", EnvProvider: "tcp"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	c, err := GetCall(lookup)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 2, 0x9c, 0x40, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}; !bytes.Equal(c.Addr, want) || len(c.Opt) != 0 || len(c.UData) != 0 {
		t.Errorf("GetCall = %+v", c)
	}
	if p := Provider(lookup); p != "tcp" {
		t.Errorf("Provider = %q", p)
	}
	for k, v := range map[string]string{EnvAddr: "ABC", EnvOpt: "ZZ"} {
		old := env[k]
		env[k] = v
		if _, err := GetCall(lookup); err == nil {
			t.Errorf("%s=%q: no error", k, v)
		}
		env[k] = old
	}
	delete(env, EnvUData)
	if _, err := GetCall(lookup); !errors.Is(err, ErrNoVariable) {
		t.Errorf("missing NLSUDATA: %v", err)
	}
}
