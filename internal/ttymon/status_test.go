package ttymon

import (
	"testing"

	"github.com/linux-saf/saf/internal/utmp"
)

// The user of a session comes from utmp: the record of the service's
// pid, or of its session when login forked (see markDead); LOGIN until
// the user's record is there; nothing from another line.
func TestSessionUser(t *testing.T) {
	recs := []utmp.Record{
		{Type: utmp.UserProcess, Pid: 10, Session: 10, Line: "pts/9", User: "other-line"},
		{Type: utmp.LoginProcess, Pid: 10, Session: 10, Line: "pts/1", User: "LOGIN"},
		{Type: utmp.DeadProcess, Pid: 20, Session: 20, Line: "pts/2", User: "gone"},
		{Type: utmp.UserProcess, Pid: 31, Session: 30, Line: "pts/3", User: "alice"},
	}
	for _, tt := range []struct {
		pid  int
		line string
		want string
	}{
		{10, "pts/1", "LOGIN"},
		{20, "pts/2", ""},
		{30, "pts/3", "alice"}, // login's child wrote it, in the service's session
		{10, "pts/7", ""},
		{99, "pts/1", ""},
	} {
		if got := sessionUser(recs, tt.pid, tt.line); got != tt.want {
			t.Errorf("sessionUser(pid %d, %s) = %q, want %q", tt.pid, tt.line, got, tt.want)
		}
	}
}
