package ttydefs

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/linux-saf/saf/saf/admfile"
)

// Limits of the table, as in the original.
const (
	Version    = 1   // the only ttydefs version
	MaxLabel   = 15  // bytes of a ttylabel or nextlabel kept when reading
	MaxEntries = 100 // entries kept; the rest of the file is ignored
)

// Entry is one line of /etc/ttydefs
// (docs/architecture.md#line-settings-ttydefs).
type Entry struct {
	Label    string // ttylabel, at most MaxLabel bytes when read
	Initial  string // initial flags: stty words applied before the prompt and while hunting
	Final    string // final flags: stty words applied before the service starts
	Autobaud bool   // the autobaud field is "A"
	Next     string // nextlabel: the entry to try after a BREAK
	Line     int    // 1-based physical line number; 0 when not read from a file
}

// DefaultEntry is the entry ttymon uses when a port's label is not in the
// file.
func DefaultEntry() Entry {
	return Entry{Label: "default", Initial: "9600", Final: "9600 sane", Next: "4800"}
}

// Field names a field of an entry, as parse failures name it.
type Field int

const (
	FieldLabel Field = iota
	FieldInitial
	FieldFinal
	FieldAutobaud
	FieldNext
)

var fieldNames = [...]string{"tty label", "Initial flags", "Final flags", "Autobaud", "Next label"}

func (f Field) String() string {
	if f < 0 || int(f) >= len(fieldNames) {
		return fmt.Sprintf("Field(%d)", int(f))
	}
	return fieldNames[f]
}

// SyntaxError is a line that does not parse as an entry.
type SyntaxError struct {
	Field Field    // the field that failed
	Text  string   // the line (Line.Text)
	Pos   int      // byte offset in Text where the error was found; len(Text) at end of line
	Modes []string // the invalid flag words that failed a flags field, if that was the cause
}

// Error returns the original's message, without the final newline: the
// line is cut just after the error position.
func (e *SyntaxError) Error() string {
	end := min(e.Pos+1, len(e.Text))
	return `Parsing failure in the "` + e.Field.String() + `" field` + "\n" + e.Text[:end] + "<--error detected here"
}

// Messages returns what the original prints for the failure, in order:
// "invalid mode: <word>" for the first invalid word (its stty parser
// stopped there), then Error().
func (e *SyntaxError) Messages() []string {
	if len(e.Modes) == 0 {
		return []string{e.Error()}
	}
	return []string{InvalidModeMessage(e.Modes[0]), e.Error()}
}

// InvalidModeMessage is the original's text for a flag word the stty parser
// rejects.
func InvalidModeMessage(word string) string { return "invalid mode: " + word }

// ParseLine parses the text of one entry line (Line.Text). The error, if
// any, is a *SyntaxError, and the entry then holds the fields read before
// the one that failed (its Label is set even when the label field failed,
// so a listing can find the line by label). Labels are truncated to
// MaxLabel bytes.
func ParseLine(text string) (Entry, error) {
	l := fieldLexer{s: text}
	var e Entry
	fail := func(f Field, modes []string) (Entry, error) {
		return e, &SyntaxError{Field: f, Text: text, Pos: l.pos, Modes: modes}
	}
	e.Label = truncLabel(l.token())
	if e.Label == "" || !l.colon() {
		return fail(FieldLabel, nil)
	}
	for _, f := range []Field{FieldInitial, FieldFinal} {
		flags := l.whole()
		if l.pos == len(l.s) {
			return fail(f, nil) // the line ends inside the entry
		}
		if bad := Validate(flags); len(bad) > 0 {
			return fail(f, bad)
		}
		l.pos++ // the ':' whole() stopped at
		if f == FieldInitial {
			e.Initial = flags
		} else {
			e.Final = flags
		}
	}
	// Autobaud is empty or exactly "A": no blanks, no escapes. The original
	// read the field as a token first (blanks around it and escapes
	// included) and refused any token of more than one byte, or of one
	// byte but not "A", where that token and the blanks after it ended: the
	// failure shows the line up to the byte after it
	// ("x:9600:9600:a:<--error detected here").
	start := l.pos
	word := l.token()
	switch size := l.pos - start; {
	case size > 1, size == 1 && word != "A":
		return fail(FieldAutobaud, nil)
	case size == 1:
		e.Autobaud = true
	}
	if !l.colon() {
		return fail(FieldAutobaud, nil)
	}
	e.Next = truncLabel(l.token())
	if l.pos != len(l.s) {
		return fail(FieldNext, nil)
	}
	return e, nil
}

func truncLabel(s string) string {
	if len(s) > MaxLabel {
		return s[:MaxLabel]
	}
	return s
}

// Record is what the reader made of one entry line.
type Record struct {
	Line  Line
	Entry Entry        // the entry; with Err set, the fields read before the failure
	Err   *SyntaxError // the line does not parse
	Dup   bool         // it parses, but its label is already loaded: ignored
	Full  bool         // MaxEntries are loaded: this line and the rest of the file are ignored
}

// Loaded reports whether the record's entry joined the table.
func (r Record) Loaded() bool { return r.Err == nil && !r.Dup && !r.Full }

// Diagnostics returns the messages ttymon logs for the record, in order.
// "Entry too long." is not among them: ttymon logs it only when listing
// (sttydefs -l).
func (r Record) Diagnostics() []string {
	switch {
	case r.Full:
		return []string{TableFullMessage}
	case r.Err != nil:
		return r.Err.Messages()
	case r.Dup:
		return []string{DuplicateMessage(r.Entry.Label)}
	}
	return nil
}

