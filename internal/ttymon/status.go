package ttymon

import (
	"os"
	"slices"
	"strings"
	"time"

	"github.com/linux-saf/saf/internal/utmp"
	"github.com/linux-saf/saf/saf/pmstatus"
)

// The status socket (saf/pmstatus, our extension): sacadm --status asks
// ttymon what each port is doing. Each port's goroutine publishes its state
// as it changes (show, under the port's mutex); the main loop hands the
// list of ports to the status server on request, since it alone owns the
// port table; the answer is built in the server's goroutine.

// shown is a port's published state.
type shown struct {
	state string
	pid   int // the per-port child or the service, when there is one
	since time.Time
}

// show publishes the state the port's goroutine is entering. It runs in
// that goroutine, so it may read the goroutine's own fields.
func (p *port) show(st pstate) {
	var name string
	pid := 0
	switch st {
	case psDecide:
		return // passing through
	case psIdle:
		switch {
		case p.dead, p.lost:
			name = "failed" // respawning too rapidly, or its pty is gone: until a re-read
		case p.cur != nil && p.cur.Flags.InitOnly():
			name = "idle"
		default:
			name = "disabled"
		}
	case psOpen:
		name = "opening"
	case psRetry:
		switch p.why {
		case retryLocked:
			name = "yielded-to-dial-out"
		case retrySession:
			name = "busy"
		default:
			name = "unavailable"
		}
	case psWait:
		name = "waiting"
		if p.disabled() {
			name = "disabled"
		}
	case psChild:
		name, pid = "prompting", p.child.pid
	case psService:
		name, pid = "session", p.child.pid
	case psGone:
		name = "gone"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown.state != name || p.shown.pid != pid {
		p.shown = shown{state: name, pid: pid, since: time.Now()}
	}
}

// portList answers the status server's request for the ports: in the
// main loop, which owns m.ports.
func (m *monitor) portList() []*port {
	ps := make([]*port, 0, len(m.ports))
	for _, p := range m.ports {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *port) int { return strings.Compare(a.tag, b.tag) })
	return ps
}

// snapshot is the status document. It runs in the status server's
// goroutine.
func (m *monitor) snapshot() pmstatus.Status {
	st := pmstatus.Status{Tag: m.cfg.Env.Tag, Type: "ttymon", PID: os.Getpid(), Since: m.started, State: "disabled"}
	if m.isEnabled() {
		st.State = "enabled"
	}
	req := make(chan []*port, 1)
	select {
	case m.statusReq <- req:
	case <-m.loopDone:
		return st
	}
	var ports []*port
	select {
	case ports = <-req:
	case <-m.loopDone:
		return st
	}
	// Read once for every port: the user of each session.
	recs, _ := utmp.ReadFile(m.cfg.Root.Utmp()) // none: no users to show
	for _, p := range ports {
		p.mu.Lock()
		e, sh := p.want, p.shown
		p.mu.Unlock()
		if e == nil {
			continue // removed; its goroutine is ending
		}
		svc := pmstatus.Service{Tag: e.Tag, State: sh.state, Where: e.Device,
			Entry: strings.TrimSpace(e.Text), Since: sh.since}
		if svc.State == "" {
			svc.State = "opening"
		}
		if sh.state == "session" && sh.pid > 0 {
			line := utmpLine(e.Device)
			svc.Sessions = []pmstatus.Session{{PID: sh.pid, User: sessionUser(recs, sh.pid, line), Line: line, Since: sh.since}}
		}
		st.Services = append(st.Services, svc)
	}
	return st
}

// sessionUser is the user of the session led by pid on line, from utmp:
// the record of the pid itself, or one of its session (login forks, and
// its child writes the user's record, see markDead).
func sessionUser(recs []utmp.Record, pid int, line string) string {
	user := ""
	for _, r := range recs {
		if r.Line != line || (int(r.Pid) != pid && int(r.Session) != pid) {
			continue
		}
		switch r.Type {
		case utmp.UserProcess:
			return r.User
		case utmp.LoginProcess:
			user = r.User // LOGIN: nobody has logged in yet
		}
	}
	return user
}
