// Package sttydefs implements sttydefs, the maintainer of /etc/ttydefs
// (docs/original.md#sttydefs).
//
// # Synopsis
//
//	sttydefs -a ttylabel [-n nextlabel] [-i initial-flags] [-f final-flags] [-b]
//	sttydefs -r ttylabel
//	sttydefs -l [ttylabel]
//
// # Description
//
// /etc/ttydefs holds the line settings ttymon uses for its ports, one entry
// per line:
//
//	ttylabel:initial-flags:final-flags:autobaud:nextlabel
//
// The flags are stty words (with their GNU/Linux meaning); a BREAK at the
// login prompt moves a port to the entry named by nextlabel.
//
// # Options
//
//	-a ttylabel       Add an entry for ttylabel. The label must not exist yet.
//	-n nextlabel      With -a: the label to hunt to after a BREAK (default:
//	                  ttylabel itself).
//	-i initial-flags  With -a: the stty words applied when the port is
//	                  opened and while hunting (default "9600").
//	-f final-flags    With -a: the stty words applied just before the service
//	                  starts (default "9600 sane").
//	-b                With -a: turn autobaud on (the "A" field).
//	-r ttylabel       Remove the first entry whose label is ttylabel.
//	-l [ttylabel]     List every entry, or only ttylabel, with its fields,
//	                  parse errors and nextlabels that reference nothing.
//	                  "-lttylabel" works too. Needs no privilege.
//
// -r and -l act as soon as they are reached, so options after them are not
// looked at; -n, -i, -f and -b need -a. The long forms --add, --next,
// --initial, --final, --autobaud, --remove and --list are accepted as
// synonyms, and --help prints the usage on stdout.
//
// # Files
//
//	$SAF_ROOT/etc/ttydefs        the table; must carry "# VERSION=1"
//	$SAF_ROOT/etc/.ttydefs.lock  held (flock) while -a or -r rewrite the table
//	$SAF_ROOT/etc/.ttydefs       the temp file of a rewrite
//
// SAF_ROOT is empty on a real system; set, it names a sandbox in which
// anyone may change the table.
//
// # Exit status
//
//	0  success (also for a listing that shows parse errors)
//	1  any error: not privileged, bad version stamp, label exists or not
//	   found, invalid flag word, unsafe argument, I/O failure
//	2  usage error
//
// # Differences from the original
//
// Every message to stderr names the program ("sttydefs: ") and ends in a
// newline; the texts after the prefix are the original's, and a file is
// named by the path actually used, SAF_ROOT included. -a and -r rewrite the
// table atomically under a lock: -a checks everything before it writes (the
// original could leave a new file with only its version line), keeps the
// file's mode (0644 for a new file), and ends an unterminated last line
// before appending; -r leaves mode 0444. Labels containing ':', '#', '\',
// white space or a newline, an empty label, and flags with an unescaped ':'
// or '#', a newline or a trailing lone '\' are refused with exit 1: the
// original wrote them and corrupted the table. Flag words are checked as
// ttymon will read them (escapes decoded), so an encoded "stty -g" word
// written with "\:" is accepted.
package sttydefs

import (
	"errors"
	"io"
	"os"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/paths"
)

const prog = "sttydefs"

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// Main runs sttydefs with args (without the program name) and returns the
// exit status. It is the only place that reads the environment.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &command{
		root:   paths.FromEnv(os.Getenv),
		uid:    os.Getuid(),
		stdout: stdout,
		stderr: stderr,
	}
	return c.exit(c.run(args))
}

// command is one run of sttydefs.
type command struct {
	root   paths.Root
	uid    int // real uid, for the privilege check
	stdout io.Writer
	stderr io.Writer
}

// fail returns an error that ends sttydefs with status 1.
func fail(format string, args ...any) error {
	return exitcode.New(exitFail, format, args...)
}

// failMsg is fail with a message that takes no values.
func failMsg(msg string) error { return exitcode.Wrap(exitFail, errors.New(msg)) }

// failWith ends sttydefs with status 1 after reporting err (each error of
// an errors.Join on its own line).
func failWith(err error) error { return exitcode.Wrap(exitFail, err) }

// exit reports err and returns the exit status.
func (c *command) exit(err error) int {
	if err == nil {
		return exitOK
	}
	u := adm.Usage{Prog: prog, Text: usageText, Code: exitUsage}
	if code, ok := u.Report(err, c.stdout, c.stderr); ok {
		return code
	}
	adm.PrintError(c.stderr, prog, err)
	return exitcode.Code(err, exitFail)
}

// addOpts are the values given with -a.
type addOpts struct {
	label, next, initial, final   string
	hasNext, hasInitial, hasFinal bool
	autobaud                      bool
}

func (c *command) run(args []string) error {
	if len(args) == 0 {
		return &adm.UsageError{}
	}
	// The original's getopt string, and the long synonyms.
	g := adm.NewGetopt(args, "a:n:i:f:br:l", "add:", "next:", "initial:", "final:", "autobaud", "remove:", "list")
	var o addOpts
	hasAdd := false
	for g.Next() {
		switch g.Opt {
		case "a", "add":
			o.label, hasAdd = g.Arg, true
		case "n", "next":
			o.next, o.hasNext = g.Arg, true
		case "i", "initial":
			o.initial, o.hasInitial = g.Arg, true
		case "f", "final":
			o.final, o.hasFinal = g.Arg, true
		case "b", "autobaud":
			o.autobaud = true
		case "r", "remove": // acts at once: the options after it are not read
			return c.remove(args, g.Arg)
		case "l", "list": // so does -l
			return c.list(args)
		}
	}
	if err := g.Err(); err != nil {
		return err
	}
	if len(g.Operands()) > 0 || !hasAdd {
		return &adm.UsageError{}
	}
	return c.add(o)
}
