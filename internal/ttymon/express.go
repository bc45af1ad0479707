package ttymon

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/linux-saf/saf/internal/errno"

	"github.com/linux-saf/saf/internal/termios"
	"github.com/linux-saf/saf/internal/utmp"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
	"golang.org/x/sys/unix"
)

// expressService is the one service of express mode.
const expressService = "/usr/bin/login"

// expressOpts are the options of ttymon -g.
type expressOpts struct {
	device, label, prompt, modules, term string
	timeout                              int
}

// errUsage: print the usage and exit 1.
var errUsage = errors.New(errTextUsage)

// expressOptions is the getopt string of ttymon -g.
const expressOptions = "T:gd:ht:p:m:l:"

// parseExpress reads the options of ttymon -g as the
// original's getopt loop did: in order, options up to the first operand
// or "--", an option's argument glued to it or the next word. The first
// problem ends the parse with its message (getopt's, or the option's
// check) and errUsage. Diagnostics go through logf.
func parseExpress(args []string, logf func(string)) (expressOpts, error) {
	o := expressOpts{label: "9600", prompt: pmtab.DefaultTTYPrompt}
	g := false
	set := func(c byte, v string) bool {
		switch c {
		case 'g':
			g = true
		case 'd':
			o.device = v
		case 'h': // no effect
		case 'T':
			o.term = v
		case 't':
			n, ok := digits(v)
			if !ok {
				logf(msgBadTimeout)
				return false
			}
			o.timeout = n
		case 'p':
			o.prompt = expressPrompt(v)
		case 'm':
			if err := pmtab.CheckModules(v); err != nil {
				logf(moduleMessage(err))
				return false
			}
			o.modules = v
		case 'l':
			o.label = v
		}
		return true
	}
	i := 0
	for i < len(args) {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		i++
		for j := 1; j < len(a); j++ {
			c := a[j]
			k := strings.IndexByte(expressOptions, c)
			if c == ':' || k < 0 {
				logf(sprintf(msgIllegalOption, c))
				return o, errUsage
			}
			if k+1 == len(expressOptions) || expressOptions[k+1] != ':' {
				if !set(c, "") {
					return o, errUsage
				}
				continue
			}
			v := a[j+1:]
			if v == "" {
				if i == len(args) {
					logf(sprintf(msgNeedsArgument, c))
					return o, errUsage
				}
				v = args[i]
				i++
			}
			if !set(c, v) {
				return o, errUsage
			}
			break
		}
	}
	if i < len(args) || !g {
		return o, errUsage
	}
	return o, nil
}

// moduleMessage is what the original logged for a module list its
// check refused.
func moduleMessage(err error) string {
	var me *pmtab.ModuleError
	if !errors.As(err, &me) {
		return err.Error()
	}
	if errors.Is(me, pmtab.ErrTooManyModules) {
		return sprintf(msgTooManyModules, me.List)
	}
	return sprintf(msgBadModules, me.List)
}

// digits parses a non-empty string of decimal digits that fits the C int
// a timeout is kept in (pmtab.Decimal, as ttyadm -t checks it). A larger
// one is refused: as a Decimal it would read as 0, no timeout at all.
func digits(s string) (int, bool) {
	d := pmtab.Decimal(s)
	if s == "" || !d.Valid() {
		return 0, false
	}
	return d.Int(), true
}

// expressPrompt turns a -p argument into the prompt the way the original
// does: every ':' is escaped, then the text is read as a whole-mode _pmtab
// field, escapes decoded. "\:" therefore becomes a literal backslash
// followed by a ':' that ends the field, a quirk kept on purpose
// (docs/original.md#express-mode).
func expressPrompt(p string) string {
	s := strings.ReplaceAll(p, ":", `\:`)
	for i := 0; i < len(s); {
		switch s[i] {
		case '\\':
			i += escapeLen(s[i:])
		case ':':
			s = s[:i]
		default:
			i++
		}
	}
	return pmtab.UnescapeTTY(s)
}

