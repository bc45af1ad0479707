package listen

import (
	"bytes"
	"fmt"
	"github.com/linux-saf/saf/internal/errno"
	"os"
	"strconv"
	"strings"

	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/pmtab"
)

// The listener reads _pmtab with its own rules (listen.md 2.1-2.3), not
// with the generic reader of saf/pmtab that sac and pmadm share: a
// 1024-byte line buffer, the whole line trimmed, exactly 11 fields, a
// version check on every read, and a read that fails as a whole.

// tableVersion is the only _pmtab version the listener reads.
const tableVersion = pmtab.ListenVersion

// lineBuf is the original's fgets buffer: a line and its newline must fit
// in lineBuf-1 bytes.
const lineBuf = 1024

// maxCode is the longest service code; 14 characters or more make the
// table unreadable (listen.md 2.2, 10: "Keep text and limit").
const maxCode = 13

// svcFlags are the SAF flags of field 2 as the listener reads them.
type svcFlags uint8

const (
	flagDisabled svcFlags = 1 << iota // x or X
	flagUtmp                          // u
	flagUnknown                       // any other letter
)

// parseSvcFlags reads field 2. An unknown letter replaces every flag seen
// so far by the "unknown" marker; later letters are OR'ed back in
// (listen.md 2.1 [QUIRK: keep, harmless]).
func parseSvcFlags(s string) svcFlags {
	var f svcFlags
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'x', 'X':
			f |= flagDisabled
		case 'u':
			f |= flagUtmp
		default:
			f = flagUnknown
		}
	}
	return f
}

// service is one entry of the listener's _pmtab.
type service struct {
	Code     string // field 1, the service code
	Flags    svcFlags
	Identity string
	pmtab.Listen
	Line int // physical line number, for messages

	// argv is Command split once when the table is read, for the direct
	// path (fastpath.go); nil when it does not split (the launcher then
	// logs why).
	argv []string
}

// disabled reports flag x: connections are refused.
func (s *service) disabled() bool { return s.Flags&flagDisabled != 0 }

// nlps reports whether the entry runs the NLPS server (nlpsserver.go):
// an exec entry whose program is named nlps_server.
func (s *service) nlps() bool {
	return !s.passfd() && s.argv != nil && isNLPSArgv0(s.argv[0])
}

// dynamic reports lflag d.
func (s *service) dynamic() bool { return s.Listen.Flags&pmtab.LFlagDynamic != 0 }

// passfd reports lflag p: the listener passes connections to a standing
// server. Everything else, an entry with neither c nor p included, is
// exec'd (listen.md 5.5 step 4).
func (s *service) passfd() bool { return s.Listen.Flags&pmtab.LFlagPipe != 0 }

// bindable reports whether the listener binds an endpoint for the entry:
// it has a private address or flag d (listen.md 2.3).
func (s *service) bindable() bool { return s.Address != "" || s.dynamic() }

// tableError is a failed read of _pmtab: the lines to log and the exit
// status it means at start-up.
type tableError struct {
	Code  int      // exitNoVersion, exitBadVersion or exitBadTable
	Lines []string // log lines, in order
	// Fatal: fatal on a re-read too (version problems, an unopenable
	// file); a bad entry during a re-read keeps the old table.
	Fatal bool
}

func (e *tableError) Error() string { return "listen: _pmtab: " + strings.Join(e.Lines, "; ") }

// readTable reads the listener's _pmtab at path.
func readTable(path string) ([]*service, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The path and reason are an extension: the original said only
		// the first line.
		return nil, nil, &tableError{Code: exitBadTable, Fatal: true,
			Lines: []string{"Trouble opening data base file", "  " + path + ": " + errno.Text(err)}}
	}
	return parseTable(data)
}

