package ttymon

import (
	"bytes"
	"errors"
	"os/user"
	"strconv"

	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/saflog"
	"github.com/linux-saf/saf/ttydefs"
)

// PMTabVersion is the only _pmtab version ttymon reads.
const PMTabVersion = 1

// entry is one port of _pmtab as ttymon keeps it
// (docs/architecture.md#ttymon-service-fields): the six generic fields, the
// ttymon tail and the identity resolved through the user database when the
// table was read.
type entry struct {
	Tag      string
	SvcFlags pmtab.Flags // u, x
	Identity string
	Reserved [3]string
	pmtab.TTY

	UID, GID int
	Home     string

	Line int    // physical line number in _pmtab
	Text string // the line as read (before its comment), for messages
}

// Disabled reports whether the port itself is disabled (x flag).
func (e *entry) Disabled() bool { return e.SvcFlags&pmtab.FlagX != 0 }

// Utmp reports whether the port asks for a utmp entry (u flag).
func (e *entry) Utmp() bool { return e.SvcFlags&pmtab.FlagU != 0 }

// same reports whether a and b have identical contents, resolved
// identity included: the line they came from does not count.
func same(a, b *entry) bool {
	x, y := *a, *b
	x.Line, y.Line, x.Text, y.Text = 0, 0, "", ""
	return x == y
}

// identity is what the user database says about a service's login name.
type identity struct {
	UID, GID int
	Home     string
}

// lookupIdentity resolves a login name: the passwd entry, and a group
// entry for its primary gid. It is a variable so tests can run without
// the accounts they name.
var lookupIdentity = func(name string) (identity, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return identity{}, errNoPasswd
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return identity{}, errNoPasswd
	}
	if _, err := user.LookupGroupId(u.Gid); err != nil {
		return identity{UID: uid, GID: gid, Home: u.HomeDir}, errNoGroup
	}
	return identity{UID: uid, GID: gid, Home: u.HomeDir}, nil
}

var (
	errNoPasswd = errors.New(errTextNoPasswdID)
	errNoGroup  = errors.New(errTextNoGroupID)
)

// checkDevice and checkService are the file-system checks ttyadm makes
// too, behind seams so that unit tests need no real devices.
var (
	checkDevice  = pmtab.CheckTTYDevice
	checkService = pmtab.CheckTTYService
)

// The _pmtab fields ttymon reads itself, as parse failures name them;
// fields 7 and up are pmtab.ParseTTY's.
var genericFields = [6]string{fieldTag, fieldFlags, fieldIdentity, fieldReserved1, fieldReserved2, fieldReserved3}

// tailFields gives the names of fields 7 and up (pmtab.ParseTTY's) as
// ttymon's parse failures show them.
var tailFields = map[string]string{
	pmtab.TTYFieldDevice:     fieldDevice,
	pmtab.TTYFieldFlags:      fieldTTYFlags,
	pmtab.TTYFieldCount:      fieldCount,
	pmtab.TTYFieldService:    fieldService,
	pmtab.TTYFieldTimeout:    fieldTimeout,
	pmtab.TTYFieldLabel:      fieldTTYLabelPM,
	pmtab.TTYFieldModules:    fieldModules,
	pmtab.TTYFieldPrompt:     fieldPrompt,
	pmtab.TTYFieldDisableMsg: fieldDisableMsg,
	pmtab.TTYFieldTermType:   fieldTermType,
	pmtab.TTYFieldSoftCar:    fieldSoftCar,
}

// readPMTab parses a _pmtab the way ttymon does, at start-up and on a
// re-read, and logs what it logs. max is how many entries may be kept
// (Maxfds); 0 means no limit. The version stamp is checked by the caller.
// Entries that are not monitored at all (x without a disable message,
// docs/original.md#entries-ttymon-does-not-monitor) are left out; I entries
// are kept, since their soft-carrier setting is applied when they are
// added.
func readPMTab(data []byte, max int, logf saflog.Logf) []*entry {
	var out []*entry
	seen := map[string]bool{}
	sc := ttydefs.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := sc.Line()
		logf(msgProcessing, l.Num)
		if l.TooLong {
			logf(msgEntryTooLong)
		}
		e := parseEntry(l.Text, logf)
		if e == nil {
			continue
		}
		e.Line = l.Num
		if !validEntry(e, logf) {
			logf(msgEntryFailure, l.Text)
			logf(msgDashes)
			continue
		}
		if seen[e.Tag] {
			logf(msgDuplicateEntry, e.Tag)
			continue
		}
		if e.Disabled() && e.DisableMsg == "" {
			// Never opened, not kept.
			seen[e.Tag] = true
			continue
		}
		if max > 0 && len(out) >= max {
			logf(msgPMTabFull, max)
			break
		}
		seen[e.Tag] = true
		out = append(out, e)
	}
	return out
}

