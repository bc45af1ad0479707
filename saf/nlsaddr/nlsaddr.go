// Package nlsaddr reads and writes the listener's address strings: the
// private address field of a listen _pmtab entry and the arguments of
// nlsadmin -A, -l and -t (docs/architecture.md#address-strings).
//
// An address string has one of three forms:
//
//	\xHEX  or \XHEX   raw bytes in hexadecimal, right-aligned: an odd number
//	                  of digits gets a leading zero nibble (\xACE = 0A CE)
//	\oOCT  or \OOCT   raw bytes in octal, right-aligned the same way: the
//	                  digits are one big-endian number, 3 bits per digit,
//	                  packed into the fewest bytes that hold them
//	text              literal bytes; a leading " quotes up to the next ",
//	                  the C escapes \n \b \r \t \v \ooo are recognised,
//	                  an unquoted blank ends the text
//
// Leading white space is skipped; after the address only white space may
// follow. The original also expanded \!cmd\! and \$cmd\$ by running shell
// commands; we reject them and never run anything.
//
// What the bytes mean depends on the transport
// (docs/linux.md#transports-and-addresses):
//
//   - tcp: hex or octal bytes are a sockaddr_in (family 2) or sockaddr_in6
//     (family 10 or 26), the family in either byte order, port and address in
//     network order. Text is a readable address: host:port, :port or
//     [v6]:port, where host is a numeric IP address (no name look-ups: a
//     table holds fixed bytes).
//   - unix: the bytes are the socket's path, which must be absolute.
//
// TableFormPorts also takes a service name for the port (127.0.0.1:echo),
// which its caller resolves (nlsadmin reads /etc/services; our extension).
//
// Because ':' separates _pmtab fields, a readable tcp address is stored in
// the hex form (TableForm): \x, then family 0002 (big-endian), port, IPv4
// address and 8 zero bytes, 32 upper-case digits; for IPv6 the 28-byte
// sockaddr_in6 (family 000A, port, flowinfo 0, address, scope id, all
// big-endian), 56 digits. This is also the layout the listener prints for
// client addresses (NLSADDR), matching the original's documented examples.
//
// The package is pure: it parses and formats bytes and never touches the
// network or a file.
package nlsaddr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Errors returned (wrapped in an *Error) by the functions of this package.
var (
	ErrEmpty       = errors.New("empty address")
	ErrSyntax      = errors.New("bad address syntax")
	ErrShell       = errors.New(`shell escapes \! and \$ are not supported`)
	ErrSockaddr    = errors.New("bad sockaddr bytes")
	ErrHostPort    = errors.New("bad host:port address")
	ErrUnixPath    = errors.New("bad unix socket path")
	ErrNotReadable = errors.New("contains ':' but is not a numeric host:port, :port or [v6]:port address")
	ErrServiceName = errors.New("service name not resolved")
)

// PortFunc resolves the service name of a readable address (the "echo" of
// 127.0.0.1:echo) to a port number. Its error says why the name is
// unknown; TableFormPorts wraps it with ErrServiceName.
type PortFunc func(name string) (uint16, error)

// Error reports a bad address string and why it is bad.
type Error struct {
	Input string // the address as given
	Err   error  // one of the Err* values above, possibly wrapped with detail
}

