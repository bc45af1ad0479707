// Package adm holds what the admin commands share. All five read their
// options with Getopt and word a refused command line with Usage. sacadm
// and pmadm also share the reporter that prints their messages and keeps
// the exit status, the options they have in common with the checks each
// value gets as it is read, the _sactab reading both commands do first, the
// "is sac running" test, script install and print, and the requests to a
// running sac.
package adm

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/sactab"
)

// Cmd is one run of an admin command.
type Cmd struct {
	Prog string // "sacadm" or "pmadm": the prefix of every message
	Root paths.Root
	// Privileged: the real uid is 0, or SAF_ROOT names a sandbox
	// (docs/linux.md#privilege-and-the-sandbox).
	Privileged bool
	Stdout     io.Writer
	Stderr     io.Writer
	// Code is the exit status set by messages that do not stop the
	// program: the last value set wins, as in the original.
	Code int
}

// Warn prints a message that does not stop the program.
func (c *Cmd) Warn(format string, args ...any) {
	fmt.Fprintf(c.Stderr, fmtProgLine, c.Prog, fmt.Sprintf(format, args...))
}

// Fail returns the error that stops the program with code.
func Fail(code int, format string, args ...any) error {
	return exitcode.New(code, format, args...)
}

// FailMsg is Fail with a message that takes no values.
func FailMsg(code int, msg string) error {
	return &exitcode.ExitError{Code: code, Err: errors.New(msg)}
}

// Seen records the options given, by letter (and long name).
type Seen map[string]bool

// Any reports whether any of the option letters was given.
func (s Seen) Any(letters string) bool {
	return strings.ContainsFunc(letters, func(l rune) bool { return s[string(l)] })
}

// All reports whether every one of the option letters was given.
func (s Seen) All(letters string) bool {
	return !strings.ContainsFunc(letters, func(l rune) bool { return !s[string(l)] })
}

// Opts holds the options sacadm and pmadm share, as read.
type Opts struct {
	Tag, Type       string // -p, -t
	Comment, Script string // -y (DefaultComment without it), -z
	Version         int    // -v
	FlagLetters     string // -f, which each command checks against its flags
	Seen            Seen   // every option given
}