// parseEntry splits one line into its fields. On a syntax error it logs
// the failure and returns nil.
func parseEntry(text string, logf saflog.Logf) *entry {
	e := &entry{Text: text}
	var vals [6]string
	pos := 0
	for i, name := range genericFields {
		v, end, ok := tokenField(text, &pos)
		vals[i] = v
		if !ok {
			logf(msgFieldFailure, name, text[:errPos(text, pos)])
			logf(msgDashes)
			return nil
		}
		if i == 1 {
			f, bad := pmtab.ParseFlags(v)
			if bad != "" {
				logf(msgInvalidFlag, bad[0])
				logf(msgFieldFailure, name, text[:end])
				logf(msgDashes)
				return nil
			}
			e.SvcFlags = f
		}
	}
	e.Tag, e.Identity = vals[0], vals[2]
	copy(e.Reserved[:], vals[3:])
	t, err := pmtab.ParseTTY(text[pos:])
	if err != nil {
		logTailFailure(text[:pos], err, logf)
		logf(msgDashes)
		return nil
	}
	e.TTY = t
	return e
}

// tokenField reads a token-mode field (docs/architecture.md#ttymon-escapes)
// at *pos and the ':' after it. It returns the decoded value, the offset
// just after the token's text, and false when no ':' follows; *pos is then
// where the parser stopped.
func tokenField(s string, pos *int) (string, int, bool) {
	i := *pos
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	start := i
	for i < len(s) && !isBlank(s[i]) && s[i] != ':' {
		if s[i] == '\\' {
			i += escapeLen(s[i:])
			continue
		}
		i++
	}
	end := min(i, len(s))
	v := pmtab.UnescapeTTY(s[start:end])
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	*pos = i
	if i >= len(s) || s[i] != ':' {
		return v, end, false
	}
	*pos = i + 1
	return v, end, true
}

// errPos is where a syntax error at pos is shown: just after the
// offending byte, or the end of the line when the line ended too early.
func errPos(s string, pos int) int {
	if pos >= len(s) {
		return len(s)
	}
	return pos + 1
}

// escapeLen is the length of the backslash escape at the start of s: a
// backslash and up to three octal digits, or a backslash and one character,
// or a lone backslash at the end.
func escapeLen(s string) int {
	if len(s) < 2 {
		return 1
	}
	n := 1
	for n < 4 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
		n++
	}
	if n > 1 {
		return n
	}
	return 2
}

// isBlank is C isspace in the C locale.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// validEntry runs the checks of each field after a successful parse, in
// order, logging the first failure, and resolves the identity.
func validEntry(e *entry, logf saflog.Logf) bool {
	switch {
	case e.Tag == "":
		logf(msgTagMissing)
		return false
	case len(e.Tag) > pmtab.SvcTagSize:
		logf(msgTagTooLong, e.Tag, pmtab.SvcTagSize)
		return false
	case !admfile.IsAlnum(e.Tag):
		logf(msgTagNotAlnum, e.Tag)
		return false
	case e.Identity == "":
		logf(msgNoIdentity)
		return false
	}
	id, err := lookupIdentity(e.Identity)
	switch {
	case errors.Is(err, errNoGroup):
		logf(msgNoGroup, id.GID)
		return false
	case err != nil:
		logf(msgNoPasswd, e.Identity)
		return false
	}
	e.UID, e.GID, e.Home = id.UID, id.GID, id.Home
	// The device and service checks are saf/pmtab's, shared with ttyadm
	// and worded as the original's (TestSharedMessagesOriginal).
	if err := checkDevice(e.Device); err != nil {
		logf("%s", err.Error())
		return false
	}
	if err := checkService(e.Service); err != nil {
		logf("%s", err.Error())
		return false
	}
	return true
}

// logTailFailure logs why pmtab.ParseTTY refused fields 7 and up of a
// line whose first six fields were prefix: the value's
// own message, if any, then the parse failure.
func logTailFailure(prefix string, err error, logf saflog.Logf) {
	var pe *pmtab.TTYParseError
	if !errors.As(err, &pe) {
		logf("%s", err.Error())
		return
	}
	var me *pmtab.ModuleError
	switch {
	case errors.As(pe.Err, &me):
		logf("%s", moduleMessage(me))
	case pe.Reason != "":
		// The ttyflags, count and timeout checks: saf/pmtab's words,
		// the original's (TestSharedMessagesOriginal).
		logf("%s", pe.Reason)
	}
	name, ok := tailFields[pe.Field]
	if !ok {
		name = pe.Field
	}
	logf(msgFieldFailure, name, prefix+pe.Input[:pe.Pos])
}