func (e *Error) Error() string { return fmt.Sprintf("nlsaddr: %q: %v", e.Input, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

func errorf(input string, sentinel error, format string, args ...any) error {
	if format == "" {
		return &Error{Input: input, Err: sentinel}
	}
	return &Error{Input: input, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

// Form says how an address string spelled its bytes.
type Form uint8

const (
	FormText  Form = iota // literal text, possibly quoted and escaped
	FormHex               // \x or \X
	FormOctal             // \o or \O
)

// Addr is a parsed address string.
type Addr struct {
	Bytes []byte
	Form  Form
}

// Binary reports whether the bytes were given as raw hex or octal, as
// opposed to text.
func (a Addr) Binary() bool { return a.Form != FormText }

// isSpace is C's isspace in the "C" locale, which the original stoa used.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// isBlank is C's isblank: what ends an unquoted text address.
func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// Parse converts an address string to its bytes (the original's stoa).
// An empty result is an error.
func Parse(s string) (Addr, error) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	rest := s[i:]
	var a Addr
	var n int // bytes of rest consumed
	var err error
	switch {
	case len(rest) >= 2 && rest[0] == '\\' && (rest[1] == 'x' || rest[1] == 'X'):
		a.Form = FormHex
		a.Bytes, n, err = parseDigits(s, rest[2:], 4)
		n += 2
	case len(rest) >= 2 && rest[0] == '\\' && (rest[1] == 'o' || rest[1] == 'O'):
		a.Form = FormOctal
		a.Bytes, n, err = parseDigits(s, rest[2:], 3)
		n += 2
	default:
		a.Form = FormText
		a.Bytes, n, err = parseText(s, rest)
	}
	if err != nil {
		return Addr{}, err
	}
	// Only white space may follow. The original ignored what followed a text
	// address; we refuse it so that one string never means two things.
	for _, c := range []byte(rest[n:]) {
		if !isSpace(c) {
			return Addr{}, errorf(s, ErrSyntax, "unexpected %q after the address", rest[n:])
		}
	}
	if len(a.Bytes) == 0 {
		return Addr{}, errorf(s, ErrEmpty, "")
	}
	return a, nil
}

// parseDigits reads hex (bits 4) or octal (bits 3) digits from the start of
// digits and packs them right-aligned into bytes. It returns the number of
// characters used.
func parseDigits(input, digits string, bits uint) ([]byte, int, error) {
	n := 0
	for n < len(digits) && digitValue(digits[n], bits) >= 0 {
		n++
	}
	if n < len(digits) && !isSpace(digits[n]) {
		if digits[n] == '\\' && n+1 < len(digits) && (digits[n+1] == '!' || digits[n+1] == '$') {
			return nil, 0, errorf(input, ErrShell, "")
		}
		what := "a hexadecimal"
		if bits == 3 {
			what = "an octal"
		}
		return nil, 0, errorf(input, ErrSyntax, "%q is not %s digit", digits[n], what)
	}
	total := uint(n) * bits
	out := make([]byte, (total+7)/8)
	// Fill from the right: the last digit supplies the lowest bits.
	var acc uint
	var have uint
	j := len(out) - 1
	for k := n - 1; k >= 0; k-- {
		acc |= uint(digitValue(digits[k], bits)) << have
		have += bits
		for have >= 8 {
			out[j] = byte(acc)
			j--
			acc >>= 8
			have -= 8
		}
	}
	if have > 0 {
		out[j] = byte(acc)
	}
	return out, n, nil
}

func digitValue(c byte, bits uint) int {
	switch {
	case c >= '0' && c <= '7':
		return int(c - '0')
	case bits == 3:
		return -1
	case c >= '8' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// parseText reads a literal text address from the start of rest.
func parseText(input, rest string) ([]byte, int, error) {
	quoted := len(rest) > 0 && rest[0] == '"'
	i := 0
	if quoted {
		i = 1
	}
	var out []byte
	for {
		if i >= len(rest) {
			if quoted {
				return nil, 0, errorf(input, ErrSyntax, "no closing '\"'")
			}
			return out, i, nil
		}
		c := rest[i]
		switch {
		case quoted && c == '"':
			return out, i + 1, nil
		case !quoted && isBlank(c):
			return out, i, nil
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		// A backslash escape.
		if i+1 >= len(rest) {
			return nil, 0, errorf(input, ErrSyntax, "trailing backslash")
		}
		e := rest[i+1]
		i += 2
		switch e {
		case '!', '$':
			// The original ran the text up to the matching \! or \$ as a
			// shell command and used its output. Never.
			return nil, 0, errorf(input, ErrShell, "")
		case 'n':
			out = append(out, '\n')
		case 'b':
			out = append(out, '\b')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for k := 0; k < 2 && i < len(rest) && rest[i] >= '0' && rest[i] <= '7'; k++ {
				v = v*8 + int(rest[i]-'0')
				i++
			}
			if v > 0xFF {
				return nil, 0, errorf(input, ErrSyntax, "octal escape \\%o is more than a byte", v)
			}
			out = append(out, byte(v))
		default:
			// Any other escaped character stands for itself (so \\ is a
			// backslash and \" a quote).
			out = append(out, e)
		}
	}
}

// Hex prints bytes as two upper-case hex digits each, without separators
// or prefix (the original's nlsaddr2c).
func Hex(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i] = digits[c>>4]
		out[2*i+1] = digits[c&0xF]
	}
	return string(out)
}

// Address families as they may appear in sockaddr bytes:
// AF_INET is 2 everywhere; AF_INET6 is 10 on Linux and 26 on Solaris.
const (
	familyInet      = 2
	familyInet6     = 10
	familyInet6Sun  = 26
	sockaddrInLen   = 16
	sockaddrIn6Len  = 28
	minSockaddrIn   = 8  // family, port, IPv4 address; the zero padding is optional
	minSockaddrIn6  = 24 // family, port, flowinfo, IPv6 address; scope id optional
	maxUnixPathSize = 107
)

// family reads the first two bytes as a family number written in either
// byte order, e.g. 00 02 or 02 00.
func family(b []byte) int {
	if b[0] == 0 {
		return int(b[1])
	}
	if b[1] == 0 {
		return int(b[0])
	}
	return -1
}

// ParseSockaddr interprets raw address bytes as a sockaddr_in or
// sockaddr_in6: family in either byte order, port in network order, then
// the IPv4 address (bytes 4-7, the rest ignored), or flowinfo (ignored),
// the IPv6 address and an optional big-endian scope id, which becomes a
// numeric zone.
func ParseSockaddr(b []byte) (netip.AddrPort, error) {
	in := `\x` + Hex(b)
	if len(b) < 2 {
		return netip.AddrPort{}, errorf(in, ErrSockaddr, "%d bytes is too short", len(b))
	}
	switch f := family(b); f {
	case familyInet:
		if len(b) < minSockaddrIn {
			return netip.AddrPort{}, errorf(in, ErrSockaddr, "sockaddr_in needs at least %d bytes, have %d", minSockaddrIn, len(b))
		}
		ip := netip.AddrFrom4([4]byte(b[4:8]))
		return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[2:4])), nil
	case familyInet6, familyInet6Sun:
		if len(b) < minSockaddrIn6 {
			return netip.AddrPort{}, errorf(in, ErrSockaddr, "sockaddr_in6 needs at least %d bytes, have %d", minSockaddrIn6, len(b))
		}
		ip := netip.AddrFrom16([16]byte(b[8:24]))
		if len(b) >= sockaddrIn6Len {
			if scope := binary.BigEndian.Uint32(b[24:28]); scope != 0 {
				ip = ip.WithZone(strconv.FormatUint(uint64(scope), 10))
			}
		}
		return netip.AddrPortFrom(ip, binary.BigEndian.Uint16(b[2:4])), nil
	default:
		return netip.AddrPort{}, errorf(in, ErrSockaddr, "family %02X%02X is neither AF_INET nor AF_INET6", b[0], b[1])
	}
}

// Sockaddr returns the bytes of ap as the listener writes them: a 16-byte
// sockaddr_in for an IPv4 address, a 28-byte sockaddr_in6 otherwise, every
// field big-endian (the family too, as in the original's documented
// examples). A zone must be numeric; it becomes the scope id.
func Sockaddr(ap netip.AddrPort) ([]byte, error) {
	ip := ap.Addr()
	if !ip.IsValid() {
		return nil, errorf(ap.String(), ErrHostPort, "no IP address")
	}
	if ip.Is4() {
		b := make([]byte, sockaddrInLen)
		binary.BigEndian.PutUint16(b[0:], familyInet)
		binary.BigEndian.PutUint16(b[2:], ap.Port())
		a4 := ip.As4()
		copy(b[4:8], a4[:])
		return b, nil
	}
	var scope uint64
	if z := ip.Zone(); z != "" {
		var err error
		scope, err = strconv.ParseUint(z, 10, 32)
		if err != nil {
			return nil, errorf(ap.String(), ErrHostPort, "zone %q is not a numeric scope id", z)
		}
	}
	b := make([]byte, sockaddrIn6Len)
	binary.BigEndian.PutUint16(b[0:], familyInet6)
	binary.BigEndian.PutUint16(b[2:], ap.Port())
	a16 := ip.As16()
	copy(b[8:24], a16[:])
	binary.BigEndian.PutUint32(b[24:], uint32(scope))
	return b, nil
}

// HexForm returns ap in the original hex form: `\x` and the upper-case hex
// of Sockaddr(ap), e.g. `\x000252087F0000010000000000000000` for
// 127.0.0.1:21000.
func HexForm(ap netip.AddrPort) (string, error) {
	b, err := Sockaddr(ap)
	if err != nil {
		return "", err
	}
	return `\x` + Hex(b), nil
}

// ParseHostPort parses a readable tcp address (ours, not the original's):
// "host:port" with a numeric IPv4 host, "[v6addr]:port" (a numeric zone is
// allowed), or ":port", which means every IPv4 address (0.0.0.0; write
// "[::]:port" for every IPv6 address). The port is decimal, 0-65535.
func ParseHostPort(s string) (netip.AddrPort, error) {
	ap, why := hostPort(s)
	if why != "" {
		return netip.AddrPort{}, errorf(s, ErrHostPort, "%s", why)
	}
	return ap, nil
}

// hostPort is ParseHostPort; it says why s is no readable address in why.
func hostPort(s string) (ap netip.AddrPort, why string) {
	if rest, ok := strings.CutPrefix(s, ":"); ok {
		port, why := parsePort(rest)
		if why != "" {
			return netip.AddrPort{}, why
		}
		return netip.AddrPortFrom(netip.IPv4Unspecified(), port), ""
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return netip.AddrPort{}, "no ':port'"
	}
	host, portText := s[:i], s[i+1:]
	port, why := parsePort(portText)
	if why != "" {
		return netip.AddrPort{}, why
	}
	var ip netip.Addr
	var err error
	if v6, ok := strings.CutPrefix(host, "["); ok {
		v6, ok = strings.CutSuffix(v6, "]")
		if !ok {
			return netip.AddrPort{}, "no closing ']'"
		}
		ip, err = netip.ParseAddr(v6)
		if err != nil || !ip.Is6() {
			return netip.AddrPort{}, fmt.Sprintf("%q is not an IPv6 address", v6)
		}
	} else {
		ip, err = netip.ParseAddr(host)
		if err != nil || !ip.Is4() {
			return netip.AddrPort{}, fmt.Sprintf(
				"host %q is not an IPv4 address (names are not looked up; write IPv6 addresses as [addr]:port)", host)
		}
	}
	if z := ip.Zone(); z != "" {
		scope, err := strconv.ParseUint(z, 10, 32)
		if err != nil {
			return netip.AddrPort{}, fmt.Sprintf("zone %q is not a numeric scope id", z)
		}
		// Canonical zone text, as ParseSockaddr produces it: "%02" is 2 and
		// "%0" is no zone.
		ip = ip.WithZone("")
		if scope != 0 {
			ip = ip.WithZone(strconv.FormatUint(scope, 10))
		}
	}
	return netip.AddrPortFrom(ip, port), ""
}

// namedHostPort is hostPort where the port may also be a service name,
// resolved by lookup; lerr is lookup's error for a name it does not know.
// A name is looked up only where everything else is a valid readable
// address, so other mistakes keep hostPort's words.
func namedHostPort(s string, lookup PortFunc) (ap netip.AddrPort, why string, lerr error) {
	ap, why = hostPort(s)
	if why == "" || lookup == nil {
		return ap, why, nil
	}
	i := strings.LastIndexByte(s, ':')
	name := s[i+1:]
	if i < 0 || name == "" || strings.Trim(name, "0123456789") == "" {
		return ap, why, nil
	}
	if ap0, why0 := hostPort(s[:i+1] + "0"); why0 == "" {
		port, err := lookup(name)
		if err != nil {
			return netip.AddrPort{}, "", err
		}
		return netip.AddrPortFrom(ap0.Addr(), port), "", nil
	}
	return ap, why, nil
}

func parsePort(s string) (port uint16, why string) {
	if s == "" {
		return 0, "missing port"
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, fmt.Sprintf("port %q is not a decimal number", s)
		}
	}
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Sprintf("port %q is out of range 0-65535", s)
	}
	return uint16(p), ""
}

