package pmtab

// Service options: our extension of the listen tail (documented in
// listen(8) and nlsadmin(8)). The original tail has no room for them:
// COMMAND is the rest of the line and may hold ':'. So options are opt-in
// per entry: the flag letter o in LFLAGS says that one more field, OPTIONS,
// sits between MODULES and COMMAND:
//
//	ADDRESS:RPC:LFLAGS:MODULES:OPTIONS:COMMAND     (LFLAGS holds o)
//
// An entry without o is read and written exactly as before, so existing
// tables and scripts keep working. (The original listener would log
// "unknown flag o ignored" and run "OPTIONS:COMMAND" as the command: an
// entry that uses options needs our listener.)
//
// OPTIONS is a list of key=value words joined by '&', like a URL query.
// In a value, '%' followed by two hex digits stands for that byte, which
// is how ':' (the field separator), '#' (the comment mark), '&', '=', '%',
// '+' and white space are written; nothing else is special. Keys:
//
//	proto=tcp|udp        transport of a tcp listener's service (default tcp)
//	wait=yes|no          inetd's wait: the service is handed the listening
//	                     (or datagram) socket and the listener stops watching
//	                     it until the service exits; udp implies wait=yes
//	                     unless the service is internal
//	internal=NAME        echo, discard, daytime, chargen or time, answered by
//	                     the listener itself (RFC 862, 863, 867, 864, 868);
//	                     COMMAND is then ignored and may be empty
//	max=N                at most N instances at once (0: no limit)
//	rate=N[/SECONDS]     at most N connections per SECONDS (default 1) ...
//	pause=DURATION       ... else refuse new ones for DURATION (default 10s),
//	                     doubling on each repeat up to pausemax
//	pausemax=DURATION    longest pause (default 8 times pause)
//	persource=N          at most N instances at once per source address
//	v4prefix=BITS        IPv4 sources are grouped by this prefix (default 32)
//	v6prefix=BITS        IPv6 sources are grouped by this prefix (default 64)
//	timeout=DURATION     a session is ended (SIGHUP, then SIGKILL) after this
//	allow=LIST           only these peers may connect
//	deny=LIST            these peers may not connect (checked after allow)
//	wrap=NAME            also consult hosts.allow/hosts.deny (tcp_wrappers
//	                     rules) under daemon name NAME
//
// A LIST is comma-separated addresses or prefixes (127.0.0.1, 10.0.0.0/8,
// ::1, fd00::/8; an IPv4-mapped IPv6 peer matches its IPv4 form). A
// DURATION is a Go duration (1m30s, 500ms) or whole seconds, at most a
// year; N is a whole number from 0 (for rate from 1) to MaxListenCount.
// Unknown keys are an error: a misspelt limit must not silently be no
// limit. So is a value out of its range: it is never clamped to fit.

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LFlagOptions is flag o: an OPTIONS field follows MODULES.
const LFlagOptions LFlags = 1 << 7

// Internal services the listener answers itself.
var ListenInternalServices = []string{"chargen", "daytime", "discard", "echo", "time"}

// ListenOptions are the parsed OPTIONS field. The zero value is "no
// options". Durations and counts of zero mean "not set".
type ListenOptions struct {
	Proto    string // "", "tcp" or "udp"
	Wait     bool
	Internal string // one of ListenInternalServices, or ""

	MaxInstances int // max=
	Rate         int // rate= N
	RatePer      time.Duration
	Pause        time.Duration
	PauseMax     time.Duration

	PerSource int
	V4Prefix  int // 0 means the default 32
	V6Prefix  int // 0 means the default 64

	Timeout time.Duration

	Allow []netip.Prefix
	Deny  []netip.Prefix
	Wrap  string
}

// Defaults filled in by ParseListenOptions where a key is absent but the
// key it qualifies is present.
const (
	DefaultListenPause    = 10 * time.Second
	DefaultListenV4Prefix = 32
	DefaultListenV6Prefix = 64
)

// ErrListenOptions is wrapped by every error about the OPTIONS field.
var ErrListenOptions = errors.New("bad service options")

func optErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrListenOptions}, args...)...)
}

// ParseListenOptions parses an OPTIONS field. The empty field gives the
// zero options.
func ParseListenOptions(s string) (ListenOptions, error) {
	var o ListenOptions
	if s == "" {
		return o, nil
	}
	seen := map[string]bool{}
	for _, word := range strings.Split(s, "&") {
		if word == "" {
			continue
		}
		k, v, ok := strings.Cut(word, "=")
		if !ok {
			return ListenOptions{}, optErr("%q is not key=value", word)
		}
		val, err := unescapeOption(v)
		if err != nil {
			return ListenOptions{}, optErr("%s: %v", k, err)
		}
		if seen[k] {
			return ListenOptions{}, optErr("%s given twice", k)
		}
		seen[k] = true
		if err := o.set(k, val); err != nil {
			return ListenOptions{}, optErr("%s=%s: %v", k, val, err)
		}
	}
	if err := o.check(); err != nil {
		return ListenOptions{}, err
	}
	o.fillDefaults()
	return o, nil
}

