package nlsadmin

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/linux-saf/saf/internal/admin/pmadm"
	"github.com/linux-saf/saf/internal/admin/sacadm"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sactab"
)

// runner runs prog ("sacadm" or "pmadm") with args and returns its standard
// output and exit status; a negative status means it could not be run.
// Its standard error is discarded, as the original's 2>/dev/null did
// (listen.md 4.8).
type runner func(prog string, args []string) (stdout string, code int)

// inProcess runs our own sacadm and pmadm in this process: no shell and no
// PATH search, the arguments passed as a vector (listen.md 4.8 [LINUX]).
func inProcess(prog string, args []string) (string, int) {
	var m func([]string, io.Reader, io.Writer, io.Writer) int
	switch prog {
	case "sacadm":
		m = sacadm.Main
	case "pmadm":
		m = pmadm.Main
	default:
		return "", -1
	}
	var out bytes.Buffer
	code := m(args, strings.NewReader(""), &out, io.Discard)
	return out.String(), code
}

// nonEmptyLines splits command output into lines, dropping empty ones.
func nonEmptyLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// pmLine is one line of sacadm -L: tag:type:flags:rcnt:STATE:cmd#comment.
type pmLine struct {
	tag, typ, state string
}

func parsePMLine(line string) (pmLine, bool) {
	f := strings.SplitN(line, ":", 6)
	if len(f) < 6 {
		return pmLine{}, false
	}
	return pmLine{tag: f[0], typ: f[1], state: f[4]}, true
}

// active is the state the queries call active (listen.md 4.3: ENABLED or
// STARTING; the same test serves -x and net_spec alone).
func (p pmLine) active() bool { return p.state == "ENABLED" || p.state == "STARTING" }

func (p pmLine) status() string {
	if p.active() {
		return p.tag + "\tACTIVE"
	}
	return p.tag + "\tINACTIVE"
}

// svcLine is one line of pmadm -L,
// PMTAG:PMTYPE:SVCTAG:FLAGS:ID:res1:res2:res3:PMSPECIFIC#COMMENT, with the
// listen part split into its five fields (without checking them).
type svcLine struct {
	pmtag, pmtype, svc, flags, id       string
	addr, rpc, lflags, modules, command string
	comment                             string
}

// parseSvcLine splits a pmadm -L line. ok is false when the line does not
// hold the 8 generic fields, the 5 listen fields and a '#'; svc is set as
// far as it could be read, for the warning.
func parseSvcLine(line string) (s svcLine, ok bool) {
	body, comment, hasHash := strings.Cut(line, "#")
	f := strings.SplitN(body, ":", 13)
	if len(f) > 2 {
		s.svc = f[2]
	}
	if !hasHash || len(f) < 13 {
		return s, false
	}
	s = svcLine{
		pmtag: f[0], pmtype: f[1], svc: f[2], flags: f[3], id: f[4],
		addr: f[8], rpc: f[9], lflags: f[10], modules: f[11], command: f[12],
		comment: comment,
	}
	return s, true
}

func (s svcLine) disabled() bool { return strings.ContainsAny(s.flags, "xX") }

// report is the -v/-z line of listen.md 4.6.
func (s svcLine) report() string {
	addr := s.addr
	if addr == "" {
		addr = "NOADDR"
		if strings.Contains(s.lflags, "d") {
			addr = "DYNAMIC"
		}
	}
	state := "ENABLED " // sic: trailing blank
	if s.disabled() {
		state = "DISABLED"
	}
	rpc := "NORPC"
	if s.rpc != "" {
		rpc = strings.Replace(s.rpc, ",", ":", 1)
	}
	modules := s.modules
	if modules == "" {
		modules = "NOMODULES"
	}
	return strings.Join([]string{s.svc, addr, state, rpc, s.id, modules, s.command, "# " + s.comment}, "\t") + "\n"
}

