// Package etcservices reads services(5), the table of Internet service
// names and ports (/etc/services), for nlsadmin's readable addresses such
// as 127.0.0.1:echo and for its inetd.conf importer.
//
// Each line is
//
//	name  port/protocol  [alias ...]  [# comment]
//
// with fields separated by blanks or tabs; '#' starts a comment anywhere.
// As with glibc's getservbyname, lines that do not fit (no port/protocol,
// a port that is not a decimal number from 0 to 65535) are skipped, not
// errors: the file belongs to the system, and one odd line must not make
// every name unknown. Lookups match the name or an alias together with
// the protocol, and the first matching line wins.
//
// The package reads from an io.Reader; opening the file (and choosing
// which file: nlsadmin's SAF_SERVICES) is the caller's business.
package etcservices

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// DefaultPath is the system's services file. It is not prefixed by
// SAF_ROOT: port numbers are the system's, not the SAF installation's.
const DefaultPath = "/etc/services"

// Entry is one usable line of the file.
type Entry struct {
	Name    string
	Port    uint16
	Proto   string // "tcp", "udp", ...
	Aliases []string
	Line    int // 1-based line number, for messages
}

// Table is the parsed file, in file order.
type Table []Entry

// maxLine bounds one line; longer lines are skipped like other bad lines.
const maxLine = 64 << 10

// Parse reads a services file. Only a read error is an error; lines that
// cannot be used are skipped (see the package comment).
func Parse(r io.Reader) (Table, error) {
	var t Table
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadString('\n')
		if len(line) > 0 && len(line) <= maxLine {
			if e, ok := parseLine(line); ok {
				e.Line = n
				t = append(t, e)
			}
		}
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return t, fmt.Errorf("etcservices: line %d: %w", n, err)
		}
	}
}

func parseLine(line string) (Entry, bool) {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return Entry{}, false
	}
	portText, proto, ok := strings.Cut(f[1], "/")
	if !ok || proto == "" || strings.Contains(proto, "/") || !isDigits(portText) {
		return Entry{}, false
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return Entry{}, false
	}
	e := Entry{Name: f[0], Port: uint16(port), Proto: proto}
	if len(f) > 2 {
		e.Aliases = f[2:]
	}
	return e, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Lookup returns the first entry for proto whose name or one of whose
// aliases is name.
func (t Table) Lookup(name, proto string) (Entry, bool) {
	for _, e := range t {
		if e.Proto != proto {
			continue
		}
		if e.Name == name {
			return e, true
		}
		for _, a := range e.Aliases {
			if a == name {
				return e, true
			}
		}
	}
	return Entry{}, false
}

// Format writes the table back, one line per entry: name, TAB,
// port/proto and the aliases separated by blanks. Comments and skipped
// lines are not kept; Parse reads the result back to the same entries
// (line numbers aside).
func (t Table) Format() string {
	var b strings.Builder
	for _, e := range t {
		b.WriteString(e.Name)
		b.WriteByte('\t')
		b.WriteString(strconv.Itoa(int(e.Port)))
		b.WriteByte('/')
		b.WriteString(e.Proto)
		for _, a := range e.Aliases {
			b.WriteByte(' ')
			b.WriteString(a)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