// Set sets one option from its key and plain (unescaped)
// value, as nlsadmin's flags do; call Check when all are set.
func (o *ListenOptions) Set(key, value string) error {
	if err := o.set(key, value); err != nil {
		return optErr("%s=%s: %v", key, value, err)
	}
	return nil
}

// Check reports options that contradict each other and fills in defaults.
func (o *ListenOptions) Check() error {
	if err := o.check(); err != nil {
		return err
	}
	o.fillDefaults()
	return nil
}

func (o *ListenOptions) set(k, v string) error {
	var err error
	switch k {
	case "proto":
		if v != "tcp" && v != "udp" {
			return errors.New("want tcp or udp")
		}
		o.Proto = v
	case "wait":
		switch v {
		case "yes", "y", "1", "true":
			o.Wait = true
		case "no", "n", "0", "false":
			o.Wait = false
		default:
			return errors.New("want yes or no")
		}
	case "internal":
		if !slices.Contains(ListenInternalServices, v) {
			return fmt.Errorf("want one of %s", strings.Join(ListenInternalServices, ", "))
		}
		o.Internal = v
	case "max":
		o.MaxInstances, err = optCount(v)
	case "rate":
		n, per, found := strings.Cut(v, "/")
		if o.Rate, err = optNumber(n, 1); err != nil {
			return err
		}
		o.RatePer = time.Second
		if found {
			if o.RatePer, err = optDuration(per); err != nil {
				return err
			}
			if o.RatePer == 0 {
				return errors.New("want a period of more than 0")
			}
		}
	case "pause":
		o.Pause, err = optDuration(v)
	case "pausemax":
		o.PauseMax, err = optDuration(v)
	case "persource":
		o.PerSource, err = optCount(v)
	case "v4prefix":
		o.V4Prefix, err = optBits(v, 32)
	case "v6prefix":
		o.V6Prefix, err = optBits(v, 128)
	case "timeout":
		o.Timeout, err = optDuration(v)
	case "allow":
		o.Allow, err = ParseAddressList(v)
	case "deny":
		o.Deny, err = ParseAddressList(v)
	case "wrap":
		if v == "" || strings.ContainsAny(v, " \t\n:,") {
			return errors.New("want a daemon name without blanks, ':' or ','")
		}
		o.Wrap = v
	default:
		return errors.New("unknown option")
	}
	return err
}

func (o *ListenOptions) check() error {
	switch {
	case o.Pause != 0 && o.Rate == 0:
		return optErr("pause needs rate")
	case o.PauseMax != 0 && o.Rate == 0:
		return optErr("pausemax needs rate")
	case o.PauseMax != 0 && o.Pause > o.PauseMax:
		return optErr("pause %v is longer than pausemax %v", o.Pause, o.PauseMax)
	case (o.V4Prefix != 0 || o.V6Prefix != 0) && o.PerSource == 0:
		return optErr("v4prefix and v6prefix need persource")
	case o.Wait && o.Internal != "":
		return optErr("an internal service cannot be a wait service")
	}
	return nil
}

func (o *ListenOptions) fillDefaults() {
	if o.Rate != 0 {
		if o.Pause == 0 {
			o.Pause = DefaultListenPause
		}
		if o.PauseMax == 0 {
			o.PauseMax = 8 * o.Pause
		}
	}
	if o.PerSource != 0 {
		if o.V4Prefix == 0 {
			o.V4Prefix = DefaultListenV4Prefix
		}
		if o.V6Prefix == 0 {
			o.V6Prefix = DefaultListenV6Prefix
		}
	}
}

// UDP reports proto=udp.
func (o ListenOptions) UDP() bool { return o.Proto == "udp" }

// WaitMode reports whether the service takes over its socket: wait=yes,
// or a udp service that is not internal.
func (o ListenOptions) WaitMode() bool { return o.Wait || (o.UDP() && o.Internal == "") }

// IsZero reports whether no option is set.
func (o ListenOptions) IsZero() bool { return o.String() == "" }

