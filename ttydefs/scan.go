package ttydefs

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// MaxLine is the number of bytes of a line (before its comment) the reader
// keeps: the original reads into a 1024-byte buffer that also holds the C
// string's terminating NUL.
const MaxLine = 1023

// Line is one entry line of the file as the reader delivers it.
type Line struct {
	Num     int    // 1-based physical line number
	Text    string // the text before the comment, at most MaxLine bytes, cut at a NUL byte
	TooLong bool   // the line had more than MaxLine bytes; Text holds the first MaxLine
}

// Scanner reads the entry lines of a ttydefs file: comments are cut at an
// unescaped '#', lines keep at most MaxLine bytes, and lines that are empty
// or blank after that are skipped (their numbers still count).
// A final line without a newline is read like any other.
type Scanner struct {
	r    *bufio.Reader
	num  int
	line Line
	err  error
	buf  []byte
}

// NewScanner returns a Scanner reading r.
func NewScanner(r io.Reader) *Scanner {
	return &Scanner{r: bufio.NewReader(r)}
}

// Scan advances to the next entry line. It returns false at the end of the
// input or on a read error (see Err).
func (s *Scanner) Scan() bool {
	for s.err == nil {
		ok, err := s.readLine()
		if err != nil && !errors.Is(err, io.EOF) {
			s.err = err
		}
		if !ok {
			return false
		}
		if !blank(s.line.Text) {
			return true
		}
	}
	return false
}

// Line returns the line Scan found.
func (s *Scanner) Line() Line { return s.line }

// Err returns the first read error, io.EOF excluded.
func (s *Scanner) Err() error { return s.err }

// readLine reads one physical line into s.line. It reports false when there
// was no line left at all.
func (s *Scanner) readLine() (bool, error) {
	s.buf = s.buf[:0]
	comment, tooLong, got := false, false, false
	var prev byte
	for {
		chunk, err := s.r.ReadSlice('\n')
		if len(chunk) > 0 {
			got = true
		}
		for _, c := range chunk {
			switch {
			case c == '\n' || comment:
			case c == '#' && prev != '\\':
				comment = true
			case len(s.buf) == MaxLine:
				tooLong = true
			default:
				s.buf = append(s.buf, c)
			}
			prev = c
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if !got {
			return false, err
		}
		s.num++
		text := string(s.buf)
		if i := strings.IndexByte(text, 0); i >= 0 {
			text = text[:i] // the C string ends here
		}
		s.line = Line{Num: s.num, Text: text, TooLong: tooLong}
		return true, err
	}
}

// isSpace is C isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func blank(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isSpace(s[i]) {
			return false
		}
	}
	return true
}

// fieldLexer extracts the fields of one line (the original's getword).
type fieldLexer struct {
	s   string
	pos int
}

// value collects decoded bytes; a decoded NUL ends the C string, so later
// bytes are dropped (the field still extends to its separator).
type value struct {
	b     []byte
	ended bool
}

func (v *value) add(c byte) {
	if c == 0 {
		v.ended = true
	}
	if !v.ended {
		v.b = append(v.b, c)
	}
}

// escape decodes the escape that starts at l.s[l.pos] == '\\'.
func (l *fieldLexer) escape() byte {
	l.pos++
	if l.pos == len(l.s) {
		return 0 // backslash at end of line
	}
	c := l.s[l.pos]
	l.pos++
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'v':
		return '\v'
	}
	if c < '0' || c > '7' {
		return c // \: \\ \# and any other character stand for themselves
	}
	n := int(c - '0')
	for k := 1; k < 3 && l.pos < len(l.s) && l.s[l.pos] >= '0' && l.s[l.pos] <= '7'; k++ {
		n = n*8 + int(l.s[l.pos]-'0')
		l.pos++
	}
	return byte(n) // \400..\777 wrap, as a C char does
}

// token reads a token-mode field: blanks around it skipped, ended by a blank,
// ':' or the end of the line.
func (l *fieldLexer) token() string {
	l.skipSpace()
	var v value
	for l.pos < len(l.s) {
		c := l.s[l.pos]
		if c == ':' || isSpace(c) {
			break
		}
		if c == '\\' {
			v.add(l.escape())
			continue
		}
		v.add(c)
		l.pos++
	}
	l.skipSpace()
	return string(v.b)
}

// Unescape returns the value the reader gives for s written as a flags
// field: escapes decoded, the value cut at a decoded NUL, and cut at the
// first unescaped ':' (which would end the field).
func Unescape(s string) string {
	l := fieldLexer{s: s}
	return l.whole()
}

// whole reads a whole-mode field: everything up to an unescaped ':' or the
// end of the line, blanks included.
func (l *fieldLexer) whole() string {
	var v value
	for l.pos < len(l.s) && l.s[l.pos] != ':' {
		if l.s[l.pos] == '\\' {
			v.add(l.escape())
			continue
		}
		v.add(l.s[l.pos])
		l.pos++
	}
	return string(v.b)
}

func (l *fieldLexer) skipSpace() {
	for l.pos < len(l.s) && isSpace(l.s[l.pos]) {
		l.pos++
	}
}

// colon consumes a ':' and reports whether there was one.
func (l *fieldLexer) colon() bool {
	if l.pos < len(l.s) && l.s[l.pos] == ':' {
		l.pos++
		return true
	}
	return false
}
