package listen

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/linux-saf/saf/internal/errno"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/pmtab"
)

// The listener reads _pmtab with its own rules
// (docs/original.md#listen-table-rules), not with the generic reader of
// saf/pmtab that sac and pmadm share: a 1024-byte line buffer, the whole
// line trimmed, exactly 11 fields, a version check on every read, and a
// read that fails as a whole.

// tableVersion is the only _pmtab version the listener reads.
const tableVersion = pmtab.ListenVersion

// lineBuf is the original's fgets buffer: a line and its newline must fit
// in lineBuf-1 bytes.
const lineBuf = 1024

// maxCode is the longest service code; 14 characters or more make the
// table unreadable, as in the original.
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
// (the original's quirk, kept: it is harmless).
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
// exec'd.
func (s *service) passfd() bool { return s.Listen.Flags&pmtab.LFlagPipe != 0 }

// bindable reports whether the listener binds an endpoint for the entry:
// it has a private address or flag d.
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
			Lines: []string{msgDBFOpen, fmt.Sprintf(msgFileDetail, path, errno.Text(err))}}
	}
	return parseTable(data)
}

// parseTable parses a whole _pmtab. It returns the entries in file order
// and the non-fatal notes to log (as in the original, logged only by the
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
			return nil, nil, &tableError{Code: exitBadTable, Lines: []string{fmt.Sprintf(msgDBFIllegal, code)}}
		}
		if seen[code] {
			return nil, nil, &tableError{Code: exitBadTable, Lines: []string{fmt.Sprintf(msgDBFDuplicate, code)}}
		}
		seen[code] = true
		l, err := pmtab.ParseListen(strings.Join(f[6:], ":"))
		if err != nil {
			return nil, nil, listenError(num, code, err)
		}
		for _, n := range l.Notes {
			notes = append(notes, noteLines(code, n)...)
		}
		svc := &service{Code: code, Flags: parseSvcFlags(f[1]), Identity: f[2], Listen: l, Line: num}
		svc.argv, _ = pmtab.SplitCommand(l.Command) // errors: see argv
		svcs = append(svcs, svc)
	}
	if len(svcs) == 0 {
		notes = append(notes, msgNoEntries)
	}
	return svcs, notes, nil
}

func lineError(num int) *tableError {
	return &tableError{Code: exitBadTable, Lines: []string{fmt.Sprintf(msgDBFLine, num)}}
}

// noteLines is what the listener logs for a non-fatal problem of the
// entry for service code svc.
func noteLines(svc string, n pmtab.ListenNote) []string {
	switch n.Kind {
	case pmtab.ListenNoteStaticAndDynamic:
		return []string{fmt.Sprintf(msgStaticDynamic, svc), msgAddrInfo}
	case pmtab.ListenNoteUnknownFlag:
		return []string{fmt.Sprintf(msgUnknownFlag, svc, n.Flag)}
	}
	return nil
}

// listenError maps an error of fields 7-11 of the entry for service code
// code, on line num, to the listener's lines.
func listenError(num int, code string, err error) *tableError {
	var le *pmtab.ListenError
	if !errors.As(err, &le) {
		return lineError(num)
	}
	var msg string
	switch {
	case errors.Is(le.Err, pmtab.ErrListenRPCNotInteger):
		msg = fmt.Sprintf(msgRPCNotInteger, code)
	case errors.Is(le.Err, pmtab.ErrListenRPCRange):
		// Ours: the original's atoi overflowed silently.
		msg = fmt.Sprintf(msgRPCRange, code)
	case errors.Is(le.Err, pmtab.ErrListenOptions):
		// Our extension (flag o): say which option is wrong.
		msg = fmt.Sprintf(msgBadOptions, code, strings.TrimPrefix(le.Err.Error(), pmtab.ErrListenOptions.Error()+": "))
	case errors.Is(le.Err, pmtab.ErrListenAddressTooLong):
		// The original printed a pointer here; we print the address.
		// The table gives no line error.
		return &tableError{Code: exitBadTable, Lines: []string{fmt.Sprintf(msgAddrTooLong, le.Value)}}
	default:
		// Too few fields, and rpc info without its ',': the original's
		// "service code <S> - invalid rpcinfo" is suppressed in its
		// counting pass, so only the line error is logged.
		return lineError(num)
	}
	return &tableError{Code: exitBadTable, Lines: []string{msg, lineError(num).Lines[0]}}
}

// checkVersion finds the first line that begins with "# VERSION=" and
// checks its number, reading the file in the pieces the original's fgets
// read (a line, or lineBuf-1 bytes of a longer one). No such line, one that
// does not end within its piece, or nothing after the '=', is exit 39: the
// original logged msgDBFCorrupt, then msgDBCorrupt as it exited. A number
// other than 4 (read like C atoi) is exit 40, msgDBVersion. Both are fatal
// on a re-read too: the original's quirk, kept
// (docs/original.md#listen-quirks).
func checkVersion(data []byte) error {
	corrupt := func(detail string) error {
		return &tableError{Code: exitNoVersion, Fatal: true,
			Lines: []string{msgDBFCorrupt + detail, msgDBCorrupt}}
	}
	for len(data) > 0 {
		n := min(len(data), lineBuf-1)
		if nl := bytes.IndexByte(data[:n], '\n'); nl >= 0 {
			n = nl + 1
		}
		piece := data[:n]
		data = data[n:]
		rest, found := bytes.CutPrefix(piece, []byte(admfile.StampPrefix))
		if !found {
			continue
		}
		rest, complete := bytes.CutSuffix(rest, []byte("\n"))
		switch {
		case !complete:
			return corrupt(detailVersionNewline)
		case len(rest) == 0:
			return corrupt(detailEmptyVersion)
		}
		if v := admfile.Atoi(string(rest)); v != tableVersion {
			return &tableError{Code: exitBadVersion, Fatal: true,
				Lines: []string{fmt.Sprintf(msgDBVersion+detailVersion, v, tableVersion)}}
		}
		return nil
	}
	return corrupt(fmt.Sprintf(detailNoVersion, admfile.StampPrefix, tableVersion))
}
