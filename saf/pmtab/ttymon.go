package pmtab

// The ttymon-specific tail of a _pmtab entry: fields 7 to 17
// (docs/architecture.md#ttymon-service-fields), the string ttyadm prints and
// pmadm stores after the six generic fields.
//
// Text encoding. ParseTTY decodes ttymon's backslash escapes
// (docs/architecture.md#ttymon-escapes), so a TTY holds values (Prompt
// "login: ", not "login\: "). Format writes them back in one canonical
// encoding that always re-parses to the same values and never holds a raw
// '#', which the generic _pmtab reader takes as the start of a comment:
//
//	\  -> \\          :  -> \:          #  -> \043
//	newline, CR, tab, backspace, formfeed, vertical tab -> \n \r \t \b \f \v
//	other control bytes and DEL -> \ooo (three octal digits)
//	blank in a token-mode field -> \040
//
// For the values ttyadm accepts this is exactly ttyadm's output: the prompt
// and disable message get ':' as "\:", every other byte of a value stands
// for itself.

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strings"

	"github.com/linux-saf/saf/internal/errno"
)

// DefaultTTYPrompt is the prompt ttyadm writes when -p is not given (the
// original's code, not its manual: docs/original.md#ttymon-discrepancies).
const DefaultTTYPrompt = "login: "

// TTY is the ttymon part of a _pmtab entry, fields 7–17. Field values are
// decoded (no backslash escapes) and never hold a NUL byte: a NUL produced
// by an escape ends the value, as it did in the C original.
type TTY struct {
	Device     string      // 7 device: absolute path of a character device
	Flags      TTYFlags    // 8 ttyflags
	Count      Decimal     // 9 count: wait-read count, used with the r flag
	Service    string      // 10 service: command line, %d etc. not expanded (see ExpandService)
	Timeout    Decimal     // 11 timeout: seconds; 0 means none
	Label      string      // 12 ttylabel: entry in /etc/ttydefs, not checked when read
	Modules    string      // 13 modules: STREAMS module list as written (see ParseModules)
	Prompt     string      // 14 prompt
	DisableMsg string      // 15 disable msg
	TermType   string      // 16 terminal type: TERM for the service; may be absent
	SoftCar    SoftCarrier // 17 soft-carrier; may be absent
}

// TTYFlags is the ttyflags field: the letters as written, repeats and order
// kept (ttyadm -h -h writes "hh"), so formatting round-trips. ParseTTY
// accepts only the letters c h b r I.
type TTYFlags string

// Has reports whether letter is among the flags.
func (f TTYFlags) Has(letter byte) bool { return strings.IndexByte(string(f), letter) >= 0 }

// Connect is c: connect on carrier, start the service without a prompt.
func (f TTYFlags) Connect() bool { return f.Has('c') }

// NoHangup is h: do not hang up the line before opening it. Hang-up is the
// default.
func (f TTYFlags) NoHangup() bool { return f.Has('h') }

// Bidirectional is b: the port may also be used for dial-out.
func (f TTYFlags) Bidirectional() bool { return f.Has('b') }

// WaitRead is r: wait for input (Count newlines, or one byte when Count is
// 0) before writing the prompt.
func (f TTYFlags) WaitRead() bool { return f.Has('r') }

// InitOnly is I: only initialize the port (soft carrier), never open it
// (docs/original.md#entries-ttymon-does-not-monitor).
func (f TTYFlags) InitOnly() bool { return f.Has('I') }

// Decimal is a count or timeout field as written: ASCII digits, empty
// meaning 0. Keeping the text (rather than an int) lets ttyadm's output
// round-trip byte for byte ("-t 0" writes "0", no -t writes nothing).
// ParseTTY accepts only values that fit a C int.
type Decimal string

// Int returns the value of d; 0 when d is empty or not a valid Decimal.
func (d Decimal) Int() int {
	n, ok := decimalValue(string(d))
	if !ok {
		return 0
	}
	return n
}

