package sac

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/linux-saf/saf/saf/sactab"
)

// writeSacTab puts a _sactab with body under s's root.
func writeSacTab(t *testing.T, s *sac, body string) {
	t.Helper()
	if err := os.MkdirAll(s.root.SafDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.root.SacTab(), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The original's read_table maps check_version's answers to its fatal
// errors: no file is "could not open _sactab" (exit 1), another version
// "_sactab version # is incorrect" (4), and a _sactab without a version
// stamp is corrupt, "_sactab file is corrupt" (3), not of the wrong
// version.
func TestReadTableVersionStamp(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		code       int
		msg        string
	}{
		{"no stamp", "mbmon:ttymon::0:/bin/true\t#\n", 3, "_sactab file is corrupt"},
		{"no stamp, only comments", "# version=1\n#VERSION=1\n", 3, "_sactab file is corrupt"},
		{"stamp without a number at the end", "# VERSION=", 3, "_sactab file is corrupt"},
		{"wrong version", "# VERSION=2\n", 4, "_sactab version # is incorrect"},
		{"empty stamp line", "# VERSION=\n", 4, "_sactab version # is incorrect"}, // atoi("") = 0
		{"version 1", "# VERSION=1\n", 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestSac(t)
			writeSacTab(t, s, tt.body)
			err := s.readTable(false)
			var fe *fatalError
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("readTable: %v", err)
			case tt.code == 0:
			case !errors.As(err, &fe):
				t.Fatalf("readTable = %v, want a fatal error with exit %d", err, tt.code)
			case fe.code != tt.code || !isOriginal(fe.msg, tt.msg):
				t.Errorf("readTable: exit %d %q, want exit %d %q", fe.code, fe.msg, tt.code, tt.msg)
			}
		})
	}
	s, _ := newTestSac(t)
	var fe *fatalError
	if err := s.readTable(false); !errors.As(err, &fe) || fe.code != 1 || !isOriginal(fe.msg, "could not open _sactab") {
		t.Errorf("no _sactab: %v, want exit 1 \"could not open _sactab\"", err)
	}
}

// isOriginal reports whether msg is the original text orig, alone or
// followed by our detail after ": " or " (".
func isOriginal(msg, orig string) bool {
	return msg == orig || strings.HasPrefix(msg, orig+": ") || strings.HasPrefix(msg, orig+" (")
}

// What sac logs while reading a _sactab line, in the original's words
// (brackets included); it goes on.
func TestReadTableLogsLineWarnings(t *testing.T) {
	s, logs := newTestSac(t)
	writeSacTab(t, s, "# VERSION=1\n"+
		"abcdefghijklmnopq:typetypetypetypetype:xqz:0:/bin/true\t#\n"+
		"dup:t:x:0:/bin/true\t#\n"+
		"dup:t:x:0:/bin/false\t#\n")
	if err := s.readTable(false); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"tag too long, truncated to <abcdefghijklmn>",
		"type too long, truncated to <typetypetypety>",
		"Unrecognized flag <q>",
		"Unrecognized flag <z>",
		"Ignoring duplicate entry for <dup>",
	}
	if !reflect.DeepEqual(*logs, want) {
		t.Errorf("logged %q, want %q", *logs, want)
	}
	if p := s.find("abcdefghijklmn"); p == nil || p.flags != sactab.FlagX {
		t.Errorf("the truncated entry: %+v, want tag abcdefghijklmn, flag x only", p)
	}
}

// The original's checklock logs "can not open _pid file for <TAG>"
// whenever the open fails, and answers "not running": for an entry whose
// directory is missing too (sacadm -a makes it; a _sactab edited by hand
// may name a port monitor that has none).
func TestCheckLockLogsMissingPidFile(t *testing.T) {
	s, logs := newTestSac(t)
	if pid := s.checkLock("nodir"); pid != 0 {
		t.Errorf("checkLock = %d, want 0", pid)
	}
	if len(*logs) != 1 || !isOriginal((*logs)[0], "can not open _pid file for <nodir>") {
		t.Errorf("logged %q, want one \"can not open _pid file for <nodir>\"", *logs)
	}

	// The directory is there, the _pid file is not.
	*logs = nil
	if err := os.MkdirAll(s.root.PMDir("nopid"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.checkLock("nopid")
	if len(*logs) != 1 || !isOriginal((*logs)[0], "can not open _pid file for <nopid>") {
		t.Errorf("logged %q, want one \"can not open _pid file for <nopid>\"", *logs)
	}

	// An empty _pid, as sacadm -a leaves it, is simply not locked.
	*logs = nil
	if err := os.WriteFile(filepath.Join(s.root.PMDir("nopid"), "_pid"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if pid := s.checkLock("nopid"); pid != 0 || len(*logs) != 0 {
		t.Errorf("empty _pid: checkLock = %d, logged %q; want 0, nothing", pid, *logs)
	}
}

// At start-up sac tests every entry's _pid once before deciding between a
// normal start and recovery (the original's startpms), so an entry that is
// not started (flag x) and has no directory is logged once.
func TestStartAllChecksEachEntryOnce(t *testing.T) {
	s, logs := newTestSac(t)
	writeSacTab(t, s, "# VERSION=1\nnodir:t:x:0:/bin/true\t#\n")
	if err := s.readTable(false); err != nil {
		t.Fatal(err)
	}
	s.startAll()
	want := []string{"can not open _pid file for <nodir>"}
	if len(*logs) != 1 || !isOriginal((*logs)[0], want[0]) {
		t.Errorf("logged %q, want %q", *logs, want)
	}
}
