package nlsadmin

import (
	"fmt"
	"io"
	"strings"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/internal/admin/pmadm"
	"github.com/linux-saf/saf/internal/admin/sacadm"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/sactab"
)

// safAdmin is what the front end asks of sacadm and pmadm. Each operation
// answers with the exit status the command would have exited with, which
// nlsadmin translates as the original translated the status of the
// sacadm and pmadm it ran; their messages are not shown, as the original
// sent them to /dev/null. That status is all the original's behaviour
// depends on: nothing it printed came from their output but the listings,
// which come here as typed rows.
type safAdmin interface {
	portMonitors(tag, pmtype string) ([]sacmsg.StatusEntry, int) // sacadm -L [-p tag] [-t pmtype]
	addPortMonitor(e sactab.Entry, version int) int              // sacadm -a
	tell(req byte, tag string) int                               // sacadm -s, -k, -e
	services(tag, svc string) ([]pmadm.Service, int)             // pmadm -L -p tag [-s svc]
	addService(tag string, e pmtab.Entry, version int) int       // pmadm -a -p tag
	changeService(op pmadm.Op, tag, svc string) int              // pmadm -r, -e, -d
}

// inProcess is safAdmin through the Go functions of our sacadm and pmadm:
// no shell, no PATH search, no arguments to quote or output to parse.
type inProcess struct {
	root paths.Root
	uid  int // the real uid, as sacadm and pmadm check it
}

// cmd is a run of sacadm or pmadm: what they would print is discarded.
func (p inProcess) cmd() *adm.Cmd {
	return &adm.Cmd{Root: p.root, Privileged: p.root.Privileged(p.uid), Stdout: io.Discard, Stderr: io.Discard}
}

func (p inProcess) portMonitors(tag, pmtype string) ([]sacmsg.StatusEntry, int) {
	c := p.cmd()
	pms, err := sacadm.List(c, tag, pmtype)
	return pms, c.Status(err)
}

func (p inProcess) addPortMonitor(e sactab.Entry, version int) int {
	c := p.cmd()
	return c.Status(sacadm.Add(c, e, version))
}

func (p inProcess) tell(req byte, tag string) int {
	c := p.cmd()
	return c.Status(sacadm.Tell(c, req, tag))
}

func (p inProcess) services(tag, svc string) ([]pmadm.Service, int) {
	c := p.cmd()
	svcs, err := pmadm.List(c, tag, svc)
	return svcs, c.Status(err)
}

func (p inProcess) addService(tag string, e pmtab.Entry, version int) int {
	c := p.cmd()
	return c.Status(pmadm.Add(c, tag, e, version))
}

func (p inProcess) changeService(op pmadm.Op, tag, svc string) int {
	c := p.cmd()
	return c.Status(pmadm.Change(c, op, tag, svc))
}

// active is the state the queries call active (ENABLED or STARTING; the
// same test serves -x and net_spec alone).
func active(pm sacmsg.StatusEntry) bool {
	return pm.State == sacmsg.Enabled || pm.State == sacmsg.Starting
}

// pmStatus is the line of -x and of net_spec alone.
func pmStatus(pm sacmsg.StatusEntry) string {
	if active(pm) {
		return fmt.Sprintf(msgActive, pm.Tag)
	}
	return fmt.Sprintf(msgInactive, pm.Tag)
}

// svcLine is a service with the listen part of its entry split into its
// five fields (without checking them).
type svcLine struct {
	pmtag, pmtype, svc, id              string
	flags                               pmtab.Flags
	addr, rpc, lflags, modules, command string
	comment                             string
}

// listenService splits s's port monitor specific data. ok is false when it
// does not hold the 5 listen fields.
func listenService(s pmadm.Service) (l svcLine, ok bool) {
	f := strings.SplitN(s.PMSpecific, ":", 5)
	l = svcLine{pmtag: s.PMTag, pmtype: s.PMType, svc: s.Svc, id: s.Identity, flags: s.Flags, comment: s.Comment}
	if len(f) < 5 {
		return l, false
	}
	l.addr, l.rpc, l.lflags, l.modules, l.command = f[0], f[1], f[2], f[3], f[4]
	return l, true
}

func (s svcLine) disabled() bool { return s.flags&pmtab.FlagX != 0 }

// report is the -v/-z line (docs/original.md#nlsadmin-reports).
func (s svcLine) report() string {
	addr := s.addr
	if addr == "" {
		addr = msgNoAddr
		if strings.Contains(s.lflags, "d") {
			addr = msgDynamic
		}
	}
	state := msgEnabled // sic: trailing blank
	if s.disabled() {
		state = msgDisabled
	}
	rpc := msgNoRPC
	if s.rpc != "" {
		rpc = strings.Replace(s.rpc, ",", ":", 1)
	}
	modules := s.modules
	if modules == "" {
		modules = msgNoModules
	}
	return fmt.Sprintf(msgReport, s.svc, addr, state, rpc, s.id, modules, s.command, s.comment)
}

