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
// Extensions (docs/linux.md#extensions-beyond-the-original), long options
// only so that no original option changes: -k --force also ends the port
// monitor's live sessions (a new request type, sacmsg.ACKillForce);
// --status lists every port monitor, its services and their live sessions,
// merging _pmtab with what a running port monitor reports on its status
// socket (saf/pmstatus), as a table or with --json as a document whose
// schema sacadm(8) gives (status.go); -x --dry-run checks every file a
// reload reads and prints what it would change, applying nothing
// (dryrun.go).
//
// Files are under $SAF_ROOT when it is set (then any user may run every
// operation). Every change to _sactab is made under the admin lock
// /etc/saf/.lock and written atomically.
//
// Exit status: 0 success, 1 bad arguments, 2 not privileged, 3 SAF error
// (corrupt or wrong-version files, refused by sac), 4 system error or sac
// unreachable, 5 no such port monitor or script, 6 already exists, 7 port
// monitor running, 8 port monitor not running, 9 in recovery, 10 sac did
// not answer.
package sacadm

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
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

// Operation bits (docs/original.md#sacadm-operations): exactly one must be
// set.
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

// Main runs sacadm with args (without the program name).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	u := adm.Usage{Prog: "sacadm", Text: Usage, Help: Usage + ExtUsage, Code: exitcode.BadArgs}
	return adm.Main(u, args, stdout, stderr, run)
}

// options is the command line as read.
type options struct {
	*adm.Opts
	cmd   string // -c
	flags sactab.Flags
	count int // -n
	ops   int // operation bits set
}

// opOf is the operation bit each option sets. -p, -t, -z and the long
// options set none: they only qualify the operation.
var opOf = map[string]int{
	"a": opAdd, "c": opAdd, "f": opAdd, "n": opAdd, "v": opAdd, "y": opAdd,
	"r": opRemove, "s": opStart, "k": opKill, "e": opEnable, "d": opDisable,
	"l": opPList, "L": opList, "x": opDBRead, "G": opConfig, "g": opPConfig,
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
	// The extensions go only with their operations.
	force, dryRun := o.Seen["force"], o.Seen["dry-run"]
	switch {
	case o.Seen["status"]:
		if o.ops != 0 || o.Seen.Any("tz") || force || dryRun {
			return &adm.UsageError{}
		}
		return status(c, t, o.Tag, o.Seen["json"])
	case o.Seen["json"], force && o.ops != opKill, dryRun && o.ops != opDBRead:
		return &adm.UsageError{}
	}
	return o.dispatch(c, t)
}

