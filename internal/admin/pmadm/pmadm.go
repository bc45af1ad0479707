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
// operation; linux.md D3). Every change is made under the admin lock and
// written atomically (linux.md D8), so concurrent pmadm runs never lose an
// entry.
//
// Exit status: as sacadm (sac.md 11.1); 4 also when the port monitor could
// not be told about a change.
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

// Usage is the usage text (sac.md 13.1).
const Usage = "Usage:\tpmadm -a [ -p pmtag | -t type ] -s svctag -i id -m \"pmspecific\"\n" +
	"\t\t-v version [ -f xu ] [ -y comment ] [ -z script]\n" +
	"\tpmadm -r -p pmtag -s svctag\n" +
	"\tpmadm -e -p pmtag -s svctag\n" +
	"\tpmadm -d -p pmtag -s svctag\n" +
	"\tpmadm -l [ -p pmtag | -t type ] [ -s svctag ]\n" +
	"\tpmadm -L [ -p pmtag | -t type ] [ -s svctag ]\n" +
	"\tpmadm -g -p pmtag -s svctag [ -z script ]\n" +
	"\tpmadm -g -s svctag -t type -z script\n"

const (
	opAdd = 1 << iota
	opRemove
	opEnable
	opDisable
	opPList
	opList
	opConfig
)

// Main runs pmadm with args (without the program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return adm.Main("pmadm", Usage, args, stdout, stderr, run)
}

type options struct {
	tag, pmtype, svc, id, spec, comment, script string
	flags                                       pmtab.Flags
	version                                     int
}

func run(c *adm.Cmd, args []string) error {
	if len(args) == 0 {
		return &adm.UsageError{Usage: Usage}
	}
	o := options{comment: " "} // illumos default comment: one space (sac.md 6.2)
	var fl, vers string
	f := adm.NewFlags("pmadm")
	f.Bool('a', "add", opAdd)
	f.Bool('d', "disable", opDisable)
	f.Bool('e', "enable", opEnable)
	f.String('f', "flags", opAdd, &fl, adm.NoNewlinePtr)
	f.Bool('g', "config", opConfig)
	f.String('i', "id", opAdd, &o.id, func(v *string) error {
		if err := adm.NoNewline(*v); err != nil {
			return err
		}
		if strings.ContainsAny(*v, ":#") { // linux.md D7
			return adm.Fail(exitcode.BadArgs, "identity %q must not contain ':' or '#' (they would corrupt _pmtab)", *v)
		}
		return nil
	})
	f.Bool('L', "condensed", opList)
	f.Bool('l', "list", opPList)
	f.String('m', "pmspecific", opAdd, &o.spec, func(v *string) error {
		if err := adm.NoNewline(*v); err != nil {
			return err
		}
		if strings.Contains(*v, "#") { // linux.md D7
			return adm.Fail(exitcode.BadArgs, "port monitor specific data must not contain '#' (it would start the comment in _pmtab): %q", *v)
		}
		return nil
	})
	f.String('p', "pmtag", 0, &o.tag, func(v *string) error {
		return c.CheckTag(v, sactab.TagSize, "port monitor tag", "tag", "port monitor tag must be alphanumeric")
	})
	f.Bool('r', "remove", opRemove)
	f.String('s', "svctag", 0, &o.svc, func(v *string) error {
		return c.CheckTag(v, pmtab.SvcTagSize, "service tag", "svctag", "service tag must be alphanumeric")
	})
	f.String('t', "type", 0, &o.pmtype, func(v *string) error {
		return c.CheckTag(v, sactab.TypeSize, "port monitor type", "type", "port monitor type must be alphanumeric")
	})
	f.String('v', "version", opAdd, &vers, func(v *string) error {
		return adm.CheckNumber(*v, "version number", "version number can not be negative")
	})
	f.String('y', "comment", opAdd, &o.comment, adm.NoNewlinePtr)
	f.String('z', "script", 0, &o.script, adm.NoNewlinePtr)
	if err := f.Parse(args, Usage); err != nil {
		return err
	}
	usage := &adm.UsageError{Usage: Usage}
	if f.Seen('m') && o.spec == "" {
		return usage
	}
	var bad string
	o.flags, bad = pmtab.ParseFlags(fl)
	if bad != "" {
		return adm.Fail(exitcode.BadArgs, "Invalid request, %s are not valid arguments for \"-f\"", bad)
	}
	o.version = admfile.Atoi(vers)

	t, err := c.ReadSacTab()
	if err != nil {
		return err
	}
	has := f.Seen
	switch f.Ops() {
	case opAdd:
		if err := c.RequirePriv(); err != nil {
			return err
		}
		if !has('a') || has('p') == has('t') || !has('s') || !has('i') || !has('m') || !has('v') {
			return usage
		}
		return add(c, t, o)
	case opRemove, opEnable, opDisable:
		if err := c.RequirePriv(); err != nil {
			return err
		}
		if !has('p') || !has('s') || has('t') || has('z') {
			return usage
		}
		return change(c, t, o, f.Ops())
	case opPList, opList:
		if has('p') && has('t') || has('z') {
			return usage
		}
		return list(c, t, o, f.Ops() == opList)
	case opConfig:
		if has('z') {
			if err := c.RequirePriv(); err != nil {
				return err
			}
		}
		if has('p') == has('t') || !has('s') || has('t') && !has('z') {
			return usage
		}
		return config(c, t, o)
	}
	return usage
}