// Valid reports whether d is digits only (or empty) and at most
// math.MaxInt32, as ParseTTY requires.
func (d Decimal) Valid() bool {
	_, ok := decimalValue(string(d))
	return ok
}

// decimalValue parses digits only (empty is 0) up to math.MaxInt32. It
// counts in int64: a 32-bit int would wrap past MaxInt32 before the test.
func decimalValue(s string) (int, bool) {
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
		if n > math.MaxInt32 {
			return 0, false
		}
	}
	return int(n), true
}

// SoftCarrier is the soft-carrier field.
type SoftCarrier byte

// Soft-carrier settings. Only the first character of the field is looked at:
// "y" is on, any other non-empty text is off.
const (
	SoftCarrierUnset SoftCarrier = 0   // empty: leave the line's setting alone
	SoftCarrierOn    SoftCarrier = 'y' // y: ignore carrier detect (CLOCAL on)
	SoftCarrierOff   SoftCarrier = 'n' // n: honour carrier detect
)

// String returns the field text: "", "y" or "n".
func (s SoftCarrier) String() string {
	switch s {
	case SoftCarrierUnset:
		return ""
	case SoftCarrierOn:
		return "y"
	}
	return "n"
}

// The field names used in parse-failure messages.
const (
	TTYFieldDevice     = "device"
	TTYFieldFlags      = "ttyflags"
	TTYFieldCount      = "count"
	TTYFieldService    = "service"
	TTYFieldTimeout    = "timeout"
	TTYFieldLabel      = "ttylabel"
	TTYFieldModules    = "modules"
	TTYFieldPrompt     = "prompt"
	TTYFieldDisableMsg = "disable msg"
	TTYFieldTermType   = "terminal type"
	TTYFieldSoftCar    = "soft-carrier"
)

// TTYParseError reports a ttymon tail that ParseTTY cannot read.
type TTYParseError struct {
	Field string // field name, one of the TTYField constants
	// Reason is the message logged before the parse failure for a field
	// whose syntax is fine but whose value is not ("Invalid ttyflag -- x",
	// "wait_read count must be a positive number", a module list error);
	// empty for syntax errors.
	Reason string
	Input  string // the text given to ParseTTY
	Pos    int    // offset in Input just after the error position
	Err    error  // the underlying error (a *ModuleError), or nil
}

// Failure returns the original's parse-failure text, without the line of
// dashes ttymon logs after it:
//
//	Parsing failure in the "<field>" field,
//	<line truncated just after the error position><--error detected here
//
// prefix is what came before Input on the _pmtab line (the six generic
// fields and their colons), so the text shows the whole line as read.
func (e *TTYParseError) Failure(prefix string) string {
	return `Parsing failure in the "` + e.Field + `" field,` + "\n" +
		prefix + e.Input[:e.Pos] + "<--error detected here"
}

// Error returns Reason (when set) and Failure(""), one per line: the texts
// ttymon logs.
func (e *TTYParseError) Error() string {
	if e.Reason != "" {
		return e.Reason + "\n" + e.Failure("")
	}
	return e.Failure("")
}

func (e *TTYParseError) Unwrap() error { return e.Err }

