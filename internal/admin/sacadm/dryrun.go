package sacadm

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/admfile"
	"github.com/linux-saf/saf/saf/doconfig"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/nlsaddr"
	"github.com/linux-saf/saf/saf/pmtab"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/sactab"
	"github.com/linux-saf/saf/ttydefs"
)

// sacadm -x [-p pmtag] --dry-run (an extension,
// docs/linux.md#extensions-beyond-the-original): check every file a reload
// would read, each with the reader of the program that reads it, and print
// what the reload would change compared with what runs now. Nothing is
// applied and nothing is sent to sac or to a port monitor but the status
// requests of sacadm -l and sacadm --status.
//
// Problems go to stderr as "sacadm: FILE:LINE: reason", the reason the
// original's text where the original had one for the same fault ("Unrecognized
// flag <q>", "_sactab file is corrupt"); the changes to stdout, one a
// line:
//
//	would add port monitor TAG (TYPE)
//	would remove port monitor TAG
//	would change port monitor TAG: WHAT
//	TAG: would add service SVC
//	TAG: would remove service SVC
//	TAG: would change service SVC
//
// or "no changes". Port monitors are compared with sac's live table
// (not when sac does not run), services with what the running port
// monitor reports on its status socket (not for one that does not
// answer; a line says so). Exit 0 when every file is valid; 3 when one
// is corrupt; 4 when one cannot be read; 5 when -p names no port monitor.

// listenModules are the modules listen accepts
// (docs/linux.md#line-disciplines); any other fails the service.
var listenModules = map[string]bool{"timod": true, "tirdwr": true, "sockmod": true}

// maxListenCode is the longest listen service code.
const maxListenCode = 13

// checker collects the problems found.
type checker struct {
	c       *adm.Cmd
	corrupt bool // a file is corrupt: exit 3
	sysErr  bool // a file cannot be read: exit 4
}

func (k *checker) bad(path string, line int, format string, args ...any) {
	k.corrupt = true
	if line > 0 {
		k.c.Warn(fmtProblemLine, path, line, fmt.Sprintf(format, args...))
	} else {
		k.c.Warn(fmtProblem, path, fmt.Sprintf(format, args...))
	}
}

// badFile reports a whole file that a reload would not take, with a
// message that names it itself.
func (k *checker) badFile(format string, args ...any) {
	k.corrupt = true
	k.c.Warn(format, args...)
}

func (k *checker) unreadable(path string, err error) {
	k.sysErr = true
	k.c.Warn(msgCannotRead, path, adm.PathMsg(err))
}

// lineReason returns the reason of a parse error without its "line N: ".
func lineReason(err error) string {
	var le *admfile.LineError
	if errors.As(err, &le) {
		return le.Reason
	}
	return err.Error()
}

// dryRunReload is sacadm -x --dry-run.
func dryRunReload(c *adm.Cmd, t *adm.SacTab, tag string) error {
	k := &checker{c: c}
	pms := k.checkSacTab(t)
	if tag != "" {
		var one []sactab.Entry
		for _, e := range pms {
			if e.Tag == tag {
				one = append(one, e)
			}
		}
		if len(one) == 0 {
			return adm.Fail(exitcode.NoExist, adm.MsgDoesNotExist, tag)
		}
		pms = one
	} else {
		k.checkScript(c.Root.SysConfig())
	}
	var defs *ttydefs.Table
	for _, e := range pms {
		k.checkScript(c.Root.PMConfig(e.Tag))
		if e.Type == typeTTYMon && defs == nil {
			defs = k.loadTTYDefs()
		}
	}

	var changes []string
	// Port monitors, against sac's live table.
	if c.SacRunning() {
		rows, _, err := pmRows(c, t)
		if err != nil {
			return err
		}
		changes = append(changes, diffPMs(rows, pms, tag)...)
	} else {
		changes = append(changes, msgSacNotRunning)
	}
	// Services, against what each port monitor has loaded.
	for _, e := range pms {
		tab := k.checkPMTab(e, defs)
		changes = append(changes, k.diffServices(e, tab)...)
	}
	if len(changes) == 0 {
		changes = []string{msgNoChanges}
	}
	for _, ch := range changes {
		fmt.Fprintln(c.Stdout, ch)
	}
	switch {
	case k.corrupt:
		return adm.FailMsg(exitcode.SafErr, msgDryRunCorrupt)
	case k.sysErr:
		return adm.FailMsg(exitcode.SysErr, msgDryRunUnread)
	}
	return nil
}

