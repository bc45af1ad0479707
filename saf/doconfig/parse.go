package doconfig

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// lineBuf is the original's line buffer (BUFSIZ on Solaris): a line and its
// newline must fit in lineBuf-1 bytes.
const lineBuf = 1024

// MaxLine is the longest line, newline excluded, that a script may hold.
const MaxLine = lineBuf - 2

// Op is a statement's keyword.
type Op int

// The keywords. The zero Op is no statement.
const (
	OpAssign Op = iota + 1
	OpPush
	OpPop
	OpRun
	OpRunwait
)

var opNames = [...]string{OpAssign: "assign", OpPush: "push", OpPop: "pop", OpRun: "run", OpRunwait: "runwait"}

// String returns the keyword as written in a script.
func (o Op) String() string {
	if o > 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Builtin says which built-in, if any, a run or runwait statement names.
type Builtin int

// The built-ins of run and runwait.
const (
	NotBuiltin    Builtin = iota // a shell command
	BuiltinCd                    // cd [dir]
	BuiltinUlimit                // ulimit N
	BuiltinUmask                 // umask N
)

// Stmt is one statement of a script.
type Stmt struct {
	Line int // 1-based physical line number
	Op   Op
	// Arg is the argument text as written: everything after the keyword
	// and the white space that follows it, without comment and trailing
	// white space. For pop it is "", "ALL" or a module name; for a shell
	// command it is the whole command given to /bin/sh -c.
	Arg string

	Name, Value string   // assign
	Modules     []string // push, in order

	Builtin Builtin // run, runwait
	Dir     string  // cd: the directory, verbatim; "" means $HOME
	Blocks  int64   // ulimit: the file-size limit in 512-byte blocks
	Mask    int     // umask: the mask, already reduced to 0..0777
}

// String returns the statement as a canonical script line (without the
// newline): the keyword, then one space and Arg if Arg is not empty.
// Parsing that line gives back the same statement.
func (st Stmt) String() string {
	if st.Arg == "" {
		return st.Op.String()
	}
	return st.Op.String() + " " + st.Arg
}

// Script is a parsed script.
type Script struct {
	// Stmts are the statements in order. When Err is set they are the
	// statements before the point where parsing stopped.
	Stmts []Stmt
	// Err is why parsing stopped before the end of the input: nil, a
	// *LineError for the first failing line, or a *SystemError for a read
	// error. Exec reports it after running Stmts, as the original
	// interpreter, which read and ran one line at a time, would have.
	Err error
}

// Sentinel errors for errors.Is on a *LineError (or on what an Env
// returned).
var (
	// ErrSyntax: the line breaks a lexical or syntax rule of the language.
	ErrSyntax = errors.New("syntax error")
	// ErrRestricted: the statement is forbidden by the rflag bits.
	ErrRestricted = errors.New("not allowed in this script")
	// ErrNoStream: push or pop with no stream (the original's fd -1).
	ErrNoStream = errors.New("no stream to push or pop modules on")
	// ErrModule: a push names a module that has no meaning on this kind of
	// stream on Linux (docs/linux.md#line-disciplines).
	ErrModule = errors.New("unsupported STREAMS module")
	// ErrNotPushed: a pop names a module that is not on the stream.
	ErrNotPushed = errors.New("module not on the stream")
)

// LineError reports the first failing line of a script.
type LineError struct {
	Line   int    // 1-based physical line number; blank and comment lines count
	Reason string // what went wrong, naming the keyword and the bad text
	Err    error  // ErrSyntax, ErrRestricted or the Env's error
}

func (e *LineError) Error() string { return fmt.Sprintf("doconfig: line %d: %s", e.Line, e.Reason) }
func (e *LineError) Unwrap() error { return e.Err }

// SystemError reports a script that exists but cannot be opened or read
// (the original's -1).
type SystemError struct {
	Err error // usually an *fs.PathError naming the script
}

func (e *SystemError) Error() string { return "doconfig: system error: " + e.Err.Error() }
func (e *SystemError) Unwrap() error { return e.Err }

// Parse reads a whole script. It stops at the first failing line, as the
// interpreter does, and always returns a non-nil Script whose Err is also
// the returned error: nil, a *LineError (Stmts then holds the statements
// before that line) or a *SystemError for a read error of r. Parse has no
// effects; rflag restrictions are checked by Exec.
func Parse(r io.Reader) (*Script, error) {
	s := &Script{}
	sc := newScanner(r)
	for {
		st, err := sc.next()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			s.Err = err
			return s, err
		}
		s.Stmts = append(s.Stmts, st)
	}
}