// ParseTTY parses the ttymon fields of a _pmtab line: everything after the
// colon that ends the sixth (reserved) field. Text from an unescaped '#' on
// (a comment) and from a newline on is ignored, so s may be the raw rest of
// the line. Field extraction, escapes and the field-count rules are those
// of docs/architecture.md#ttymon-service-fields: fields 7–15 must each end
// with ':'; fields 16 and 17 are optional; text after the ':' that ends
// field 17 other than blanks is a failure in "soft-carrier". Values are
// checked as far as the text alone allows (flag letters, numbers, module
// names); device and service checks need the file system and are left to
// CheckTTYDevice and CheckTTYService.
func ParseTTY(s string) (TTY, error) {
	p := ttyParser{in: s, s: ttyCutLine(s)}
	var t TTY

	// The fields that must be followed by ':'. Each value check runs once
	// the field's text has been read.
	var flags, count, timeout string
	steps := []struct {
		field string
		whole bool
		dst   *string
	}{
		{TTYFieldDevice, false, &t.Device},
		{TTYFieldFlags, false, &flags},
		{TTYFieldCount, false, &count},
		{TTYFieldService, true, &t.Service},
		{TTYFieldTimeout, false, &timeout},
		{TTYFieldLabel, false, &t.Label},
		{TTYFieldModules, false, &t.Modules},
		{TTYFieldPrompt, true, &t.Prompt},
		{TTYFieldDisableMsg, true, &t.DisableMsg},
	}
	for _, st := range steps {
		var end int
		if st.whole {
			*st.dst, end = p.whole()
		} else {
			*st.dst, end = p.token()
		}
		if !p.colon() {
			return TTY{}, p.fail(st.field, "", nil, p.errPos())
		}
		if err := p.checkValue(st.field, *st.dst, end); err != nil {
			return TTY{}, err
		}
	}
	t.Flags = TTYFlags(flags)
	t.Count = Decimal(count)
	t.Timeout = Decimal(timeout)

	// Fields 16 and 17: older tables lack them.
	if p.atEnd() {
		return t, nil
	}
	t.TermType, _ = p.whole()
	if p.atEnd() || (p.colon() && p.atEnd()) {
		return t, nil
	}
	var sc string
	sc, _ = p.whole()
	switch {
	case sc == "":
		t.SoftCar = SoftCarrierUnset
	case sc[0] == 'y':
		t.SoftCar = SoftCarrierOn
	default:
		t.SoftCar = SoftCarrierOff
	}
	if p.atEnd() {
		return t, nil
	}
	p.colon()
	p.skipSpace()
	if !p.atEnd() {
		// Text after the last field: the original's behaviour was erratic;
		// we choose a parse failure (docs/original.md#ttymon-discrepancies).
		return TTY{}, p.fail(TTYFieldSoftCar, "", nil, p.errPos())
	}
	return t, nil
}

// ttyCutLine returns s up to its first newline or comment: a '#' not
// immediately preceded by a backslash in the raw bytes.
func ttyCutLine(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			return s[:i]
		case '#':
			if i == 0 || s[i-1] != '\\' {
				return s[:i]
			}
		}
	}
	return s
}

type ttyParser struct {
	in  string // the text as given, for error messages
	s   string // in without comment
	pos int
}

func (p *ttyParser) atEnd() bool { return p.pos >= len(p.s) }

// errPos is where a syntax error at p.pos is reported: just after the
// offending byte, or at the end of the line when the line ended too early.
func (p *ttyParser) errPos() int {
	if p.atEnd() {
		return len(p.s)
	}
	return p.pos + 1
}

func (p *ttyParser) fail(field, reason string, err error, pos int) *TTYParseError {
	return &TTYParseError{Field: field, Reason: reason, Input: p.in, Pos: pos, Err: err}
}

// colon consumes a ':' at p.pos.
func (p *ttyParser) colon() bool {
	if p.atEnd() || p.s[p.pos] != ':' {
		return false
	}
	p.pos++
	return true
}

// ttyIsSpace is C isspace in the C locale.
func ttyIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func (p *ttyParser) skipSpace() {
	for !p.atEnd() && ttyIsSpace(p.s[p.pos]) {
		p.pos++
	}
}

// token reads a token-mode field: leading blanks skipped, the token ends at
// a blank, ':' or the end of the line, trailing blanks skipped. It returns
// the decoded value and the offset just after the token's last byte.
func (p *ttyParser) token() (string, int) {
	p.skipSpace()
	b := p.scan(true)
	end := p.pos
	p.skipSpace()
	return ttyCString(b), end
}

// whole reads a whole-mode field: everything up to the next unescaped ':'
// or the end of the line, blanks included.
func (p *ttyParser) whole() (string, int) {
	return ttyCString(p.scan(false)), p.pos
}

