package nlsadmin

import (
	"errors"
	"fmt"
	"strings"

	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/nlsaddr"
	"github.com/linux-saf/saf/saf/pmtab"
)

// format is the formatter: -c cmd or -o path (or --internal) with -p, -A or
// -D, -R, the service options and no net_spec. It prints
// ADDRESS:RPC:LFLAGS:MODULES:PATH for pmadm -m
// (docs/original.md#nlsadmin-formatter), or with service options (ours)
// ADDRESS:RPC:LFLAGS:MODULES:OPTIONS:PATH and flag o. It touches no file
// except to stat the command and to read /etc/services for a service name
// in -A.
func (c *cmd) format(o *options) error {
	l := pmtab.Listen{Flags: pmtab.LFlagCommand, Command: o.cmd}
	opt := "-c"
	if o.modes&modePipe != 0 {
		// -o needs root and -c does not: the original's quirk, kept
		// (docs/original.md#listen-quirks).
		if err := c.requireRoot(); err != nil {
			return err
		}
		l = pmtab.Listen{Flags: pmtab.LFlagPipe, Command: o.pipe}
		opt = "-o"
	}
	// An internal service needs no command (--internal without -c).
	if o.modes&(modeCmd|modePipe) != 0 {
		if !strings.HasPrefix(l.Command, "/") {
			return fail(exitUsage, msgFullPath)
		}
		if err := checkCommand(opt, l.Command); err != nil {
			return err
		}
	}
	withOptions(&l, o)
	var err error
	if l.Modules, err = checkModules(o.modules); err != nil {
		return err
	}
	if o.has('A') {
		if l.Address, err = tableAddress("-A", o.addr, c.portLookup(l.Options.Proto)); err != nil {
			return err
		}
	}
	if o.has('D') {
		l.Flags |= pmtab.LFlagDynamic
	}
	if o.has('R') {
		l.RPC = &pmtab.ListenRPC{Prog: o.rpc.prog, Vers: o.rpc.vers}
	}
	if err := l.Validate(); err != nil {
		// Not reached when the checks above are complete; a safety net so
		// that nothing pmadm would store wrongly is ever printed.
		return fail(exitUsage, "%v", err)
	}
	if l.Command != "" {
		c.checkExists(l.Command)
	}
	fmt.Fprintln(c.stdout, l.Format())
	return nil
}

// withOptions gives l the service options of the command line and flag o,
// unless they are all defaults: an entry without options is written
// exactly as before, and one whose options say nothing (say
// --proto=tcp alone) stays readable by every listener.
func withOptions(l *pmtab.Listen, o *options) {
	if o.svcOpts.IsZero() {
		return
	}
	l.Flags |= pmtab.LFlagOptions
	l.Options = o.svcOpts
}

// checkExists warns when the program of a service command does not exist
// (the part before the first blank). It is only a warning:
// the command may be installed later.
func (c *cmd) checkExists(command string) {
	path, _, _ := strings.Cut(strings.ReplaceAll(command, "\t", " "), " ")
	if _, err := c.stat(path); err != nil {
		c.warnf(msgNotExist, path)
	}
}

// checkCommand refuses a -c or -o argument that would not survive the trip
// through _pmtab: '#' would start pmadm's comment, a newline end the entry,
// and white space at the end is dropped when the entry is read back. ':' is
// fine: the command is the rest of the line.
func checkCommand(opt, command string) error {
	if err := noneOf(opt, command, "#\n"); err != nil {
		return err
	}
	if strings.TrimRight(command, admfile.Blanks) != command {
		return fail(exitUsage, msgTrailingBlank, opt, command)
	}
	return nil
}

// noneOf refuses v, the argument of option opt, if it holds any of bad.
func noneOf(opt, v, bad string) error {
	i := strings.IndexAny(v, bad)
	if i < 0 {
		return nil
	}
	why := map[byte]string{
		'#':  whyHash,
		'\n': whyNewline,
		':':  whyColon,
	}[v[i]]
	return fail(exitUsage, msgContains, opt, v, why)
}

// checkModules checks a -p module list: names separated by single commas,
// with no blanks and nothing that would corrupt the entry. An empty list
// means no modules.
func checkModules(list string) ([]string, error) {
	if list == "" {
		return nil, nil
	}
	if err := noneOf("-p", list, "#\n:"); err != nil {
		return nil, err
	}
	names := strings.Split(list, ",")
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, " \t") {
			return nil, fail(exitUsage, msgModuleList, list)
		}
	}
	return names, nil
}

// tableAddress checks an address given with opt (-A, -l, -t) and returns
// what to store (docs/linux.md#transports-and-addresses): a readable
// host:port in the original hex form, its port possibly a service name that
// lookup resolves (ours); any other address string verbatim. A unix socket
// path may hold no ':' (nothing in the table format could escape it) and,
// like every field, no '#' or newline. An empty address is no address, as
// in the original.
func tableAddress(opt, addr string, lookup nlsaddr.PortFunc) (string, error) {
	if addr == "" {
		return "", nil
	}
	if err := noneOf(opt, addr, "#\n"); err != nil {
		return "", err
	}
	s, err := nlsaddr.TableFormPorts(addr, lookup)
	if err != nil {
		var e *nlsaddr.Error
		if errors.As(err, &e) {
			err = e.Err
		}
		if errors.Is(err, nlsaddr.ErrServiceName) {
			why := strings.TrimPrefix(err.Error(), nlsaddr.ErrServiceName.Error()+": ")
			return "", fail(exitUsage, msgAddrName, opt, addr, why)
		}
		if errors.Is(err, nlsaddr.ErrNotReadable) {
			return "", fail(exitUsage, msgAddrColon, opt, addr, err)
		}
		return "", fail(exitUsage, msgAddrInvalid, opt, addr, err)
	}
	if len(s) > pmtab.ListenMaxAddress {
		return "", fail(exitUsage, msgAddrLong, opt, addr, pmtab.ListenMaxAddress)
	}
	return s, nil
}