// frontEnd runs the administrative modes (listen.md 4.3, 4.6-4.8): checks
// 4-6 of listen.md 4.4, then the mode.
func (c *cmd) frontEnd(o *options) error {
	m := o.modes
	net := o.net
	if !admfile.IsAlnum(net) || net == "" || len(net) > sactab.TagSize {
		// [LINUX] The original passed any text on to sacadm; a port
		// monitor tag is 1-14 letters and digits (linux.md D7).
		return fail(exitBadPM, "Invalid network specification %q: a port monitor tag is 1-%d letters and digits", net, sactab.TagSize)
	}
	var pm pmLine
	if m&modeInit == 0 {
		var err error
		if pm, err = c.checkNet(net); err != nil {
			return err
		}
	}
	if m&(modeAdd|modeDisable|modeEnable|modeRemove|modeZ) != 0 {
		// sic: 14 characters are refused too (listen.md 10).
		if o.svc == "" || len(o.svc) >= pmtab.SvcTagSize {
			return fail(exitService, "Service code contains more than 14 characters")
		}
		// [LINUX] pmadm takes only letters and digits; say so here rather
		// than report its refusal as a system error.
		if !admfile.IsAlnum(o.svc) {
			return fail(exitService, "Service code %q must be letters and digits", o.svc)
		}
	}
	needRoot := m&(modeAdd|modeRemove|modeEnable|modeDisable|modeInit|modeStart|modeKill) != 0 ||
		(o.has('l') && !isQuery(o.lAddr)) || (o.has('t') && !isQuery(o.tAddr))
	if needRoot {
		if err := c.requireRoot(); err != nil {
			return err
		}
	}
	switch {
	case m&modeAdd != 0:
		return c.add(o)
	case m&(modeRemove|modeEnable|modeDisable) != 0:
		return c.changeService(o)
	case m&modeZ != 0:
		return c.listServices(net, o.svc, o.has('q'))
	case m&modeVerbose != 0:
		return c.listServices(net, "", false)
	case m&(modeLNet|modeTNet) != 0:
		return c.addresses(o)
	case m&modeInit != 0:
		return c.initPM(net)
	case m&modeStart != 0:
		return c.startPM(net)
	case m&modeKill != 0:
		return c.killPM(net)
	case o.has('q'):
		if pm.active() {
			return nil
		}
		return quiet(exitNo)
	}
	// net_spec alone (-m and -N may come with it).
	fmt.Fprintln(c.stdout, pm.status())
	if !pm.active() {
		return quiet(exitNo)
	}
	return nil
}

// isQuery reports whether a -l/-t argument asks for the current address:
// anything starting with '-' does [QUIRK] (listen.md 4.3).
func isQuery(arg string) bool { return strings.HasPrefix(arg, "-") }

// checkNet is listen.md 4.4 step 4: net_spec must name a port monitor of
// type listen.
func (c *cmd) checkNet(net string) (pmLine, error) {
	out, code := c.run("sacadm", []string{"-L", "-p", net})
	if code < 0 {
		return pmLine{}, fail(exitSystem, "System error")
	}
	lines := nonEmptyLines(out)
	if len(lines) == 0 {
		return pmLine{}, fail(exitBadPM, "Invalid network specification")
	}
	pm, ok := parsePMLine(lines[0])
	if !ok {
		return pmLine{}, fail(exitBadPM, "Invalid network specification")
	}
	if pm.typ != "listen" {
		return pmLine{}, fail(exitBadPM, "Network specification \"%s\" is not of type listen", net)
	}
	return pm, nil
}

// listAll is -x: every listen port monitor and whether it is active.
func (c *cmd) listAll() error {
	out, code := c.run("sacadm", []string{"-L", "-t", "listen"})
	switch code {
	case exitcode.OK:
	case exitcode.NoExist:
		// No listen port monitors: nothing to print.
		return nil
	default:
		return sacFail("Could not list port monitors")
	}
	for _, l := range nonEmptyLines(out) {
		if pm, ok := parsePMLine(l); ok && pm.typ == "listen" {
			fmt.Fprintln(c.stdout, pm.status())
		}
	}
	return nil
}

// services runs pmadm -L for net (and code, if not empty) and returns its
// lines, warning about malformed ones.
func (c *cmd) services(net, code string) ([]svcLine, error) {
	args := []string{"-L", "-p", net}
	if code != "" {
		args = append(args, "-s", code)
	}
	out, st := c.run("pmadm", args)
	switch st {
	case exitcode.OK, exitcode.NoExist:
		// NoExist: "No services defined" or "Service CODE does not exist".
	default:
		return nil, sacFail("Could not list services")
	}
	var svcs []svcLine
	for _, l := range nonEmptyLines(out) {
		s, ok := parseSvcLine(l)
		if !ok {
			c.warnf("Entry for code \"%s\" has incorrect format", s.svc)
			continue
		}
		svcs = append(svcs, s)
	}
	return svcs, nil
}