// frontEnd runs the administrative modes: the net_spec, service code and
// privilege checks (docs/original.md#nlsadmin-checks), then the mode.
func (c *cmd) frontEnd(o *options) error {
	m := o.modes
	net := o.net
	if !admfile.IsAlnum(net) || net == "" || len(net) > sactab.TagSize {
		// The original passed any text on to sacadm; a port monitor tag is
		// 1-14 letters and digits.
		return fail(exitBadPM, msgInvalidNet+detailBadNet, net, sactab.TagSize)
	}
	var pm sacmsg.StatusEntry
	if m&modeInit == 0 {
		var err error
		if pm, err = c.checkNet(net); err != nil {
			return err
		}
	}
	if m&(modeAdd|modeDisable|modeEnable|modeRemove|modeZ) != 0 {
		// sic: 14 characters are refused too, a quirk of the original kept
		// (docs/original.md#listen-quirks).
		if o.svc == "" || len(o.svc) >= pmtab.SvcTagSize {
			return fail(exitService, msgSvcCodeLong, pmtab.SvcTagSize)
		}
		// A check of ours: pmadm takes only letters and digits; say so here
		// rather than report its refusal as a system error.
		if !admfile.IsAlnum(o.svc) {
			return fail(exitService, msgSvcCodeChars, o.svc)
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
		if active(pm) {
			return nil
		}
		return quiet(exitNo)
	}
	// net_spec alone (-m and -N may come with it).
	fmt.Fprint(c.stdout, pmStatus(pm))
	if !active(pm) {
		return quiet(exitNo)
	}
	return nil
}

// isQuery reports whether a -l/-t argument asks for the current address:
// anything starting with '-' does, as in the original.
func isQuery(arg string) bool { return strings.HasPrefix(arg, "-") }

// checkNet checks that net_spec names a port monitor of type listen.
func (c *cmd) checkNet(net string) (sacmsg.StatusEntry, error) {
	// sacadm -L lists nothing whenever it fails: no such port monitor,
	// or anything else.
	pms, _ := c.saf.portMonitors(net, "")
	if len(pms) == 0 {
		return sacmsg.StatusEntry{}, fail(exitBadPM, msgInvalidNet)
	}
	if pms[0].Type != "listen" {
		return sacmsg.StatusEntry{}, fail(exitBadPM, msgNotListen, net)
	}
	return pms[0], nil
}

// listAll is -x: every listen port monitor and whether it is active.
func (c *cmd) listAll() error {
	pms, st := c.saf.portMonitors("", "listen")
	switch st {
	case exitcode.OK:
	case exitcode.NoExist:
		// No listen port monitors: nothing to print.
		return nil
	default:
		return sacFail(msgListFailedPMs)
	}
	for _, pm := range pms {
		fmt.Fprint(c.stdout, pmStatus(pm))
	}
	return nil
}

// services lists the services of net (only code, if not empty) as pmadm
// -L does, warning about those that are no listen entry.
func (c *cmd) services(net, code string) ([]svcLine, error) {
	all, st := c.saf.services(net, code)
	switch st {
	case exitcode.OK, exitcode.NoExist:
		// NoExist: "No services defined" or "Service CODE does not exist".
	default:
		return nil, sacFail(msgListFailedSvcs)
	}
	var svcs []svcLine
	for _, s := range all {
		l, ok := listenService(s)
		if !ok {
			c.warnf(msgBadFormat, l.svc)
			continue
		}
		svcs = append(svcs, l)
	}
	return svcs, nil
}

// listServices is -v (code empty), -z code and -q -z code.
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
		return fail(exitService, msgUnknownSvc, code)
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

// translate maps the exit status of a sacadm/pmadm operation onto
// nlsadmin's: 0 is success; the statuses in table have
// their own outcome; any other status is exit 6 with the message other,
// if any, and "System error in SAC command".
func translate(st int, table map[int]outcome, other string) error {
	if st == exitcode.OK {
		return nil
	}
	if o, ok := table[st]; ok {
		return fail(o.code, "%s", o.msg)
	}
	return sacFail(other)
}

var notRoot = outcome{exitNotRoot, msgNotRoot}

// addTable is -a, the re-add of -l/-t and service 0 of -i.
var addTable = map[int]outcome{
	exitcode.Dup:    {exitService, msgSvcExists},
	exitcode.NoPriv: notRoot,
}

// add is -a code -c cmd -y comment [-p modules] [-w id] [service options]
// net_spec; with --internal, -c may be left out.
func (c *cmd) add(o *options) error {
	if o.modes&modeCmd != 0 {
		if !strings.HasPrefix(o.cmd, "/") {
			c.errorf(msgFullPath)
			return fail(exitUsage, msgCouldNotAdd)
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
	id := "listen" // the original's default identity
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
	return c.addService(o.net, o.svc, id, 0, l.Format(), l.Command, o.comment)
}

// addService stats the command (if any: an internal service may have
// none) and adds the service as pmadm -a does.
func (c *cmd) addService(net, code, id string, flags pmtab.Flags, pmspecific, command, comment string) error {
	if command != "" {
		c.checkExists(command)
	}
	e := pmtab.Entry{Svc: code, Flags: flags, Identity: id, PMSpecific: pmspecific, Comment: comment}
	return translate(c.saf.addService(net, e, pmtab.ListenVersion), addTable, msgCouldNotAdd)
}

// changeTable is -r, -e and -d.
var changeTable = map[int]outcome{
	exitcode.NoExist: {exitService, msgNoService},
	exitcode.Dup:     {exitService, msgNoService},
	exitcode.NoPriv:  notRoot,
}

// changeService is -r, -e or -d code net_spec.
func (c *cmd) changeService(o *options) error {
	op := pmadm.Remove
	switch {
	case o.modes&modeEnable != 0:
		op = pmadm.Enable
	case o.modes&modeDisable != 0:
		op = pmadm.Disable
	}
	return translate(c.saf.changeService(op, o.net, o.svc), changeTable, "")
}

// addresses is -l and -t: print (argument starting with '-') or replace
// the address of service 0 and then of service 1
// (docs/original.md#nlsadmin-address-replacement).
func (c *cmd) addresses(o *options) error {
	if o.has('l') {
		if err := c.address(o.net, "0", "-l", o.lAddr, msgNoNLPS); err != nil {
			return err
		}
	}
	if o.has('t') {
		return c.address(o.net, "1", "-t", o.tAddr, msgNoLogin)
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
		return fail(exitFailed, msgPMType)
	}
	if query {
		fmt.Fprintln(c.stdout, s.addr)
		return nil
	}
	if err := translate(c.saf.changeService(pmadm.Remove, net, code), changeTable, ""); err != nil {
		// pmadm exits non-zero when it changed the table but could not tell
		// sac. If the entry is gone, re-add it all the same, so that a
		// failed notification never loses the service.
		if left, lerr := c.services(net, code); lerr != nil || len(left) > 0 {
			return err
		}
	}
	// The re-added entry has lflags c and no rpc info, whatever it had
	// before: the original's quirk, kept (docs/original.md#listen-quirks).
	// Flag o (ours) stays: without it the OPTIONS field, which s.command
	// still holds, would become part of the command.
	lflags := "c"
	if strings.Contains(s.lflags, "o") {
		lflags = "co"
	}
	pmspecific := addr + "::" + lflags + ":" + s.modules + ":" + s.command
	command := s.command
	if lflags == "co" {
		_, command, _ = strings.Cut(command, ":")
	}
	return c.addService(net, code, s.id, s.flags, pmspecific, command, s.comment)
}

// initTable is -i's sacadm -a.
var initTable = map[int]outcome{
	exitcode.Dup:    {exitFailed, msgInitialized},
	exitcode.PMRun:  {exitFailed, msgInitialized},
	exitcode.NoPriv: notRoot,
}

// initPM is -i: create the port monitor, then its NLPS service 0.
func (c *cmd) initPM(net string) error {
	command := listenPath + " " + net
	if net == "starlan" {
		command = listenPath + " -m slan " + net
	}
	pm := sactab.Entry{Tag: net, Type: "listen", Command: command, Comment: adm.DefaultComment}
	if err := translate(c.saf.addPortMonitor(pm, pmtab.ListenVersion), initTable, ""); err != nil {
		return err
	}
	l := pmtab.Listen{Flags: pmtab.LFlagCommand, Command: nlpsServerPath}
	return c.addService(net, "0", "root", 0, l.Format(), l.Command, msgNLPSServer)
}

// startPM is -s: sacadm -s, then sacadm -e.
func (c *cmd) startPM(net string) error {
	if err := translate(c.saf.tell(sacmsg.ACStart, net), map[int]outcome{
		exitcode.NoExist: {exitBadPM, msgNoPM},
		exitcode.Dup:     {exitBadPM, msgNoPM},
		exitcode.PMRun:   {exitFailed, msgRunning},
		exitcode.NoPriv:  notRoot,
	}, ""); err != nil {
		return err
	}
	return translate(c.saf.tell(sacmsg.ACEnable, net), map[int]outcome{
		exitcode.NoExist:  {exitBadPM, msgNoPM},
		exitcode.Dup:      {exitBadPM, msgNoPM},
		exitcode.PMRun:    {exitFailed, msgRunning},
		exitcode.PMNotRun: {exitFailed, msgStartFailed},
		exitcode.NoPriv:   notRoot,
	}, "")
}

// killPM is -k: sacadm -k.
func (c *cmd) killPM(net string) error {
	return translate(c.saf.tell(sacmsg.ACKill, net), map[int]outcome{
		exitcode.PMNotRun: {exitFailed, fmt.Sprintf(msgNotActive, net)},
		exitcode.NoExist:  {exitService, msgNoPM},
		exitcode.NoPriv:   notRoot,
	}, "")
}
