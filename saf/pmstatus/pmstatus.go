// Package pmstatus is how a port monitor tells sacadm what it is doing:
// which services or ports it has loaded, the state of each, and the
// sessions running on them. It is an extension of ours; the original SAF
// had no such channel (sacadm -l shows only what sac knows).
//
// # Transport
//
// A port monitor that supports it listens on an AF_UNIX stream socket at
// /etc/saf/<pmtag>/_status (paths.Root.PMStatus, under SAF_ROOT), mode
// 0600. On every connection it writes one JSON document, a Status, and
// closes; the client sends nothing. Serve is the server side, Query the
// client side; Query believes only a server whose process runs as root
// or as the querying user (SO_PEERCRED). A port monitor that does not
// answer (none listening, a third-party one) is simply not queried
// further: sacadm then shows what its _pmtab says.
//
// # Document
//
//	{
//	  "version": 1,
//	  "tag": "tcp",                       port monitor tag
//	  "type": "listen",                   port monitor type
//	  "pid": 1234,
//	  "since": "2026-11-21T08:00:00Z",    RFC 3339, when it started
//	  "state": "enabled",                 "enabled" or "disabled"
//	  "services": [{
//	    "tag": "lp",                      service tag (ttymon port tag, listen service code)
//	    "state": "listening",             see below
//	    "where": "127.0.0.1:21000",       device, or the address bound
//	    "entry": "lp::root:...",          the _pmtab line it was loaded from, without
//	                                      its comment and surrounding blanks
//	    "since": "...",                   when it entered its state (may be absent)
//	    "sessions": [{
//	      "pid": 5678,                    the session's process (a process group leader)
//	      "user": "alice",                who, when known (utmp)
//	      "peer": "127.0.0.1:40000",      the caller, for a network service
//	      "line": "pts/3",                the utmp line, when there is one
//	      "since": "..."
//	    }]
//	  }]
//	}
//
// States are short lower-case words. ttymon uses waiting (the line is
// open, the prompt shown), prompting (a per-port child reads the login
// name), session (a service runs), disabled, idle (not monitored now:
// init-only or ttymon disabled), failed (respawning too rapidly, or
// its pseudo-terminal is gone),
// yielded-to-dial-out (a dial-out program holds the line), busy (another
// session owns the line), unavailable (the device cannot be opened) and
// opening. listen uses listening, disabled, no-address (reached only
// through the NLPS server), not-bound (the address could not be bound)
// and socket-missing (its socket file was removed; listen binds it
// again).
//
// # Versioning
//
// Version is 1. Readers ignore fields they do not know, so fields may be
// added without a new version; a change of the meaning of a field needs
// a new version number, and readers refuse versions above theirs.
package pmstatus

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Version is the document version this package writes and the highest it
// reads.
const Version = 1

// MaxSize bounds a status document: a reader stops there, so a confused
// or hostile port monitor cannot make sacadm read without end. A session
// takes about 120 bytes, so this allows several thousand.
const MaxSize = 1 << 20

// Status is what a port monitor reports about itself.
type Status struct {
	Version  int       `json:"version"`
	Tag      string    `json:"tag"`
	Type     string    `json:"type"`
	PID      int       `json:"pid"`
	Since    time.Time `json:"since,omitzero"`
	State    string    `json:"state,omitempty"`
	Services []Service `json:"services"`
}

// Service is one loaded _pmtab entry.
type Service struct {
	Tag      string    `json:"tag"`
	State    string    `json:"state"`
	Where    string    `json:"where,omitempty"`
	Entry    string    `json:"entry,omitempty"`
	Since    time.Time `json:"since,omitzero"`
	Sessions []Session `json:"sessions"`
}

// Session is one live session of a service.
type Session struct {
	PID   int       `json:"pid"`
	User  string    `json:"user,omitempty"`
	Peer  string    `json:"peer,omitempty"`
	Line  string    `json:"line,omitempty"`
	Since time.Time `json:"since,omitzero"`
}

// Errors of Parse; test with errors.Is.
var (
	ErrSyntax  = errors.New("pmstatus: not a status document")
	ErrVersion = errors.New("pmstatus: unsupported version")
	ErrTooBig  = errors.New("pmstatus: document too large")
	// ErrStranger: Query found the socket served by a process of another
	// user than root or the caller's.
	ErrStranger = errors.New("pmstatus: the status socket is served by another user")
)

// Marshal returns the wire form of st: one JSON document and a newline.
// Version is set to Version and nil slices are written as [] so readers
// in other languages see lists, never null.
func Marshal(st Status) ([]byte, error) {
	st.Version = Version
	if st.Services == nil {
		st.Services = []Service{}
	}
	svcs := make([]Service, len(st.Services))
	for i, s := range st.Services {
		if s.Sessions == nil {
			s.Sessions = []Session{}
		}
		svcs[i] = s
	}
	st.Services = svcs
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("pmstatus: %w", err)
	}
	if len(b) >= MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooBig, len(b), MaxSize-1)
	}
	return append(b, '\n'), nil
}

// Parse decodes a status document as read from a port monitor: untrusted
// bytes. It fails with ErrTooBig for more than MaxSize bytes, ErrSyntax
// for anything that is not one JSON object of the right shape (trailing
// white space allowed), and ErrVersion for a version it does not know (0,
// negative, or above Version).
func Parse(b []byte) (Status, error) {
	if len(b) > MaxSize {
		return Status{}, fmt.Errorf("%w: more than %d bytes", ErrTooBig, MaxSize)
	}
	var st Status
	if err := json.Unmarshal(b, &st); err != nil {
		return Status{}, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if st.Version < 1 || st.Version > Version {
		return Status{}, fmt.Errorf("%w: %d (this program reads 1 to %d)", ErrVersion, st.Version, Version)
	}
	return st, nil
}

// Find returns the service with tag, or nil. The pointer is into
// st.Services, shared by every copy of st.
func (st Status) Find(tag string) *Service {
	for i := range st.Services {
		if st.Services[i].Tag == tag {
			return &st.Services[i]
		}
	}
	return nil
}
