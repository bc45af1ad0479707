package adm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// Flags wraps a pflag.FlagSet so that options behave as the original's
// getopt loop: every value is checked the moment it is parsed, in argument
// order, and the first failing check decides the exit status (sac.md 11.5).
type Flags struct {
	fs    *pflag.FlagSet
	first error // the first check that failed
	seen  map[byte]bool
	bits  map[byte]int // option -> operation bit
	ops   int          // operation bits set
}

// errStop stops pflag after a check failed; the check's own error is kept
// in first, since pflag flattens the errors of Set.
var errStop = errors.New("option check failed")

// NewFlags returns an empty option set for prog.
func NewFlags(prog string) *Flags {
	fs := pflag.NewFlagSet(prog, pflag.ContinueOnError)
	fs.SetOutput(discard{})
	fs.Usage = func() {}
	fs.SortFlags = false
	return &Flags{fs: fs, seen: map[byte]bool{}, bits: map[byte]int{}}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

type value struct {
	f      *Flags
	letter byte
	isBool bool
	set    func(string) error
	str    string
}

func (v *value) String() string { return v.str }
func (v *value) Type() string {
	if v.isBool {
		return "bool"
	}
	return "string"
}
func (v *value) Set(s string) error {
	v.f.seen[v.letter] = true
	v.f.ops |= v.f.bits[v.letter]
	v.str = s
	if v.set == nil {
		return nil
	}
	if err := v.set(s); err != nil {
		if v.f.first == nil {
			v.f.first = err
		}
		return errStop
	}
	return nil
}

// Bool adds a switch -letter that sets operation bit op (0 for none).
// The long name is only there because pflag needs one.
func (f *Flags) Bool(letter byte, long string, op int) {
	f.bits[letter] = op
	v := &value{f: f, letter: letter, isBool: true}
	fl := f.fs.VarPF(v, long, string(letter), "")
	fl.NoOptDefVal = "true"
}

// String adds -letter with an argument; check runs when it is parsed and
// may rewrite the stored value through the pointer it is given.
func (f *Flags) String(letter byte, long string, op int, dst *string, check func(v *string) error) {
	f.bits[letter] = op
	v := &value{f: f, letter: letter}
	v.set = func(s string) error {
		*dst = s
		if check != nil {
			return check(dst)
		}
		return nil
	}
	f.fs.VarP(v, long, string(letter), "")
}

// Long adds a switch with a long name only (--name). Our extensions are
// long options, so that no single-letter option of the original changes
// meaning or gains a new one. It sets no operation bit.
func (f *Flags) Long(name string, dst *bool) {
	f.fs.BoolVar(dst, name, false, "")
}

// Seen reports whether -letter was given.
func (f *Flags) Seen(letter byte) bool { return f.seen[letter] }

// Ops returns the operation bits set.
func (f *Flags) Ops() int { return f.ops }

// Parse parses args. It returns the first failed value check as is, a
// *UsageError for getopt-level problems (unknown option, missing argument,
// operands) and ErrHelp for --help.
func (f *Flags) Parse(args []string, usage string) error {
	err := f.fs.Parse(args)
	if f.first != nil {
		return f.first
	}
	if errors.Is(err, pflag.ErrHelp) {
		for _, a := range args {
			if a == "--help" {
				return ErrHelp
			}
		}
		return &UsageError{Msg: "illegal option -- h", Usage: usage}
	}
	if err != nil {
		return &UsageError{Msg: getoptMessage(err), Usage: usage}
	}
	if f.fs.NArg() > 0 {
		return &UsageError{Msg: fmt.Sprintf("unexpected argument %q", f.fs.Arg(0)), Usage: usage}
	}
	return nil
}

// ErrHelp asks for the usage on stdout and exit 0.
var ErrHelp = errors.New("help requested")

// getoptMessage turns pflag's wording into the familiar getopt one.
func getoptMessage(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "unknown shorthand flag: '"):
		return "illegal option -- " + string(msg[len("unknown shorthand flag: '")])
	case strings.HasPrefix(msg, "flag needs an argument: '"):
		return "option requires an argument -- " + string(msg[len("flag needs an argument: '")])
	case strings.HasPrefix(msg, "flag needs an argument: "):
		return "option requires an argument -- " + strings.TrimPrefix(msg, "flag needs an argument: ")
	case strings.HasPrefix(msg, "unknown flag: "):
		return "illegal option " + strings.TrimPrefix(msg, "unknown flag: ")
	}
	return msg
}