// checkSacTab checks every line of _sactab and returns the valid entries,
// the first of each tag (as sac keeps them).
func (k *checker) checkSacTab(t *adm.SacTab) []sactab.Entry {
	var out []sactab.Entry
	first := map[string]int{}
	for _, e := range t.Entries {
		if !k.usable(t.Path, e.Line, e.Warnings, e.Err, e.BadFlags, adm.MsgSactabCorrupt) {
			continue
		}
		if l, dup := first[e.Tag]; dup {
			k.bad(t.Path, e.Line, msgPMDefinedTwice, e.Tag, l)
			continue
		}
		if err := sactab.Validate(e); err != nil {
			k.bad(t.Path, e.Line, fmtRefused, err)
			continue
		}
		first[e.Tag] = e.Line
		out = append(out, e)
	}
	return out
}

// usable prints the warnings of the entry on line of the table at path
// and reports whether a reload could take it: a corrupt line (reported
// with corrupt, the table's message for it) or an unknown flag is
// reported bad instead.
func (k *checker) usable(path string, line int, warnings []string, err error, badFlags, corrupt string) bool {
	for _, w := range warnings {
		k.c.Warn(fmtProblemWarning, path, line, w)
	}
	switch {
	case err != nil:
		k.bad(path, line, corrupt+adm.DetailErr, lineReason(err))
	case badFlags != "":
		k.bad(path, line, adm.MsgUnrecognizedFlag, badFlags[0])
	default:
		return true
	}
	return false
}

// checkScript parses a configuration script; a missing one is fine.
func (k *checker) checkScript(path string) {
	data, err := os.ReadFile(path)
	if notFound(err) {
		return
	}
	if err != nil {
		k.unreadable(path, err)
		return
	}
	if _, err := doconfig.Parse(bytes.NewReader(data)); err != nil {
		var le *doconfig.LineError
		if errors.As(err, &le) {
			k.bad(path, le.Line, fmtRefused, le.Reason)
		} else {
			k.bad(path, 0, fmtRefused, err)
		}
	}
}

// loadTTYDefs reads /etc/ttydefs for the label checks of ttymon tables.
func (k *checker) loadTTYDefs() *ttydefs.Table {
	path := k.c.Root.TtyDefs()
	data, err := os.ReadFile(path)
	if err != nil {
		k.unreadable(path, err)
		return ttydefs.NewTable(nil)
	}
	if err := ttydefs.CheckVersion(data); err != nil {
		k.bad(path, 0, fmtRefused, err)
	}
	entries, _, _ := ttydefs.Parse(bytes.NewReader(data)) // reads from memory: no read error
	return ttydefs.NewTable(entries)
}

// checkPMTab checks a port monitor's _pmtab with its type's rules and
// returns its valid entries, or nil when it cannot be read.
func (k *checker) checkPMTab(pm sactab.Entry, defs *ttydefs.Table) []tableEntry {
	tab, err := readPMTab(k.c.Root, pm.Tag, pm.Type)
	if err != nil {
		k.unreadable(k.c.Root.PMTab(pm.Tag), err)
		return nil
	}
	v, err := admfile.Version(tab.Data)
	if err != nil {
		k.badFile(adm.MsgFileCorrupt+adm.DetailNoStamp, tab.Path)
	}
	want := map[string]int{typeTTYMon: PMTabTTYMonVersion, typeListen: pmtab.ListenVersion}[pm.Type]
	if err == nil && want != 0 && v != want {
		k.badFile(msgPMTabVersion+detailPMTabVersion, tab.Path, v, pm.Type, want)
	}
	var out []tableEntry
	first := map[string]int{}
	for _, e := range tab.Entries {
		if !k.usable(tab.Path, e.Line, e.Warnings, e.Err, e.BadFlags, msgCorruptEntry) {
			continue
		}
		if l, dup := first[e.Svc]; dup {
			k.bad(tab.Path, e.Line, msgSvcDefinedTwice, e.Svc, l)
			continue
		}
		first[e.Svc] = e.Line
		if why := checkTail(pm.Type, &e.Entry, defs, k.c.Root.TtyDefs()); why != "" {
			k.bad(tab.Path, e.Line, fmtServiceReason, e.Svc, why)
			continue
		}
		out = append(out, e)
	}
	return out
}

// PMTabTTYMonVersion is the _pmtab version ttymon reads (ttyadm -V).
const PMTabTTYMonVersion = 1

