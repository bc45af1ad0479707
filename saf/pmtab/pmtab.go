package pmtab

import (
	"errors"
	"fmt"
	"strings"

	"github.com/linux-saf/saf/saf/admfile"
)

// SvcTagSize is the longest service tag (the original's SVCTAGSIZE).
const SvcTagSize = 14

// Reserved is what pmadm writes in each of the three reserved fields.
const Reserved = "reserved"

// Flags are the generic service flags: FlagU asks for a utmp entry, FlagX
// disables the service.
type Flags uint8

const (
	FlagU Flags = 1
	FlagX Flags = 2
)

// flagLetters are the flag letters in their written order; FlagX is the
// second one in both tables.
const flagLetters = "ux"

// String renders flags in the fixed order u, x ("" when none).
func (f Flags) String() string { return admfile.FormatFlags(uint8(f), flagLetters) }

// ParseFlags reads flag letters. Letters other than u and x are returned in
// bad, in the order met, and otherwise ignored.
func ParseFlags(s string) (f Flags, bad string) {
	m, bad := admfile.ParseFlags(s, flagLetters)
	return Flags(m), bad
}

// Entry is one service line, generic part
// (docs/architecture.md#service-table-pmtab).
type Entry struct {
	Svc        string
	Flags      Flags
	Identity   string
	Reserved   [3]string
	PMSpecific string // rest of the line up to '#', trailing blanks removed
	Comment    string
	Line       int    // physical line number, 1-based
	Raw        string // the physical line without its newline
	BadFlags   string // flag letters other than u and x, in file order
	Warnings   []string
	Err        error // the line is corrupt
}

// ErrCorrupt is what every corrupt line's error Is.
var ErrCorrupt = errors.New("_pmtab is corrupt")

// Parse reads a _pmtab's entries in file order, corrupt ones included (with
// Err set). The version stamp is not checked here: pmadm checks it only for
// -a; see admfile.Version.
func Parse(data []byte) []Entry {
	var out []Entry
	for _, l := range admfile.Lines(data) {
		out = append(out, parseLine(l))
	}
	return out
}

func parseLine(l admfile.Line) Entry {
	e := Entry{Line: l.Num, Raw: l.Raw}
	if l.Err != nil {
		e.Err = &admfile.LineError{Line: l.Num, Reason: l.Err.Error(), Kind: ErrCorrupt}
		return e
	}
	f := admfile.SplitFields(l.Body, 7)
	if len(f) < 7 {
		e.Err = &admfile.LineError{Line: l.Num, Reason: fmt.Sprintf("%d fields, need 7", len(f)), Kind: ErrCorrupt}
		return e
	}
	e.Svc = f[0]
	if len(e.Svc) > SvcTagSize {
		e.Svc = e.Svc[:SvcTagSize]
		e.Warnings = append(e.Warnings, "tag too long, truncated to <"+e.Svc+">")
	}
	e.Flags, e.BadFlags = ParseFlags(f[1])
	e.Identity = f[2]
	copy(e.Reserved[:], f[3:6])
	e.PMSpecific = f[6]
	e.Comment = l.Comment
	return e
}

// Format returns the line pmadm -a appends: no blank before '#', flags in
// the order u, x, the reserved fields as given (pmadm writes "reserved" in
// each).
func Format(e Entry) string {
	return e.Svc + ":" + e.Flags.String() + ":" + e.Identity + ":" +
		e.Reserved[0] + ":" + e.Reserved[1] + ":" + e.Reserved[2] + ":" +
		e.PMSpecific + "#" + e.Comment + "\n"
}

// Validate checks that e can be written without corrupting the file
// (docs/linux.md#input-validation): a non-empty alphanumeric service tag of
// at most 14 bytes, an identity without ':', '#' or newline, port-monitor
// data without '#' or newline (it may hold ':'; it is the rest of the
// line), a comment without newline, and a line within admfile.MaxLine.
func Validate(e Entry) error {
	switch {
	case e.Svc == "":
		return errors.New("service tag must not be empty")
	case len(e.Svc) > SvcTagSize:
		return fmt.Errorf("service tag %q is longer than %d bytes", e.Svc, SvcTagSize)
	case !admfile.IsAlnum(e.Svc):
		return fmt.Errorf("service tag %q must be alphanumeric", e.Svc)
	case strings.ContainsAny(e.Identity, ":#\n"):
		return fmt.Errorf("identity %q must not contain ':', '#' or a newline", e.Identity)
	case strings.ContainsAny(e.PMSpecific, "#\n"):
		return fmt.Errorf("port monitor specific data %q must not contain '#' or a newline ('#' starts the comment)", e.PMSpecific)
	case strings.TrimRight(e.PMSpecific, admfile.Blanks) != e.PMSpecific:
		return fmt.Errorf("port monitor specific data %q must not end in white space (it would be dropped when read back)", e.PMSpecific)
	case strings.Contains(e.Comment, "\n"):
		return errors.New("comment must not contain a newline")
	}
	for _, r := range e.Reserved {
		if strings.ContainsAny(r, ":#\n") {
			return fmt.Errorf("reserved field %q must not contain ':', '#' or a newline", r)
		}
	}
	if n := len(Format(e)); n > admfile.MaxLine {
		return fmt.Errorf("entry would be %d bytes long; a _pmtab line holds at most %d", n, admfile.MaxLine)
	}
	return nil
}

// ErrDisabledTooLong is returned by SetDisabledChecked when the line with
// its new flag would not fit in a table line.
var ErrDisabledTooLong = fmt.Errorf("the entry's line would be longer than %d bytes", admfile.MaxLine)

// SetDisabledChecked is SetDisabled for a line that is to be written
// back: it fails with ErrDisabledTooLong when the 'x' added by disable
// would make the line (with its newline) longer than admfile.MaxLine,
// which would make the whole table unreadable. (Found by
// FuzzParseGeneric; the original wrote such a line.)
func SetDisabledChecked(raw string, disable bool) (string, error) {
	line := SetDisabled(raw, disable)
	if len(line)+1 > admfile.MaxLine {
		return "", ErrDisabledTooLong
	}
	return line, nil
}

// SetDisabled rewrites a raw entry line the way pmadm -e/-d do
// (docs/original.md#pmadm-remove-enable-disable): the service tag and its
// ':' unchanged; every 'x' removed from the flags field; for disable one
// 'x' appended to it; the rest of the line, spacing and comment included,
// unchanged.
func SetDisabled(raw string, disable bool) string {
	i := strings.IndexByte(raw, ':')
	if i < 0 {
		return raw
	}
	head, rest := raw[:i+1], raw[i+1:]
	j := strings.IndexByte(rest, ':')
	if j < 0 {
		j = len(rest)
	}
	flags := strings.ReplaceAll(rest[:j], "x", "")
	if disable {
		flags += "x"
	}
	return head + flags + rest[j:]
}

// Display renders port-monitor data for pmadm -l: each unescaped ':'
// becomes a blank, an empty field shows as '-', "\:" shows as ':', other
// backslashes are kept.
func Display(s string) string {
	var b strings.Builder
	fieldStart := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == ':':
			b.WriteByte(':')
			i++
			fieldStart = false
		case c == ':':
			if fieldStart {
				b.WriteByte('-')
			}
			b.WriteByte(' ')
			fieldStart = true
		default:
			b.WriteByte(c)
			fieldStart = false
		}
	}
	return b.String()
}