// scanner splits a script into statements with the original's line buffer.
type scanner struct {
	r    *bufio.Reader
	line int
	buf  []byte
}

func newScanner(r io.Reader) *scanner {
	return &scanner{r: bufio.NewReader(r), buf: make([]byte, 0, lineBuf)}
}

// next returns the next statement, skipping blank and comment lines. At the
// end of the input it returns io.EOF; otherwise a *LineError or a
// *SystemError.
func (sc *scanner) next() (Stmt, error) {
	for {
		chunk, err := sc.chunk()
		if err == io.EOF && len(chunk) == 0 {
			return Stmt{}, io.EOF
		}
		if err != nil && err != io.EOF {
			return Stmt{}, &SystemError{Err: err}
		}
		sc.line++
		if len(chunk) == 0 || chunk[len(chunk)-1] != '\n' {
			reason := "last line not ended by a newline"
			if len(chunk) == lineBuf-1 {
				reason = fmt.Sprintf("line longer than %d characters", MaxLine)
			}
			return Stmt{}, syntaxError(sc.line, reason)
		}
		text := chunk[:len(chunk)-1]
		if bytes.IndexByte(text, 0) >= 0 {
			// The original found the newline with strchr, which stops at
			// a NUL: such a line is "without newline" there.
			return Stmt{}, syntaxError(sc.line, "NUL byte in line")
		}
		st, ok, lerr := parseLine(sc.line, string(text))
		if lerr != nil {
			return Stmt{}, lerr
		}
		if ok {
			return st, nil
		}
	}
}

// chunk reads what one fgets(buf, 1024, fp) would: up to and including a
// newline, at most lineBuf-1 bytes.
func (sc *scanner) chunk() ([]byte, error) {
	sc.buf = sc.buf[:0]
	for len(sc.buf) < lineBuf-1 {
		c, err := sc.r.ReadByte()
		if err != nil {
			return sc.buf, err
		}
		sc.buf = append(sc.buf, c)
		if c == '\n' {
			break
		}
	}
	return sc.buf, nil
}

func syntaxError(line int, reason string) *LineError {
	return &LineError{Line: line, Reason: reason, Err: ErrSyntax}
}

// isSpace is C isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func trimLeft(s string) string {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return s[i:]
}

func trimRight(s string) string {
	i := len(s)
	for i > 0 && isSpace(s[i-1]) {
		i--
	}
	return s[:i]
}

// cutWord splits s (no leading white space) into its first word and the
// rest after the white space that follows the word.
func cutWord(s string) (word, rest string) {
	i := 0
	for i < len(s) && !isSpace(s[i]) {
		i++
	}
	return s[:i], trimLeft(s[i:])
}

func hasSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) {
			return true
		}
	}
	return false
}

// parseLine parses one line, newline removed. ok is false for a blank or
// comment line.
func parseLine(line int, text string) (st Stmt, ok bool, err *LineError) {
	if i := strings.IndexByte(text, '#'); i >= 0 {
		text = text[:i] // no quoting protects '#'
	}
	text = trimRight(trimLeft(text))
	if text == "" {
		return Stmt{}, false, nil
	}
	kw, arg := cutWord(text)
	st = Stmt{Line: line, Arg: arg}
	var reason string
	switch kw {
	case "assign":
		st.Op = OpAssign
		st.Name, st.Value, reason = parseAssign(arg)
	case "push":
		st.Op = OpPush
		st.Modules, reason = parseModules(arg)
	case "pop":
		st.Op = OpPop
		if hasSpace(arg) {
			reason = fmt.Sprintf("more than one word in %q", arg)
		}
	case "run", "runwait":
		st.Op = OpRun
		if kw == "runwait" {
			st.Op = OpRunwait
		}
		reason = parseRun(&st, arg)
	default:
		return Stmt{}, false, syntaxError(line, fmt.Sprintf("unknown keyword %q", kw))
	}
	if reason != "" {
		return Stmt{}, false, syntaxError(line, kw+": "+reason)
	}
	return st, true, nil
}

