package listen

import (
	"bytes"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linux-saf/saf/saf/nlsaddr"
	"github.com/linux-saf/saf/saf/pmstatus"
	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// The status socket (saf/pmstatus, our extension): sacadm --status asks the
// listener which services it has loaded, the state of each and the
// sessions running on them.
//
// The cost per connection is what the benchmark allows (e2e
// BenchmarkListen): one map insert when a service starts
// (sessionStarted) and one delete when it is reaped (sessionEnded), under
// a mutex. Everything else (formatting the peer, checking that a pid is
// still ours, the table) is done when sacadm asks, in the status server's
// goroutine. The table is published by the main loop after every (re-)read
// (publishStatus), since only the main loop may look at the endpoints.
//
// The session map is the package's, not the listener's, because the
// reaper (reap.go, reaped in utmp.go) knows only pids; each session
// names the listener that started it (tests run several in one process).

// liveSession is one running service the listener started.
type liveSession struct {
	owner *listener
	code  string        // the service code
	peer  unix.Sockaddr // the caller, formatted only when asked
	since time.Time
}

var (
	sessMu   sync.Mutex
	sessions = map[int]liveSession{} // by pid
)

// sessionStarted records the service pid started for a connection from
// peer on service code.
func (l *listener) sessionStarted(code string, pid int, peer unix.Sockaddr) {
	ls := liveSession{owner: l, code: code, peer: peer, since: time.Now()}
	sessMu.Lock()
	sessions[pid] = ls
	sessMu.Unlock()
}

// sessionEnded forgets the service pid, which has been reaped. A child
// reaped before sessionStarted recorded it leaves an entry that snapshot
// removes (it is then no child of ours).
func sessionEnded(pid int) {
	sessMu.Lock()
	delete(sessions, pid)
	sessMu.Unlock()
}

// statusState is a listener's status server and published table.
type statusState struct {
	started time.Time
	table   atomic.Pointer[publishedTable]
	srv     io.Closer
}

// publishedTable is the status of every service, and the socket files of
// those bound to one, as the main loop last saw them.
type publishedTable struct {
	services []pmstatus.Service
	files    []socketFile
}

// socketFile is the socket file of services[index].
type socketFile struct {
	index int
	path  string
	id    [2]uint64
}

// statusStates holds each running listener's statusState (one in the
// listen program; several in tests).
var statusStates sync.Map // *listener -> *statusState

// startStatus publishes the table svcs and starts the status server. It
// returns the function that stops it. Without the socket the listener
// works as before; sacadm then shows only what _pmtab says.
func (l *listener) startStatus(svcs []*service) (stop func()) {
	ss := &statusState{started: time.Now()}
	statusStates.Store(l, ss)
	l.publishStatus(svcs)
	srv, err := pmstatus.Serve(l.root.PMStatus(l.tag), func() pmstatus.Status { return l.snapshot(ss) })
	if err != nil {
		l.logf(msgNoStatus, err)
	}
	return func() {
		if srv != nil {
			_ = srv.Close() // only a close error of a listening socket
		}
		statusStates.Delete(l)
	}
}

// publishStatus records the services of the table just (re-)read and
// the state of each. It runs in the main loop, after the endpoints were
// bound, and reads the table file once more for the entries' lines.
func (l *listener) publishStatus(svcs []*service) {
	v, ok := statusStates.Load(l)
	if !ok {
		return
	}
	eps := map[string]*endpoint{}
	for _, ep := range l.eps {
		eps[ep.svc.Load().Code] = ep
	}
	lines := tableLines(l.root.PMTab(l.tag))
	out := make([]pmstatus.Service, 0, len(svcs))
	var files []socketFile
	for _, s := range svcs {
		ps := pmstatus.Service{Tag: s.Code, Since: time.Now()}
		ep := eps[s.Code]
		switch {
		case s.disabled():
			ps.State = "disabled"
		case ep != nil:
			ps.State = "listening"
		case !s.bindable():
			ps.State = "no-address"
		default:
			ps.State = "not-bound"
		}
		switch {
		case ep != nil:
			ps.Where = endpointWhere(ep)
			if ep.path != "" {
				files = append(files, socketFile{len(out), ep.path, ep.pathID})
			}
		case s.Address != "":
			ps.Where = nlsaddr.Readable(s.Address)
		}
		// The line the entry was read from; the file may have been
		// replaced since, so it must still be this entry's.
		if s.Line >= 1 && s.Line <= len(lines) {
			if key := entryKey(lines[s.Line-1]); strings.HasPrefix(key, s.Code+":") {
				ps.Entry = key
			}
		}
		out = append(out, ps)
	}
	v.(*statusState).table.Store(&publishedTable{services: out, files: files})
}

// tableLines returns the physical lines of the table at path.
func tableLines(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil // no entry lines in the status; nothing else changes
	}
	return strings.Split(string(bytes.TrimSuffix(data, []byte("\n"))), "\n")
}