// parse reads the command line.
func parse(c *adm.Cmd, args []string) (*options, error) {
	o := &options{}
	var count string
	opts, err := c.ReadOptions(args, "ac:def:GgkLln:p:rst:v:xy:z:", []string{"force", "status", "json", "dry-run"},
		func(opt, arg string) error {
			o.ops |= opOf[opt]
			switch opt {
			case "c":
				o.cmd = arg
				return checkCommandOption(arg)
			case "n":
				count = arg
				return adm.CheckNumber(arg, msgCountNegative, msgCountTooLarge)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	o.Opts = opts
	var bad string
	o.flags, bad = sactab.ParseFlags(o.FlagLetters)
	o.count = admfile.Atoi(count)
	return o, adm.BadFlags(bad)
}

// checkCommandOption is the check of -c as it is read.
func checkCommandOption(v string) error {
	if err := adm.NoNewline(v); err != nil {
		return err
	}
	if !strings.HasPrefix(v, "/") {
		return adm.Fail(exitcode.BadArgs, msgCommandNotFull+detailQuoted, v)
	}
	// The command field ends at ':' and '#' starts the comment, so either
	// would corrupt _sactab (docs/linux.md#input-validation).
	if strings.ContainsAny(v, ":#") {
		return adm.Fail(exitcode.BadArgs, msgCommandChars, v)
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
	usage := &adm.UsageError{}
	switch o.ops {
	case opAdd:
		if !o.Seen.All("aptcv") {
			return usage
		}
		return add(c, o.entry(), o.Version, o.Script)
	case opRemove, opStart, opKill, opEnable, opDisable:
		if !o.Seen["p"] || o.Seen.Any("tz") {
			return usage
		}
		return o.control(c)
	case opPList, opList:
		if o.Seen.All("pt") || o.Seen["z"] {
			return usage
		}
		return list(c, t, o.Tag, o.Type, o.ops == opList)
	case opDBRead:
		if o.Seen.Any("tz") {
			return usage
		}
		return o.reread(c, t)
	case opConfig:
		if o.Seen.Any("tp") {
			return usage
		}
		return script(c, c.Root.SysConfig(), o.Script)
	case opPConfig:
		if !o.Seen["p"] || o.Seen["t"] {
			return usage
		}
		if _, err := c.Find(t, o.Tag); err != nil {
			return err
		}
		return script(c, c.Root.PMConfig(o.Tag), o.Script)
	}
	return usage
}

// changes reports whether the operation changes a file or a port monitor
// and so needs the privilege before its options are looked at. -x checks
// it itself, after its options: -x --dry-run needs none.
func (o *options) changes() bool {
	switch o.ops {
	case opAdd, opRemove, opStart, opKill, opEnable, opDisable:
		return true
	case opConfig, opPConfig:
		return o.Seen["z"]
	}
	return false
}

func (o *options) entry() sactab.Entry {
	return sactab.Entry{Tag: o.Tag, Type: o.Type, Flags: o.flags, RCount: o.count, Command: o.cmd, Comment: o.Comment}
}

// requests are the sac requests of -s, -k, -e and -d.
var requests = map[int]byte{opStart: sacmsg.ACStart, opKill: sacmsg.ACKill, opEnable: sacmsg.ACEnable, opDisable: sacmsg.ACDisable}

// control is -r, and -s, -k, -e, -d through the running sac.
func (o *options) control(c *adm.Cmd) error {
	switch {
	case o.ops == opRemove:
		return remove(c, o.Tag)
	case o.ops == opKill && o.Seen["force"]:
		return c.Tell(sacmsg.ACKillForce, o.Tag)
	}
	return c.Tell(requests[o.ops], o.Tag)
}

// reread is -x: sac re-reads _sactab, or the port monitor -p its _pmtab.
func (o *options) reread(c *adm.Cmd, t *adm.SacTab) error {
	if o.Seen["dry-run"] {
		// Only reads: no privilege needed, as for -l.
		return dryRunReload(c, t, o.Tag)
	}
	if err := c.RequirePriv(); err != nil {
		return err
	}
	if o.Seen["p"] {
		return c.Tell(sacmsg.ACPMRead, o.Tag)
	}
	return c.Tell(sacmsg.ACSacRead, "")
}

// List returns the port monitors sacadm -L lists: every one, the one
// with tag, or those of pmtype, with their state from the running sac
// (NO_SAC when it does not run). Finding none is an error (exit 5), as for
// the command. nlsadmin calls it, and Add and Tell, instead of running
// sacadm; their arguments are taken to have passed the checks that the
// options get (CheckTag and the like).
func List(c *adm.Cmd, tag, pmtype string) ([]sacmsg.StatusEntry, error) {
	t, err := c.ReadSacTab()
	if err != nil {
		return nil, err
	}
	return portMonitors(c, t, tag, pmtype)
}

// Add adds the port monitor e as sacadm -a does (without -z), its new
// _pmtab stamped with version.
func Add(c *adm.Cmd, e sactab.Entry, version int) error {
	if _, err := c.Prepare(); err != nil {
		return err
	}
	return add(c, e, version, "")
}

// Tell sends the request req (sacmsg.ACStart, ACKill, ACEnable or
// ACDisable) for the port monitor tag to the running sac, as sacadm -s,
// -k, -e and -d do.
func Tell(c *adm.Cmd, req byte, tag string) error {
	if _, err := c.Prepare(); err != nil {
		return err
	}
	return c.Tell(req, tag)
}

// script prints the script at path, or installs src there
// (docs/original.md#sacadm-scripts).
func script(c *adm.Cmd, path, src string) error {
	if src == "" {
		return c.PrintScript(path)
	}
	lk, err := c.LockFor(src)
	if err != nil {
		return err
	}
	defer lk.Close()
	_, err = c.InstallScript(src, path)
	return err
}

// add is sacadm -a, with the script src for -z ("" for none).
func add(c *adm.Cmd, e sactab.Entry, version int, src string) error {
	// Trailing blanks of the command are dropped whenever _sactab is read;
	// drop them now so that what is written is what will be read.
	e.Command = strings.TrimRight(e.Command, admfile.Blanks)
	if len(e.Command) >= admfile.MaxLine { // [illumos]
		return adm.Fail(exitcode.SysErr, msgCommandTooLong+detailCommandLength, len(e.Command), admfile.MaxLine-1)
	}
	if err := sactab.Validate(e); err != nil {
		return adm.Fail(exitcode.BadArgs, fmtRefused, err)
	}
	// The script is checked before anything changes: installing it comes
	// after the old directories of the tag are replaced.
	lk, t, err := lockedSacTab(c, src)
	if err != nil {
		return err
	}
	defer lk.Close()
	exists := false
	if err := c.Walk(t, func(x *sactab.Entry) bool { exists = x.Tag == e.Tag; return exists }); err != nil {
		return err
	}
	if exists {
		return adm.Fail(exitcode.Dup, msgAlreadyExists, e.Tag)
	}
	home, vardir := c.Root.PMDir(e.Tag), c.Root.PMVarDir(e.Tag)
	cleanup := func() {
		os.RemoveAll(home) // only the tag's own tree
		os.Remove(vardir)
	}
	if err := os.MkdirAll(c.Root.VarSafDir(), 0o755); err != nil {
		return adm.Fail(exitcode.SysErr, msgCouldNotMkdir+adm.DetailErr, c.Root.VarSafDir(), adm.PathMsg(err))
	}
	for _, dir := range []string{home, vardir} {
		if err := freshDir(dir); err != nil {
			cleanup()
			return err
		}
	}
	if src != "" {
		installed, err := c.InstallScript(src, c.Root.PMConfig(e.Tag))
		if err != nil || !installed {
			// A script that is not a regular file only warns, and the port
			// monitor is then not added with exit status 0: the original's
			// behaviour, kept (docs/original.md#admin-quirks-kept).
			cleanup()
			return err
		}
	}
	pipe := c.Root.PMPipe(e.Tag)
	if err := unix.Mkfifo(pipe, 0o600); err != nil {
		cleanup()
		return adm.Fail(exitcode.SysErr, msgCouldNotMkfifo+adm.DetailPathErr, pipe, adm.PathMsg(err))
	}
	if err := os.Chmod(pipe, 0o600); err != nil { // whatever the umask
		cleanup()
		return adm.Fail(exitcode.SysErr, msgCouldNotMkfifo+adm.DetailPathErr, pipe, adm.PathMsg(err))
	}
	if err := writeNew(c.Root.PMPid(e.Tag), nil, 0o600); err != nil {
		cleanup()
		return adm.Fail(exitcode.SysErr, msgCouldNotMkPid+adm.DetailPathErr, c.Root.PMPid(e.Tag), adm.PathMsg(err))
	}
	if err := writeNew(c.Root.PMTab(e.Tag), []byte(admfile.Stamp(version)), 0o644); err != nil {
		cleanup()
		msg := msgCouldNotMkPmtab
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Op != "open" {
			msg = msgInitPmtab // created, but the stamp could not be written
		}
		return adm.Fail(exitcode.SysErr, msg+adm.DetailPathErr, c.Root.PMTab(e.Tag), adm.PathMsg(err))
	}
	if err := checkCommand(c, e.Command); err != nil {
		cleanup()
		return err
	}
	data := admfile.AppendLine(t.Data, sactab.Format(e))
	if err := lockfile.WriteFile(t.Path, data, lockfile.ModeOf(t.Path, 0o644)); err != nil {
		cleanup()
		return adm.Fail(exitcode.SysErr, msgCouldNotAppend+adm.DetailPathErr, t.Path, adm.PathMsg(err))
	}
	lk.Close() // sac reads _sactab now; nothing else of ours to change
	if c.SacRunning() {
		return c.Tell(sacmsg.ACSacRead, e.Tag)
	}
	return nil
}

// freshDir makes dir an empty directory, removing an old one of the same
// name recursively as the original does. A symlink or any other
// non-directory in its place is refused, never followed.
func freshDir(dir string) error {
	fi, err := os.Lstat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return adm.Fail(exitcode.SysErr, msgNotDirectory, dir)
	case err == nil:
		if err := os.RemoveAll(dir); err != nil {
			return adm.Fail(exitcode.SysErr, msgCouldNotRemove+adm.DetailErr, dir, adm.PathMsg(err))
		}
	case !errors.Is(err, fs.ErrNotExist):
		return adm.Fail(exitcode.SysErr, msgCouldNotStatDir+adm.DetailErr, dir, adm.PathMsg(err))
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return adm.Fail(exitcode.SysErr, msgCouldNotMkdir+adm.DetailErr, dir, adm.PathMsg(err))
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		return adm.Fail(exitcode.SysErr, msgCouldNotMkdir+adm.DetailErr, dir, adm.PathMsg(err))
	}
	return nil
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

// checkCommand checks the first word of the port monitor command
// (docs/original.md#sacadm-add). A command that does not exist yet only
// warns.
func checkCommand(c *adm.Cmd, cmd string) error {
	word := cmd
	if i := strings.IndexAny(cmd, " \t"); i >= 0 {
		word = cmd[:i]
	}
	fi, err := os.Stat(word)
	if errors.Is(err, fs.ErrNotExist) {
		c.Warn(msgCmdNotExist, word)
		return nil
	}
	if err != nil {
		return adm.Fail(exitcode.SysErr, adm.MsgCouldNotStat+adm.DetailErr, word, adm.PathMsg(err))
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return adm.Fail(exitcode.BadArgs, msgCmdNotExecutable, word)
	}
	if !fi.Mode().IsRegular() {
		return adm.Fail(exitcode.BadArgs, msgCmdNotRegular, word)
	}
	return nil
}

// lockedSacTab takes the admin lock for a change that installs the script
// src ("" for none) and reads _sactab again under it: the table may have
// changed since the first check, and what is written must be what was
// checked.
func lockedSacTab(c *adm.Cmd, src string) (*lockfile.Lock, *adm.SacTab, error) {
	lk, err := c.LockFor(src)
	if err != nil {
		return nil, nil, err
	}
	t, err := c.ReadSacTab()
	if err != nil {
		lk.Close()
		return nil, nil, err
	}
	return lk, t, nil
}

// remove is sacadm -r.
func remove(c *adm.Cmd, tag string) error {
	lk, t, err := lockedSacTab(c, "")
	if err != nil {
		return err
	}
	defer lk.Close()
	e, err := c.Find(t, tag)
	if err != nil {
		return err
	}
	if err := lockfile.WriteFile(t.Path, admfile.RemoveLine(t.Data, e.Line), 0o444); err != nil {
		return adm.RewriteError(t.Path, err)
	}
	lk.Close()
	if c.SacRunning() {
		return c.Tell(sacmsg.ACSacRead, tag)
	}
	return nil
}

// list is sacadm -l and -L (docs/original.md#sacadm-listings).
func list(c *adm.Cmd, t *adm.SacTab, tag, pmtype string, condensed bool) error {
	rows, err := portMonitors(c, t, tag, pmtype)
	if err != nil {
		return err
	}
	for i, r := range rows {
		flags, count := sactab.Flags(r.Flags).String(), strconv.Itoa(r.RCount)
		if condensed {
			fmt.Fprintf(c.Stdout, fmtListCondensed, r.Tag, r.Type, flags, count, r.State, r.Command, r.Comment)
			continue
		}
		if i == 0 {
			fmt.Fprint(c.Stdout, fmtListHeader)
		}
		if flags == "" {
			flags = listNoFlags
		}
		fmt.Fprintf(c.Stdout, fmtListLine, r.Tag, r.Type, flags, count, r.State, r.Command, r.Comment)
	}
	return nil
}

// sacRows asks the running sac for its port monitors (AC_STATUS).
func sacRows(c *adm.Cmd) ([]sacmsg.StatusEntry, error) {
	ack, data, err := c.Request(sacmsg.ACStatus, "")
	if err != nil {
		return nil, err
	}
	if err := adm.AckError(ack.Resp, ""); err != nil {
		return nil, err
	}
	rows, err := sacmsg.ParseStatus(data)
	switch {
	case errors.Is(err, sacmsg.ErrBadFlags):
		return nil, adm.Fail(exitcode.BadArgs, msgBadInformation+adm.DetailErr, err)
	case err != nil:
		return nil, adm.Fail(exitcode.SafErr, msgImproperMessage+adm.DetailErr, err)
	}
	return rows, nil
}

// tableRows returns _sactab's entries, every line in file order, with
// state NO_SAC: what -l and -L list when sac is not running.
func tableRows(c *adm.Cmd, t *adm.SacTab) ([]sacmsg.StatusEntry, error) {
	var rows []sacmsg.StatusEntry
	err := c.Walk(t, func(e *sactab.Entry) bool {
		rows = append(rows, sacmsg.StatusEntry{Tag: e.Tag, Type: e.Type, Flags: int(e.Flags),
			RCount: e.RCount, State: sacmsg.NoSac, Command: e.Command, Comment: e.Comment})
		return false
	})
	return rows, err
}

// portMonitors returns the port monitors with tag or of pmtype (all when
// both are ""), with their state from the running sac, or NO_SAC.
func portMonitors(c *adm.Cmd, t *adm.SacTab, tag, pmtype string) ([]sacmsg.StatusEntry, error) {
	rows, _, err := pmRows(c, t)
	if err != nil {
		return nil, err
	}
	rows = slices.DeleteFunc(rows, func(r sacmsg.StatusEntry) bool {
		return tag != "" && r.Tag != tag || pmtype != "" && r.Type != pmtype
	})
	switch {
	case len(rows) > 0:
		return rows, nil
	case pmtype != "":
		return nil, adm.Fail(exitcode.NoExist, adm.MsgDoesNotExist, pmtype)
	case tag != "":
		return nil, adm.Fail(exitcode.NoExist, adm.MsgDoesNotExist, tag)
	}
	return nil, adm.FailMsg(exitcode.NoExist, msgNoPortMonitors)
}