// expressLog writes express-mode diagnostics, prefixed "ttymon: ", where
// consPrint does: the original's log() without a log file.
func expressLog(root paths.Root, stderr io.Writer) func(string) {
	return func(msg string) { consPrint(root, stderr, sprintf(fmtConsole, trimNL(msg))) }
}

// expressMain is ttymon -g.
func expressMain(root paths.Root, args []string, stderr io.Writer) int {
	say := expressLog(root, stderr)
	o, err := parseExpress(args, say)
	if err != nil {
		usage(root, stderr)
		return 1
	}
	return runExpress(root, o, stderr)
}

// usage writes the express usage where console.Write says: stderr,
// unless nobody reads it there.
func usage(root paths.Root, stderr io.Writer) {
	consPrint(root, stderr, expressUsage)
}

// gettyMain is the getty personality:
// getty [-h] [-t timeout] line [label].
func gettyMain(root paths.Root, args []string, stderr io.Writer) int {
	say := expressLog(root, stderr)
	o := expressOpts{label: "300", prompt: pmtab.DefaultTTYPrompt}
	var operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-h":
		case a == "-c":
			say(msgGettyCheck)
			return 0
		case strings.HasPrefix(a, "-t"):
			v := a[2:]
			if v == "" && i+1 < len(args) {
				i++
				v = args[i]
			}
			n, ok := digits(v)
			if !ok {
				say(sprintf(msgGettyTimeout, v))
				return 1
			}
			o.timeout = n
		default:
			operands = append(operands, a)
		}
	}
	if len(operands) == 0 {
		say(msgGettyNoLine)
		return 1
	}
	o.device = "/dev/" + operands[0]
	if len(operands) > 1 {
		o.label = operands[1]
	}
	return runExpress(root, o, stderr)
}

// runExpress is express mode (docs/original.md#express-mode): the logic of
// the per-port child in this process, then the service.
func runExpress(root paths.Root, o expressOpts, stderr io.Writer) int {
	say := expressLog(root, stderr)
	logf := func(format string, args ...any) { say(sprintf(format, args...)) }
	e := &entry{
		Tag:      "express",
		Identity: "root",
		Home:     "/",
		TTY: pmtab.TTY{
			Device:   o.device,
			Service:  expressService,
			Timeout:  pmtab.Decimal(strconv.Itoa(o.timeout)),
			Label:    o.label,
			Modules:  o.modules,
			Prompt:   o.prompt,
			TermType: o.term,
		},
	}
	s := &session{
		root:    root,
		e:       e,
		express: true,
		logf:    logf,
		parent:  -1,
		lm:      lineModes{logf: logf},
	}
	if err := s.armSignals(); err != nil {
		logf(msgPipeFailed, errno.Text(err))
		return 1
	}
	if o.device != "" {
		expressAccount(root, o.device, logf)
	}
	// Read as the original's read_ttydefs did: what is wrong with the
	// file is said on stderr (there is no log), the version unchecked.
	defs := newDefs(root.TtyDefs(), logf)
	defs.load()
	s.table = defs.table
	s.label = lookupLabel(s.table, o.label, root.TtyDefs(), logf)
	s.autobaud = s.label.Autobaud

	dev := o.device
	// probe is the terminal as found, before anything is done to it: it
	// is checked (a pty line, ptyline.go) and revoked through this
	// descriptor, never by name.
	var probe int
	if dev == "" {
		d, err := ttyOnStdin()
		if err == nil {
			probe, err = unix.FcntlInt(0, unix.F_DUPFD_CLOEXEC, 3)
		}
		if err != nil {
			logf(msgTTYName)
			return 1
		}
		dev = d
		e.Device = d
	} else {
		fd, err := unix.Open(dev, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			// open_device's fatal: the exit line follows.
			logf(msgOpenFailed, dev, errno.Text(err))
			logf(msgExiting)
			return 1
		}
		probe = fd
	}
	ref, err := expressLine(probe, dev)
	if err != nil {
		unix.Close(probe)       // untouched
		logf("%s", err.Error()) // msgOpenFailed or msgNotTakingTTY
		return 1
	}
	defer ref.close()
	// Become session leader, so that the open makes the line our
	// controlling terminal. It fails for a process-group leader (started
	// from a shell); the warning that the line is not the controlling
	// terminal (warnNoCtty) then tells.
	_, _ = unix.Setsid()
	unix.Close(0) // reopened below
	revoke(probe)
	unix.Close(probe) // the line is opened again, blocking, as fd 0
	if err := openLine(dev, ref); err != nil {
		if o.device != "" {
			logf(msgOpenFailed, dev, errno.Text(err))
			logf(msgExiting) // open_device's fatal
		} else {
			logf(msgOpenTTY, dev, errno.Text(err))
		}
		return 1
	}
	ref.close() // fd 0 holds the line from now on
	if o.device != "" {
		setOwner(0, 0, ttyGroup())
	}
	if err := setModules(0, e.Modules); err != nil {
		logPushFailure(e.Modules, dev, err, logf)
		return 1
	}
	if err := initialModes(0, e, s.label, logf); err != nil {
		return 1 // initialModes logged why
	}
	return exitCode(s.prompting())
}