// scan decodes bytes up to the next unescaped ':', the end of the line
// or, when blankEnds, a blank.
func (p *ttyParser) scan(blankEnds bool) []byte {
	var b []byte
	for !p.atEnd() {
		c := p.s[p.pos]
		if c == ':' || blankEnds && ttyIsSpace(c) {
			break
		}
		if c == '\\' {
			v, n := ttyEscape(p.s[p.pos:])
			b = append(b, v)
			p.pos += n
			continue
		}
		b = append(b, c)
		p.pos++
	}
	return b
}

// checkValue checks what the text of a field can tell; end is where the
// field's text ended.
func (p *ttyParser) checkValue(field, v string, end int) error {
	switch field {
	case TTYFieldFlags:
		for i := 0; i < len(v); i++ {
			if strings.IndexByte("chbrI", v[i]) < 0 {
				return p.fail(field, "Invalid ttyflag -- "+string(v[i]), nil, end)
			}
		}
	case TTYFieldCount:
		if _, ok := decimalValue(v); !ok {
			return p.fail(field, "wait_read count must be a positive number", nil, end)
		}
	case TTYFieldTimeout:
		if _, ok := decimalValue(v); !ok {
			return p.fail(field, "timeout value must be a positive number", nil, end)
		}
	case TTYFieldModules:
		if err := CheckModules(v); err != nil {
			return p.fail(field, err.Error(), err, end)
		}
	}
	return nil
}

// ttyEscape decodes the backslash escape at the start of s (s[0] == '\\')
// and returns its byte and length (docs/architecture.md#ttymon-escapes).
func ttyEscape(s string) (byte, int) {
	if len(s) < 2 {
		return 0, 1 // '\' at the end of the line is NUL
	}
	switch c := s[1]; c {
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'v':
		return '\v', 2
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v, n := 0, 1
		for n < 4 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
			v = v*8 + int(s[n]-'0')
			n++
		}
		return byte(v), n // \777 wraps to 0377, as the C char did
	default:
		return c, 2 // \: \\ \# and any other character stand for themselves
	}
}

// ttyCString ends b at its first NUL, as a C string would.
func ttyCString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// UnescapeTTY decodes ttymon's backslash escapes in s, in which every other
// byte, ':' and '#' included, stands for itself; the value ends at a
// decoded NUL. ttyadm uses it to read its arguments, which are written in
// the _pmtab escape syntax (a user types -p 'hi\nthere').
func UnescapeTTY(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		if s[i] == '\\' {
			v, n := ttyEscape(s[i:])
			b = append(b, v)
			i += n
			continue
		}
		b = append(b, s[i])
		i++
	}
	return ttyCString(b)
}

// Format returns t as ttyadm prints it: the eleven fields, each followed by
// ':', no newline. Values are encoded as described at the top of this file;
// ParseTTY(t.Format()) returns t for every t ParseTTY can return.
func (t TTY) Format() string {
	var b strings.Builder
	field := func(v string, token bool) {
		ttyEncode(&b, v, token)
		b.WriteByte(':')
	}
	field(t.Device, true)
	field(string(t.Flags), true)
	field(string(t.Count), true)
	field(t.Service, false)
	field(string(t.Timeout), true)
	field(t.Label, true)
	field(t.Modules, true)
	field(t.Prompt, false)
	field(t.DisableMsg, false)
	field(t.TermType, false)
	field(t.SoftCar.String(), false)
	return b.String()
}

