package listen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/utmp"
)

func TestUtmpRecord(t *testing.T) {
	now := time.Unix(1700000000, 0)
	for _, tt := range []struct {
		nlps              bool
		pid               int
		identity, mprefix string
		user, id, line    string
	}{
		// 4242 % 3844 = 398 = 6*62 + 26.
		{false, 4242, "daemon", "tcp", ".tcp", "ls6Q", "tcp4242"},
		{true, 4242, "daemon", "tcp", "daemon", "ps6Q", "tcp4242"},
		{false, 3844, "root", "slan", ".tcp", "ls00", "slan3844"},
		{false, 3843, "root", "", ".tcp", "lszz", "3843"},
	} {
		r := utmpRecord("tcp", tt.identity, tt.mprefix, tt.nlps, tt.pid, now)
		if r.Type != utmp.UserProcess || r.Pid != int32(tt.pid) || r.Session != int32(tt.pid) ||
			r.User != tt.user || r.ID != tt.id || r.Line != tt.line || !r.Time.Equal(now) {
			t.Errorf("utmpRecord(nlps=%v, pid %d) = %+v, want user %q id %q line %q", tt.nlps, tt.pid, r, tt.user, tt.id, tt.line)
		}
	}
}

// Flag u: the service's USER_PROCESS record is in utmp and wtmp while it
// runs, and becomes DEAD_PROCESS with its exit status when it ends.
func TestUtmpEntries(t *testing.T) {
	id := me(t)
	root, s := newRoot(t, "tcp")
	for _, d := range []string{filepath.Dir(root.Utmp()), filepath.Dir(root.Wtmp())} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pU := freePort(t, "tcp4", "127.0.0.1")
	pN := freePort(t, "tcp4", "127.0.0.1")
	writeTable(t, root, "tcp",
		entry("acct", "u", id, hexAddr(t, "127.0.0.1", pU), "c", `/bin/sh -c 'echo $$; exit 3'`)+
			entry("noacct", "", id, hexAddr(t, "127.0.0.1", pN), "c", `/bin/sh -c 'echo $$'`))
	r := startIn(t, root, s, options{args: []string{"-m", "tp", "tcp"}})

	// Without flag u nothing is written.
	readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pN)))
	r.waitLog(`svctag noacct`)
	if _, err := os.Stat(root.Utmp()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("utmp after a service without flag u: %v", err)
	}

	out := readAll(t, dial(t, "tcp4", fmt.Sprintf("127.0.0.1:%d", pU)))
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("service printed %q", out)
	}
	want := utmpRecord("tcp", id, "tp", false, pid, time.Time{})
	var recs []utmp.Record
	deadline := time.Now().Add(10 * time.Second)
	for {
		recs, err = utmp.ReadFile(root.Utmp())
		if err == nil && len(recs) == 1 && recs[0].Type == utmp.DeadProcess {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("utmp: %+v, %v; want one DEAD_PROCESS record\nlog:\n%s", recs, err, r.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := recs[0]; d.Pid != int32(pid) || d.Line != want.Line || d.ID != want.ID || d.User != "" || d.Exit != 3 || d.Termination != 0 {
		t.Errorf("utmp record %+v, want DEAD_PROCESS pid %d line %q id %q exit 3", d, pid, want.Line, want.ID)
	}
	w, err := utmp.ReadFile(root.Wtmp())
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != 2 || w[0].Type != utmp.UserProcess || w[0].User != ".tcp" || w[0].Line != "tp"+strconv.Itoa(pid) ||
		w[0].Pid != int32(pid) || w[1].Type != utmp.DeadProcess || w[1].Pid != int32(pid) || w[1].Exit != 3 {
		t.Errorf("wtmp: %+v", w)
	}
	if strings.Contains(r.log(), "utmp") {
		t.Errorf("log mentions utmp:\n%s", r.log())
	}
}
