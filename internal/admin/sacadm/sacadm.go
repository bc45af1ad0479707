// Package sacadm implements sacadm, the port monitor administration
// command of the Service Access Facility.
//
// Synopsis
//
//	sacadm -a -p pmtag -t type -c cmd -v ver [-f dx] [-n count] [-y comment] [-z script]
//	sacadm -r -p pmtag
//	sacadm -s -p pmtag
//	sacadm -k -p pmtag
//	sacadm -e -p pmtag
//	sacadm -d -p pmtag
//	sacadm -l [-p pmtag | -t type]
//	sacadm -L [-p pmtag | -t type]
//	sacadm -g -p pmtag [-z script]
//	sacadm -G [-z script]
//	sacadm -x [-p pmtag]
//	sacadm -k -p pmtag --force
//	sacadm --status [-p pmtag] [--json]
//	sacadm -x [-p pmtag] --dry-run
//
// -a adds a port monitor to /etc/saf/_sactab and creates its directories
// /etc/saf/<pmtag> (with _pmpipe, _pid and a _pmtab stamped with -v) and
// /var/saf/<pmtag>; -r removes its entry (its directories stay). -s, -k,
// -e, -d start, stop, enable and disable a port monitor through the running
// sac; -x makes sac re-read _sactab, or with -p makes the port monitor
// re-read its _pmtab. -l and -L list port monitors, with their live state
// when sac runs and NO_SAC otherwise. -g and -G print, or with -z install,
// a port monitor's _config script and sac's _sysconfig script.
//
// Hardening over the original: a script given with -z is parsed first,
// with the parser that runs it, and one that does not parse is refused
// (exit 1) before anything changes; -v and -n take numbers from 0 to
// 2147483647 (the C int the original kept them in), and a larger one is
// refused instead of being clamped.
//
// Extensions (issue 6), long options only so that no original option
// changes: -k --force also ends the port monitor's live sessions (a new
// request type, sacmsg.ACKillForce); --status lists every port monitor,
// its services and their live sessions, merging _pmtab with what a running
// port monitor reports on its status socket (saf/pmstatus), as a table or
// with --json as a document whose schema sacadm(8) gives (status.go);
// -x --dry-run checks every file a reload reads and prints what it would
// change, applying nothing (dryrun.go).
//
// Files are under $SAF_ROOT when it is set (then any user may run every
// operation; linux.md D3). Every change to _sactab is made under the admin
// lock /etc/saf/.lock and written atomically (linux.md D8).
//
// Exit status: 0 success, 1 bad arguments, 2 not privileged, 3 SAF error
// (corrupt or wrong-version files, refused by sac), 4 system error or sac
// unreachable, 5 no such port monitor or script, 6 already exists, 7 port
// monitor running, 8 port monitor not running, 9 in recovery, 10 sac did
// not answer (sac.md 11.1).
package sacadm

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/sactab"
	"golang.org/x/sys/unix"
)

// Usage is the usage text (sac.md 12.1).
const Usage = "Usage:\tsacadm -a -p pmtag -t type -c cmd -v ver [ -f dx ] [ -n count ]\n" +
	"\t\t[ -y comment ] [ -z script]\n" +
	"\tsacadm -r -p pmtag\n" +
	"\tsacadm -s -p pmtag\n" +
	"\tsacadm -k -p pmtag\n" +
	"\tsacadm -e -p pmtag\n" +
	"\tsacadm -d -p pmtag\n" +
	"\tsacadm -l [ -p pmtag | -t type ]\n" +
	"\tsacadm -L [ -p pmtag | -t type ]\n" +
	"\tsacadm -g -p pmtag [ -z script ]\n" +
	"\tsacadm -G [ -z script ]\n" +
	"\tsacadm -x [ -p pmtag ]\n"

// Operation bits (sac.md 12.1): exactly one must be set.
const (
	opAdd = 1 << iota
	opRemove
	opStart
	opKill
	opEnable
	opDisable
	opPList
	opList
	opDBRead
	opConfig
	opPConfig
)

