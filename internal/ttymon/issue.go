package ttymon

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/internal/utmp"
	"golang.org/x/sys/unix"
)

// What a user of agetty(8), the getty of Linux distributions, expects
// of a login line, and the original ttymon did not do: the escapes of
// the issue file and the prompt, and a TERM when no terminal type is
// configured.
//
// # Escapes
//
// A backslash and the character after it stand for a value, as in
// agetty's issue files (agetty(8), ISSUE FILES; checked against
// "agetty --show-issue" of util-linux 2.38 by TestIssueMatchesAgetty):
//
//	\n  node name (uname -n)        \s  system name (uname -s)
//	\r  release (uname -r)          \v  version (uname -v)
//	\m  machine (uname -m)          \o  NIS domain ("(none)" when unset)
//	\O  DNS domain of the host, from its canonical name, or "unknown_domain"
//	\l  the line: the device without "/dev/" (the utmp line, utmpLine)
//	\b  the line's speed; nothing when it has no standard rate
//	\d  date, "Tue Dec  8  2026"    \t  time, "13:05:09" (local time)
//	\u  number of users and a space (agetty's own format)
//	\U  "1 user" or "<n> users"; users are the USER_PROCESS records of
//	    ttymon's utmp file
//	\S  PRETTY_NAME of /etc/os-release (else /usr/lib/os-release), else
//	    the system name; \S{VAR} that variable, nothing when unset
//	    (\S{ANSI_COLOR} becomes its escape sequence)
//	\4  IPv4 address of the first interface that is up, running and not
//	    loopback, else of the host name; \4{iface} that interface's
//	    first, or nothing
//	\6  the same for IPv6
//	\e  ESC; \e{name} the sequence of a colour or attribute name
//	    (colorSequences), nothing for an unknown name
//
// Any other character after a backslash stands for itself, as in
// agetty: "\\" is a backslash, "\x" is "x". An argument in braces runs
// to the first '}'; without one it takes the rest of the text and the
// escape is read as having no argument (agetty's reading too). A
// backslash at the very end of the text stays a backslash (agetty writes
// a byte 0xFF there, reading past the end of its file).
//
// expandIssue is the pure part: it takes every value in an issueValues.
// gatherIssue collects the values the text uses, and only those, so
// that text without escapes costs one scan.

// issueValues holds what the escapes stand for.
type issueValues struct {
	Sysname, Nodename, Release, Version, Machine string       // uname(2): \s \n \r \v \m
	Domain                                       string       // \o: the NIS domain
	DNSDomain                                    string       // \O: empty when unknown
	Line                                         string       // \l
	Speed                                        int          // \b: bits per second; 0 or less: none
	Now                                          time.Time    // \d \t
	Users                                        int          // \u \U
	OSRelease                                    []byte       // \S: the os-release file; nil: none
	Ifaces                                       []issueIface // \4 \6: the interfaces, in the system's order
	HostAddrs                                    []netip.Addr // \4 \6 without an interface, when no interface qualifies
}

// issueIface is one network interface for \4 and \6.
type issueIface struct {
	Name  string
	Best  bool // up, running and not loopback: a candidate for \4 and \6 without a name
	Addrs []netip.Addr
}

// colorSequences are the names \e{name} knows: agetty's (util-linux
// lib/color-names.c), with the same sequences.
var colorSequences = map[string]string{
	"black":        "\033[30m",
	"blink":        "\033[5m",
	"blue":         "\033[34m",
	"bold":         "\033[1m",
	"brown":        "\033[33m",
	"cyan":         "\033[36m",
	"darkgray":     "\033[1;30m",
	"gray":         "\033[37m",
	"green":        "\033[32m",
	"halfbright":   "\033[2m",
	"lightblue":    "\033[1;34m",
	"lightcyan":    "\033[1;36m",
	"lightgray":    "\033[37m",
	"lightgreen":   "\033[1;32m",
	"lightmagenta": "\033[1;35m",
	"lightred":     "\033[1;31m",
	"magenta":      "\033[35m",
	"red":          "\033[31m",
	"reset":        "\033[0m",
	"reverse":      "\033[7m",
	"white":        "\033[1;37m",
	"yellow":       "\033[1;33m",
}

