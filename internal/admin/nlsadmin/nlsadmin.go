package nlsadmin

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/internal/etcservices"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
)

// prog is the name in messages and the usage. The original printed its
// argv[0] verbatim; Main does not get argv[0], and the command is
// installed as nlsadmin, so that is what we print.
const prog = "nlsadmin"

// nlsadmin's exit statuses. They differ from sacadm's and pmadm's
// (saf/exitcode), which nlsadmin translates
// (docs/original.md#nlsadmin-commands-and-exit-codes).
const (
	exitOK      = 0 // success; for queries: active / enabled
	exitNo      = 1 // queries only: inactive port monitor, disabled service; --import-inetd: entries left out
	exitFailed  = 2 // already initialized, already running, not running, start failed
	exitNotRoot = 3 // not super-user
	exitService = 4 // service code too long, unknown, already there, non-existent
	exitUsage   = 5 // command line error
	exitSystem  = 6 // sacadm or pmadm failed for another reason
	exitBadPM   = 7 // no such port monitor, or not of type listen
)

// Compiled-in commands. They are service commands, so SAF_ROOT does not
// prefix them (docs/linux.md#the-sandbox-root). A build for another layout
// sets them with the linker, as the tests do:
//
//	go build -ldflags "-X github.com/linux-saf/saf/internal/admin/nlsadmin.listenPath=/opt/saf/listen" ./cmd/nlsadmin
var (
	listenPath     = "/usr/lib/saf/listen"
	nlpsServerPath = "/usr/lib/saf/nlps_server"
)

// usageText is the original's usage with the program's name.
var usageText = strings.ReplaceAll(msgUsage, "%s", prog)

// cmd is one run of nlsadmin with what it needs from the outside.
type cmd struct {
	stdout, stderr io.Writer
	root           paths.Root
	euid           int
	saf            safAdmin                          // sacadm's and pmadm's operations
	stat           func(string) (fs.FileInfo, error) // checks service commands exist

	// servicesPath is the services(5) file that resolves service names in
	// addresses (127.0.0.1:echo) and inetd.conf: SAF_SERVICES, or
	// /etc/services (not under SAF_ROOT: ports are the system's). Empty
	// means none, so every name is unknown.
	servicesPath string
	portsRead    *servicesCache

	open func(string) (io.ReadCloser, error) // reads --import-inetd's file
}

// Main runs nlsadmin with args (without the program name) and returns the
// exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := paths.FromEnv(os.Getenv)
	c := &cmd{
		stdout: stdout,
		stderr: stderr,
		root:   root,
		euid:   os.Geteuid(),
		saf:    inProcess{root: root, uid: os.Getuid()},
		stat:   os.Stat,

		servicesPath: etcservices.DefaultPath,
		open:         func(p string) (io.ReadCloser, error) { return os.Open(p) },
	}
	if p := os.Getenv(servicesEnv); p != "" {
		c.servicesPath = p
	}
	return c.main(args)
}

// errQuiet ends the run with its code and no message (query answers).
var errQuiet = errors.New("quiet exit")

// sacError is a failure of a sacadm or pmadm command: after its message
// (if any) comes "System error in SAC command".
type sacError struct{ msg string }

func (e *sacError) Error() string { return e.msg }

func fail(code int, format string, args ...any) error {
	return exitcode.New(code, format, args...)
}

func quiet(code int) error { return exitcode.Wrap(code, errQuiet) }

func sacFail(msg string) error {
	return exitcode.Wrap(exitSystem, &sacError{msg: msg})
}

// usage is nlsadmin's usage, with the help that follows it on --help.
var usage = adm.Usage{Prog: prog, Text: usageText, Help: usageText + msgHelp, Code: exitUsage}

// main turns the outcome of exec into messages and the exit status.
func (c *cmd) main(args []string) int {
	err := c.exec(args)
	if err == nil {
		return exitOK
	}
	if code, ok := usage.Report(err, c.stdout, c.stderr); ok {
		return code
	}
	var se *sacError
	switch {
	case errors.Is(err, errQuiet):
	case errors.As(err, &se):
		if se.msg != "" {
			c.errorf("%s", se.msg)
		}
		c.errorf(msgSacError)
	default:
		c.errorf("%v", err)
	}
	return exitcode.Code(err, exitSystem)
}

// checkServiceOptions: the service options go only with a service being
// formatted (-c, -o, or --internal alone) or added (-a), and must agree
// with each other (pmtab.ListenOptions.Check).
func checkServiceOptions(o *options) error {
	if o.modes&^(modeAdd|modeCmd|modePipe) != 0 || (o.modes == 0 && o.internal() == "") {
		return usageError(msgSvcOptsAlone, o.svcKeys[0])
	}
	if o.modes&modePipe != 0 && o.internal() != "" {
		return fail(exitUsage, msgInternalPipe)
	}
	if err := o.svcOpts.Check(); err != nil {
		return fail(exitUsage, "%v", err)
	}
	return nil
}

// errorf prints "nlsadmin: error: TEXT" on stderr.
func (c *cmd) errorf(format string, args ...any) {
	fmt.Fprintf(c.stderr, msgProgLine, prog, fmt.Sprintf(msgErrorText, fmt.Sprintf(format, args...)))
}

// warnf prints "nlsadmin: warning: TEXT" on stderr.
func (c *cmd) warnf(format string, args ...any) {
	fmt.Fprintf(c.stderr, msgProgLine, prog, fmt.Sprintf(msgWarningText, fmt.Sprintf(format, args...)))
}

func (c *cmd) privileged() bool { return c.root.Privileged(c.euid) }

func (c *cmd) requireRoot() error {
	if !c.privileged() {
		return fail(exitNotRoot, msgNotRoot)
	}
	return nil
}

// exec parses the command line, finds the one form it is and runs it, in
// the original's order of checks (docs/original.md#nlsadmin-checks).
func (c *cmd) exec(args []string) error {
	o, err := parseArgs(args)
	if err != nil {
		return err
	}
	m := o.modes
	if o.hasImport {
		// --import-inetd FILE [net_spec | -N net_spec] [service options
		// are refused]: nothing else goes with it.
		if m != 0 || len(o.seen) > 1 || (len(o.seen) == 1 && !o.has('N')) || o.hasSvcOpts() {
			return usageError(msgImportAlone)
		}
		return c.importInetd(o)
	}
	if o.hasSvcOpts() {
		if err := checkServiceOptions(o); err != nil {
			return err
		}
	}
	// A service is a command (-c) or, with service options, an internal
	// service (--internal), which needs no command.
	service := m&modeCmd != 0 || o.internal() != ""
	switch {
	case m&modeVersion != 0:
		if o.hasNet {
			return &adm.UsageError{}
		}
		fmt.Fprintln(c.stdout, pmtab.ListenVersion)
		return nil
	case m&modeList != 0:
		if o.hasNet {
			return &adm.UsageError{}
		}
		return c.listAll()
	case m&modePipe != 0:
		if o.hasNet {
			return &adm.UsageError{}
		}
		return c.format(o)
	case m&modeAdd != 0 || o.has('y') || o.has('w') || (service && o.hasNet):
		if m&modeAdd == 0 || !service || !o.has('y') || !o.hasNet {
			return usageError(msgMissingArgument)
		}
		return c.frontEnd(o)
	case service:
		return c.format(o)
	case !o.hasNet:
		return &adm.UsageError{}
	case o.has('p') || o.has('A') || o.has('D') || o.has('R'):
		// Formatter options without -c or -o.
		return &adm.UsageError{}
	}
	return c.frontEnd(o)
}