// ExtUsage lists our extensions (issue 6). --help prints it after Usage;
// usage errors print Usage alone, as the original.
const ExtUsage = "\tsacadm -k -p pmtag --force\n" +
	"\tsacadm --status [ -p pmtag ] [ --json ]\n" +
	"\tsacadm -x [ -p pmtag ] --dry-run\n"

// Main runs sacadm with args (without the program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return adm.Main("sacadm", Usage+ExtUsage, args, stdout, stderr, run)
}

type options struct {
	tag, pmtype, cmd, comment, script string
	flags                             sactab.Flags
	badFlags                          string
	count, version                    int
}

func run(c *adm.Cmd, args []string) error {
	if len(args) == 0 {
		return &adm.UsageError{Usage: Usage}
	}
	o := options{comment: " "} // illumos default comment: one space (sac.md 5.2)
	var fl, vers, count string
	f := adm.NewFlags("sacadm")
	f.Bool('a', "add", opAdd)
	f.String('c', "command", opAdd, &o.cmd, func(v *string) error {
		if err := adm.NoNewline(*v); err != nil {
			return err
		}
		if !strings.HasPrefix(*v, "/") {
			return adm.Fail(exitcode.BadArgs, "command must be a full pathname: %q", *v)
		}
		// linux.md D7: the command field ends at ':' and '#' starts the
		// comment, so either would corrupt _sactab.
		if strings.ContainsAny(*v, ":#") {
			return adm.Fail(exitcode.BadArgs, "command %q must not contain ':' or '#' (they would corrupt _sactab)", *v)
		}
		return nil
	})
	f.Bool('d', "disable", opDisable)
	f.Bool('e', "enable", opEnable)
	f.String('f', "flags", opAdd, &fl, adm.NoNewlinePtr)
	f.Bool('G', "sysconfig", opConfig)
	f.Bool('g', "config", opPConfig)
	f.Bool('k', "kill", opKill)
	f.Bool('L', "condensed", opList)
	f.Bool('l', "list", opPList)
	f.String('n', "count", opAdd, &count, func(v *string) error {
		return adm.CheckNumber(*v, "restart count", "restart count can not be negative")
	})
	f.String('p', "pmtag", 0, &o.tag, func(v *string) error {
		return c.CheckTag(v, sactab.TagSize, "port monitor tag", "tag", "port monitor tag must be alphanumeric")
	})
	f.Bool('r', "remove", opRemove)
	f.Bool('s', "start", opStart)
	f.String('t', "type", 0, &o.pmtype, func(v *string) error {
		return c.CheckTag(v, sactab.TypeSize, "port monitor type", "type", "port monitor type must be alphanumeric")
	})
	f.String('v', "version", opAdd, &vers, func(v *string) error {
		return adm.CheckNumber(*v, "version number", "version number can not be negative")
	})
	f.Bool('x', "reread", opDBRead)
	f.String('y', "comment", opAdd, &o.comment, adm.NoNewlinePtr)
	f.String('z', "script", 0, &o.script, adm.NoNewlinePtr)
	// Extensions (issue 6): long options only.
	var force, showStatus, asJSON, dryRun bool
	f.Long("force", &force)
	f.Long("status", &showStatus)
	f.Long("json", &asJSON)
	f.Long("dry-run", &dryRun)
	if err := f.Parse(args, Usage); err != nil {
		return err
	}
	o.flags, o.badFlags = sactab.ParseFlags(fl)
	if o.badFlags != "" {
		return adm.Fail(exitcode.BadArgs, "Invalid request, %s are not valid arguments for \"-f\"", o.badFlags)
	}
	o.count, o.version = admfile.Atoi(count), admfile.Atoi(vers)

	t, err := c.ReadSacTab()
	if err != nil {
		return err
	}
	usage := &adm.UsageError{Usage: Usage}
	has := f.Seen
	switch {
	case showStatus:
		if f.Ops() != 0 || has('t') || has('z') || force || dryRun {
			return usage
		}
		return status(c, t, o.tag, asJSON)
	case asJSON,
		force && f.Ops() != opKill,
		dryRun && f.Ops() != opDBRead:
		return usage
	}
	switch f.Ops() {
	case opAdd:
		if err := c.RequirePriv(); err != nil {
			return err
		}
		if !has('a') || !has('p') || !has('t') || !has('c') || !has('v') {
			return usage
		}
		return add(c, o)
	case opRemove, opStart, opKill, opEnable, opDisable:
		if err := c.RequirePriv(); err != nil {
			return err
		}
		if !has('p') || has('t') || has('z') {
			return usage
		}
		switch f.Ops() {
		case opRemove:
			return remove(c, t, o.tag)
		case opStart:
			return c.Tell(sacmsg.ACStart, o.tag)
		case opKill:
			if force {
				return c.Tell(sacmsg.ACKillForce, o.tag)
			}
			return c.Tell(sacmsg.ACKill, o.tag)
		case opEnable:
			return c.Tell(sacmsg.ACEnable, o.tag)
		default:
			return c.Tell(sacmsg.ACDisable, o.tag)
		}
	case opPList, opList:
		if has('p') && has('t') || has('z') {
			return usage
		}
		return list(c, t, o, f.Ops() == opList)
	case opDBRead:
		if has('t') || has('z') {
			return usage
		}
		if dryRun {
			// Only reads: no privilege needed, as for -l.
			return dryRunReload(c, t, o.tag)
		}
		if err := c.RequirePriv(); err != nil {
			return err
		}
		if has('p') {
			return c.Tell(sacmsg.ACPMRead, o.tag)
		}
		return c.Tell(sacmsg.ACSacRead, "")
	case opConfig:
		if has('z') {
			if err := c.RequirePriv(); err != nil {
				return err
			}
		}
		if has('t') || has('p') {
			return usage
		}
		return script(c, c.Root.SysConfig(), o.script)
	case opPConfig:
		if has('z') {
			if err := c.RequirePriv(); err != nil {
				return err
			}
		}
		if !has('p') || has('t') {
			return usage
		}
		if _, err := c.Find(t, o.tag); err != nil {
			return err
		}
		return script(c, c.Root.PMConfig(o.tag), o.script)
	}
	return usage
}