// escapeTakesArg reports whether escape c may have an {argument}.
func escapeTakesArg(c byte) bool { return c == 'e' || c == 'S' || c == '4' || c == '6' }

// nextEscape reads the escape whose backslash is at s[i], not the last
// byte of s. It returns the escape's letter, its argument and whether it
// has one, and the index after it.
func nextEscape(s string, i int) (c byte, arg string, hasArg bool, next int) {
	c, next = s[i+1], i+2
	if !escapeTakesArg(c) || next >= len(s) || s[next] != '{' {
		return c, "", false, next
	}
	end := strings.IndexByte(s[next+1:], '}')
	if end < 0 {
		return c, "", false, len(s) // unterminated: the rest is taken, no argument
	}
	return c, s[next+1 : next+1+end], true, next + end + 2
}

// expandIssue appends s to b with its escapes expanded from v.
func expandIssue(b []byte, s string, v *issueValues) []byte {
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '\\')
		if j < 0 {
			return append(b, s[i:]...)
		}
		b = append(b, s[i:i+j]...)
		if i+j+1 == len(s) {
			return append(b, '\\') // a backslash at the end stands for itself
		}
		c, arg, hasArg, next := nextEscape(s, i+j)
		b = v.appendEscape(b, c, arg, hasArg)
		i = next
	}
	return b
}

// appendEscape appends what escape c (with its argument) stands for.
func (v *issueValues) appendEscape(b []byte, c byte, arg string, hasArg bool) []byte {
	switch c {
	case 'e':
		if !hasArg {
			return append(b, '\033')
		}
		return append(b, colorSequences[arg]...)
	case 's':
		return append(b, v.Sysname...)
	case 'n':
		return append(b, v.Nodename...)
	case 'r':
		return append(b, v.Release...)
	case 'v':
		return append(b, v.Version...)
	case 'm':
		return append(b, v.Machine...)
	case 'o':
		return append(b, v.Domain...)
	case 'O':
		if v.DNSDomain == "" {
			return append(b, issueNoDomain...)
		}
		return append(b, v.DNSDomain...)
	case 'd':
		t := v.Now
		return append(b, sprintf(fmtIssueDate, t.Weekday().String()[:3], t.Month().String()[:3], t.Day(), t.Year())...)
	case 't':
		return append(b, v.Now.Format(time.TimeOnly)...)
	case 'l':
		return append(b, v.Line...)
	case 'b':
		if v.Speed > 0 {
			return strconv.AppendInt(b, int64(v.Speed), 10)
		}
		return b
	case 'S':
		return append(b, v.osRelease(arg, hasArg)...)
	case 'u':
		return append(b, sprintf(fmtIssueUsersNumber, v.Users)...)
	case 'U':
		if v.Users == 1 {
			return append(b, sprintf(fmtIssueUser, v.Users)...)
		}
		return append(b, sprintf(fmtIssueUsers, v.Users)...)
	case '4', '6':
		if a, ok := v.address(c == '6', arg, hasArg); ok {
			return append(b, a.String()...)
		}
		return b
	}
	return append(b, c)
}

// osRelease is \S: the variable name of the os-release file, or its
// PRETTY_NAME (else the system name) without a name.
func (v *issueValues) osRelease(name string, hasName bool) string {
	if !hasName {
		if val, ok := osReleaseVar(v.OSRelease, "PRETTY_NAME"); ok {
			return val
		}
		return v.Sysname
	}
	val, ok := osReleaseVar(v.OSRelease, name)
	switch {
	case !ok:
		return ""
	case name == "ANSI_COLOR":
		return "\033[" + val + "m"
	}
	return val
}

