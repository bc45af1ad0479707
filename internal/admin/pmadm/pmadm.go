// Package pmadm implements pmadm, the service administration command of
// the Service Access Facility.
//
// Synopsis
//
//	pmadm -a [-p pmtag | -t type] -s svctag -i id -m "pmspecific" -v version [-f xu] [-y comment] [-z script]
//	pmadm -r -p pmtag -s svctag
//	pmadm -e -p pmtag -s svctag
//	pmadm -d -p pmtag -s svctag
//	pmadm -l [-p pmtag | -t type] [-s svctag]
//	pmadm -L [-p pmtag | -t type] [-s svctag]
//	pmadm -g -p pmtag -s svctag [-z script]
//	pmadm -g -s svctag -t type -z script
//
// -a adds a service to the _pmtab of one port monitor (-p) or of every
// port monitor of a type (-t); the port-monitor-specific data (-m) usually
// comes from ttyadm or nlsadmin, the version (-v) from "ttyadm -V" or
// "nlsadmin -V". -r removes a service, -e and -d enable and disable it
// (the x flag). -l and -L list services. -g prints, or with -z installs,
// a per-service configuration script; one given with -z that does not
// parse is refused (exit 1) before anything changes, and so is a -v larger
// than 2147483647 (hardening over the original). After each change pmadm
// asks the running sac to have the port monitor re-read its table; when
// sac is not running the change stays in the file and pmadm warns and
// exits 4, as the original does.
//
// Files are under $SAF_ROOT when it is set (then any user may run every
// operation). Every change is made under the admin lock and written
// atomically, so concurrent pmadm runs never lose an entry.
//
// Exit status: as sacadm; 4 also when the port monitor could not be told
// about a change.
package pmadm

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/sactab"
)

// Op is an operation of pmadm, set by -a (and the options that go with
// it), -r, -e, -d, -l, -L or -g; exactly one must be set.
type Op int

const (
	opAdd Op = 1 << iota
	opRemove
	opEnable
	opDisable
	opPList
	opList
	opConfig
)

// The changes Change makes to a service: pmadm -r, -e and -d.
const (
	Remove  = opRemove
	Enable  = opEnable
	Disable = opDisable
)

// opOf is the operation each option sets. -p, -s, -t and -z set none:
// they only qualify the operation.
var opOf = map[string]Op{
	"a": opAdd, "f": opAdd, "i": opAdd, "m": opAdd, "v": opAdd, "y": opAdd,
	"r": opRemove, "e": opEnable, "d": opDisable, "l": opPList, "L": opList, "g": opConfig,
}

// Main runs pmadm with args (without the program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return adm.Main(adm.Usage{Prog: "pmadm", Text: Usage, Code: exitcode.BadArgs}, args, stdout, stderr, run)
}

// options is the command line as read.
type options struct {
	*adm.Opts
	svc, id, spec string // -s, -i, -m
	flags         pmtab.Flags
	ops           Op // operations set
}

func run(c *adm.Cmd, args []string) error {
	o, err := parse(c, args)
	if err != nil {
		return err
	}
	t, err := c.ReadSacTab()
	if err != nil {
		return err
	}
	return o.dispatch(c, t)
}

