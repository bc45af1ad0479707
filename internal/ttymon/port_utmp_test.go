package ttymon

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/utmp"
)

// TestMarkDeadForkedLogin pins the utmp clean-up after a login that forks
// (shadow's /bin/login, found by e2e TestTTYMonRealLoginSharedUtmp): the
// user's record has the pid of login's child and the service's session,
// and must still become DEAD_PROCESS when the service ends.
func TestMarkDeadForkedLogin(t *testing.T) {
	dir := t.TempDir()
	utmpPath, wtmpPath := filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp")
	now := time.Unix(1_700_000_000, 0)
	const svc, child = 4000, 4013
	// ttymon's LOGIN_PROCESS record, then login's child replaces it
	// (same ut_id) with the user's record.
	if err := utmp.Login(utmpPath, svc, "pts/7", "ts/7", now); err != nil {
		t.Fatal(err)
	}
	user := utmp.Record{Type: utmp.UserProcess, Pid: child, Line: "pts/7", ID: "ts/7", User: "alice", Session: svc, Time: now}
	if err := utmp.Put(utmpPath, user); err != nil {
		t.Fatal(err)
	}
	// Another session's record on another line is none of ours.
	other := utmp.Record{Type: utmp.UserProcess, Pid: 5001, Line: "pts/8", ID: "ts/8", User: "bob", Session: svc, Time: now}
	if err := utmp.Put(utmpPath, other); err != nil {
		t.Fatal(err)
	}

	if err := markDead(utmpPath, wtmpPath, svc, "pts/7", 0, now.Add(time.Minute)); err != nil {
		t.Fatalf("markDead: %v", err)
	}
	recs, err := utmp.ReadFile(utmpPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		switch r.Line {
		case "pts/7":
			if r.Type != utmp.DeadProcess || r.Pid != child || r.User != "" {
				t.Errorf("record of pts/7 after markDead: %+v", r)
			}
		case "pts/8":
			if r.Type != utmp.UserProcess {
				t.Errorf("markDead touched another line's record: %+v", r)
			}
		}
	}
	wtmp, err := utmp.ReadFile(wtmpPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(wtmp) != 1 || wtmp[0].Type != utmp.DeadProcess || wtmp[0].Line != "pts/7" {
		t.Errorf("wtmp after markDead: %+v", wtmp)
	}

	// Nothing left of that session: ErrNoRecord, as from utmp.Dead.
	if err := markDead(utmpPath, wtmpPath, svc, "pts/7", 0, now); !errors.Is(err, utmp.ErrNoRecord) {
		t.Errorf("second markDead: %v, want ErrNoRecord", err)
	}
}