// entryKey is a raw line as the status reports it: up to the first '#'
// (the listener's comment rule, table.go), surrounding blanks removed.
func entryKey(raw string) string {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	return strings.Trim(raw, " \t\n\v\f\r")
}

// endpointWhere is the address an endpoint is bound to, readable.
func endpointWhere(ep *endpoint) string {
	if !ep.dynamic {
		return nlsaddr.Readable(ep.addr)
	}
	if ap, err := nlsaddr.ParseSockaddr(ep.local); err == nil {
		return ap.String()
	}
	return `\x` + nlsaddr.Hex(ep.local)
}

// peerString formats a caller's address.
func peerString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		ip := netip.AddrFrom16(a.Addr)
		if a.ZoneId != 0 {
			ip = ip.WithZone(strconv.Itoa(int(a.ZoneId)))
		}
		return netip.AddrPortFrom(ip, uint16(a.Port)).String()
	case *unix.SockaddrUnix:
		if a.Name == "" {
			return "unix"
		}
		return a.Name
	}
	return ""
}

// snapshot is the status document; it runs in the status server's
// goroutine.
func (l *listener) snapshot(ss *statusState) pmstatus.Status {
	st := pmstatus.Status{Tag: l.tag, Type: "listen", PID: os.Getpid(), Since: ss.started, State: "disabled"}
	if l.pm != nil && l.pm.State() == sacmsg.Enabled {
		st.State = "enabled"
	}
	if t := ss.table.Load(); t != nil {
		st.Services = slices.Clone(t.services)
		// A socket file someone removed is reported, and bound again by
		// the main loop (rebindGone): nobody can connect to it by name.
		for _, f := range t.files {
			ep := endpoint{path: f.path, pathID: f.id}
			if ep.fileGone() {
				st.Services[f.index].State = "socket-missing"
				select {
				case l.rebind <- struct{}{}:
				default:
				}
			}
		}
	}
	byCode := map[string]int{}
	for i, s := range st.Services {
		byCode[s.Tag] = i
	}
	type entry struct {
		pid int
		liveSession
	}
	var mine []entry
	sessMu.Lock()
	for pid, ls := range sessions {
		if ls.owner == l {
			mine = append(mine, entry{pid, ls})
		}
	}
	sessMu.Unlock()
	slices.SortFunc(mine, func(a, b entry) int { return a.pid - b.pid })
	self := os.Getpid()
	for _, e := range mine {
		if !childOf(e.pid, self) {
			// Reaped before it was recorded (see sessionEnded), unless
			// a new session has taken the pid meanwhile.
			sessMu.Lock()
			if cur, ok := sessions[e.pid]; ok && cur == e.liveSession {
				delete(sessions, e.pid)
			}
			sessMu.Unlock()
			continue
		}
		i, ok := byCode[e.code]
		if !ok {
			// Its entry is gone from the table; the session goes on.
			st.Services = append(st.Services, pmstatus.Service{Tag: e.code, State: "removed"})
			i = len(st.Services) - 1
			byCode[e.code] = i
		}
		st.Services[i].Sessions = append(st.Services[i].Sessions,
			pmstatus.Session{PID: e.pid, Peer: peerString(e.peer), Since: e.since})
	}
	return st
}

// childOf reports whether pid is a live (not yet reaped) child of
// parent, from /proc/<pid>/stat.
func childOf(pid, parent int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 2 {
		return false
	}
	ppid, err := strconv.Atoi(string(f[1]))
	return err == nil && ppid == parent
}
