// Package hostsaccess reads tcp_wrappers access control files,
// hosts.allow and hosts.deny (hosts_access(5)), and decides whether a
// peer may use a service: the common subset that needs no name service.
// listen consults them for entries with option wrap=NAME (our extension).
//
// # Format
//
// Each rule is one line, a backslash before the newline joining the next
// line to it:
//
//	daemon_list : client_list [ : option : ... ]
//
// A line whose first character is '#' is a comment, and blank lines are
// ignored. A line without ':' is skipped (and reported in Rules.Errors).
// Lists are words separated by commas, blanks or tabs; a word EXCEPT
// makes the words after it exceptions to the words before it ("ALL
// EXCEPT a EXCEPT b": any but a, b included again). An IPv6 address in
// brackets may hold ':'.
//
// Keywords (ALL, EXCEPT, ...) and daemon names are compared without case.
// Daemon words: ALL, or a daemon name.
// daemon@host words, which need the server's host name, never match.
//
// Client words:
//
//	ALL                  every client
//	n.n.n.n, [v6]        that address (an IPv4-mapped IPv6 peer matches
//	                     its IPv4 form)
//	n.n.                 a word ending in '.': IPv4 addresses starting so
//	n.n.n.n/m.m.m.m      network and mask
//	n.n.n.n/bits         network and prefix length
//	[v6]/bits            IPv6 network and prefix length
//	*, ?                 wildcards, matched against the address text
//	ALL@pattern          the pattern (a user name needs ident: other
//	                     user@ words never match)
//
// Everything that needs a host name or another service does not match:
// host names, .domain suffixes, LOCAL, KNOWN, UNKNOWN, PARANOID, @netgroup
// and /file words. A rule that lists only such words is therefore never
// applied; write addresses. Rule.NeverMatch names such words, so that a
// reader of the files can warn about them (a deny rule that never
// matches fails open).
//
// Options: when the last option of a matching rule is "allow" or "deny"
// (hosts_options(5)), it decides instead of the file the rule is in;
// other options (spawn, twist, severity, ...) are ignored.
//
// # Decision
//
// As hosts_access(5): access is granted when a rule in hosts.allow
// matches (daemon and client); otherwise denied when a rule in hosts.deny
// matches; otherwise granted. The first matching rule of a file ends the
// search in it. A missing or unreadable file counts as empty.
package hostsaccess

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Rule is one rule of a file.
type Rule struct {
	File    string   // the file's name, for messages ("" when parsed from a reader)
	Line    int      // the line the rule starts on
	Daemons []string // the daemon list's words, EXCEPT included
	Clients []string // the client list's words, EXCEPT included
	Options string   // the text after the second ':', trimmed; "" for none
}

// Rules are the rules of one file, in order.
type Rules struct {
	List []Rule
	// Errors are the lines that were skipped, as *LineError.
	Errors []error
}

// ErrNoSeparator is the reason for a line without ':'.
var ErrNoSeparator = errors.New(`missing ":" separator`)

// LineError is a line that was skipped.
type LineError struct {
	File string
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("hostsaccess: %s:%d: %v", e.File, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// separators of list words.
const sep = ", \t\r\n"

// Parse reads rules from r; name is the file's name for Rule.File and the
// errors. It fails only when r does; bad lines are skipped and reported
// in Errors.
func Parse(r io.Reader, name string) (*Rules, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("hostsaccess: reading %s: %w", name, err)
	}
	rs := &Rules{}
	num := 0
	for len(data) > 0 {
		// One logical line: physical lines joined where a backslash
		// ends them.
		num++
		start := num
		var line []byte
		for {
			nl := bytes.IndexByte(data, '\n')
			var phys []byte
			if nl < 0 {
				phys, data = data, nil
			} else {
				phys, data = data[:nl], data[nl+1:]
			}
			if cont, ok := bytes.CutSuffix(phys, []byte{'\\'}); ok && len(data) > 0 {
				line = append(line, cont...)
				num++
				continue
			} else if ok {
				phys = cont // a backslash at the very end joins nothing
			}
			line = append(line, phys...)
			break
		}
		s := string(line)
		if strings.HasPrefix(s, "#") || strings.Trim(s, sep) == "" {
			continue
		}
		daemons, rest, ok := splitAt(s)
		if !ok {
			rs.Errors = append(rs.Errors, &LineError{File: name, Line: start, Err: ErrNoSeparator})
			continue
		}
		clients, opts, _ := splitAt(rest)
		rs.List = append(rs.List, Rule{
			File:    name,
			Line:    start,
			Daemons: words(daemons),
			Clients: words(clients),
			Options: strings.Trim(opts, sep),
		})
	}
	return rs, nil
}

// ReadFile reads the rules of the file at path; a file that cannot be
// read gives no rules (hosts_access(5): a non-existing file is an empty
// one; tcp_wrappers treats an unreadable one the same way).
func ReadFile(path string) *Rules {
	f, err := os.Open(path)
	if err != nil {
		return &Rules{}
	}
	defer f.Close()
	rs, err := Parse(f, path)
	if err != nil {
		return &Rules{}
	}
	return rs
}

// splitAt splits s at the first ':' outside brackets (tcp_wrappers'
// split_at with the IPv6 change).
func splitAt(s string) (before, after string, ok bool) {
	inBracket := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			inBracket = true
		case ']':
			inBracket = false
		case ':':
			if !inBracket {
				return s[:i], s[i+1:], true
			}
		}
	}
	return s, "", false
}