// ttyEncode writes v in the canonical encoding; token selects token-mode
// fields, where a blank would end the value.
func ttyEncode(b *strings.Builder, v string, token bool) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case ':':
			b.WriteString(`\:`)
		case '#':
			// The generic reader ends the line at any '#', so "\#" is not
			// enough; ttymon decodes octal escapes.
			b.WriteString(`\043`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\v':
			b.WriteString(`\v`)
		case ' ':
			if token {
				b.WriteString(`\040`)
			} else {
				b.WriteByte(c)
			}
		default:
			if c < ' ' || c == 0x7f {
				fmt.Fprintf(b, `\%03o`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
}

// ExpandService expands the % sequences of a service command line
// (field 10, docs/linux.md#login-hand-off): %d is the device path, %u the
// name typed at the prompt (ours; the original turned %u into u), %% is %,
// % followed by any other character is that character, and a lone % at
// the end stays (docs/original.md#ttymon-discrepancies). cmd is the
// decoded field (TTY.Service).
//
// The result is meant to be split into words the way ttymon splits a
// service command (blanks and tabs separate words, backslash escapes as in
// the fields). So that a typed name stays one word whatever it holds,
// ExpandService puts a backslash before every blank, tab, newline and
// backslash of user; device is inserted as it is (it comes from the
// administrator).
//
// WARNING: user is untrusted input that becomes an argument of a program
// run as root. One word is not enough: a name starting with '-' ("-froot")
// is an option to login(1). The administrator's template must put %u after
// "--" (login -- %u), or ttymon must refuse names starting with '-' before
// calling this. Re-verify with:
//
//	go test ./saf/pmtab/ -run 'TestExpandService'
func ExpandService(cmd, device, user string) string {
	var b strings.Builder
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(cmd) {
			b.WriteByte('%')
			break
		}
		i++
		switch cmd[i] {
		case 'd':
			b.WriteString(device)
		case 'u':
			for j := 0; j < len(user); j++ {
				switch user[j] {
				case ' ', '\t', '\n', '\\':
					b.WriteByte('\\')
				}
				b.WriteByte(user[j])
			}
		default:
			b.WriteByte(cmd[i])
		}
	}
	return b.String()
}

// ErrServiceNotExecutable is wrapped by the CheckTTYService error for a
// program with no execute bit; ttyadm prints that message with an extra
// empty line, as the original did.
var ErrServiceNotExecutable = errors.New("not executable")

// TTYCheckError reports a device or service field that fails ttyadm's
// checks (docs/original.md#ttyadm-checks). Msg is the original's text,
// which ttyadm prints on stderr and ttymon logs.
type TTYCheckError struct {
	Msg string
	Err error // the *fs.PathError from stat, ErrServiceNotExecutable, or nil
}

func (e *TTYCheckError) Error() string { return e.Msg }
func (e *TTYCheckError) Unwrap() error { return e.Err }

// CheckTTYDevice checks the device field: present, an absolute path, and
// (following symlinks) a character device.
func CheckTTYDevice(dev string) error {
	if dev == "" {
		return &TTYCheckError{Msg: "error -- device field is missing"}
	}
	if dev[0] != '/' {
		return &TTYCheckError{Msg: `error -- must specify full path name for "` + dev + `".`}
	}
	fi, err := os.Stat(dev)
	if errors.Is(err, fs.ErrNotExist) {
		return &TTYCheckError{Msg: `error -- device "` + dev + `" does not exist`, Err: err}
	}
	if err != nil {
		return &TTYCheckError{Msg: "stat(" + dev + ") failed: " + errno.Text(err), Err: err}
	}
	if fi.Mode()&fs.ModeCharDevice == 0 {
		return &TTYCheckError{Msg: `error -- "` + dev + `" not character special device`}
	}
	return nil
}

// CheckTTYService checks the first blank- or tab-separated word of the
// service field: present, an absolute path, an existing file with at least
// one execute bit, and a regular file.
func CheckTTYService(cmd string) error {
	p, _, _ := strings.Cut(strings.TrimLeft(cmd, " \t"), " ")
	p, _, _ = strings.Cut(p, "\t")
	if p == "" {
		return &TTYCheckError{Msg: "error -- server command is missing"}
	}
	if p[0] != '/' {
		return &TTYCheckError{Msg: `error -- must specify full path name for "` + p + `".`}
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &TTYCheckError{Msg: `error -- "` + p + `" does not exist`, Err: err}
	}
	if err != nil {
		return &TTYCheckError{Msg: "stat(" + p + ") failed.", Err: err}
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return &TTYCheckError{Msg: `error -- "` + p + `" not executable`, Err: ErrServiceNotExecutable}
	}
	if !fi.Mode().IsRegular() {
		return &TTYCheckError{Msg: `error -- "` + p + `" not a regular file`}
	}
	return nil
}
