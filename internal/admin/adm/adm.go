// Package adm holds what sacadm and pmadm share: the reporter that prints
// their messages and keeps the exit status (sac.md 11.1), the option values
// that check arguments as they are parsed (sac.md 11.5), the _sactab reading
// both commands do first, the "is sac running" test (11.3), script install
// and print (11.4) and the requests to a running sac (10).
package adm

import (
	"errors"
	"fmt"
	"github.com/linux-saf/saf/internal/errno"
	"io"
	"os"
	"strings"

	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/paths"
)

// Cmd is one run of an admin command.
type Cmd struct {
	Prog string // "sacadm" or "pmadm": the prefix of every message
	Root paths.Root
	// Privileged: the real uid is 0, or SAF_ROOT names a sandbox (sac.md
	// 11.2, linux.md D3).
	Privileged bool
	Stdout     io.Writer
	Stderr     io.Writer
	// Code is the exit status set by messages that do not stop the
	// program (sac.md 11.1: the last value set wins).
	Code int
}

// Warn prints a message that does not stop the program.
func (c *Cmd) Warn(format string, args ...any) {
	fmt.Fprintf(c.Stderr, "%s: %s\n", c.Prog, fmt.Sprintf(format, args...))
}

// Fail returns the error that stops the program with code.
func Fail(code int, format string, args ...any) error {
	return exitcode.New(code, format, args...)
}

// Finish prints err (if any) and returns the exit status.
func (c *Cmd) Finish(err error) int {
	if err == nil {
		return c.Code
	}
	var u *UsageError
	if errors.As(err, &u) {
		if u.Msg != "" {
			fmt.Fprintf(c.Stderr, "%s: %s\n", c.Prog, u.Msg)
		}
		io.WriteString(c.Stderr, u.Usage)
		return exitcode.BadArgs
	}
	fmt.Fprintf(c.Stderr, "%s: %v\n", c.Prog, err)
	return exitcode.Code(err, exitcode.SysErr)
}

// UsageError prints an optional message, then the usage text; exit 1.
type UsageError struct {
	Msg   string
	Usage string
}

func (u *UsageError) Error() string { return strings.TrimSpace(u.Msg + " " + u.Usage) }

// RequirePriv fails unless the user may change the SAF (sac.md 11.2,
// linux.md D3).
func (c *Cmd) RequirePriv() error {
	if c.Privileged {
		return nil
	}
	return &exitcode.ExitError{Code: exitcode.NoPriv,
		Err: errors.New("User not privileged for operation (run it as root, or set SAF_ROOT to work in a sandbox)")}
}

// NoNewline is the immediate check every string option gets (sac.md 11.5).
func NoNewline(s string) error {
	if strings.Contains(s, "\n") {
		return Fail(exitcode.BadArgs, "Embedded newlines not allowed")
	}
	return nil
}

// CheckNumber is the immediate check of a number option that the original
// read with atoi (sacadm -n and -v, pmadm -v), made as the option is
// parsed: a negative value fails with negMsg, the original's message. Text
// that is no number is still taken as 0, as atoi did. A value too large
// for the C int it is kept in fails too: the original kept whatever atoi
// made of it, and Atoi would clamp it to 2147483647, a value the user did
// not ask for. what names the value in that message ("version number").
func CheckNumber(v, what, negMsg string) error {
	if err := NoNewline(v); err != nil {
		return err
	}
	n, err := admfile.AtoiChecked(v)
	switch {
	case n < 0:
		return Fail(exitcode.BadArgs, "%s", negMsg)
	case err != nil:
		return Fail(exitcode.BadArgs, "%s %s is too large (at most %d)", what, strings.TrimSpace(v), admfile.MaxInt)
	}
	return nil
}

// CheckTag applies the -p / -t / -s rules of sac.md 11.5 to v: a value
// longer than max is truncated with a warning that continues; then it must
// be alphanumeric. An empty value is refused too (linux.md D7: the original
// let "-p ”" through and then removed all of /etc/saf).
func (c *Cmd) CheckTag(v *string, max int, what, tooLong, notAlnum string) error {
	if err := NoNewline(*v); err != nil {
		return err
	}
	if len(*v) > max {
		*v = (*v)[:max]
		fmt.Fprintf(c.Stderr, "%s: %s too long, truncated to <%s>\n", c.Prog, tooLong, *v)
	}
	if *v == "" {
		return Fail(exitcode.BadArgs, "%s (the %s is empty)", notAlnum, what)
	}
	for i := 0; i < len(*v); i++ {
		ch := (*v)[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9') {
			return Fail(exitcode.BadArgs, "%s (%q)", notAlnum, *v)
		}
	}
	return nil
}

// ReadFile reads a framework file; a missing file is reported as the
// caller's "could not open" message.
func ReadFile(path string) ([]byte, error) {
	return os.ReadFile(path)
}

// NoNewlinePtr is NoNewline for option checks.
func NoNewlinePtr(v *string) error { return NoNewline(*v) }

// PathMsg renders the error of an os call without repeating its path.
func PathMsg(err error) string { return errno.Text(err) }

// Lock takes the admin lock that every change to the SAF files is made
// under (linux.md D8); Close the result when the change is written.
func (c *Cmd) Lock() (*lockfile.Lock, error) {
	lk, err := lockfile.Acquire(c.Root.AdminLock())
	if err != nil {
		return nil, Fail(exitcode.SysErr, "could not lock %s: %s", c.Root.AdminLock(), errno.Text(err))
	}
	return lk, nil
}

// Main is the common body of sacadm's and pmadm's Main: it reads SAF_ROOT,
// decides the privilege (sac.md 11.2, linux.md D3), runs run and turns its
// error into the exit status; --help prints usage on stdout.
func Main(prog, usage string, args []string, stdout, stderr io.Writer, run func(*Cmd, []string) error) int {
	root := paths.FromEnv(os.Getenv)
	c := &Cmd{Prog: prog, Root: root, Privileged: root.Privileged(os.Getuid()), Stdout: stdout, Stderr: stderr}
	err := run(c, args)
	if errors.Is(err, ErrHelp) {
		io.WriteString(stdout, usage)
		return exitcode.OK
	}
	return c.Finish(err)
}