// parseTable parses a whole _pmtab. It returns the entries in file order
// and the non-fatal notes to log (listen.md 2.2: logged only by the
// storing pass, so only when the read succeeds), or a *tableError.
func parseTable(data []byte) ([]*service, []string, error) {
	if err := checkVersion(data); err != nil {
		return nil, nil, err
	}
	var svcs []*service
	var notes []string
	seen := map[string]bool{}
	num := 0
	for len(data) > 0 {
		num++
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 || nl >= lineBuf-1 {
			// No newline within the buffer: a line too long, or a last
			// line without its newline.
			return nil, nil, lineError(num)
		}
		raw := string(data[:nl])
		data = data[nl+1:]
		if strings.IndexByte(raw, 0) >= 0 {
			// fgets reads the NUL, but every C string function stops
			// there: the line cannot mean what it shows.
			return nil, nil, lineError(num)
		}
		if i := strings.IndexByte(raw, '#'); i >= 0 {
			raw = raw[:i]
		}
		line := strings.Trim(raw, " \t\n\v\f\r")
		if line == "" {
			continue
		}
		f := strings.SplitN(line, ":", 11)
		if len(f) < 11 {
			return nil, nil, lineError(num)
		}
		code := f[0]
		if code == "" || len(code) > maxCode {
			return nil, nil, &tableError{Code: exitBadTable, Lines: []string{"Data base file: Illegal service code: " + code}}
		}
		if seen[code] {
			return nil, nil, &tableError{Code: exitBadTable, Lines: []string{"Data base file: Duplicate service code: " + code}}
		}
		seen[code] = true
		l, err := pmtab.ParseListen(strings.Join(f[6:], ":"))
		if err != nil {
			return nil, nil, listenError(num, code, err)
		}
		for _, n := range l.Notes {
			notes = append(notes, n.Lines(code)...)
		}
		svc := &service{Code: code, Flags: parseSvcFlags(f[1]), Identity: f[2], Listen: l, Line: num}
		svc.argv, _ = pmtab.SplitCommand(l.Command) // errors: see argv
		svcs = append(svcs, svc)
	}
	if len(svcs) == 0 {
		notes = append(notes, "No database?  0 entries?")
	}
	return svcs, notes, nil
}

func lineError(num int) *tableError {
	return &tableError{Code: exitBadTable, Lines: []string{"Data base file: Error on line " + strconv.Itoa(num)}}
}

// listenError maps an error of fields 7-11 to the listener's lines
// (listen.md 2.2).
func listenError(num int, code string, err error) *tableError {
	le, ok := err.(*pmtab.ListenError)
	if !ok {
		return lineError(num)
	}
	msg := le.Message(code)
	switch {
	case msg == "":
		return lineError(num)
	case le.Field == "address":
		// The table gives no line error for a long address.
		return &tableError{Code: exitBadTable, Lines: []string{msg}}
	}
	return &tableError{Code: exitBadTable, Lines: []string{msg, lineError(num).Lines[0]}}
}

// checkVersion finds the first line that begins with "# VERSION=" and
// checks its number (listen.md 2.1): none, or nothing after the '=', is
// exit 39; a number other than 4 (read like C atoi) is exit 40. Both are
// fatal on a re-read too [ORIG, QUIRK: keep].
func checkVersion(data []byte) error {
	rest, ok := []byte(nil), false
	for line := range bytes.Lines(data) {
		if v, found := bytes.CutPrefix(line, []byte(admfile.StampPrefix)); found {
			rest, ok = bytes.TrimSuffix(v, []byte("\n")), true
			break
		}
	}
	if !ok || len(rest) == 0 {
		return &tableError{Code: exitNoVersion, Fatal: true,
			Lines: []string{"Data base file: no version number (want a line \"" + admfile.StampPrefix + strconv.Itoa(tableVersion) + "\")"}}
	}
	if v := admfile.Atoi(string(rest)); v != tableVersion {
		return &tableError{Code: exitBadVersion, Fatal: true,
			Lines: []string{fmt.Sprintf("Data base file: version %d, this listener reads version %d", v, tableVersion)}}
	}
	return nil
}
