// Package sactab reads and writes /etc/saf/_sactab, the table of port
// monitors (docs/architecture.md#port-monitor-table-sactab):
//
//	# VERSION=1
//	PMTAG:PMTYPE:FLAGS:RCNT:COMMAND<TAB>#COMMENT
package sactab

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/linux-saf/saf/saf/admfile"
)

// Version is the only _sactab version there is.
const Version = 1

// Limits of tags and types (docs/original.md#limits-and-constants).
const (
	TagSize  = 14 // PMTAGSIZE
	TypeSize = 14 // PMTYPESIZE
)

// Flags are the _sactab flags, as the bitmask sac reports in its status
// data: FlagD starts the port monitor disabled, FlagX does not start it.
type Flags uint8

const (
	FlagD Flags = 1
	FlagX Flags = 2
)

// flagLetters are the flag letters in their written order; FlagX is the
// second one in both tables.
const flagLetters = "dx"

// String renders flags in the fixed order d, x ("" when none).
func (f Flags) String() string { return admfile.FormatFlags(uint8(f), flagLetters) }

// ParseFlags reads flag letters. Letters other than d and x are returned in
// bad, in the order met, and otherwise ignored.
func ParseFlags(s string) (f Flags, bad string) {
	m, bad := admfile.ParseFlags(s, flagLetters)
	return Flags(m), bad
}

// Entry is one port monitor line.
type Entry struct {
	Tag      string
	Type     string
	Flags    Flags
	RCount   int
	Command  string
	Comment  string
	Line     int    // physical line number, 1-based
	BadFlags string // flag letters other than d and x, in file order
	// Warnings are the messages the original prints while reading the
	// line (tag or type truncated), in order.
	Warnings []string
	// Err is set when the line is corrupt; the other fields are then empty.
	Err error
}

// ErrCorrupt is what every corrupt line's error Is.
var ErrCorrupt = errors.New("_sactab file is corrupt")

// Parse reads a _sactab. It returns every entry line in file order, corrupt
// ones included (with Err set), so that callers can act as the original
// does: sac dies on the first corrupt line, the admin commands fail only
// when they read past it. Duplicates are kept; callers decide.
func Parse(data []byte) []Entry {
	var out []Entry
	for _, l := range admfile.Lines(data) {
		out = append(out, parseLine(l))
	}
	return out
}

func parseLine(l admfile.Line) Entry {
	e := Entry{Line: l.Num}
	if l.Err != nil {
		e.Err = &admfile.LineError{Line: l.Num, Reason: l.Err.Error(), Kind: ErrCorrupt}
		return e
	}
	// The command ends at the next ':': anything after a sixth field is
	// ignored, so a command cannot hold a colon.
	f := strings.Split(l.Body, ":")
	if len(f) < 5 {
		e.Err = &admfile.LineError{Line: l.Num, Reason: fmt.Sprintf("%d fields, need 5", len(f)), Kind: ErrCorrupt}
		return e
	}
	e.Tag, e.Type = f[0], f[1]
	if len(e.Tag) > TagSize {
		e.Tag = e.Tag[:TagSize]
		e.Warnings = append(e.Warnings, "tag too long, truncated to <"+e.Tag+">")
	}
	if len(e.Type) > TypeSize {
		e.Type = e.Type[:TypeSize]
		e.Warnings = append(e.Warnings, "type too long, truncated to <"+e.Type+">")
	}
	e.Flags, e.BadFlags = ParseFlags(f[2])
	e.RCount = admfile.Atoi(f[3])
	e.Command = f[4]
	e.Comment = l.Comment
	return e
}

// Format returns the line sacadm -a appends for e: flags in the order d, x;
// the comment after a TAB and '#'. The caller supplies the comment;
// sacadm's default is one space.
func Format(e Entry) string {
	return e.Tag + ":" + e.Type + ":" + e.Flags.String() + ":" +
		strconv.Itoa(e.RCount) + ":" + e.Command + "\t#" + e.Comment + "\n"
}

// Write writes a whole table: the version stamp, then one line per entry.
func Write(w io.Writer, entries []Entry) error {
	if _, err := io.WriteString(w, admfile.Stamp(Version)); err != nil {
		return err
	}
	for _, e := range entries {
		if _, err := io.WriteString(w, Format(e)); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks that e can be written without corrupting the file
// (docs/linux.md#input-validation): tag and type non-empty, at most 14
// bytes and alphanumeric; a command with no ':', '#' or newline; a comment
// with no newline; the whole line within admfile.MaxLine. Its error names
// the field and the reason.
func Validate(e Entry) error {
	switch {
	case e.Tag == "":
		return errors.New("port monitor tag must not be empty")
	case len(e.Tag) > TagSize:
		return fmt.Errorf("port monitor tag %q is longer than %d bytes", e.Tag, TagSize)
	case !admfile.IsAlnum(e.Tag):
		return fmt.Errorf("port monitor tag %q must be alphanumeric", e.Tag)
	case e.Type == "":
		return errors.New("port monitor type must not be empty")
	case len(e.Type) > TypeSize:
		return fmt.Errorf("port monitor type %q is longer than %d bytes", e.Type, TypeSize)
	case !admfile.IsAlnum(e.Type):
		return fmt.Errorf("port monitor type %q must be alphanumeric", e.Type)
	case e.RCount < 0:
		return errors.New("restart count can not be negative")
	case strings.ContainsAny(e.Command, ":#\n"):
		return fmt.Errorf("command %q must not contain ':', '#' or a newline (they would end the field)", e.Command)
	case strings.TrimRight(e.Command, admfile.Blanks) != e.Command:
		return fmt.Errorf("command %q must not end in white space (it would be dropped when read back)", e.Command)
	case strings.Contains(e.Comment, "\n"):
		return errors.New("comment must not contain a newline")
	}
	if n := len(Format(e)); n > admfile.MaxLine {
		return fmt.Errorf("entry would be %d bytes long; a _sactab line holds at most %d", n, admfile.MaxLine)
	}
	return nil
}