// script prints the script at path, or installs src there (sac.md 12.6).
func script(c *adm.Cmd, path, src string) error {
	if src == "" {
		return c.PrintScript(path)
	}
	if err := adm.CheckScript(src); err != nil {
		return err
	}
	lk, err := c.Lock()
	if err != nil {
		return err
	}
	defer lk.Close()
	_, err = c.InstallScript(src, path)
	return err
}

// add is sacadm -a (sac.md 12.3).
func add(c *adm.Cmd, o options) error {
	// Trailing blanks of the command are dropped whenever _sactab is read;
	// drop them now so that what is written is what will be read.
	cmd := strings.TrimRight(o.cmd, admfile.Blanks)
	if len(cmd) >= admfile.MaxLine { // [illumos] (sac.md 12.3 step 7)
		return adm.Fail(exitcode.SysErr, "command string too long: %d bytes, at most %d", len(cmd), admfile.MaxLine-1)
	}
	e := sactab.Entry{Tag: o.tag, Type: o.pmtype, Flags: o.flags, RCount: o.count, Command: cmd, Comment: o.comment}
	if err := sactab.Validate(e); err != nil {
		return adm.Fail(exitcode.BadArgs, "%v", err)
	}
	if o.script != "" {
		// Before anything changes: installing it comes after the old
		// directories of the tag are replaced.
		if err := adm.CheckScript(o.script); err != nil {
			return err
		}
	}
	lk, err := c.Lock()
	if err != nil {
		return err
	}
	defer lk.Close()
	// Read again under the lock: the table may have changed since the
	// first check, and what we append to must be what we checked.
	t, err := c.ReadSacTab()
	if err != nil {
		return err
	}
	exists := false
	if err := c.Walk(t, func(x *sactab.Entry) bool { exists = x.Tag == o.tag; return exists }); err != nil {
		return err
	}
	if exists {
		return adm.Fail(exitcode.Dup, "Invalid request, %s already exists", o.tag)
	}
	home, vardir := c.Root.PMDir(o.tag), c.Root.PMVarDir(o.tag)
	cleanup := func() {
		os.RemoveAll(home) // only the tag's own tree (linux.md D7)
		os.Remove(vardir)
	}
	if err := os.MkdirAll(c.Root.VarSafDir(), 0o755); err != nil {
		return adm.Fail(exitcode.SysErr, "could not create directory %s: %s", c.Root.VarSafDir(), adm.PathMsg(err))
	}
	for _, dir := range []string{home, vardir} {
		if err := freshDir(dir); err != nil {
			cleanup()
			return err
		}
	}
	if o.script != "" {
		installed, err := c.InstallScript(o.script, c.Root.PMConfig(o.tag))
		if err != nil || !installed {
			// A script that is not a regular file only warns, and the
			// port monitor is then not added with exit status 0: the
			// original's behaviour (sac.md 12.3 step 3, 14).
			cleanup()
			return err
		}
	}
	pipe := c.Root.PMPipe(o.tag)
	if err := unix.Mkfifo(pipe, 0o600); err != nil {
		cleanup()
		return adm.Fail(exitcode.SysErr, "could not create communications pipe %s: %v", pipe, err)
	}
	if err := os.Chmod(pipe, 0o600); err != nil { // whatever the umask
		cleanup()
		return adm.Fail(exitcode.SysErr, "could not create communications pipe %s: %s", pipe, adm.PathMsg(err))
	}
	if err := writeNew(c.Root.PMPid(o.tag), nil, 0o600); err != nil {
		cleanup()
		return adm.Fail(exitcode.SysErr, "could not create _pid file %s: %s", c.Root.PMPid(o.tag), adm.PathMsg(err))
	}
	if err := writeNew(c.Root.PMTab(o.tag), []byte(admfile.Stamp(o.version)), 0o644); err != nil {
		cleanup()
		return adm.Fail(exitcode.SysErr, "could not create _pmtab file %s: %s", c.Root.PMTab(o.tag), adm.PathMsg(err))
	}
	if err := checkCommand(c, o.cmd); err != nil {
		cleanup()
		return err
	}
	data := admfile.AppendLine(t.Data, sactab.Format(e))
	if err := lockfile.WriteFile(t.Path, data, lockfile.ModeOf(t.Path, 0o644)); err != nil {
		cleanup()
		return adm.Fail(exitcode.SysErr, "Could not open _sactab: %v", err)
	}
	lk.Close() // sac reads _sactab now; nothing else of ours to change
	if c.SacRunning() {
		return c.Tell(sacmsg.ACSacRead, o.tag)
	}
	return nil
}