// TCP returns the IP address and port the address names for a tcp
// transport: raw bytes are a sockaddr (ParseSockaddr), text is a readable
// address (ParseHostPort).
func (a Addr) TCP() (netip.AddrPort, error) {
	if a.Binary() {
		return ParseSockaddr(a.Bytes)
	}
	return ParseHostPort(string(a.Bytes))
}

// Unix returns the socket path the address names for a unix transport: its
// bytes, whichever form spelled them. The path must be absolute, hold no
// NUL byte and fit in sun_path (107 bytes and the terminating NUL).
func (a Addr) Unix() (string, error) {
	p := string(a.Bytes)
	switch {
	case !strings.HasPrefix(p, "/"):
		return "", errorf(p, ErrUnixPath, "not an absolute path")
	case strings.IndexByte(p, 0) >= 0:
		return "", errorf(p, ErrUnixPath, "contains a NUL byte")
	case len(p) > maxUnixPathSize:
		return "", errorf(p, ErrUnixPath, "longer than %d bytes", maxUnixPathSize)
	}
	return p, nil
}

// TableForm returns the text to store in a _pmtab address field for the
// address string s: a readable tcp address (text of the form host:port,
// :port or [v6]:port) becomes its hex form, so a table never holds a bare
// ':' in an address; any other valid address string is kept verbatim. Text
// that contains ':' but is not a readable tcp address is refused
// (ErrNotReadable), as is anything Parse refuses. Callers still check for
// '#' and newlines, which no field may hold.
func TableForm(s string) (string, error) { return TableFormPorts(s, nil) }