// checkTail checks the port-monitor-specific part of an entry with its
// type's parser; "" when it is valid or the type is not ours. defsPath
// names the ttydefs table defs, for the message.
func checkTail(pmtype string, e *pmtab.Entry, defs *ttydefs.Table, defsPath string) string {
	switch pmtype {
	case typeTTYMon:
		tty, err := pmtab.ParseTTY(e.PMSpecific)
		if err != nil {
			return strings.ReplaceAll(err.Error(), "\n", " ")
		}
		if defs != nil {
			if _, ok := defs.Lookup(tty.Label); !ok {
				return fmt.Sprintf(msgNoLabel, tty.Label, defsPath)
			}
		}
		if err := pmtab.CheckModules(tty.Modules); err != nil {
			return err.Error()
		}
	case typeListen:
		if len(e.Svc) > maxListenCode {
			return fmt.Sprintf(msgCodeTooLong, maxListenCode)
		}
		l, err := pmtab.ParseListen(e.PMSpecific)
		if err != nil {
			return err.Error()
		}
		if l.Address != "" && l.Flags&pmtab.LFlagDynamic == 0 {
			if _, err := nlsaddr.Parse(l.Address); err != nil {
				return err.Error()
			}
		}
		for _, m := range l.Modules {
			if !listenModules[m] {
				return fmt.Sprintf(msgListenModule, m)
			}
		}
	}
	return ""
}

// diffPMs compares sac's live table with the valid _sactab entries.
func diffPMs(live []sacmsg.StatusEntry, file []sactab.Entry, only string) []string {
	var out []string
	inFile := map[string]sactab.Entry{}
	for _, e := range file {
		inFile[e.Tag] = e
	}
	running := map[string]sacmsg.StatusEntry{}
	for _, r := range live {
		if only != "" && r.Tag != only {
			continue
		}
		running[r.Tag] = r
		e, ok := inFile[r.Tag]
		if !ok {
			out = append(out, fmt.Sprintf(msgWouldRemovePM, r.Tag))
			continue
		}
		var what []string
		if e.Type != r.Type {
			what = append(what, fmt.Sprintf(fmtChangeType, r.Type, e.Type))
		}
		if int(e.Flags) != r.Flags {
			what = append(what, fmt.Sprintf(fmtChangeFlags, sactab.Flags(r.Flags).String(), e.Flags.String()))
		}
		if e.RCount != r.RCount {
			what = append(what, fmt.Sprintf(fmtChangeCount, r.RCount, e.RCount))
		}
		if e.Command != r.Command {
			what = append(what, fmt.Sprintf(fmtChangeCommand, r.Command, e.Command))
		}
		if e.Comment != r.Comment {
			what = append(what, changeComment)
		}
		if len(what) > 0 {
			out = append(out, fmt.Sprintf(msgWouldChangePM, r.Tag, strings.Join(what, changeSeparator)))
		}
	}
	for _, e := range file {
		if _, ok := running[e.Tag]; !ok {
			out = append(out, fmt.Sprintf(msgWouldAddPM, e.Tag, e.Type))
		}
	}
	return out
}

// diffServices compares a port monitor's valid _pmtab entries with what
// it reports it has loaded.
func (k *checker) diffServices(pm sactab.Entry, file []tableEntry) []string {
	st, ok, err := queryStatus(k.c.Root, pm.Tag)
	if !ok {
		why := msgPMNotRunning
		if err != nil && !notFound(err) {
			why = msgPMNotAnswering
		}
		return []string{fmt.Sprintf(why, pm.Tag)}
	}
	var out []string
	loaded := map[string]string{}
	for _, s := range st.Services {
		if s.State == stateRemoved {
			continue // a session of an entry already gone
		}
		loaded[s.Tag] = s.Entry
	}
	want := map[string]bool{}
	for _, e := range file {
		if pm.Type == typeTTYMon && e.Flags&pmtab.FlagX != 0 {
			// Disabled without a disable message: ttymon does not monitor
			// it at all (docs/original.md#entries-ttymon-does-not-monitor).
			if tty, err := pmtab.ParseTTY(e.PMSpecific); err == nil && tty.DisableMsg == "" {
				continue
			}
		}
		want[e.Svc] = true
		cur, ok := loaded[e.Svc]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf(msgWouldAddSvc, pm.Tag, e.Svc))
		case cur != "" && cur != e.Key:
			out = append(out, fmt.Sprintf(msgWouldChangeSvc, pm.Tag, e.Svc))
		}
	}
	for _, s := range st.Services {
		if _, isLoaded := loaded[s.Tag]; isLoaded && !want[s.Tag] {
			out = append(out, fmt.Sprintf(msgWouldRemoveSvc, pm.Tag, s.Tag))
		}
	}
	return out
}
