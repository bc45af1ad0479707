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
)

// prog is the name in messages and the usage. The original printed its
// argv[0] verbatim; Main does not get argv[0], and the command is
// installed as nlsadmin, so that is what we print.
const prog = "nlsadmin"

// nlsadmin's exit statuses (listen.md 4.4). They differ from sacadm's and
// pmadm's (saf/exitcode), which nlsadmin translates (listen.md 4.8).
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

// Compiled-in commands (listen.md 4.8). They are service commands, so
// SAF_ROOT does not prefix them (linux.md D1). A build for another layout
// sets them with the linker, as the tests do:
//
//	go build -ldflags "-X github.com/linux-saf/saf/internal/admin/nlsadmin.listenPath=/opt/saf/listen" ./cmd/nlsadmin
var (
	listenPath     = "/usr/lib/saf/listen"
	nlpsServerPath = "/usr/lib/saf/nlps_server"
)

// usageText is the original's usage, with its backslash at the end of the
// fifth line and the trailing '|' on the last lines (listen.md 4.4).
var usageText = strings.ReplaceAll(`usage: %s -x
       %s [ options ] netspec
       %s [ options ] -N port_monitor_tag
       %s -V
       %s -c cmd | -o pipename [ -p modules ] [ -A addr | -D ] \
          [ -R prognum:versnum ]

       [ options ] are:
       [ -a svc_code -c "cmd" -y "cmt" [-p modules] [-w id] ]
       [-q] | [-v] | [-s] | [-k] | [-i] |
       [-e svc_code] | [-d svc_code] | [-r svc_code] | [[-q] -z svc_code]
       [[-l addr | -] [-t addr | -]] |
`, "%s", prog)

// helpText follows the usage on --help (stdout, exit 0).
const helpText = `
Formatter (prints the listen-specific part of a _pmtab entry for pmadm -m):
  -V                 print the listen _pmtab version, 4
  -c cmd             service is a command line; cmd must start with '/'
  -o path            service is a standing server at path (pass-fd); root only
  -p modules         comma-separated STREAMS module names
  -A addr            private address of the service
  -D                 dynamic address
  -R prog:vers       RPC program and version

Administration (net_spec is the port monitor tag, e.g. tcp):
  -x                 list listen port monitors and whether they are active
  net_spec           show whether net_spec is active (exit 1 if not)
  -q net_spec        exit 0 if net_spec is active, else 1
  -v net_spec        list its services
  [-q] -z code       show one service ([-q]: exit 0 enabled, 1 disabled, 4 unknown)
  -a code -c cmd -y comment [-p modules] [-w id] net_spec
                     add a service (identity defaults to listen)
  -r, -e, -d code    remove, enable, disable a service
  -l addr|- , -t addr|-
                     set (or with -, print) the address of service 0 (NLPS)
                     and service 1 (remote login)
  -i                 create the listen port monitor net_spec and service 0
  -s, -k             start, stop the port monitor
  -N tag             give net_spec as an option
  -m                 ignored (historic)

Service options (with -c, -o, --internal or -a; they add flag o and an
OPTIONS field before the command; -v shows it as OPTIONS:COMMAND):
  --proto=tcp|udp    transport of the service (default tcp)
  --wait[=yes|no]    inetd's wait: the service gets the listening socket
  --internal=NAME    echo, discard, daytime, chargen or time, answered by
                     the listener; -c is then optional
  --max=N            at most N instances at once
  --rate=N[/SECS]    at most N connections per SECS (default 1), else
  --pause=DUR        refuse for DUR (default 10s), doubling up to
  --pausemax=DUR     DUR (default 8 times the pause)
  --persource=N      at most N instances per source address, grouped by
  --v4prefix=BITS    IPv4 prefix (default 32) and
  --v6prefix=BITS    IPv6 prefix (default 64)
  --timeout=DUR      end a session after DUR (seconds, or 1m30s, 500ms)
  --allow=LIST       only these peers (addresses, networks, commas)
  --deny=LIST        not these peers
  --wrap=NAME        also check hosts.allow/hosts.deny as daemon NAME
  --option KEY=VAL   any key of the OPTIONS field; repeatable
  N is a whole number from 0 (--rate: 1) to 1073741824, DUR at most a year
  (8784h); a value out of range is refused, never cut down to fit.

Importing:
  --import-inetd FILE [net_spec]
                     print a sh script that recreates the services of an
                     inetd.conf under port monitor net_spec (default tcp);
                     lines it cannot import go to stderr, exit 1

Addresses (-A, -l, -t):
  \xHEX, \oOCTAL     raw sockaddr bytes, e.g. \x00020ACE000000000000000000000000
                     is port 2766 on every IPv4 address (family 0002, port,
                     IPv4 address, 8 zero bytes); \x000A... is a sockaddr_in6
  host:port          numeric IPv4 address and port, e.g. 127.0.0.1:21000
  :port              every IPv4 address
  [v6addr]:port      IPv6 address, e.g. [::1]:21000
  /path              socket path, for unix transports; it may not hold ':'
  Readable host:port forms are stored in the \x hex form, since ':'
  separates _pmtab fields. '#' and newlines are refused everywhere.
  The port may be a service name (127.0.0.1:echo, :ftp, [::1]:daytime),
  looked up for --proto in /etc/services (or the file $SAF_SERVICES).

Exit status: 0 success (queries: active/enabled), 1 inactive/disabled
(--import-inetd: entries left out), 2 command failed, 3 not super-user,
4 service code error, 5 command line error, 6 system error, 7 bad port
monitor.
`

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
// (if any) comes "System error in SAC command" (listen.md 4.4 step 8).
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
var usage = adm.Usage{Prog: prog, Text: usageText, Help: usageText + helpText, Code: exitUsage}

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
		c.errorf("System error in SAC command")
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
		return usageError("%s applies only to a service: give -c, -o or --internal, or add one with -a", o.svcKeys[0])
	}
	if o.modes&modePipe != 0 && o.internal() != "" {
		return fail(exitUsage, "--internal cannot be combined with -o: an internal service has no server")
	}
	if err := o.svcOpts.Check(); err != nil {
		return fail(exitUsage, "%v", err)
	}
	return nil
}

func (c *cmd) errorf(format string, args ...any) {
	fmt.Fprintf(c.stderr, prog+": error: "+format+"\n", args...)
}

func (c *cmd) warnf(format string, args ...any) {
	fmt.Fprintf(c.stderr, prog+": warning: "+format+"\n", args...)
}

func (c *cmd) privileged() bool { return c.root.Privileged(c.euid) }

func (c *cmd) requireRoot() error {
	if !c.privileged() {
		return fail(exitNotRoot, "Must be super user")
	}
	return nil
}

// exec parses the command line, finds the one form it is (listen.md 4.3)
// and runs it, in the order of checks of listen.md 4.4.
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
			return usageError("--import-inetd takes only a port monitor tag (net_spec or -N)")
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
		fmt.Fprintln(c.stdout, "4")
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
			return usageError("Missing argument")
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