// TableFormPorts is TableForm where the port of a readable address may be
// a service name (127.0.0.1:echo, :ftp, [::1]:daytime), resolved by
// lookup. A name lookup does not know is an error wrapping both
// ErrServiceName and lookup's error. With a nil lookup it is TableForm.
func TableFormPorts(s string, lookup PortFunc) (string, error) {
	a, err := Parse(s)
	if err != nil {
		return "", err
	}
	if a.Form != FormText {
		return s, nil
	}
	text := string(a.Bytes)
	if !strings.Contains(s, ":") {
		return s, nil
	}
	ap, why, lerr := namedHostPort(text, lookup)
	if lerr != nil {
		return "", &Error{Input: s, Err: fmt.Errorf("%w: %w", ErrServiceName, lerr)}
	}
	if why != "" {
		return "", errorf(s, ErrNotReadable, "%s", why)
	}
	return HexForm(ap)
}

// Readable shows an address string for people, as host:port or a socket
// path when it is one (tcp sockaddr bytes, or text that reads as either),
// and as given otherwise. sacadm --status and the port monitors' status
// documents use it.
func Readable(s string) string {
	a, err := Parse(s)
	if err != nil {
		return s
	}
	if ap, err := a.TCP(); err == nil {
		return ap.String()
	}
	if p, err := a.Unix(); err == nil {
		return p
	}
	return s
}