// TableFullMessage is logged when the file holds more than MaxEntries
// entries (two blanks before "Maximum", as in the original).
const TableFullMessage = "can't add more entries to ttydefs table,  Maximum entries = 100"

// DuplicateMessage is logged for an entry whose label is already loaded.
func DuplicateMessage(label string) string {
	return "Warning -- duplicate entry <" + label + ">, ignored"
}

// Decoder reads a ttydefs file one entry line at a time, applying the table
// rules: the first of duplicate labels wins, and at most MaxEntries are
// loaded.
type Decoder struct {
	sc   *Scanner
	seen map[string]bool
	n    int
	done bool
}

// NewDecoder returns a Decoder reading r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{sc: NewScanner(r), seen: map[string]bool{}}
}

// Next returns the next record. ok is false at the end of the input, after
// a Full record, or on a read error (see Err).
func (d *Decoder) Next() (rec Record, ok bool) {
	if d.done || !d.sc.Scan() {
		return Record{}, false
	}
	rec.Line = d.sc.Line()
	if d.n == MaxEntries {
		d.done = true
		rec.Full = true
		return rec, true
	}
	e, err := ParseLine(rec.Line.Text)
	e.Line = rec.Line.Num
	rec.Entry = e
	if err != nil {
		rec.Err = err.(*SyntaxError)
		return rec, true
	}
	if d.seen[e.Label] {
		rec.Dup = true
		return rec, true
	}
	d.seen[e.Label] = true
	d.n++
	return rec, true
}

// Err returns the first read error.
func (d *Decoder) Err() error { return d.sc.Err() }

// Diagnostic is one message ttymon would log while reading the file.
type Diagnostic struct {
	Line int    // physical line number
	Msg  string // the original's exact text, without a final newline
}

func (d Diagnostic) String() string { return fmt.Sprintf("line %d: %s", d.Line, d.Msg) }

// Parse reads a ttydefs file and returns the entries ttymon loads, in file
// order, and the diagnostics it logs. The error is a read error only; the
// version stamp is CheckVersion's business.
func Parse(r io.Reader) ([]Entry, []Diagnostic, error) {
	d := NewDecoder(r)
	var entries []Entry
	var diags []Diagnostic
	for {
		rec, ok := d.Next()
		if !ok {
			break
		}
		if rec.Loaded() {
			entries = append(entries, rec.Entry)
		}
		for _, m := range rec.Diagnostics() {
			diags = append(diags, Diagnostic{Line: rec.Line.Num, Msg: m})
		}
	}
	return entries, diags, d.Err()
}

// ErrNoVersion means the file has no usable "# VERSION=" stamp.
var ErrNoVersion = admfile.ErrNoStamp

// VersionError is a stamp with a number other than Version.
type VersionError struct{ Got int }

func (e *VersionError) Error() string {
	return fmt.Sprintf("version %d, want %d", e.Got, Version)
}

// CheckVersion checks the file's version stamp with the rules of every SAF
// table (docs/architecture.md#version-stamps): the first line beginning
// with "# VERSION=", number read as C atoi. It returns nil, ErrNoVersion or
// a *VersionError.
func CheckVersion(data []byte) error {
	v, err := admfile.Version(data)
	if err != nil {
		return ErrNoVersion
	}
	if v != Version {
		return &VersionError{Got: v}
	}
	return nil
}

// String returns e as a line of the file, without the newline, escaping
// what must be escaped for the reader to give e back: '\', ':', '#' and
// newline in every field, blanks too in the label and nextlabel.
func (e Entry) String() string {
	var b strings.Builder
	escapeField(&b, e.Label, true)
	b.WriteByte(':')
	escapeField(&b, e.Initial, false)
	b.WriteByte(':')
	escapeField(&b, e.Final, false)
	b.WriteByte(':')
	if e.Autobaud {
		b.WriteByte('A')
	}
	b.WriteByte(':')
	escapeField(&b, e.Next, true)
	return b.String()
}

func escapeField(b *strings.Builder, s string, token bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == ':' || c == '#':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case token && c == ' ':
			b.WriteString(`\ `)
		case token && c == '\t':
			b.WriteString(`\t`)
		case token && c == '\r':
			b.WriteString(`\r`)
		case token && c == '\v':
			b.WriteString(`\v`)
		case token && c == '\f':
			b.WriteString(`\f`)
		case c == 0:
			// Cannot come from the reader (a NUL ends the value). Write the
			// escape that ends the value the same way.
			b.WriteString(`\000`)
		default:
			b.WriteByte(c)
		}
	}
}

// Format writes a version stamp and then entries, one canonical line each
// (Entry.String). Comments and blank lines of a parsed file are not kept.
func Format(w io.Writer, entries []Entry) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(admfile.Stamp(Version))
	for _, e := range entries {
		bw.WriteString(e.String())
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// LabelToken returns the first token of a raw file line the way sttydefs and
// ttyadm of the original look a label up, literally: leading white space
// skipped, then everything up to a space, ':' or the end of the line.
// No comment or escape processing: "# VERSION=1" yields "#".
func LabelToken(line string) string {
	line = strings.TrimLeft(line, " \t\r\v\f")
	if i := strings.IndexAny(line, " :\n"); i >= 0 {
		line = line[:i]
	}
	return line
}

// FindLabel returns the 1-based number of the first physical line of data
// whose LabelToken is label, or 0 when there is none.
func FindLabel(data []byte, label string) int {
	num := 0
	for s := string(data); len(s) > 0; {
		num++
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if LabelToken(line) == label {
			return num
		}
	}
	return 0
}
