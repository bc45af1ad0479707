package sacadm

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/linux-saf/saf/internal/admin/adm"
	"github.com/linux-saf/saf/saf/exitcode"
	"github.com/linux-saf/saf/saf/pmstatus"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/sactab"
)

// sacadm --status [-p pmtag] [--json] (an extension,
// docs/linux.md#extensions-beyond-the-original): every port monitor, from
// sac's live view (or _sactab with NO_SAC when sac is not running), every
// service of each from its _pmtab merged with what the running port monitor
// reports on its status socket (saf/pmstatus), and the live sessions. The
// JSON form is documented in sacadm(8); its field names are part of the
// interface.

// statusReport is the --json document.
type statusReport struct {
	Sac          string          `json:"sac"` // "running" or "not running"
	PortMonitors []pmStatusEntry `json:"port_monitors"`
}

// pmStatusEntry is one port monitor.
type pmStatusEntry struct {
	Tag     string `json:"tag"`
	Type    string `json:"type"`
	Flags   string `json:"flags"`
	State   string `json:"state"` // sacadm -l's STATUS: ENABLED, NOTRUNNING, NO_SAC ...
	Command string `json:"command"`
	// Answered: the port monitor answered on its status socket; PID,
	// Since and PMState come from that answer.
	Answered bool        `json:"answered"`
	PID      int         `json:"pid,omitempty"`
	Since    time.Time   `json:"since,omitzero"`
	PMState  string      `json:"pm_state,omitempty"`
	Error    string      `json:"error,omitempty"` // why the _pmtab could not be read
	Services []svcStatus `json:"services"`
	raw      *pmstatus.Status
}

// svcStatus is one service or port.
type svcStatus struct {
	Tag      string `json:"tag"`
	Flags    string `json:"flags"`              // _pmtab flags (u, x)
	Identity string `json:"identity,omitempty"` // _pmtab identity
	// State is what the port monitor reports; "" when it did not answer.
	State string    `json:"state,omitempty"`
	Where string    `json:"where,omitempty"`
	Since time.Time `json:"since,omitzero"`
	// InTable: the entry is in _pmtab now; Loaded: the running port
	// monitor has it. They differ until the next re-read (sacadm -x -p).
	InTable  bool               `json:"in_table"`
	Loaded   bool               `json:"loaded"`
	Sessions []pmstatus.Session `json:"sessions"`
}

// status is sacadm --status.
func status(c *adm.Cmd, t *adm.SacTab, tag string, asJSON bool) error {
	rows, running, err := pmRows(c, t)
	if err != nil {
		return err
	}
	rep := statusReport{Sac: sacIsNotRunning, PortMonitors: []pmStatusEntry{}}
	if running {
		rep.Sac = sacIsRunning
	}
	for _, r := range rows {
		if tag != "" && r.Tag != tag {
			continue
		}
		rep.PortMonitors = append(rep.PortMonitors, pmStatus(c, r))
	}
	if len(rep.PortMonitors) == 0 {
		if tag != "" {
			return adm.Fail(exitcode.NoExist, adm.MsgDoesNotExist, tag)
		}
		return adm.FailMsg(exitcode.NoExist, msgNoPortMonitors)
	}
	if asJSON {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return adm.Fail(exitcode.SysErr, msgCannotFormat, err)
		}
		_, err = c.Stdout.Write(append(b, '\n'))
		return err
	}
	return printStatus(c, rep)
}

// pmRows returns sac's live listing when it runs (as sacadm -l), else
// _sactab's entries with state NO_SAC.
func pmRows(c *adm.Cmd, t *adm.SacTab) ([]sacmsg.StatusEntry, bool, error) {
	if c.SacRunning() {
		rows, err := sacRows(c)
		return rows, true, err
	}
	rows, err := tableRows(c, t)
	return rows, false, err
}