// parseAssign parses "NAME=value". A non-empty reason means the line fails.
func parseAssign(arg string) (name, value, reason string) {
	if arg == "" {
		return "", "", "no variable given"
	}
	i := 0
	for i < len(arg) && arg[i] != '=' && !isSpace(arg[i]) {
		i++
	}
	name = arg[:i]
	rest := trimLeft(arg[i:])
	if rest == "" || rest[0] != '=' {
		return "", "", fmt.Sprintf("missing '=' after %q", name)
	}
	if name == "" {
		// DEVIATION: the original put "=value" into its environment, an
		// entry no one can look up; os.Setenv refuses it, so we fail the
		// line for every Env alike.
		return "", "", "empty variable name"
	}
	rest = trimLeft(rest[1:])
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		if hasSpace(rest) {
			_, extra := cutWord(rest)
			return "", "", fmt.Sprintf("text after the value: %q", extra)
		}
		return name, rest, ""
	}
	q := rest[0]
	var b strings.Builder
	for i := 1; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c == '\\' && i+1 < len(rest) && rest[i+1] == q:
			b.WriteByte(q)
			i++
		case c == q:
			if i+1 != len(rest) {
				return "", "", fmt.Sprintf("text after the closing %c: %q", q, rest[i+1:])
			}
			return name, b.String(), ""
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Sprintf("missing closing %c", q)
}

// parseModules splits a push argument: names separated by white space
// and/or one comma. An empty name (",a", "a,,b", "a, ,b", "a,") fails the
// line.
func parseModules(arg string) (mods []string, reason string) {
	if arg == "" {
		return nil, "no module given"
	}
	s := arg // no leading or trailing white space
	for {
		i := 0
		for i < len(s) && s[i] != ',' && !isSpace(s[i]) {
			i++
		}
		if i == 0 {
			return nil, fmt.Sprintf("empty module name in %q", arg)
		}
		mods = append(mods, s[:i])
		s = trimLeft(s[i:])
		if s == "" {
			return mods, ""
		}
		if s[0] == ',' {
			s = trimLeft(s[1:])
		}
	}
}

// parseRun fills in the built-in of a run or runwait statement and returns
// a failure reason, or "".
func parseRun(st *Stmt, arg string) string {
	if arg == "" {
		return "no command given"
	}
	word, rest := cutWord(arg)
	switch word {
	case "cd":
		st.Builtin = BuiltinCd
		st.Dir = rest // verbatim, spaces included
	case "ulimit":
		if rest == "" || hasSpace(rest) || !isDigit(rest[0]) {
			return fmt.Sprintf("ulimit: want one number of 512-byte blocks, have %q", rest)
		}
		st.Builtin = BuiltinUlimit
		st.Blocks = parsePrefix(rest, 10)
	case "umask":
		if rest == "" || hasSpace(rest) || !isDigit(rest[0]) {
			return fmt.Sprintf("umask: want one octal mask, have %q", rest)
		}
		st.Builtin = BuiltinUmask
		// umask(2) keeps the permission bits only.
		st.Mask = int(parsePrefix(rest, 8) & 0o777)
	}
	return ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// parsePrefix reads the leading digits of s in base 8 or 10 as strtol
// does: it stops at the first character that is not a digit of the base
// ("9" in base 8 gives 0) and saturates at math.MaxInt64 as strtol does at
// LONG_MAX.
func parsePrefix(s string, base int64) int64 {
	var n int64
	for i := 0; i < len(s) && isDigit(s[i]) && int64(s[i]-'0') < base; i++ {
		d := int64(s[i] - '0')
		if n > (math.MaxInt64-d)/base {
			return math.MaxInt64
		}
		n = n*base + d
	}
	return n
}