// expressLine checks the terminal open on fd before express mode
// revokes it and opens it again by name, and returns what the reopen
// must find. It must be a terminal; a pty must pass the rules for
// pseudo-terminal lines (ptyline.go), as one not used before: express
// mode has no memory of an earlier run (init starts it again after every
// session).
func expressLine(fd int, dev string) (*lineRef, error) {
	ref, err := refLine(fd, dev)
	if err != nil {
		return nil, fmt.Errorf(msgOpenFailed, dev, errno.Text(err))
	}
	if ref.pin == nil {
		return ref, nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		ref.close()
		return nil, fmt.Errorf(msgOpenFailed, dev, errno.Text(err))
	}
	var why string
	if termios.IsControlling(fd) {
		// Already our controlling terminal (started on it, fd 0): no
		// other session can have it; only its owner is judged.
		why = ptyOwner(&st)
	} else {
		why = ptyRefusal(&st, os.Getpid())
	}
	if why != "" {
		ref.close()
		return nil, fmt.Errorf(msgNotTakingTTY, dev, why)
	}
	return ref, nil
}

// revoke takes the device open on fd away from whoever had it: owner
// root:root and no permissions (Solaris also detached STREAMS modules and
// ACLs, which Linux does not have). Through the descriptor, not by name
// (setOwner). Only root does it: a sandboxed ttymon running as a user would
// lock itself out of the device it is about to open.
func revoke(fd int) {
	if os.Geteuid() != 0 {
		return
	}
	_ = unix.Fchown(fd, 0, 0) // root: these succeed on a device node
	_ = unix.Fchmod(fd, 0)
}

// ttyOnStdin finds the terminal on descriptor 0.
func ttyOnStdin() (string, error) {
	if _, err := termios.Get(0); err != nil {
		return "", err
	}
	return os.Readlink("/proc/self/fd/0")
}

// ttyGroup is the tty group's id, or the default.
func ttyGroup() int {
	if g, err := lookupGroup("tty"); err == nil {
		return g
	}
	return defaultTTYGID
}

// expressAccount is getty_account: init's INIT_PROCESS record for our pid
// becomes a LOGIN_PROCESS record for the line; without such a record
// nothing is written.
func expressAccount(root paths.Root, dev string, logf func(string, ...any)) {
	recs, err := utmp.ReadFile(root.Utmp())
	if err != nil {
		return
	}
	pid := os.Getpid()
	for _, r := range recs {
		if int(r.Pid) != pid || r.Type != utmp.InitProcess {
			continue
		}
		r.Type, r.User, r.Line, r.Time = utmp.LoginProcess, "LOGIN", utmpLine(dev), time.Now()
		if err := utmp.Put(root.Utmp(), r); err != nil {
			logf(msgUtmpWrite, dev, errno.Text(err))
			return
		}
		if err := utmp.AppendWtmp(root.Wtmp(), r); err != nil {
			logf(msgWtmpWrite, dev, errno.Text(err))
		}
		return
	}
}
