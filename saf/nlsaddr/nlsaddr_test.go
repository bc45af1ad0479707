package nlsaddr

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func hexBytes(t testing.TB, s string) []byte {
	t.Helper()
	a, err := Parse(`\x` + s)
	if err != nil {
		t.Fatalf("bad test hex %q: %v", s, err)
	}
	return a.Bytes
}

var parseTests = []struct {
	in   string
	want string // upper-case hex of the bytes
	form Form
	err  error
}{
	// Hex, right-aligned: an odd digit count gets a leading zero nibble.
	{in: `\xACE`, want: "0ACE", form: FormHex},
	{in: `\XaCe`, want: "0ACE", form: FormHex},
	{in: `\x00020ACE000000000000000000000000`, want: "00020ACE000000000000000000000000", form: FormHex},
	{in: `\x00020ACF810b8b6e0000000000000000`, want: "00020ACF810B8B6E0000000000000000", form: FormHex},
	{in: " \t\\x0a", want: "0A", form: FormHex},
	{in: "\\x0a \t\n", want: "0A", form: FormHex},
	{in: `\x0`, want: "00", form: FormHex},
	{in: `\x`, err: ErrEmpty},
	{in: `\x  `, err: ErrEmpty},
	{in: `\x0AZ`, err: ErrSyntax},
	{in: `\x0A Z`, err: ErrSyntax},
	{in: `\x0A\!ls\!`, err: ErrShell},
	// Octal: 3 bits a digit, right-aligned.
	{in: `\o777`, want: "01FF", form: FormOctal},
	{in: `\O1`, want: "01", form: FormOctal},
	{in: `\o0001`, want: "0001", form: FormOctal},
	{in: `\o377`, want: "00FF", form: FormOctal}, // 9 bits need 2 bytes
	{in: `\o77`, want: "3F", form: FormOctal},
	{in: `\o12345670`, want: "29CBB8", form: FormOctal},
	{in: `\o8`, err: ErrSyntax},
	{in: `\o`, err: ErrEmpty},
	// Text.
	{in: `hello`, want: "68656C6C6F", form: FormText},
	{in: `/tmp/sock`, want: Hex([]byte("/tmp/sock")), form: FormText},
	{in: `127.0.0.1:21000`, want: Hex([]byte("127.0.0.1:21000")), form: FormText},
	{in: `"a b"`, want: "612062", form: FormText},
	{in: `"a b"  `, want: "612062", form: FormText},
	{in: `  "a\"b"`, want: "612262", form: FormText},
	{in: `a"b`, want: "612262", form: FormText},
	{in: `a\tb\n\r\b\v`, want: "6109620A0D080B", form: FormText},
	{in: `\101\0`, want: "4100", form: FormText},
	{in: `\1017`, want: "4137", form: FormText},
	{in: `\\`, want: "5C", form: FormText},
	{in: `\q`, want: "71", form: FormText},
	{in: `a `, want: "61", form: FormText},
	{in: `a b`, err: ErrSyntax},
	{in: `"abc`, err: ErrSyntax},
	{in: `a\`, err: ErrSyntax},
	{in: `\777`, err: ErrSyntax},
	{in: `\!ls\!`, err: ErrShell},
	{in: `a\$HOME\$`, err: ErrShell},
	{in: `"x\!y"`, err: ErrShell},
	{in: ``, err: ErrEmpty},
	{in: "  \t", err: ErrEmpty},
	{in: `""`, err: ErrEmpty},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		a, err := Parse(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Parse(%q) = %X, %v; want error %v", tt.in, a.Bytes, err, tt.err)
			}
			var e *Error
			if err != nil && (!errors.As(err, &e) || e.Input != tt.in) {
				t.Errorf("Parse(%q) error %v does not name the input", tt.in, err)
			}
			continue
		}
		if err != nil || Hex(a.Bytes) != tt.want || a.Form != tt.form {
			t.Errorf("Parse(%q) = %s form %d, %v; want %s form %d", tt.in, Hex(a.Bytes), a.Form, err, tt.want, tt.form)
		}
	}
}

func TestHex(t *testing.T) {
	for _, tt := range []struct {
		in   []byte
		want string
	}{
		{nil, ""},
		{[]byte{0xab, 0x01, 0x00, 0xff}, "AB0100FF"},
	} {
		if got := Hex(tt.in); got != tt.want {
			t.Errorf("Hex(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

const (
	v6Loopback = "00000000000000000000000000000001"
)

var tcpTests = []struct {
	in   string
	want string // netip.AddrPort text
	err  error
}{
	// The original's documented examples.
	{in: `\x00020ACE000000000000000000000000`, want: "0.0.0.0:2766"},
	{in: `\x00020ACF810b8b6e0000000000000000`, want: "129.11.139.110:2767"},
	// Family in either byte order; the zero padding is optional.
	{in: `\x02000ACF810b8b6e`, want: "129.11.139.110:2767"},
	{in: `\x00029C407F000001`, want: "127.0.0.1:40000"},
	{in: `\x00029C407F0000`, err: ErrSockaddr},
	{in: `\x0002`, err: ErrSockaddr},
	{in: `\x02`, err: ErrSockaddr},
	{in: `\x00035208` + "7F000001", err: ErrSockaddr},
	{in: `\x01025208` + "7F000001", err: ErrSockaddr},
	{in: `\x000A5208` + "00000000" + v6Loopback, want: "[::1]:21000"},
	{in: `\x0A005208` + "00000000" + v6Loopback + "00000000", want: "[::1]:21000"},
	{in: `\x001A5208` + "00000000" + v6Loopback, want: "[::1]:21000"},
	{in: `\x1A005208` + "12345678" + v6Loopback, want: "[::1]:21000"},
	{in: `\x000A0050` + "00000000" + "FE800000000000000000000000000001" + "00000002", want: "[fe80::1%2]:80"},
	{in: `\x000A5208` + "00000000" + "000000000000000000000000000001", err: ErrSockaddr},
	{in: `\o2`, err: ErrSockaddr},
	// Readable forms (ours).
	{in: `127.0.0.1:21000`, want: "127.0.0.1:21000"},
	{in: `:21000`, want: "0.0.0.0:21000"},
	{in: `[::1]:21000`, want: "[::1]:21000"},
	{in: `[::]:21000`, want: "[::]:21000"},
	{in: `[fe80::1%02]:80`, want: "[fe80::1%2]:80"},
	{in: `[fe80::1%0]:80`, want: "[fe80::1]:80"},
	{in: `[::ffff:1.2.3.4]:80`, want: "[::ffff:1.2.3.4]:80"},
	{in: `"127.0.0.1:21000"`, want: "127.0.0.1:21000"},
	{in: `127.0.0.1:021000`, want: "127.0.0.1:21000"},
	{in: `[fe80::1%eth0]:80`, err: ErrHostPort},
	{in: `localhost:21000`, err: ErrHostPort},
	{in: `::1:21000`, err: ErrHostPort},
	{in: `[1.2.3.4]:80`, err: ErrHostPort},
	{in: `[::1:80`, err: ErrHostPort},
	{in: `1.2.3.4:65536`, err: ErrHostPort},
	{in: `1.2.3.4:-1`, err: ErrHostPort},
	{in: `1.2.3.4:+1`, err: ErrHostPort},
	{in: `1.2.3.4:`, err: ErrHostPort},
	{in: `:`, err: ErrHostPort},
	{in: `1.2.3.4`, err: ErrHostPort},
	{in: `/tmp/sock`, err: ErrHostPort},
}

func TestTCP(t *testing.T) {
	for _, tt := range tcpTests {
		a, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		ap, err := a.TCP()
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Parse(%q).TCP() = %v, %v; want error %v", tt.in, ap, err, tt.err)
			}
			continue
		}
		if err != nil || ap.String() != tt.want {
			t.Errorf("Parse(%q).TCP() = %v, %v; want %s", tt.in, ap, err, tt.want)
		}
	}
}

func TestHexForm(t *testing.T) {
	for _, tt := range []struct {
		in, want string
	}{
		// The first is the example of docs/linux.md#transports-and-addresses.
		{"127.0.0.1:21000", `\x000252087F0000010000000000000000`},
		{"127.0.0.1:40000", `\x00029C407F0000010000000000000000`},
		{"0.0.0.0:2766", `\x00020ACE000000000000000000000000`},
		{"[::1]:21000", `\x000A5208` + "00000000" + v6Loopback + "00000000"},
		{"[fe80::1%2]:80", `\x000A0050` + "00000000" + "FE800000000000000000000000000001" + "00000002"},
	} {
		got, err := HexForm(netip.MustParseAddrPort(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("HexForm(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := HexForm(netip.AddrPort{}); !errors.Is(err, ErrHostPort) {
		t.Errorf("HexForm(zero) error = %v, want ErrHostPort", err)
	}
	if _, err := HexForm(netip.MustParseAddrPort("[fe80::1%eth0]:1")); !errors.Is(err, ErrHostPort) {
		t.Errorf("HexForm(named zone) error = %v, want ErrHostPort", err)
	}
}

func TestUnix(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		err      error
	}{
		{in: "/tmp/sock", want: "/tmp/sock"},
		{in: `"/tmp/my sock"`, want: "/tmp/my sock"},
		{in: `\x2F746D70`, want: "/tmp"},
		{in: "sock", err: ErrUnixPath},
		{in: `/a\0b`, err: ErrUnixPath},
		{in: "/" + strings.Repeat("a", 106), want: "/" + strings.Repeat("a", 106)},
		{in: "/" + strings.Repeat("a", 107), err: ErrUnixPath},
	} {
		a, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		got, err := a.Unix()
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("Parse(%q).Unix() = %q, %v; want error %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q).Unix() = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestTableForm(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		err      error
	}{
		{in: "127.0.0.1:21000", want: `\x000252087F0000010000000000000000`},
		{in: ":2766", want: `\x00020ACE000000000000000000000000`},
		{in: "[::1]:21000", want: `\x000A5208` + "00000000" + v6Loopback + "00000000"},
		{in: `\x00020ACE000000000000000000000000`, want: `\x00020ACE000000000000000000000000`},
		{in: `\xace`, want: `\xace`},
		{in: `\o777`, want: `\o777`},
		{in: "/tmp/sock", want: "/tmp/sock"},
		// An escaped colon is no field separator: kept verbatim.
		{in: `/tmp/a\072b`, want: `/tmp/a\072b`},
		{in: "/tmp/a:b", err: ErrNotReadable},
		{in: "localhost:21000", err: ErrNotReadable},
		{in: "1.2.3.4:99999", err: ErrNotReadable},
		{in: `\!ls\!`, err: ErrShell},
		{in: "", err: ErrEmpty},
		{in: `\xZZ`, err: ErrSyntax},
	} {
		got, err := TableForm(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("TableForm(%q) = %q, %v; want error %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("TableForm(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestTableFormPorts: service names for the port, resolved by the
// caller's lookup (our extension).
func TestTableFormPorts(t *testing.T) {
	errUnknown := errors.New("not in the table")
	var asked []string
	lookup := func(name string) (uint16, error) {
		asked = append(asked, name)
		switch name {
		case "echo":
			return 7, nil
		case "ftp-data":
			return 20, nil
		}
		return 0, errUnknown
	}
	for _, tt := range []struct {
		in, want string
		err      error
	}{
		{in: "127.0.0.1:echo", want: `\x000200077F0000010000000000000000`},
		{in: ":ftp-data", want: `\x00020014000000000000000000000000`},
		{in: "[::1]:echo", want: `\x000A0007` + "00000000" + v6Loopback + "00000000"},
		// Numbers are not looked up; other forms are as TableForm has them.
		{in: "127.0.0.1:21000", want: `\x000252087F0000010000000000000000`},
		{in: "/tmp/sock", want: "/tmp/sock"},
		{in: `¬e`, want: `¬e`},
		{in: "127.0.0.1:nosuch", err: errUnknown},
		{in: ":nosuch", err: ErrServiceName},
		{in: "127.0.0.1:", err: ErrNotReadable},
		// Names are looked up only where the rest is a valid address.
		{in: "localhost:echo", err: ErrNotReadable},
		{in: "/run/a:echo", err: ErrNotReadable},
		{in: "[::1:echo", err: ErrNotReadable},
		{in: "1.2.3.4:99999", err: ErrNotReadable},
	} {
		got, err := TableFormPorts(tt.in, lookup)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("TableFormPorts(%q) = %q, %v; want error %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("TableFormPorts(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := TableForm("127.0.0.1:echo"); !errors.Is(err, ErrNotReadable) {
		t.Errorf("TableForm looked a name up: %v", err)
	}
	if want := []string{"echo", "ftp-data", "echo", "nosuch", "nosuch"}; !slices.Equal(asked, want) {
		t.Errorf("looked up %q, want %q", asked, want)
	}
}

func TestParseSockaddrShort(t *testing.T) {
	for _, b := range [][]byte{nil, {0}, {0, 2, 0}} {
		if _, err := ParseSockaddr(b); !errors.Is(err, ErrSockaddr) {
			t.Errorf("ParseSockaddr(%X) error = %v, want ErrSockaddr", b, err)
		}
	}
	if got := hexBytes(t, "0102"); !bytes.Equal(got, []byte{1, 2}) {
		t.Errorf("hexBytes = %X", got)
	}
}

// FuzzParse checks that Parse never panics, that whatever it accepts round
// trips through the hex form, and that readable tcp addresses round trip
// through TableForm.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in)
	}
	for _, tt := range tcpTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %v is not an *Error", s, err)
			}
			return
		}
		if len(a.Bytes) == 0 {
			t.Fatalf("Parse(%q) accepted no bytes", s)
		}
		h := `\x` + Hex(a.Bytes)
		b, err := Parse(h)
		if err != nil || !bytes.Equal(b.Bytes, a.Bytes) || b.Form != FormHex {
			t.Fatalf("Parse(%q) = %X, but its hex form %q gives %X, %v", s, a.Bytes, h, b.Bytes, err)
		}
		_, _ = a.Unix() // must not panic; any answer is fine
		if ap, err := a.TCP(); err == nil {
			hf, err := HexForm(ap)
			if err != nil {
				t.Fatalf("HexForm(%v) from %q: %v", ap, s, err)
			}
			c, err := Parse(hf)
			if err != nil {
				t.Fatalf("Parse(HexForm(%v)) = %v", ap, err)
			}
			ap2, err := c.TCP()
			if err != nil || ap2 != ap {
				t.Fatalf("%q: %v -> %q -> %v, %v", s, ap, hf, ap2, err)
			}
		}
		if tf, err := TableForm(s); err == nil {
			if strings.Contains(tf, ":") {
				t.Fatalf("TableForm(%q) = %q holds a ':'", s, tf)
			}
			if tf2, err := TableForm(tf); err != nil || tf2 != tf {
				t.Fatalf("TableForm not idempotent: %q -> %q -> %q, %v", s, tf, tf2, err)
			}
		}
		// With service names (our extension): never a ':' in the
		// result, and a name is only looked up where a number would
		// be refused.
		named := false
		tp, err := TableFormPorts(s, func(string) (uint16, error) { named = true; return 7, nil })
		if err == nil && strings.Contains(tp, ":") {
			t.Fatalf("TableFormPorts(%q) = %q holds a ':'", s, tp)
		}
		if tf, err := TableForm(s); err == nil && (named || tp != tf) {
			t.Fatalf("TableFormPorts(%q) = %q (name looked up: %v), TableForm %q", s, tp, named, tf)
		}
	})
}