// listServices is -v (code empty), -z code and -q -z code (listen.md 4.6).
func (c *cmd) listServices(net, code string, q bool) error {
	all, err := c.services(net, code)
	if err != nil {
		return err
	}
	var svcs []svcLine
	for _, s := range all {
		if s.pmtype == "listen" {
			svcs = append(svcs, s)
		}
	}
	if code != "" && len(svcs) == 0 {
		if q {
			return quiet(exitService)
		}
		return fail(exitService, "Service \"%s\" unknown", code)
	}
	if q {
		if svcs[0].disabled() {
			return quiet(exitNo)
		}
		return nil
	}
	for _, s := range svcs {
		fmt.Fprint(c.stdout, s.report())
	}
	return nil
}

// outcome is what one exit status of sacadm or pmadm means for nlsadmin.
type outcome struct {
	code int
	msg  string
}

// translate maps the exit status of a sacadm/pmadm run onto nlsadmin's
// (listen.md 4.8): 0 is success; the statuses in table have their own
// outcome; any other status (or a command that could not run) is exit 6
// with the message other, if any, and "System error in SAC command".
func translate(st int, table map[int]outcome, other string) error {
	if st == exitcode.OK {
		return nil
	}
	if o, ok := table[st]; ok {
		return fail(o.code, "%s", o.msg)
	}
	return sacFail(other)
}

var notRoot = outcome{exitNotRoot, "Must be super user"}

// addTable is -a, the re-add of -l/-t and service 0 of -i.
var addTable = map[int]outcome{
	exitcode.Dup:    {exitService, "Service code already exists"},
	exitcode.NoPriv: notRoot,
}

// add is -a code -c cmd -y comment [-p modules] [-w id] [service options]
// net_spec; with --internal, -c may be left out.
func (c *cmd) add(o *options) error {
	if o.modes&modeCmd != 0 {
		if !strings.HasPrefix(o.cmd, "/") {
			c.errorf("Must specify full path name")
			return fail(exitUsage, "Could not add service")
		}
		if err := checkCommand("-c", o.cmd); err != nil {
			return err
		}
	}
	modules, err := checkModules(o.modules)
	if err != nil {
		return err
	}
	if err := noneOf("-y", o.comment, "\n"); err != nil {
		return err
	}
	id := "listen" // listen.md 2.4
	if o.has('w') {
		if err := noneOf("-w", o.id, ":#\n"); err != nil {
			return err
		}
		id = o.id
	}
	l := pmtab.Listen{Flags: pmtab.LFlagCommand, Modules: modules, Command: o.cmd}
	withOptions(&l, o)
	if err := l.Validate(); err != nil {
		// A safety net, as in format.
		return fail(exitUsage, "%v", err)
	}
	return c.addService(o.net, o.svc, id, "", l.Format(), l.Command, o.comment)
}

// addService stats the command (if any: an internal service may have
// none) and runs pmadm -a (listen.md 4.8).
func (c *cmd) addService(net, code, id, flags, pmspecific, command, comment string) error {
	if command != "" {
		c.checkExists(command)
	}
	args := []string{"-a", "-p", net, "-s", code, "-i", id}
	if flags != "" {
		args = append(args, "-f", flags)
	}
	args = append(args, "-m", pmspecific, "-v", strconv.Itoa(pmtab.ListenVersion), "-y", comment)
	_, st := c.run("pmadm", args)
	return translate(st, addTable, "Could not add service")
}

// changeTable is -r, -e and -d.
var changeTable = map[int]outcome{
	exitcode.NoExist: {exitService, "Non-existent service."},
	exitcode.Dup:     {exitService, "Non-existent service."},
	exitcode.NoPriv:  notRoot,
}

// changeService is -r, -e or -d code net_spec.
func (c *cmd) changeService(o *options) error {
	op := "-r"
	switch {
	case o.modes&modeEnable != 0:
		op = "-e"
	case o.modes&modeDisable != 0:
		op = "-d"
	}
	_, st := c.run("pmadm", []string{op, "-p", o.net, "-s", o.svc})
	return translate(st, changeTable, "")
}

// addresses is -l and -t: print (argument starting with '-') or replace
// the address of service 0 and then of service 1 (listen.md 4.7).
func (c *cmd) addresses(o *options) error {
	if o.has('l') {
		if err := c.address(o.net, "0", "-l", o.lAddr, "NLPS service not defined"); err != nil {
			return err
		}
	}
	if o.has('t') {
		return c.address(o.net, "1", "-t", o.tAddr, "remote login service not defined")
	}
	return nil
}