// parse reads the command line.
func parse(c *adm.Cmd, args []string) (*options, error) {
	o := &options{}
	opts, err := c.ReadOptions(args, "adef:gi:Llm:p:rs:t:v:y:z:", nil, func(opt, arg string) error {
		o.ops |= opOf[opt]
		switch opt {
		case "i": // ':' and '#' would corrupt _pmtab
			o.id = arg
			return checkField(arg, ":#", msgIdentityChars)
		case "m": // '#' would start the comment
			o.spec = arg
			return checkField(arg, "#", msgSpecificChars+detailQuoted)
		case "s":
			o.svc = arg
			return c.CheckTag(&o.svc, pmtab.SvcTagSize, msgSvcTagTruncated, msgSvcTagNotAlnum)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	o.Opts = opts
	if o.Seen["m"] && o.spec == "" {
		return nil, &adm.UsageError{}
	}
	var bad string
	o.flags, bad = pmtab.ParseFlags(o.FlagLetters)
	return o, adm.BadFlags(bad)
}

// checkField is the check of -i and -m as they are read: no newline, and
// none of the characters bad, which would corrupt _pmtab (msg says why).
func checkField(v, bad, msg string) error {
	if err := adm.NoNewline(v); err != nil {
		return err
	}
	if strings.ContainsAny(v, bad) {
		return adm.Fail(exitcode.BadArgs, msg, v)
	}
	return nil
}

// dispatch runs the one operation the options set (none or two is a usage
// error). An operation that changes something checks the privilege first,
// then the options it needs and refuses.
func (o *options) dispatch(c *adm.Cmd, t *adm.SacTab) error {
	if o.changes() {
		if err := c.RequirePriv(); err != nil {
			return err
		}
	}
	has, all := o.Seen.Any, o.Seen.All
	switch o.ops {
	case opAdd:
		if all("asimv") && has("p") != has("t") {
			return add(c, t, o)
		}
	case opRemove, opEnable, opDisable:
		if all("ps") && !has("tz") {
			return change(c, t, o.Tag, o.svc, o.ops)
		}
	case opPList, opList:
		if !all("pt") && !has("z") {
			return list(c, t, o, o.ops == opList)
		}
	case opConfig:
		if has("p") != has("t") && has("s") && (!has("t") || has("z")) {
			return config(c, t, o)
		}
	}
	return &adm.UsageError{}
}

// changes reports whether the operation changes a file and so needs the
// privilege before its options are looked at.
func (o *options) changes() bool {
	switch o.ops {
	case opAdd, opRemove, opEnable, opDisable:
		return true
	case opConfig:
		return o.Seen["z"]
	}
	return false
}

// Service is a service as pmadm -L lists it: the tag and type of its port
// monitor, and its _pmtab entry.
type Service struct {
	PMTag, PMType string
	pmtab.Entry
}

// List returns the services of the port monitor tag, or only svc (when not
// ""), as pmadm -L -p tag [-s svc] lists them. Finding none is an error
// (exit 5), as for the command. nlsadmin calls it, and Add and Change,
// instead of running pmadm; their arguments are taken to have passed the
// checks that the options get (CheckTag and the like).
func List(c *adm.Cmd, tag, svc string) ([]Service, error) {
	t, err := c.ReadSacTab()
	if err != nil {
		return nil, err
	}
	var out []Service
	err = eachService(c, t, &options{Opts: &adm.Opts{Tag: tag}, svc: svc}, func(pm *sactab.Entry, e *pmtab.Entry) {
		out = append(out, Service{PMTag: pm.Tag, PMType: pm.Type, Entry: *e})
	})
	return out, err
}

// Add adds the service e under the port monitor tag as pmadm -a -p tag
// does (without -z); version must be that of the _pmtab.
func Add(c *adm.Cmd, tag string, e pmtab.Entry, version int) error {
	t, err := c.Prepare()
	if err != nil {
		return err
	}
	o := &options{Opts: &adm.Opts{Tag: tag, Comment: e.Comment, Version: version},
		svc: e.Svc, flags: e.Flags, id: e.Identity, spec: e.PMSpecific}
	return add(c, t, o)
}

// Change makes the change op (Remove, Enable or Disable) to the service svc
// of the port monitor tag, as pmadm -r, -e and -d do.
func Change(c *adm.Cmd, op Op, tag, svc string) error {
	t, err := c.Prepare()
	if err != nil {
		return err
	}
	return change(c, t, tag, svc, op)
}

// targets returns the port monitors named by -p or -t
// (docs/original.md#pmadm-targets).
func targets(c *adm.Cmd, t *adm.SacTab, o *options) ([]*sactab.Entry, error) {
	if o.Tag != "" {
		e, err := c.Find(t, o.Tag)
		if err != nil {
			return nil, err
		}
		return []*sactab.Entry{e}, nil
	}
	pms, err := c.OfType(t, o.Type)
	if err != nil {
		return nil, err
	}
	if len(pms) == 0 && o.Type != "" {
		return nil, adm.Fail(exitcode.NoExist, msgTypeDoesNotExist, o.Type)
	}
	return pms, nil
}

// pmTable is one port monitor's _pmtab as read.
type pmTable struct {
	path    string
	data    []byte
	entries []pmtab.Entry
}

// readPMTab reads tag's _pmtab.
func readPMTab(c *adm.Cmd, tag string) (*pmTable, error) {
	path := c.Root.PMTab(tag)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, adm.Fail(exitcode.SysErr, msgCouldNotOpenTab+adm.DetailErr, path, adm.PathMsg(err))
	}
	return &pmTable{path: path, data: data, entries: pmtab.Parse(data)}, nil
}

// find walks the entries as the original reader does (warnings printed as
// read, corrupt lines and unknown flags stop it with exit 3) and returns
// the first with svc, or nil. An empty svc walks the whole table and
// collects every entry.
func (p *pmTable) find(c *adm.Cmd, svc string, all *[]*pmtab.Entry) (*pmtab.Entry, error) {
	for i := range p.entries {
		e := &p.entries[i]
		c.Warnings(e.Warnings)
		if e.Err != nil {
			return nil, adm.Fail(exitcode.SafErr, msgPMTabCorrupt+adm.DetailErr, p.path, e.Err)
		}
		if e.BadFlags != "" {
			return nil, adm.Fail(exitcode.SafErr, adm.MsgUnrecognizedFlag+adm.DetailFileLine, e.BadFlags[0], p.path, e.Line)
		}
		if all != nil {
			if svc == "" || e.Svc == svc {
				*all = append(*all, e)
			}
			continue
		}
		if e.Svc == svc {
			return e, nil
		}
	}
	return nil, nil
}

// add is pmadm -a (docs/original.md#pmadm-add).
func add(c *adm.Cmd, t *adm.SacTab, o *options) error {
	// Trailing blanks of the data are dropped whenever _pmtab is read; drop
	// them now so that what is written is what will be read.
	entry := pmtab.Entry{Svc: o.svc, Flags: o.flags, Identity: o.id,
		Reserved:   [3]string{pmtab.Reserved, pmtab.Reserved, pmtab.Reserved},
		PMSpecific: strings.TrimRight(o.spec, admfile.Blanks), Comment: o.Comment}
	if err := pmtab.Validate(entry); err != nil {
		return adm.Fail(exitcode.BadArgs, fmtRefused, err)
	}
	pms, err := targets(c, t, o)
	if err != nil {
		return err
	}
	// Once for all port monitors: a script that does not parse is refused
	// before any service is added.
	lk, err := c.LockFor(o.Script)
	if err != nil {
		return err
	}
	defer lk.Close()
	var added []string
	for _, pm := range pms {
		path := c.Root.PMTab(pm.Tag)
		data, err := os.ReadFile(path)
		if err != nil {
			return adm.Fail(exitcode.SysErr, msgCouldNotReadTab+adm.DetailErr, path, adm.PathMsg(err))
		}
		v, err := admfile.Version(data)
		if err != nil {
			return adm.Fail(exitcode.SafErr, adm.MsgFileCorrupt+adm.DetailNoStamp, path)
		}
		if v != o.Version {
			return adm.Fail(exitcode.SafErr, msgPMTabVersion+detailPMTabVersion, path, v, o.Version)
		}
		p := &pmTable{path: path, data: data, entries: pmtab.Parse(data)}
		dup, err := p.find(c, o.svc, nil)
		if err != nil {
			return err
		}
		if dup != nil {
			if o.Tag != "" {
				return adm.Fail(exitcode.Dup, msgSvcExists, o.svc, pm.Tag)
			}
			c.Warn(msgSvcExistsIgnored, o.svc, pm.Tag)
			continue
		}
		if o.Script != "" {
			installed, err := c.InstallScript(o.Script, c.Root.ServiceScript(pm.Tag, o.svc))
			if err != nil {
				// Messages are printed; the port monitor is skipped.
				c.Finish(err)
				continue
			}
			if !installed {
				continue
			}
		}
		out := admfile.AppendLine(data, pmtab.Format(entry))
		if err := lockfile.WriteFile(path, out, lockfile.ModeOf(path, 0o644)); err != nil {
			return adm.Fail(exitcode.SysErr, msgCouldNotOpenTab+adm.DetailErr, path, adm.PathMsg(err))
		}
		added = append(added, pm.Tag)
	}
	lk.Close()
	if len(added) == 0 {
		return adm.FailMsg(exitcode.SafErr, msgNoServicesAdded)
	}
	for _, tag := range added {
		tellSac(c, tag)
	}
	return nil
}

// change is pmadm -r, -e and -d of the service svc of
// the port monitor tag.
func change(c *adm.Cmd, t *adm.SacTab, tag, svc string, op Op) error {
	if _, err := c.Find(t, tag); err != nil {
		return err
	}
	lk, err := c.Lock()
	if err != nil {
		return err
	}
	defer lk.Close()
	p, err := readPMTab(c, tag)
	if err != nil {
		return err
	}
	e, err := p.find(c, svc, nil)
	if err != nil {
		return err
	}
	if e == nil {
		return adm.Fail(exitcode.NoExist, msgSvcDoesNotExist, svc, tag)
	}
	var out []byte
	switch op {
	case opRemove:
		out = admfile.RemoveLine(p.data, e.Line)
	default:
		line, err := pmtab.SetDisabledChecked(e.Raw, op == opDisable)
		if err != nil {
			// Refusing is ours: the original wrote the long line, and the
			// whole table became unreadable.
			return adm.Fail(exitcode.SafErr, msgCannotDisable, svc, tag, err, p.path, e.Line)
		}
		out = admfile.ReplaceLine(p.data, e.Line, line+"\n")
	}
	if err := lockfile.WriteFile(p.path, out, 0o444); err != nil {
		return adm.RewriteError(p.path, err)
	}
	lk.Close()
	if tellSac(c, tag) && op == opRemove {
		// The script goes only once the port monitor has dropped the
		// service; an error here leaves a harmless file.
		os.Remove(c.Root.ServiceScript(tag, svc))
	}
	return nil
}

// tellSac asks sac to have tag re-read its table
// (docs/original.md#pmadm-notification). It reproduces the original's
// messages and exit statuses for every failure.
func tellSac(c *adm.Cmd, tag string) bool {
	err := c.Tell(sacmsg.ACPMRead, tag)
	switch code := exitcode.Code(err, exitcode.SysErr); code {
	case exitcode.OK:
		return true
	case exitcode.PMNotRun:
		c.Warn(msgPMNotRunning, tag)
		return false
	case exitcode.SacNotRun:
		c.Code = exitcode.SacNotRun
	default:
		c.Code = exitcode.SysErr
	}
	c.Warn(msgCouldNotNotify+detailCause, tag, err)
	c.Warn(msgTryExecuting, tag)
	return false
}

// list is pmadm -l and -L (docs/original.md#pmadm-listings).
func list(c *adm.Cmd, t *adm.SacTab, o *options, condensed bool) error {
	printed := false
	return eachService(c, t, o, func(pm *sactab.Entry, e *pmtab.Entry) {
		flags := e.Flags.String()
		if condensed {
			fmt.Fprintf(c.Stdout, fmtListCondensed, pm.Tag, pm.Type, e.Svc, flags,
				e.Identity, e.Reserved[0], e.Reserved[1], e.Reserved[2], e.PMSpecific, e.Comment)
			return
		}
		if !printed {
			fmt.Fprint(c.Stdout, fmtListHeader)
			printed = true
		}
		if flags == "" {
			flags = listNoFlags
		}
		fmt.Fprintf(c.Stdout, fmtListLine, pm.Tag, pm.Type, e.Svc, flags,
			e.Identity, pmtab.Display(e.PMSpecific), e.Comment)
	})
}

// eachService calls visit for each service of the port monitors o names
// (-p or -t, all without either), or only for the services o.svc, one
// port monitor's table at a time in table order. Finding none is an error.
func eachService(c *adm.Cmd, t *adm.SacTab, o *options, visit func(pm *sactab.Entry, e *pmtab.Entry)) error {
	pms, err := targets(c, t, o)
	if err != nil {
		return err
	}
	found := false
	for _, pm := range pms {
		p, err := readPMTab(c, pm.Tag)
		if err != nil {
			return err
		}
		var rows []*pmtab.Entry
		if _, err := p.find(c, o.svc, &rows); err != nil {
			return err
		}
		for _, e := range rows {
			visit(pm, e)
			found = true
		}
	}
	switch {
	case found:
		return nil
	case o.svc != "":
		return adm.Fail(exitcode.NoExist, msgNoSuchService, o.svc)
	}
	return adm.FailMsg(exitcode.NoExist, msgNoServices)
}

// config is pmadm -g (docs/original.md#pmadm-scripts).
func config(c *adm.Cmd, t *adm.SacTab, o *options) error {
	pms, err := targets(c, t, o)
	if err != nil {
		return err
	}
	if o.Script != "" {
		// Once for all port monitors, before any script is replaced.
		lk, err := c.LockFor(o.Script)
		if err != nil {
			return err
		}
		defer lk.Close()
	}
	done := 0
	for _, pm := range pms {
		p, err := readPMTab(c, pm.Tag)
		if err != nil {
			return err
		}
		e, err := p.find(c, o.svc, nil)
		if err != nil {
			return err
		}
		if e == nil {
			if o.Tag != "" {
				return adm.Fail(exitcode.NoExist, msgSvcDoesNotExist, o.svc, pm.Tag)
			}
			c.Warn(msgSvcMissingIgnored, o.svc, pm.Tag)
			c.Code = exitcode.NoExist
			continue
		}
		path := c.Root.ServiceScript(pm.Tag, o.svc)
		if o.Script == "" {
			if err := c.PrintScript(path); err != nil {
				c.Code = c.Finish(err)
				continue
			}
			done++
			continue
		}
		installed, err := c.InstallScript(o.Script, path)
		if err != nil {
			c.Code = c.Finish(err)
			continue
		}
		if installed {
			done++
		}
	}
	if done == 0 {
		return adm.FailMsg(exitcode.SafErr, msgNoScripts)
	}
	return nil
}