// osReleaseVar finds variable name in the os-release text data as agetty
// reads the file: the last line that starts (after blanks) with name,
// then blanks and '=', gives the value; blanks, '=' and '"' after the
// '=' are skipped, blanks at the end dropped, then one final '"'.
// Lines starting with '#' or ';' are comments.
func osReleaseVar(data []byte, name string) (string, bool) {
	val, found := "", false
	for line := range bytes.Lines(data) {
		l := strings.TrimLeft(string(line), " \t\r\n")
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		if eol := strings.IndexAny(l, "\r\n"); eol >= 0 {
			l = l[:eol]
		}
		rest, ok := strings.CutPrefix(l, name)
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, " \t")
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		rest = strings.TrimRight(strings.TrimLeft(rest, " \t=\""), " \t")
		val, found = strings.TrimSuffix(rest, `"`), true
	}
	return val, found
}

// address is \4 (six false) or \6: the first address of that family of
// the interface named iface, or (without a name) of the first interface
// that qualifies, else of the host name.
func (v *issueValues) address(six bool, iface string, named bool) (netip.Addr, bool) {
	family := func(a netip.Addr) bool { return a.Is6() == six }
	for _, it := range v.Ifaces {
		if named && it.Name != iface || !named && !it.Best {
			continue
		}
		for _, a := range it.Addrs {
			if family(a) {
				return a, true
			}
		}
	}
	if !named {
		for _, a := range v.HostAddrs {
			if family(a) {
				return a, true
			}
		}
	}
	return netip.Addr{}, false
}

// escapeSet is the set of escape letters a text uses.
type escapeSet [256]bool

// add adds the escapes of s, and reports whether it has any (a
// backslash at its end counts).
func (set *escapeSet) add(s string) (found bool) {
	for i := strings.IndexByte(s, '\\'); i >= 0; {
		found = true
		if i+1 == len(s) {
			break
		}
		c, _, _, next := nextEscape(s, i)
		set[c] = true
		j := strings.IndexByte(s[next:], '\\')
		if j < 0 {
			break
		}
		i = next + j
	}
	return found
}

// lookupTimeout bounds the name-service lookups of \O, \4 and \6: they
// hold up this line's prompt only.
const lookupTimeout = 5 * time.Second

// Where \S reads, in this order (os-release(5)). Not below SAF_ROOT: the
// file describes the system, not the SAF.
var osReleaseFiles = []string{"/etc/os-release", "/usr/lib/os-release"}

// gatherIssue collects the values the escapes of texts need, for the
// line dev open on fd; it returns nil when the texts have no escape.
// utmpPath is the utmp file whose users \u and \U count.
func gatherIssue(utmpPath string, fd int, dev string, texts ...string) *issueValues {
	var use escapeSet
	anyEscape := false
	for _, s := range texts {
		anyEscape = use.add(s) || anyEscape
	}
	if !anyEscape {
		return nil
	}
	v := &issueValues{Line: utmpLine(dev), Now: time.Now()}
	var u unix.Utsname
	if unix.Uname(&u) == nil { // cannot fail on Linux
		v.Sysname, v.Nodename = unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Nodename[:])
		v.Release, v.Version = unix.ByteSliceToString(u.Release[:]), unix.ByteSliceToString(u.Version[:])
		v.Machine, v.Domain = unix.ByteSliceToString(u.Machine[:]), unix.ByteSliceToString(u.Domainname[:])
	}
	if use['b'] {
		if t, err := termios.Get(fd); err == nil {
			v.Speed = termios.Speed(t)
		}
	}
	if use['u'] || use['U'] {
		v.Users = countUsers(utmpPath)
	}
	if use['S'] {
		for _, f := range osReleaseFiles {
			if data, err := os.ReadFile(f); err == nil {
				v.OSRelease = data
				break
			}
		}
	}
	var ctx context.Context
	if use['O'] || use['4'] || use['6'] {
		c, cancel := context.WithTimeout(context.Background(), lookupTimeout)
		defer cancel()
		ctx = c
	}
	if use['O'] {
		v.DNSDomain = dnsDomain(ctx, v.Nodename)
	}
	if use['4'] || use['6'] {
		v.Ifaces = interfaces()
		// Without host addresses yet, address finds only an interface's.
		has := func(six bool) bool { _, ok := v.address(six, "", false); return ok }
		if use['4'] && !has(false) || use['6'] && !has(true) {
			v.HostAddrs = hostAddrs(ctx, v.Nodename)
		}
	}
	return v
}

