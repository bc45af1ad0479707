// Package inetdconf reads inetd.conf(5) in its classic BSD form, for
// nlsadmin --import-inetd (docs/original.md#the-inetd-model):
//
//	service  socket_type  protocol  wait[.max]  user[.group]  server_path  [args ...]
//
// Fields are separated by blanks and tabs. A '#' at the start of a field
// starts a comment that runs to the end of the line (a line that starts
// with '#' is all comment, as in every inetd; Solaris also allows one after
// the fields). A line that starts with a blank or a tab continues the
// entry before it, as BSD and netkit inetd read it; blank lines are
// skipped. wait is "wait" or "nowait", optionally followed by ".max", the
// most servers started per minute (OpenBSD; FreeBSD's "/max-child/..."
// suffixes are not read). user may be followed by ".group" or ":group"
// (FreeBSD's "/login-class" is kept in Class). args are argv, argv[0]
// included.
//
// Parse keeps syntax only: whether a protocol, socket type or server can
// be imported is the importer's decision. Format writes entries back so
// that Parse reads them to the same values.
package inetdconf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Entry is one service of the file.
type Entry struct {
	Line       int    // line where the entry starts
	Text       string // the entry's fields joined by blanks (no comment)
	Service    string // name, port number, rpc name/version, path ...
	SocketType string // stream, dgram, ...
	Proto      string // tcp, udp6, rpc/tcp, unix, ...
	Wait       bool
	Max        int // from wait.max / nowait.max; 0 if not given
	User       string
	Group      string // "" if not given
	Class      string // FreeBSD login class, "" if not given
	Server     string // server path or "internal"
	Args       []string
}

// Error is a line that is not an entry.
type Error struct {
	Line int
	Text string // the entry's text (continuations joined by a blank)
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Errors of a bad line, wrapped in an *Error.
var (
	ErrFields = errors.New("fewer than 6 fields (service socket_type protocol wait user server)")
	ErrWait   = errors.New("wait-status is not wait, nowait, wait.MAX or nowait.MAX")
	ErrUser   = errors.New("empty user or group")
	ErrLong   = errors.New("entry longer than 64 KiB")
)

const maxEntry = 64 << 10

// Parse reads an inetd.conf. It returns the entries in file order and an
// *Error for each line that is not one; err is only a read error.
func Parse(r io.Reader) (entries []Entry, bad []*Error, err error) {
	type raw struct {
		line   int
		fields []string
		text   string
	}
	var cur *raw
	flush := func() {
		if cur == nil {
			return
		}
		e, perr := parseFields(cur.fields)
		if perr != nil {
			bad = append(bad, &Error{Line: cur.line, Text: cur.text, Err: perr})
		} else if len(cur.text) > maxEntry {
			bad = append(bad, &Error{Line: cur.line, Text: cur.text[:80] + "...", Err: ErrLong})
		} else {
			e.Line, e.Text = cur.line, strings.Join(cur.fields, " ")
			entries = append(entries, e)
		}
		cur = nil
	}
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, rerr := br.ReadString('\n')
		if rerr != nil && rerr != io.EOF {
			return entries, bad, fmt.Errorf("inetdconf: line %d: %w", n, rerr)
		}
		line = strings.TrimRight(line, "\r\n")
		if line != "" {
			fields := splitFields(line)
			continued := line[0] == ' ' || line[0] == '\t'
			switch {
			case len(fields) == 0:
				// A blank or comment line ends the entry before, unless
				// it is indented: then it is an empty continuation.
				if !continued {
					flush()
				}
			case continued && cur != nil:
				cur.fields = append(cur.fields, fields...)
				cur.text += " " + strings.TrimSpace(line)
			default:
				flush()
				cur = &raw{line: n, fields: fields, text: strings.TrimSpace(line)}
			}
		} else {
			flush()
		}
		if rerr == io.EOF {
			flush()
			return entries, bad, nil
		}
	}
}

// splitFields splits a line on blanks and tabs (and the other ASCII
// white space, so that CR LF files read right) up to the first field that
// starts with '#'.
func splitFields(line string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r < 0x80 && strings.ContainsRune(" \t\r\v\f", r) }) {
		if strings.HasPrefix(f, "#") {
			break
		}
		out = append(out, f)
	}
	return out
}

func parseFields(f []string) (Entry, error) {
	if len(f) < 6 {
		return Entry{}, ErrFields
	}
	e := Entry{Service: f[0], SocketType: f[1], Proto: f[2], Server: f[5]}
	if len(f) > 6 {
		e.Args = f[6:]
	}
	w, max, hasMax := strings.Cut(f[3], ".")
	switch w {
	case "wait":
		e.Wait = true
	case "nowait":
	default:
		return Entry{}, ErrWait
	}
	if hasMax {
		n, err := strconv.Atoi(max)
		if err != nil || n < 1 || n > 1<<30 || strings.Trim(max, "0123456789") != "" {
			return Entry{}, ErrWait
		}
		e.Max = n
	}
	user := f[4]
	user, e.Class, _ = strings.Cut(user, "/")
	if i := strings.IndexAny(user, ".:"); i >= 0 {
		user, e.Group = user[:i], user[i+1:]
		if e.Group == "" {
			return Entry{}, ErrUser
		}
	}
	if user == "" {
		return Entry{}, ErrUser
	}
	e.User = user
	return e, nil
}

// Format writes the entries, one line each, fields separated by a tab
// (the arguments by blanks), in a form Parse reads back to the same
// entries (Line and Text aside).
func Format(entries []Entry) string {
	var b strings.Builder
	for _, e := range entries {
		wait := "nowait"
		if e.Wait {
			wait = "wait"
		}
		if e.Max != 0 {
			wait += "." + strconv.Itoa(e.Max)
		}
		user := e.User
		if e.Group != "" {
			user += "." + e.Group
		}
		if e.Class != "" {
			user += "/" + e.Class
		}
		b.WriteString(strings.Join([]string{e.Service, e.SocketType, e.Proto, wait, user, e.Server}, "\t"))
		for _, a := range e.Args {
			b.WriteByte(' ')
			b.WriteString(a)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
