package adm

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/linux-saf/saf/internal/version"
	"github.com/linux-saf/saf/saf/exitcode"
)

// Getopt reads the options of a command line one at a time, as the
// getopt(3) loop of the original commands did, so that a command can check
// each option the moment it is read, act on it there (sttydefs -r), or weigh
// it against the options before it (nlsadmin). It is the one option parser
// of the five admin commands.
//
// The rules are POSIX getopt's, with Solaris getopt's long options:
//
//   - "-abc" is the options a, b and c. An option that takes an argument
//     takes the rest of its word ("-ofoo", "-o=x" gives "=x") or, when that
//     is empty, the next word ("-o foo"), whatever it looks like.
//   - The options end at the first word that does not start with '-', at
//     "-" alone (both are operands), and after "--".
//   - "--name" is a long option, matched whole (never abbreviated). One
//     that takes an argument takes "--name=value" or "--name value"; one
//     whose argument is optional takes only "--name=value". "--help" and
//     "--version" are every command's and end the reading with ErrHelp
//     and ErrVersion.
//
// Problems are worded as Solaris getopt words them, the getopt the
// original commands were built with, and end the reading with a
// *UsageError: "illegal option -- c" for an unknown letter,
// "illegal option -- name" for an unknown long option (everything after
// the "--", "=value" included), "option requires an argument -- c" (or
// -- name), and "option doesn't take an argument -- name=value".
//
// pflag is not used here: it reads "-p=x" as "x", lets options follow
// operands unless told not to, takes "--switch=true", needs a long name
// for every letter and words its errors its own way, so the original's
// grammar had to be bent back out of it in every command.
type Getopt struct {
	Opt    string // the option just read: its letter, or a long option's name
	Arg    string // its argument ("" when it takes none)
	HasArg bool   // an argument was given (for an optional one: "--name=value")

	args  []string
	short string
	long  map[string]argKind
	next  int  // index in args of the word being read
	pos   int  // index in that word of the next letter; 0 between words
	done  bool // the options have ended
	err   error
}

type argKind int

const (
	noArg argKind = iota
	needsArg
	mayArg
)

// ErrHelp is what --help ends the reading with: the usage goes to
// standard output and the command exits 0.
var ErrHelp = errors.New("help requested")

// ErrVersion is what --version ends the reading with: the version line
// (internal/version) goes to standard output and the command exits 0.
var ErrVersion = errors.New("version requested")

// UsageError is a command line the command refuses: "prog: Msg" (when Msg
// is set) and then the usage text go to standard error (Usage.Report).
type UsageError struct{ Msg string }

func (u *UsageError) Error() string {
	if u.Msg == "" {
		return msgUsageError
	}
	return u.Msg
}

// NewGetopt returns a reader of args (without the program name). short is
// a getopt(3) option string: each letter an option, followed by ':' when it
// takes an argument. Each of long names a long option, followed by ':' when
// it takes an argument and by "::" when the argument is optional.
func NewGetopt(args []string, short string, long ...string) *Getopt {
	g := &Getopt{args: args, short: short, long: map[string]argKind{"help": noArg, "version": noArg}}
	for _, l := range long {
		switch {
		case strings.HasSuffix(l, "::"):
			g.long[strings.TrimSuffix(l, "::")] = mayArg
		case strings.HasSuffix(l, ":"):
			g.long[strings.TrimSuffix(l, ":")] = needsArg
		default:
			g.long[l] = noArg
		}
	}
	return g
}

// Next reads the next option into Opt, Arg and HasArg. It returns false
// when the options have ended or a problem was met (see Err).
func (g *Getopt) Next() bool {
	g.Opt, g.Arg, g.HasArg = "", "", false
	if g.done || g.err != nil {
		return false
	}
	if g.pos == 0 {
		if g.next >= len(g.args) {
			g.done = true
			return false
		}
		w := g.args[g.next]
		switch {
		case w == "--":
			g.next++
			g.done = true
			return false
		case len(w) < 2 || w[0] != '-':
			g.done = true
			return false
		case w[1] == '-':
			g.next++
			return g.readLong(w[2:])
		}
		g.pos = 1
	}
	return g.readShort()
}

