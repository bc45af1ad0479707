// Package admfile holds what the SAF administrative files share: the
// version stamp (docs/architecture.md#version-stamps) and the line reader
// of _sactab and the generic _pmtab (docs/architecture.md#line-reader).
package admfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// StampPrefix is the exact prefix of a version stamp line.
const StampPrefix = "# VERSION="

// MaxLine is the longest line (newline included) the original's 512-byte
// buffer reads whole. The original split longer lines into two "lines",
// which made the file corrupt in practice; we report a long entry line as
// corrupt directly (a long comment-only line is harmless and skipped), and
// the writers refuse to create one.
const MaxLine = 511

// Blanks are the white space trimmed from the end of an entry (C isspace
// less the newline, which ends the line).
const Blanks = " \t\r\v\f"

// ErrNoStamp means the file has no version stamp, which the original calls
// corrupt.
var ErrNoStamp = errors.New("no version stamp")

// Version finds the first line that begins with "# VERSION=" and returns the
// number after it, parsed like C atoi (leading blanks skipped, digits taken,
// junk after them ignored, no digits at all = 0). It returns ErrNoStamp when
// there is no such line, or when the prefix is the whole last line with
// nothing after it, not even a newline.
func Version(data []byte) (int, error) {
	for len(data) > 0 {
		line := data
		rest := []byte(nil)
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, rest = data[:i+1], data[i+1:]
		}
		data = rest
		if !bytes.HasPrefix(line, []byte(StampPrefix)) {
			continue
		}
		num := line[len(StampPrefix):]
		if len(num) == 0 {
			return 0, ErrNoStamp
		}
		return Atoi(string(num)), nil
	}
	return 0, ErrNoStamp
}

// Stamp returns the version stamp line for v, newline included.
func Stamp(v int) string { return fmt.Sprintf("%s%d\n", StampPrefix, v) }

// MaxInt is the largest value of the C int the original kept version
// numbers and restart counts in.
const MaxInt = 1<<31 - 1

// ErrRange means a number does not fit a C int.
var ErrRange = errors.New("number out of range")

// Atoi parses s as C atoi does: leading white space, an optional sign, then
// digits up to the first non-digit. It never fails; values that overflow
// saturate instead of wrapping. That is right for reading a file, where the
// original read the same way; a number the user types is read with
// AtoiChecked instead.
func Atoi(s string) int {
	n, _ := AtoiChecked(s)
	return n
}

// AtoiChecked reads s as Atoi does, and also reports ErrRange when the
// value of its digits is more than MaxInt (either sign); the value is then
// saturated as Atoi's. Text that is not a number at all is still 0 with no
// error, as atoi gives.
func AtoiChecked(s string) (int, error) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\v' || s[i] == '\f' || s[i] == '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var n int64 // int64: the step past MaxInt must not overflow where int is 32 bits
	var err error
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n <= MaxInt {
			n = n*10 + int64(s[i]-'0')
		}
	}
	if n > MaxInt {
		n, err = MaxInt, ErrRange
	}
	if neg {
		return -int(n), err
	}
	return int(n), err
}

// Line is one entry line of an administrative file after the rules of the
// line reader (docs/architecture.md#line-reader): Num is its 1-based
// physical line number, Body the text before the first '#' with trailing
// white space removed, Comment the text after that '#' (without the
// newline), HasComment whether a '#' was present.
type Line struct {
	Num        int
	Body       string
	Comment    string
	HasComment bool
	Raw        string // the physical line without its newline
	Err        error  // set when the physical line is too long
}

// ErrLineTooLong marks a physical line longer than MaxLine bytes.
var ErrLineTooLong = fmt.Errorf("line longer than %d bytes", MaxLine)

// Lines splits data into entry lines: comment-only, blank and stamp lines
// are skipped (their numbers still count). A final line without a newline is
// read like any other.
func Lines(data []byte) []Line {
	var out []Line
	num := 0
	for len(data) > 0 {
		num++
		raw := data
		rest := []byte(nil)
		n := len(data)
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, rest, n = data[:i], data[i+1:], i+1
		}
		data = rest
		l := Line{Num: num, Raw: string(raw)}
		body := l.Raw
		if i := strings.IndexByte(body, '#'); i >= 0 {
			l.Comment, l.HasComment = body[i+1:], true
			body = body[:i]
		}
		l.Body = strings.TrimRight(body, Blanks)
		if l.Body == "" {
			continue // blank, comment-only or stamp line, however long
		}
		if n > MaxLine {
			l.Err = ErrLineTooLong
		}
		out = append(out, l)
	}
	return out
}

// SplitFields splits s on ':' keeping empty fields. When n > 0 it returns at
// most n fields, the last holding the rest of s (colons included).
func SplitFields(s string, n int) []string {
	if n > 0 {
		return strings.SplitN(s, ":", n)
	}
	return strings.Split(s, ":")
}

// RemoveLine returns data without its num'th physical line (1-based). Every
// other byte is kept as it was.
func RemoveLine(data []byte, num int) []byte {
	start, end := lineSpan(data, num)
	out := make([]byte, 0, len(data)-(end-start))
	out = append(out, data[:start]...)
	return append(out, data[end:]...)
}

// ReplaceLine returns data with its num'th physical line (1-based, newline
// included) replaced by line, which must end in a newline.
func ReplaceLine(data []byte, num int, line string) []byte {
	start, end := lineSpan(data, num)
	out := make([]byte, 0, len(data)+len(line))
	out = append(out, data[:start]...)
	out = append(out, line...)
	return append(out, data[end:]...)
}

// AppendLine returns data with line appended. A file whose last line lacks
// its newline gets one first: the original appended blindly and glued the
// new entry onto the last line, corrupting both; we repair
// (docs/architecture.md#atomic-rewrites).
func AppendLine(data []byte, line string) []byte {
	out := make([]byte, 0, len(data)+len(line)+1)
	out = append(out, data...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, line...)
}

// lineSpan returns the byte offsets of physical line num, newline included.
// A num past the end yields an empty span at the end of data.
func lineSpan(data []byte, num int) (start, end int) {
	for i := 1; i < num; i++ {
		j := bytes.IndexByte(data[start:], '\n')
		if j < 0 {
			return len(data), len(data)
		}
		start += j + 1
	}
	end = len(data)
	if j := bytes.IndexByte(data[start:], '\n'); j >= 0 {
		end = start + j + 1
	}
	return start, end
}

// IsAlnum reports whether s holds only C-locale alphanumerics. The empty
// string passes, as in the original; callers reject it separately.
func IsAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// LineError says why an entry line cannot be used. It Is its Kind (the
// file's ErrCorrupt), so callers test errors.Is(err, sactab.ErrCorrupt).
type LineError struct {
	Line   int
	Reason string
	Kind   error
}

func (e *LineError) Error() string        { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }
func (e *LineError) Is(target error) bool { return target == e.Kind }

// ParseFlags reads flag letters against letters, the alphabet of a file's
// flags in their written order: letters[i] sets bit 1<<i. Letters outside
// the alphabet are returned in bad, in the order met.
func ParseFlags(s, letters string) (mask uint8, bad string) {
	for i := 0; i < len(s); i++ {
		if j := strings.IndexByte(letters, s[i]); j >= 0 {
			mask |= 1 << j
		} else {
			bad += s[i : i+1]
		}
	}
	return mask, bad
}

// FormatFlags renders mask in the fixed order of letters.
func FormatFlags(mask uint8, letters string) string {
	var b []byte
	for j := 0; j < len(letters); j++ {
		if mask&(1<<j) != 0 {
			b = append(b, letters[j])
		}
	}
	return string(b)
}