// pmStatus merges one port monitor's _pmtab with its status answer.
func pmStatus(c *adm.Cmd, r sacmsg.StatusEntry) pmStatusEntry {
	p := pmStatusEntry{Tag: r.Tag, Type: r.Type, Flags: sactab.Flags(r.Flags).String(), State: r.State.String(),
		Command: r.Command, Services: []svcStatus{}}
	if st, ok, _ := queryStatus(c.Root, r.Tag); ok {
		p.Answered, p.PID, p.Since, p.PMState, p.raw = true, st.PID, st.Since, st.State, &st
	}
	seen := map[string]bool{}
	tab, err := readPMTab(c.Root, r.Tag, r.Type)
	if err != nil {
		p.Error = fmt.Sprintf(msgCannotReadPMTab, c.Root.PMTab(r.Tag), adm.PathMsg(err))
		c.Warn(fmtWarning, p.Error)
	} else {
		for _, e := range tab.Entries {
			if e.Err != nil || seen[e.Svc] {
				continue // corrupt lines: sacadm -x --dry-run reports them
			}
			seen[e.Svc] = true
			s := svcStatus{Tag: e.Svc, Flags: e.Flags.String(), Identity: e.Identity, InTable: true,
				Where: where(r.Type, &e.Entry), Sessions: []pmstatus.Session{}}
			if p.raw != nil {
				if ls := p.raw.Find(e.Svc); ls != nil {
					mergeLive(&s, ls)
				}
			}
			p.Services = append(p.Services, s)
		}
	}
	if p.raw != nil {
		// Loaded, but gone from _pmtab: shown until the port monitor
		// re-reads its table.
		for i := range p.raw.Services {
			ls := &p.raw.Services[i]
			if seen[ls.Tag] {
				continue
			}
			seen[ls.Tag] = true
			s := svcStatus{Tag: ls.Tag, Sessions: []pmstatus.Session{}}
			mergeLive(&s, ls)
			p.Services = append(p.Services, s)
		}
	}
	return p
}

// mergeLive adds what the port monitor reports about a service.
func mergeLive(s *svcStatus, ls *pmstatus.Service) {
	s.Loaded, s.State, s.Since = true, ls.State, ls.Since
	if ls.Where != "" {
		s.Where = ls.Where
	}
	if ls.Sessions != nil {
		s.Sessions = ls.Sessions
	}
}

// printable returns s with every character that is not printable (control
// characters, tabs, invalid UTF-8) written as \xHH: the text comes from
// port monitors and from what users typed (a login name in utmp), and
// must neither move the table's columns nor send escape sequences to the
// administrator's terminal.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			for _, c := range []byte(s[i : i+n]) {
				fmt.Fprintf(&b, fmtHexByte, c)
			}
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// printStatus writes the text table: one row for each session, or for
// each service without one, or for each port monitor without services.
func printStatus(c *adm.Cmd, rep statusReport) error {
	w := tabwriter.NewWriter(c.Stdout, 0, 8, 2, ' ', 0)
	fmt.Fprint(w, fmtStatusHeader)
	dash := func(s string) string {
		if s == "" {
			return statusNone
		}
		return printable(s)
	}
	for _, p := range rep.PortMonitors {
		head := printable(p.Tag) + "\t" + printable(p.Type) + "\t" + printable(p.State)
		if len(p.Services) == 0 {
			fmt.Fprintf(w, fmtStatusNoServices, head)
			continue
		}
		for _, s := range p.Services {
			state := s.State
			switch {
			case !p.Answered:
				state = statusNone
			case !s.Loaded:
				state = stateNotLoaded
			case !s.InTable:
				state = stateRemoved // from _pmtab; still loaded, or its sessions still run
			}
			svc := head + "\t" + printable(s.Tag) + "\t" + printable(state) + "\t" + dash(s.Where)
			if len(s.Sessions) == 0 {
				fmt.Fprintf(w, fmtStatusNoSessions, svc)
				continue
			}
			for _, ss := range s.Sessions {
				who := ss.User
				if ss.Peer != "" {
					who = ss.Peer
					if ss.User != "" {
						who = ss.User + "@" + ss.Peer
					}
				}
				since := statusNone
				if !ss.Since.IsZero() {
					since = ss.Since.Local().Format(time.RFC3339)
				}
				fmt.Fprintf(w, fmtStatusSession, svc, strconv.Itoa(ss.PID), dash(who), since)
			}
		}
	}
	return w.Flush()
}