// freshDir makes dir an empty directory, removing an old one of the same
// name recursively as the original does (sac.md 12.3 step 2). A symlink or
// any other non-directory in its place is refused, never followed.
func freshDir(dir string) error {
	fi, err := os.Lstat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return adm.Fail(exitcode.SysErr, "%s exists and is not a directory", dir)
	case err == nil:
		if err := os.RemoveAll(dir); err != nil {
			return adm.Fail(exitcode.SysErr, "could not remove files under %s: %s", dir, adm.PathMsg(err))
		}
	case !errors.Is(err, fs.ErrNotExist):
		return adm.Fail(exitcode.SysErr, "could not stat %s: %s", dir, adm.PathMsg(err))
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return adm.Fail(exitcode.SysErr, "could not create directory %s: %s", dir, adm.PathMsg(err))
	}
	return os.Chmod(dir, 0o755)
}

// writeNew creates path with data and mode, independent of the umask.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// checkCommand checks the first word of the port monitor command (sac.md
// 12.3 step 7). A command that does not exist yet only warns.
func checkCommand(c *adm.Cmd, cmd string) error {
	word := cmd
	if i := strings.IndexAny(cmd, " \t"); i >= 0 {
		word = cmd[:i]
	}
	fi, err := os.Stat(word)
	if errors.Is(err, fs.ErrNotExist) {
		c.Warn("warning - %s does not exist", word)
		return nil
	}
	if err != nil {
		return adm.Fail(exitcode.SysErr, "Could not stat %s: %s", word, adm.PathMsg(err))
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return adm.Fail(exitcode.BadArgs, "%s not executable", word)
	}
	if !fi.Mode().IsRegular() {
		return adm.Fail(exitcode.BadArgs, "%s not a regular file", word)
	}
	return nil
}