// countUsers counts the USER_PROCESS records of the utmp file; none when
// it cannot be read.
func countUsers(path string) int {
	recs, err := utmp.ReadFile(path)
	if err != nil {
		return 0
	}
	n := 0
	for _, r := range recs {
		if r.Type == utmp.UserProcess {
			n++
		}
	}
	return n
}

// dnsDomain is what follows the first '.' of the host's canonical name
// (getaddrinfo's AI_CANONNAME, as agetty asks), or "".
func dnsDomain(ctx context.Context, host string) string {
	cname, err := net.DefaultResolver.LookupCNAME(ctx, host)
	if err != nil {
		return ""
	}
	_, dom, _ := strings.Cut(strings.TrimSuffix(cname, "."), ".")
	return dom
}

// interfaces lists the network interfaces and their addresses, in the
// kernel's order; nil when they cannot be read.
func interfaces() []issueIface {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	out := make([]issueIface, 0, len(ifs))
	for _, it := range ifs {
		x := issueIface{
			Name: it.Name,
			Best: it.Flags&(net.FlagUp|net.FlagRunning|net.FlagLoopback) == net.FlagUp|net.FlagRunning,
		}
		addrs, _ := it.Addrs() // an interface gone meanwhile has none
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok {
					x.Addrs = append(x.Addrs, ip.Unmap().WithZone(""))
				}
			}
		}
		out = append(out, x)
	}
	return out
}

// hostAddrs are the addresses of the host name, for \4 and \6 when no
// interface qualifies.
func hostAddrs(ctx context.Context, host string) []netip.Addr {
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap().WithZone("")
	}
	return addrs
}

// Terminal types agetty gives a line that has none configured.
const (
	termConsole = "linux" // a virtual console
	termSerial  = "vt102" // every other line: serial lines and pseudo-terminals
)

// termType is TERM for the service on the line open on fd: the
// configured type, else termConsole on a virtual console and termSerial
// on any other line, as agetty does.
func termType(fd int, configured string) string {
	if configured != "" {
		return configured
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR {
		return termSerial
	}
	rdev := uint64(st.Rdev) // uint32 on mips
	active := ""
	if unix.Major(rdev) == consoleMajor {
		b, _ := os.ReadFile(consoleActive) // unreadable: not known to be a virtual console
		active = string(b)
	}
	if virtualConsole(unix.Major(rdev), unix.Minor(rdev), active) {
		return termConsole
	}
	return termSerial
}

// Device numbers (the kernel's Documentation/admin-guide/devices.txt):
// major 4 holds the virtual consoles tty0 (the current one) to tty63,
// and the serial ports from minor 64 on; /dev/console is 5,1.
const (
	vtMajor      = 4
	vtMinors     = 64
	consoleMajor = 5
	consoleMinor = 1
)

// consoleActive lists the consoles /dev/console writes to; the last is
// the one it reads from, the one a getty on /dev/console serves (as
// systemd reads it).
const consoleActive = "/sys/class/tty/console/active"

// virtualConsole reports whether the device major,minor is a virtual
// console: tty0 to tty63, or /dev/console when active (the text of
// consoleActive) ends with one. agetty asks the line itself (the
// KDGKBMODE ioctl); the device number says the same without an ioctl
// outside internal/termios.
func virtualConsole(major, minor uint32, active string) bool {
	switch {
	case major == vtMajor:
		return minor < vtMinors
	case major == consoleMajor && minor == consoleMinor:
		f := strings.Fields(active)
		if len(f) == 0 {
			return false
		}
		n, ok := strings.CutPrefix(f[len(f)-1], "tty")
		_, err := strconv.ParseUint(n, 10, 8)
		return ok && err == nil
	}
	return false
}