// readShort reads the letter at pos of the current word.
func (g *Getopt) readShort() bool {
	w := g.args[g.next]
	r, size := utf8.DecodeRuneInString(w[g.pos:])
	i := strings.IndexRune(g.short, r)
	if r == ':' || i < 0 {
		return g.fail(msgIllegalOption, string(r))
	}
	g.Opt = string(r)
	g.pos += size
	rest := w[g.pos:]
	if i+1 >= len(g.short) || g.short[i+1] != ':' {
		if rest == "" { // the last letter of the word
			g.pos = 0
			g.next++
		}
		return true
	}
	g.pos = 0
	g.next++
	switch {
	case rest != "":
		g.Arg = rest
	case g.next < len(g.args):
		g.Arg = g.args[g.next]
		g.next++
	default:
		return g.fail(msgNeedsArgument, g.Opt)
	}
	g.HasArg = true
	return true
}

// readLong reads the long option s (the word without its "--").
func (g *Getopt) readLong(s string) bool {
	name, value, hasValue := strings.Cut(s, "=")
	kind, ok := g.long[name]
	switch {
	case !ok:
		return g.fail(msgIllegalOption, s)
	case kind == noArg && hasValue:
		return g.fail(msgTakesNoArgument, s)
	case name == "help":
		g.err = ErrHelp
		return false
	case name == "version":
		g.err = ErrVersion
		return false
	case kind == needsArg && !hasValue:
		if g.next >= len(g.args) {
			return g.fail(msgNeedsArgument, name)
		}
		value, hasValue = g.args[g.next], true
		g.next++
	}
	g.Opt, g.Arg, g.HasArg = name, value, hasValue
	return true
}

func (g *Getopt) fail(format string, args ...any) bool {
	g.err = &UsageError{Msg: fmt.Sprintf(format, args...)}
	return false
}

// Err is what ended the reading early: a *UsageError, ErrHelp, or nil
// when the options simply ended.
func (g *Getopt) Err() error { return g.err }

// Operands returns the words after the options.
func (g *Getopt) Operands() []string { return g.args[g.next:] }

// NoOperands is the end of the reading for a command that takes no
// operands: Err, or a usage error naming the first operand.
func (g *Getopt) NoOperands() error {
	if g.err != nil {
		return g.err
	}
	if rest := g.Operands(); len(rest) > 0 {
		return &UsageError{Msg: fmt.Sprintf(msgUnexpectedOperand, rest[0])}
	}
	return nil
}

// Usage is how a command answers --help and a refused command line.
type Usage struct {
	Prog string
	Text string // the usage, on standard error after a usage error's message
	Help string // what --help prints on standard output; Text when empty
	Code int    // the exit status of a usage error
}

// Report handles the outcomes that are about the command line itself. For
// ErrHelp it prints the help on stdout and returns 0, for ErrVersion the
// version line (version.String); for a *UsageError,
// "prog: msg" (when there is a message) and the usage on stderr, and Code.
// ok is false for any other error, which the caller reports. Errors
// writing to stdout or stderr are ignored: there is nowhere left to report
// them, and the exit status still says what happened.
func (u Usage) Report(err error, stdout, stderr io.Writer) (code int, ok bool) {
	var ue *UsageError
	switch {
	case errors.Is(err, ErrHelp):
		help := u.Help
		if help == "" {
			help = u.Text
		}
		io.WriteString(stdout, help)
		return 0, true
	case errors.Is(err, ErrVersion):
		io.WriteString(stdout, version.String(u.Prog)+"\n")
		return 0, true
	case errors.As(err, &ue):
		if ue.Msg != "" {
			fmt.Fprintf(stderr, fmtProgLine, u.Prog, ue.Msg)
		}
		io.WriteString(stderr, u.Text)
		return u.Code, true
	}
	return 0, false
}

// PrintError prints err on w as "prog: text", one line for each error an
// errors.Join holds (an exitcode.ExitError around it is looked through).
func PrintError(w io.Writer, prog string, err error) {
	var ee *exitcode.ExitError
	if errors.As(err, &ee) {
		err = ee.Err
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			PrintError(w, prog, e)
		}
		return
	}
	fmt.Fprintf(w, fmtProgLine, prog, err)
}