// String returns the OPTIONS field in canonical form: keys in a fixed
// order, defaults left out, values escaped. ParseListenOptions reads it
// back to equal options.
func (o ListenOptions) String() string {
	var w []string
	add := func(k, v string) { w = append(w, k+"="+escapeOption(v)) }
	if o.Proto != "" && o.Proto != "tcp" {
		add("proto", o.Proto)
	}
	if o.Wait {
		add("wait", "yes")
	}
	if o.Internal != "" {
		add("internal", o.Internal)
	}
	if o.MaxInstances != 0 {
		add("max", strconv.Itoa(o.MaxInstances))
	}
	if o.Rate != 0 {
		r := strconv.Itoa(o.Rate)
		if o.RatePer != time.Second {
			r += "/" + formatDuration(o.RatePer)
		}
		add("rate", r)
		if o.Pause != DefaultListenPause {
			add("pause", formatDuration(o.Pause))
		}
		if o.PauseMax != 8*o.Pause {
			add("pausemax", formatDuration(o.PauseMax))
		}
	}
	if o.PerSource != 0 {
		add("persource", strconv.Itoa(o.PerSource))
		if o.V4Prefix != DefaultListenV4Prefix {
			add("v4prefix", strconv.Itoa(o.V4Prefix))
		}
		if o.V6Prefix != DefaultListenV6Prefix {
			add("v6prefix", strconv.Itoa(o.V6Prefix))
		}
	}
	if o.Timeout != 0 {
		add("timeout", formatDuration(o.Timeout))
	}
	if len(o.Allow) > 0 {
		add("allow", FormatAddressList(o.Allow))
	}
	if len(o.Deny) > 0 {
		add("deny", FormatAddressList(o.Deny))
	}
	if o.Wrap != "" {
		add("wrap", o.Wrap)
	}
	return strings.Join(w, "&")
}

// ParseAddressList reads a comma-separated list of addresses and prefixes.
// A bare address is a full-length prefix; IPv4-mapped IPv6 addresses are
// stored in their IPv4 form so that both spellings match the same peers.
func ParseAddressList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, w := range strings.Split(s, ",") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(w, "/") {
			var err error
			if p, err = netip.ParsePrefix(w); err != nil {
				return nil, fmt.Errorf("%q is not an address or network", w)
			}
		} else {
			a, err := netip.ParseAddr(w)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is not an address or network", w)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	if len(out) == 0 {
		return nil, errors.New("empty address list")
	}
	return out, nil
}

// FormatAddressList writes a list the way ParseAddressList reads it,
// full-length prefixes as bare addresses.
func FormatAddressList(l []netip.Prefix) string {
	w := make([]string, len(l))
	for i, p := range l {
		if p.Bits() == p.Addr().BitLen() {
			w[i] = p.Addr().String()
		} else {
			w[i] = p.String()
		}
	}
	return strings.Join(w, ",")
}

// MatchAddressList reports whether addr is in one of the prefixes.
func MatchAddressList(l []netip.Prefix, addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range l {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// MaxListenCount is the largest count an option takes (max, rate,
// persource): far more than any listener can serve, and small enough that
// no arithmetic on it overflows.
const MaxListenCount = 1 << 30

// optCount reads a count from 0 to MaxListenCount. A larger one is an
// error, never clamped: a table or command line that asks for more than
// can be kept is wrong, and saying so beats a different limit in silence.
func optCount(v string) (int, error) { return optNumber(v, 0) }

// optNumber reads a whole number from min to MaxListenCount.
func optNumber(v string, min int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > MaxListenCount {
		return 0, fmt.Errorf("want a whole number from %d to %d", min, MaxListenCount)
	}
	return n, nil
}

func optBits(v string, max int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, fmt.Errorf("want a prefix length from 1 to %d", max)
	}
	return n, nil
}

// MaxListenDuration is the longest duration an option takes.
const MaxListenDuration = 366 * 24 * time.Hour

// optDuration reads a Go duration or whole seconds from 0 to
// MaxListenDuration. One message serves every failure: a number too large
// for a Duration fails to parse at all, and the reader should hear about
// the range then too, not only about the syntax.
func optDuration(v string) (time.Duration, error) {
	bad := errors.New("want a duration from 0 to a year, such as 30s, 5m or whole seconds")
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.Atoi(v)
		if nerr != nil || n < 0 || n > int(MaxListenDuration/time.Second) {
			return 0, bad
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 || d > MaxListenDuration {
		return 0, bad
	}
	return d, nil
}

// formatDuration prints whole seconds as a plain number and anything else
// as a Go duration.
func formatDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10)
	}
	return d.String()
}

// optionSpecial are the bytes escapeOption writes as %XX.
const optionSpecial = "%:#&=+ \t\n\r\v\f"

func escapeOption(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte(optionSpecial, c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unescapeOption(v string) (string, error) {
	if !strings.Contains(v, "%") {
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			b.WriteByte(v[i])
			continue
		}
		if i+3 > len(v) {
			return "", fmt.Errorf("%q: '%%' must be followed by two hex digits", v)
		}
		n, err := strconv.ParseUint(v[i+1:i+3], 16, 8)
		if err != nil || v[i+1] == '+' || v[i+1] == '-' {
			return "", fmt.Errorf("%q: '%%' must be followed by two hex digits", v)
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}