func (c *cmd) address(net, code, opt, arg, undefined string) error {
	query := isQuery(arg)
	var addr string
	if !query {
		var err error
		if addr, err = tableAddress(opt, arg, c.portLookup("tcp")); err != nil {
			return err
		}
	}
	svcs, err := c.services(net, code)
	if err != nil {
		return err
	}
	if len(svcs) == 0 {
		if !query {
			c.warnf("%s", undefined)
		}
		return nil
	}
	s := svcs[0]
	if s.pmtype != "listen" {
		return fail(exitFailed, "Incorrect port monitor type.  Must be of type listen")
	}
	if query {
		fmt.Fprintln(c.stdout, s.addr)
		return nil
	}
	_, st := c.run("pmadm", []string{"-r", "-p", net, "-s", code})
	if err := translate(st, changeTable, ""); err != nil {
		// pmadm exits non-zero when it changed the table but could not
		// tell sac (sac.md 13.4). If the entry is gone, re-add it all the
		// same, so that a failed notification never loses the service.
		if left, lerr := c.services(net, code); lerr != nil || len(left) > 0 {
			return err
		}
	}
	// [QUIRK: keep] The re-added entry has lflags c and no rpc info, whatever
	// it had before (listen.md 4.7). Flag o stays (issue 6): without it the
	// OPTIONS field, which s.command still holds, would become part of the
	// command.
	lflags := "c"
	if strings.Contains(s.lflags, "o") {
		lflags = "co"
	}
	pmspecific := addr + "::" + lflags + ":" + s.modules + ":" + s.command
	command := s.command
	if lflags == "co" {
		_, command, _ = strings.Cut(command, ":")
	}
	return c.addService(net, code, s.id, s.flags, pmspecific, command, strings.TrimSuffix(s.comment, "\n"))
}

// initTable is -i's sacadm -a.
var initTable = map[int]outcome{
	exitcode.Dup:    {exitFailed, "Listener already initialized"},
	exitcode.PMRun:  {exitFailed, "Listener already initialized"},
	exitcode.NoPriv: notRoot,
}

// initPM is -i: create the port monitor, then its NLPS service 0.
func (c *cmd) initPM(net string) error {
	command := listenPath + " " + net
	if net == "starlan" {
		command = listenPath + " -m slan " + net
	}
	_, st := c.run("sacadm", []string{"-a", "-p", net, "-t", "listen", "-c", command, "-v", strconv.Itoa(pmtab.ListenVersion)})
	if err := translate(st, initTable, ""); err != nil {
		return err
	}
	l := pmtab.Listen{Flags: pmtab.LFlagCommand, Command: nlpsServerPath}
	return c.addService(net, "0", "root", "", l.Format(), l.Command, "NLPS server")
}

// startPM is -s: sacadm -s, then sacadm -e.
func (c *cmd) startPM(net string) error {
	_, st := c.run("sacadm", []string{"-s", "-p", net})
	if err := translate(st, map[int]outcome{
		exitcode.NoExist: {exitBadPM, "Non-existent port monitor."},
		exitcode.Dup:     {exitBadPM, "Non-existent port monitor."},
		exitcode.PMRun:   {exitFailed, "Listener already running"},
		exitcode.NoPriv:  notRoot,
	}, ""); err != nil {
		return err
	}
	_, st = c.run("sacadm", []string{"-e", "-p", net})
	return translate(st, map[int]outcome{
		exitcode.NoExist:  {exitBadPM, "Non-existent port monitor."},
		exitcode.Dup:      {exitBadPM, "Non-existent port monitor."},
		exitcode.PMRun:    {exitFailed, "Listener already running"},
		exitcode.PMNotRun: {exitFailed, "Listener start failed"},
		exitcode.NoPriv:   notRoot,
	}, "")
}

// killPM is -k: sacadm -k.
func (c *cmd) killPM(net string) error {
	_, st := c.run("sacadm", []string{"-k", "-p", net})
	return translate(st, map[int]outcome{
		exitcode.PMNotRun: {exitFailed, fmt.Sprintf("No listener active on network \"%s\"", net)},
		exitcode.NoExist:  {exitService, "Non-existent port monitor."},
		exitcode.NoPriv:   notRoot,
	}, "")
}