// ReadOptions reads args with the getopt string short and the long options
// long (NewGetopt). Each value is checked as it is read, in argument
// order, and the first check that fails decides the exit status: the
// shared options -f, -p, -t, -v, -y and -z here, then take, which sees
// every option, checks the command's own. No arguments at all, and
// operands, are usage errors.
func (c *Cmd) ReadOptions(args []string, short string, long []string, take func(opt, arg string) error) (*Opts, error) {
	if len(args) == 0 {
		return nil, &UsageError{}
	}
	o := &Opts{Comment: DefaultComment, Seen: Seen{}}
	var vers string
	g := NewGetopt(args, short, long...)
	for g.Next() {
		o.Seen[g.Opt] = true
		var err error
		switch g.Opt {
		case "f":
			o.FlagLetters, err = g.Arg, NoNewline(g.Arg)
		case "p":
			o.Tag = g.Arg
			err = c.CheckTag(&o.Tag, sactab.TagSize, MsgTagTruncated, MsgTagNotAlnum)
		case "t":
			o.Type = g.Arg
			err = c.CheckTag(&o.Type, sactab.TypeSize, MsgTypeTruncated, MsgTypeNotAlnum)
		case "v":
			vers, err = g.Arg, CheckNumber(g.Arg, MsgVersionNegative, MsgVersionTooLarge)
		case "y":
			o.Comment, err = g.Arg, NoNewline(g.Arg)
		case "z":
			o.Script, err = g.Arg, NoNewline(g.Arg)
		}
		if err == nil {
			err = take(g.Opt, g.Arg)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := g.NoOperands(); err != nil {
		return nil, err
	}
	o.Version = admfile.Atoi(vers)
	return o, nil
}

// BadFlags refuses the -f letters bad that are no flags of the command.
func BadFlags(bad string) error {
	if bad == "" {
		return nil
	}
	return Fail(exitcode.BadArgs, msgBadFlags, bad)
}

// Finish prints err (if any) and returns the exit status.
func (c *Cmd) Finish(err error) int {
	if err != nil {
		fmt.Fprintf(c.Stderr, fmtProgLine, c.Prog, err)
	}
	return c.Status(err)
}

// Status is the exit status the command ends with after err: the code err
// carries (4 when it carries none), or with no error the last code set by
// a message that did not stop the program.
func (c *Cmd) Status(err error) int {
	if err == nil {
		return c.Code
	}
	return exitcode.Code(err, exitcode.SysErr)
}

// DefaultComment is the comment sacadm -a and pmadm -a write without -y:
// one blank, as the illumos commands did.
const DefaultComment = " "

// RequirePriv fails unless the user may change the SAF
// (docs/original.md#privilege).
func (c *Cmd) RequirePriv() error {
	if c.Privileged {
		return nil
	}
	return FailMsg(exitcode.NoPriv, MsgNotPriv+detailNotPriv)
}

// NoNewline is the immediate check every string option gets.
func NoNewline(s string) error {
	if strings.Contains(s, "\n") {
		return FailMsg(exitcode.BadArgs, msgEmbeddedNewline)
	}
	return nil
}

// CheckNumber is the immediate check of a number option that the original
// read with atoi (sacadm -n and -v, pmadm -v), made as the option is
// parsed: a negative value fails with negMsg, the original's message. Text
// that is no number is still taken as 0, as atoi did. A value too large
// for the C int it is kept in fails too, with tooLargeFmt (the value and
// the largest one): the original kept whatever atoi made of it, and Atoi
// would clamp it to 2147483647, a value the user did not ask for.
func CheckNumber(v, negMsg, tooLargeFmt string) error {
	if err := NoNewline(v); err != nil {
		return err
	}
	n, err := admfile.AtoiChecked(v)
	switch {
	case n < 0:
		return FailMsg(exitcode.BadArgs, negMsg)
	case err != nil:
		return Fail(exitcode.BadArgs, tooLargeFmt, strings.TrimSpace(v), admfile.MaxInt)
	}
	return nil
}

// CheckTag applies the original's -p / -t / -s rules
// (docs/original.md#option-checks) to v: a value longer than max is
// truncated with the warning truncFmt (which takes the truncated value) and
// goes on; then it must be alphanumeric, or the command fails with
// notAlnum. An empty value is refused too: the original let an empty -p
// through and then removed all of /etc/saf.
func (c *Cmd) CheckTag(v *string, max int, truncFmt, notAlnum string) error {
	if err := NoNewline(*v); err != nil {
		return err
	}
	if len(*v) > max {
		*v = (*v)[:max]
		c.Warn(truncFmt, *v)
	}
	if *v == "" {
		return FailMsg(exitcode.BadArgs, notAlnum+detailEmptyValue)
	}
	for i := 0; i < len(*v); i++ {
		ch := (*v)[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9') {
			return Fail(exitcode.BadArgs, notAlnum+detailValue, *v)
		}
	}
	return nil
}

// PathMsg renders the error of an os call without repeating its path.
func PathMsg(err error) string { return errno.Text(err) }

// Lock takes the admin lock that every change to the SAF files is made
// under (docs/linux.md#atomic-table-rewrites); Close the result when the
// change is written.
func (c *Cmd) Lock() (*lockfile.Lock, error) {
	lk, err := lockfile.Acquire(c.Root.AdminLock())
	if err != nil {
		return nil, Fail(exitcode.SysErr, msgCannotLock, c.Root.AdminLock(), errno.Text(err))
	}
	return lk, nil
}

// Prepare is what sacadm and pmadm do before a change: the _sactab check
// every run makes, then the privilege check.
func (c *Cmd) Prepare() (*SacTab, error) {
	t, err := c.ReadSacTab()
	if err != nil {
		return nil, err
	}
	return t, c.RequirePriv()
}

// LockFor takes the admin lock for a change that installs the script src
// ("" for none), after checking src: a script that does not parse is
// refused before anything changes. Close the result when the change is
// written.
func (c *Cmd) LockFor(src string) (*lockfile.Lock, error) {
	if src != "" {
		if err := CheckScript(src); err != nil {
			return nil, err
		}
	}
	return c.Lock()
}

// Main is the common body of sacadm's and pmadm's Main: it reads SAF_ROOT,
// decides the privilege, runs run and turns its error into the exit status
// and messages.
func Main(u Usage, args []string, stdout, stderr io.Writer, run func(*Cmd, []string) error) int {
	root := paths.FromEnv(os.Getenv)
	c := &Cmd{Prog: u.Prog, Root: root, Privileged: root.Privileged(os.Getuid()), Stdout: stdout, Stderr: stderr}
	err := run(c, args)
	if code, ok := u.Report(err, stdout, stderr); ok {
		return code
	}
	return c.Finish(err)
}