// remove is sacadm -r (sac.md 12.4).
func remove(c *adm.Cmd, _ *adm.SacTab, tag string) error {
	lk, err := c.Lock()
	if err != nil {
		return err
	}
	defer lk.Close()
	t, err := c.ReadSacTab()
	if err != nil {
		return err
	}
	e, err := c.Find(t, tag)
	if err != nil {
		return err
	}
	if err := lockfile.WriteFile(t.Path, admfile.RemoveLine(t.Data, e.Line), 0o444); err != nil {
		return adm.Fail(exitcode.SysErr, "could not rewrite %s: %v", t.Path, err)
	}
	lk.Close()
	if c.SacRunning() {
		return c.Tell(sacmsg.ACSacRead, tag)
	}
	return nil
}

// list is sacadm -l and -L (sac.md 12.5).
func list(c *adm.Cmd, t *adm.SacTab, o options, condensed bool) error {
	var rows []sacmsg.StatusEntry
	if c.SacRunning() {
		ack, data, err := c.Request(sacmsg.ACStatus, "")
		if err != nil {
			return err
		}
		if err := adm.AckError(ack.Resp, ""); err != nil {
			return err
		}
		rows, err = sacmsg.ParseStatus(data)
		switch {
		case errors.Is(err, sacmsg.ErrBadFlags):
			return adm.Fail(exitcode.BadArgs, "Bad information from SAC: %v", err)
		case err != nil:
			return adm.Fail(exitcode.SafErr, "Improper message from SAC: %v", err)
		}
	} else {
		err := c.Walk(t, func(e *sactab.Entry) bool {
			rows = append(rows, sacmsg.StatusEntry{Tag: e.Tag, Type: e.Type, Flags: int(e.Flags),
				RCount: e.RCount, State: sacmsg.NoSac, Command: e.Command, Comment: e.Comment})
			return false
		})
		if err != nil {
			return err
		}
	}
	printed := 0
	for _, r := range rows {
		if o.tag != "" && r.Tag != o.tag || o.pmtype != "" && r.Type != o.pmtype {
			continue
		}
		flags := sactab.Flags(r.Flags).String()
		if condensed {
			fmt.Fprintf(c.Stdout, "%s:%s:%s:%d:%s:%s#%s\n", r.Tag, r.Type, flags, r.RCount, r.State, r.Command, r.Comment)
		} else {
			if printed == 0 {
				fmt.Fprintln(c.Stdout, "PMTAG          PMTYPE         FLGS RCNT STATUS     COMMAND")
			}
			if flags == "" {
				flags = "-"
			}
			fmt.Fprintf(c.Stdout, "%-14s %-14s %-4s %-4s %-10s %s #%s\n", r.Tag, r.Type, flags, strconv.Itoa(r.RCount), r.State, r.Command, r.Comment)
		}
		printed++
	}
	if printed > 0 {
		return nil
	}
	switch {
	case o.pmtype != "":
		return adm.Fail(exitcode.NoExist, "Invalid request, %s does not exist", o.pmtype)
	case o.tag != "":
		return adm.Fail(exitcode.NoExist, "Invalid request, %s does not exist", o.tag)
	}
	return adm.Fail(exitcode.NoExist, "No port monitors defined")
}