// words splits a list into its words.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(sep, r) })
}

// Format writes the rules back, one line each, in a form Parse reads to
// the same rules (line numbers and errors aside).
func (rs *Rules) Format() string {
	var b strings.Builder
	for _, r := range rs.List {
		line := strings.Join(r.Daemons, " ") + " : " + strings.Join(r.Clients, " ")
		if r.Options != "" {
			line += " : " + r.Options
		}
		if strings.HasPrefix(line, "#") {
			line = " " + line // not a comment
		}
		if strings.HasSuffix(line, "\\") {
			line += " " // not a continuation
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// Match returns the first rule that matches daemon and the client at a,
// or nil.
func (rs *Rules) Match(daemon string, a netip.Addr) *Rule {
	if rs == nil {
		return nil
	}
	a = a.Unmap()
	for i := range rs.List {
		r := &rs.List[i]
		if listMatch(r.Daemons, func(w string) bool { return daemonMatch(w, daemon) }) &&
			listMatch(r.Clients, func(w string) bool { return clientMatch(w, a) }) {
			return r
		}
	}
	return nil
}

// Verdict is the rule's own decision from its options: "allow", "deny",
// or "" when the file decides.
func (r *Rule) Verdict() string {
	opts := strings.Split(r.Options, ":")
	switch last := strings.ToLower(strings.Trim(opts[len(opts)-1], sep)); last {
	case "allow", "deny":
		return last
	}
	return ""
}

// Check decides whether the client at a may use daemon: the first
// matching rule of allow grants, else the first of deny denies, else
// access is granted (hosts_access(5)). It returns the deciding rule, nil
// when none matched.
func Check(allow, deny *Rules, daemon string, a netip.Addr) (bool, *Rule) {
	if r := allow.Match(daemon, a); r != nil {
		return r.Verdict() != "deny", r
	}
	if r := deny.Match(daemon, a); r != nil {
		return r.Verdict() == "allow", r
	}
	return true, nil
}

// listMatch is tcp_wrappers' list_match: true when a word before the
// first EXCEPT matches and the list after that EXCEPT (itself a list
// with exceptions) does not.
func listMatch(ws []string, match func(string) bool) bool {
	for i, w := range ws {
		if strings.EqualFold(w, "EXCEPT") {
			return false
		}
		if match(w) {
			for j := i + 1; j < len(ws); j++ {
				if strings.EqualFold(ws[j], "EXCEPT") {
					return !listMatch(ws[j+1:], match)
				}
			}
			return true
		}
	}
	return false
}

// daemonMatch matches one daemon word.
func daemonMatch(w, daemon string) bool {
	if strings.Contains(w, "@") {
		return false // daemon@host: needs the server's name
	}
	return strings.EqualFold(w, "ALL") || strings.EqualFold(w, daemon)
}

// NeverMatch returns the rule's words that can never match (those that
// need a host name or another service, and malformed addresses), for a
// warning: a deny rule made only of such words never denies anyone.
// Keywords (EXCEPT) are not included.
func (r *Rule) NeverMatch() []string {
	var out []string
	for _, w := range r.Daemons {
		if strings.Contains(w, "@") {
			out = append(out, w)
		}
	}
	for _, w := range r.Clients {
		if !strings.EqualFold(w, "EXCEPT") && !clientCanMatch(w) {
			out = append(out, w)
		}
	}
	return out
}

// clientCanMatch reports whether the client word w matches some address
// (clientMatch decides which).
func clientCanMatch(w string) bool {
	if user, host, ok := strings.Cut(w, "@"); ok {
		if !strings.EqualFold(user, "ALL") || host == "" {
			return false
		}
		w = host
	}
	switch strings.ToUpper(w) {
	case "ALL":
		return true
	case "LOCAL", "KNOWN", "UNKNOWN", "PARANOID":
		return false
	}
	switch {
	case strings.HasPrefix(w, ".") || strings.HasPrefix(w, "/"):
		return false
	case strings.HasPrefix(w, "["):
		_, ok := v6Word(w)
		return ok
	case strings.Contains(w, "/"):
		net, mask, _ := strings.Cut(w, "/")
		_, _, ok := maskWord(net, mask)
		return ok
	case strings.ContainsAny(w, "*?"):
		// Matched against an address's text: only digits, dots,
		// colons and hex letters can ever be there.
		return strings.Trim(strings.ToLower(w), "0123456789abcdef.:*?") == ""
	case strings.HasSuffix(w, "."):
		return strings.Trim(w, "0123456789.") == ""
	}
	b, err := netip.ParseAddr(w)
	return err == nil && b.Zone() == ""
}

// clientMatch matches one client word against the address a.
func clientMatch(w string, a netip.Addr) bool {
	if user, host, ok := strings.Cut(w, "@"); ok {
		if !strings.EqualFold(user, "ALL") || host == "" {
			return false // ident, or @netgroup
		}
		w = host
	}
	// Keywords are compared without case, as tcp_wrappers' STR_EQ
	// (strcasecmp) does.
	switch strings.ToUpper(w) {
	case "ALL":
		return true
	case "LOCAL", "KNOWN", "UNKNOWN", "PARANOID":
		return false // need host names
	}
	if !a.IsValid() || strings.HasPrefix(w, ".") || strings.HasPrefix(w, "/") {
		return false
	}
	if strings.HasPrefix(w, "[") {
		return v6Match(w, a)
	}
	if net, mask, ok := strings.Cut(w, "/"); ok {
		return maskMatch(net, mask, a)
	}
	text := a.String()
	if strings.ContainsAny(w, "*?") {
		return glob(w, text)
	}
	if strings.HasSuffix(w, ".") {
		return a.Is4() && strings.HasPrefix(text, w)
	}
	b, err := netip.ParseAddr(w)
	return err == nil && b.Zone() == "" && b.Unmap() == a
}

// v6Match matches "[addr]" and "[addr]/bits".
func v6Match(w string, a netip.Addr) bool {
	p, ok := v6Word(w)
	return ok && p.Contains(a)
}

// v6Word parses "[addr]" (the one address) and "[addr]/bits" into the
// network they match; an IPv4-mapped network is given as IPv4.
func v6Word(w string) (netip.Prefix, bool) {
	inner, rest, ok := strings.Cut(w[1:], "]")
	if !ok {
		return netip.Prefix{}, false
	}
	b, err := netip.ParseAddr(inner)
	if err != nil || b.Zone() != "" {
		return netip.Prefix{}, false
	}
	n := b.BitLen()
	if rest != "" {
		bits, ok := strings.CutPrefix(rest, "/")
		if !ok {
			return netip.Prefix{}, false
		}
		if n, err = strconv.Atoi(bits); err != nil || n < 0 || n > b.BitLen() {
			return netip.Prefix{}, false
		}
	}
	if b.Is4In6() && n >= 96 {
		return netip.PrefixFrom(b.Unmap(), n-96).Masked(), true
	}
	return netip.PrefixFrom(b, n).Masked(), true
}

// maskMatch matches "n.n.n.n/m.m.m.m" and "n.n.n.n/bits" (IPv4 only, as
// tcp_wrappers' masked_match).
func maskMatch(net, mask string, a netip.Addr) bool {
	nv, mv, ok := maskWord(net, mask)
	return ok && a.Is4() && be32(a)&mv == nv
}

// maskWord parses the network and mask of "n.n.n.n/m.m.m.m" or
// "n.n.n.n/bits"; a network with bits outside its mask matches nothing.
func maskWord(net, mask string) (nv, mv uint32, ok bool) {
	n, err := netip.ParseAddr(net)
	if err != nil || !n.Is4() {
		return 0, 0, false
	}
	if m, err := netip.ParseAddr(mask); err == nil {
		if !m.Is4() {
			return 0, 0, false
		}
		mv = be32(m)
	} else {
		bits, err := strconv.Atoi(mask)
		if err != nil || bits < 0 || bits > 32 {
			return 0, 0, false
		}
		mv = ^uint32(0) << (32 - bits) // Go: a shift by 32 gives 0
	}
	nv = be32(n)
	return nv, mv, nv&^mv == 0
}

// be32 is an IPv4 address as a number.
func be32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// glob matches s against a pattern of literal characters, '*' (any run)
// and '?' (any one character), without case.
func glob(pat, s string) bool {
	pat, s = strings.ToLower(pat), strings.ToLower(s)
	// Iterative matching with one backtrack point.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pat) && (pat[p] == '?' || pat[p] == s[i]):
			p++
			i++
		case p < len(pat) && pat[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}