// targets returns the port monitors named by -p or -t (sac.md 13.3).
func targets(c *adm.Cmd, t *adm.SacTab, o options) ([]*sactab.Entry, error) {
	if o.tag != "" {
		e, err := c.Find(t, o.tag)
		if err != nil {
			return nil, err
		}
		return []*sactab.Entry{e}, nil
	}
	pms, err := c.OfType(t, o.pmtype)
	if err != nil {
		return nil, err
	}
	if len(pms) == 0 && o.pmtype != "" {
		return nil, adm.Fail(exitcode.NoExist, "Invalid request, %s does not exist", o.pmtype)
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
		return nil, adm.Fail(exitcode.SysErr, "Could not open %s: %s", path, adm.PathMsg(err))
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
		for _, w := range e.Warnings {
			c.Warn("%s", w)
		}
		if e.Err != nil {
			return nil, adm.Fail(exitcode.SafErr, "%s is corrupt: %v", p.path, e.Err)
		}
		if e.BadFlags != "" {
			return nil, adm.Fail(exitcode.SafErr, "Unrecognized flag %c: %s line %d", e.BadFlags[0], p.path, e.Line)
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

// add is pmadm -a (sac.md 13.5).
func add(c *adm.Cmd, t *adm.SacTab, o options) error {
	// Trailing blanks of the data are dropped whenever _pmtab is read; drop
	// them now so that what is written is what will be read.
	entry := pmtab.Entry{Svc: o.svc, Flags: o.flags, Identity: o.id,
		Reserved:   [3]string{pmtab.Reserved, pmtab.Reserved, pmtab.Reserved},
		PMSpecific: strings.TrimRight(o.spec, admfile.Blanks), Comment: o.comment}
	if err := pmtab.Validate(entry); err != nil {
		return adm.Fail(exitcode.BadArgs, "%v", err)
	}
	pms, err := targets(c, t, o)
	if err != nil {
		return err
	}
	if o.script != "" {
		// Once for all port monitors: a script that does not parse is
		// refused before any service is added.
		if err := adm.CheckScript(o.script); err != nil {
			return err
		}
	}
	lk, err := c.Lock()
	if err != nil {
		return err
	}
	defer lk.Close()
	var added []string
	for _, pm := range pms {
		path := c.Root.PMTab(pm.Tag)
		data, err := os.ReadFile(path)
		if err != nil {
			return adm.Fail(exitcode.SysErr, "could not open %s: %s", path, adm.PathMsg(err))
		}
		v, err := admfile.Version(data)
		if err != nil {
			return adm.Fail(exitcode.SafErr, "%s file is corrupt: it has no \"%s\" line", path, admfile.StampPrefix)
		}
		if v != o.version {
			return adm.Fail(exitcode.SafErr, "%s version number is incorrect: the file is version %d, -v gave %d", path, v, o.version)
		}
		p := &pmTable{path: path, data: data, entries: pmtab.Parse(data)}
		dup, err := p.find(c, o.svc, nil)
		if err != nil {
			return err
		}
		if dup != nil {
			if o.tag != "" {
				return adm.Fail(exitcode.Dup, "Invalid request, %s already exists under %s", o.svc, pm.Tag)
			}
			c.Warn("warning - %s already exists under %s - ignoring", o.svc, pm.Tag)
			continue
		}
		if o.script != "" {
			installed, err := c.InstallScript(o.script, c.Root.ServiceScript(pm.Tag, o.svc))
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
			return adm.Fail(exitcode.SysErr, "Could not open %s: %v", path, err)
		}
		added = append(added, pm.Tag)
	}
	lk.Close()
	if len(added) == 0 {
		return adm.Fail(exitcode.SafErr, "No services added")
	}
	for _, tag := range added {
		tellSac(c, tag)
	}
	return nil
}

// change is pmadm -r, -e and -d (sac.md 13.6, 13.7).
func change(c *adm.Cmd, t *adm.SacTab, o options, op int) error {
	if _, err := c.Find(t, o.tag); err != nil {
		return err
	}
	lk, err := c.Lock()
	if err != nil {
		return err
	}
	defer lk.Close()
	p, err := readPMTab(c, o.tag)
	if err != nil {
		return err
	}
	e, err := p.find(c, o.svc, nil)
	if err != nil {
		return err
	}
	if e == nil {
		return adm.Fail(exitcode.NoExist, "Invalid request, %s does not exist under %s", o.svc, o.tag)
	}
	var out []byte
	switch op {
	case opRemove:
		out = admfile.RemoveLine(p.data, e.Line)
	default:
		line, err := pmtab.SetDisabledChecked(e.Raw, op == opDisable)
		if err != nil {
			// [LINUX] The original wrote the long line, and the
			// whole table became unreadable.
			return adm.Fail(exitcode.SafErr, "cannot disable %s under %s: %v (%s line %d)", o.svc, o.tag, err, p.path, e.Line)
		}
		out = admfile.ReplaceLine(p.data, e.Line, line+"\n")
	}
	if err := lockfile.WriteFile(p.path, out, 0o444); err != nil {
		return adm.Fail(exitcode.SysErr, "could not rewrite %s: %v", p.path, err)
	}
	lk.Close()
	if tellSac(c, o.tag) && op == opRemove {
		// The script goes only once the port monitor has dropped the
		// service (sac.md 13.6); an error here leaves a harmless file.
		os.Remove(c.Root.ServiceScript(o.tag, o.svc))
	}
	return nil
}

// tellSac asks sac to have tag re-read its table (sac.md 13.4). It
// reproduces the original's messages and exit statuses for every failure.
func tellSac(c *adm.Cmd, tag string) bool {
	err := c.Tell(sacmsg.ACPMRead, tag)
	switch code := exitcode.Code(err, exitcode.SysErr); code {
	case exitcode.OK:
		return true
	case exitcode.PMNotRun:
		c.Warn("warning - port monitor, %s is not running", tag)
		return false
	case exitcode.SacNotRun:
		c.Code = exitcode.SacNotRun
	default:
		c.Code = exitcode.SysErr
	}
	c.Warn("warning - could not notify <%s> about modified table (%v)", tag, err)
	c.Warn("try executing the command \"sacadm -x -p %s\"", tag)
	return false
}

// list is pmadm -l and -L (sac.md 13.8).
func list(c *adm.Cmd, t *adm.SacTab, o options, condensed bool) error {
	pms, err := targets(c, t, o)
	if err != nil {
		return err
	}
	printed := 0
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
			flags := e.Flags.String()
			if condensed {
				fmt.Fprintf(c.Stdout, "%s:%s:%s:%s:%s:%s:%s:%s:%s#%s\n", pm.Tag, pm.Type, e.Svc, flags,
					e.Identity, e.Reserved[0], e.Reserved[1], e.Reserved[2], e.PMSpecific, e.Comment)
			} else {
				if printed == 0 {
					fmt.Fprintln(c.Stdout, "PMTAG          PMTYPE         SVCTAG         FLGS ID       <PMSPECIFIC>")
				}
				if flags == "" {
					flags = "-"
				}
				fmt.Fprintf(c.Stdout, "%-14s %-14s %-14s %-4s %-8s %s #%s\n", pm.Tag, pm.Type, e.Svc, flags,
					e.Identity, pmtab.Display(e.PMSpecific), e.Comment)
			}
			printed++
		}
	}
	if printed > 0 {
		return nil
	}
	if o.svc != "" {
		return adm.Fail(exitcode.NoExist, "Service <%s> does not exist", o.svc)
	}
	return adm.Fail(exitcode.NoExist, "No services defined")
}

// config is pmadm -g (sac.md 13.9).
func config(c *adm.Cmd, t *adm.SacTab, o options) error {
	pms, err := targets(c, t, o)
	if err != nil {
		return err
	}
	var lk *lockfile.Lock
	if o.script != "" {
		// Once for all port monitors, before any script is replaced.
		if err := adm.CheckScript(o.script); err != nil {
			return err
		}
		if lk, err = c.Lock(); err != nil {
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
			if o.tag != "" {
				return adm.Fail(exitcode.NoExist, "Invalid request, %s does not exist under %s", o.svc, pm.Tag)
			}
			c.Warn("warning - %s does not exist under %s - ignoring", o.svc, pm.Tag)
			c.Code = exitcode.NoExist
			continue
		}
		path := c.Root.ServiceScript(pm.Tag, o.svc)
		if o.script == "" {
			if err := c.PrintScript(path); err != nil {
				c.Code = c.Finish(err)
				continue
			}
			done++
			continue
		}
		installed, err := c.InstallScript(o.script, path)
		if err != nil {
			c.Code = c.Finish(err)
			continue
		}
		if installed {
			done++
		}
	}
	if done == 0 {
		return adm.Fail(exitcode.SafErr, "No configuration scripts installed")
	}
	return nil
}
