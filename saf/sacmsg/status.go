package sacmsg

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Flag bits of a status record (the _sactab flags).
const (
	FlagDisabled = 1 // d: start the port monitor disabled
	FlagNoStart  = 2 // x: do not start the port monitor
	flagsKnown   = FlagDisabled | FlagNoStart
)

// StatusEntry is one record of the AC_STATUS listing: sac's in-memory view
// of one _sactab entry.
type StatusEntry struct {
	Tag     string
	Type    string
	Flags   int   // FlagDisabled | FlagNoStart
	RCount  int   // RCNT, the restart budget; _sactab may hold a negative one
	State   State // pstate, NotRunning .. Unknown
	Command string
	Comment string
}

// statusFields is the number of ':'-separated fields of a status record.
const statusFields = 7

// AppendStatus appends e's status record, newline included, to b. It
// fails, and returns b unchanged, when e could not be parsed back: a ':'
// or newline in Tag, Type or Command, a newline in Comment, a State
// outside NotRunning..Unknown (ErrBadStatus), or unknown Flags bits
// (ErrBadFlags).
func AppendStatus(b []byte, e StatusEntry) ([]byte, error) {
	for _, f := range []struct{ name, val, bad string }{
		{"tag", e.Tag, ":\n"},
		{"type", e.Type, ":\n"},
		{"command", e.Command, ":\n"},
		{"comment", e.Comment, "\n"},
	} {
		if strings.ContainsAny(f.val, f.bad) {
			return b, fmt.Errorf("sacmsg: status of %q: %w: %s %q contains one of %q", e.Tag, ErrBadStatus, f.name, f.val, f.bad)
		}
	}
	if e.Flags&^flagsKnown != 0 {
		return b, fmt.Errorf("sacmsg: status of %q: %w: %d", e.Tag, ErrBadFlags, e.Flags)
	}
	if e.State > Unknown {
		return b, fmt.Errorf("sacmsg: status of %q: %w: state %v", e.Tag, ErrBadStatus, e.State)
	}
	b = append(b, e.Tag...)
	b = append(b, ':')
	b = append(b, e.Type...)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(e.Flags), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(e.RCount), 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(e.State), 10)
	b = append(b, ':')
	b = append(b, e.Command...)
	b = append(b, ':')
	b = append(b, e.Comment...)
	return append(b, '\n'), nil
}

// ParseStatus parses AC_STATUS data: zero or more records, each ending in
// a newline. Empty data is an empty listing. The first bad record stops
// parsing with an error naming its line: ErrBadStatus for a malformed
// record (too few fields, a number that does not parse, a state outside
// NotRunning..Unknown, data not ending in a newline), ErrBadFlags for flag
// bits other than FlagDisabled and FlagNoStart.
func ParseStatus(data []byte) ([]StatusEntry, error) {
	var entries []StatusEntry
	for line := 1; len(data) > 0; line++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil, fmt.Errorf("sacmsg: status line %d: %w: no newline at end of data", line, ErrBadStatus)
		}
		e, err := parseStatusLine(string(data[:i]))
		if err != nil {
			return nil, fmt.Errorf("sacmsg: status line %d: %w", line, err)
		}
		entries = append(entries, e)
		data = data[i+1:]
	}
	return entries, nil
}

func parseStatusLine(s string) (StatusEntry, error) {
	// The comment is last and keeps any further colons.
	f := strings.SplitN(s, ":", statusFields)
	if len(f) < statusFields {
		return StatusEntry{}, fmt.Errorf("%w: %d fields, want %d: %q", ErrBadStatus, len(f), statusFields, s)
	}
	e := StatusEntry{Tag: f[0], Type: f[1], Command: f[5], Comment: f[6]}
	flags, err := strconv.Atoi(f[2])
	if err != nil {
		return StatusEntry{}, fmt.Errorf("%w: flags %q are not a number", ErrBadStatus, f[2])
	}
	if flags&^flagsKnown != 0 {
		return StatusEntry{}, fmt.Errorf("%w: %d", ErrBadFlags, flags)
	}
	e.Flags = flags
	if e.RCount, err = strconv.Atoi(f[3]); err != nil {
		return StatusEntry{}, fmt.Errorf("%w: restart count %q is not a number", ErrBadStatus, f[3])
	}
	st, err := strconv.ParseUint(f[4], 10, 8)
	if err != nil || State(st) > Unknown {
		return StatusEntry{}, fmt.Errorf("%w: state %q is not 0 to %d", ErrBadStatus, f[4], Unknown)
	}
	e.State = State(st)
	return e, nil
}
