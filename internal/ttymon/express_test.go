package ttymon

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/linux-saf/saf/internal/utmp"
	"github.com/linux-saf/saf/saf/paths"
)

func TestExpressUsage(t *testing.T) {
	root := paths.New(t.TempDir())
	usage := "Usage: ttymon\n  ttymon -g [-h] [-d device] [-l ttylabel] [-t timeout] [-p prompt] [-m modules]\n"
	for _, tc := range []struct {
		args []string
		want string // before the usage
	}{
		{[]string{"-d", "/dev/null"}, ""},
		{[]string{"-g", "operand"}, ""},
		{[]string{"-g", "--", "operand"}, ""},
		{[]string{"-g", "-x"}, "ttymon: illegal option -- x\n"},
		{[]string{"-gx"}, "ttymon: illegal option -- x\n"},
		{[]string{"-g", "-d"}, "ttymon: option requires an argument -- d\n"},
		{[]string{"-g", "-t", "soon"}, "ttymon: Invalid argument for \"-t\" -- number expected.\n"},
		{[]string{"-g", "-m", "ldterm,foo"}, "ttymon: Error - invalid STREAMS module list <ldterm,foo>.\n"},
		{[]string{"-g", "-ma,b,c,d,e,f,g,h,i,j"}, "ttymon: too many modules in <a,b,c,d,e,f,g,h,i,j>\n"},
	} {
		var stderr bytes.Buffer
		if code := expressMain(root, tc.args, &stderr); code != 1 {
			t.Errorf("%q: exit %d, want 1", tc.args, code)
		}
		if want := tc.want + usage; stderr.String() != want {
			t.Errorf("%q: stderr %q, want %q", tc.args, stderr.String(), want)
		}
	}
}

func TestGettyArguments(t *testing.T) {
	root := paths.New(t.TempDir())
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{nil, 1, "ttymon: getty: no terminal line specified.\n"},
		{[]string{"-h"}, 1, "ttymon: getty: no terminal line specified.\n"},
		{[]string{"-t", "x1", "ttyS0"}, 1, "ttymon: getty: timeout argument <x1> invalid\n"},
		{[]string{"-tx", "ttyS0"}, 1, "ttymon: getty: timeout argument <x> invalid\n"},
		{[]string{"-c", "/etc/ttydefs"}, 0, "ttymon: Use \"sttydefs -l\" to check /etc/ttydefs.\n"},
	} {
		var stderr bytes.Buffer
		if code := gettyMain(root, tc.args, &stderr); code != tc.code || stderr.String() != tc.out {
			t.Errorf("getty %q: exit %d, %q; want %d, %q", tc.args, code, stderr.String(), tc.code, tc.out)
		}
	}
}

// TestExpressAccount: init's INIT_PROCESS record of this pid becomes a
// LOGIN_PROCESS record for the line, in utmp and wtmp; without one nothing
// is written.
func TestExpressAccount(t *testing.T) {
	dir := t.TempDir()
	root := paths.New(dir)
	for _, d := range []string{"var/run", "var/log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var logged []string
	logf := func(format string, args ...any) { logged = append(logged, sprintf(format, args...)) }

	expressAccount(root, "/dev/ttyS3", logf)
	if _, err := os.Stat(root.Utmp()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("utmp written without an INIT_PROCESS record: %v", err)
	}

	now := time.Unix(1_700_000_000, 0)
	if err := utmp.Put(root.Utmp(), utmp.Record{Type: utmp.InitProcess, Pid: int32(os.Getpid()), ID: "co", Line: "console", Time: now}); err != nil {
		t.Fatal(err)
	}
	expressAccount(root, "/dev/ttyS3", logf)
	recs, err := utmp.ReadFile(root.Utmp())
	if err != nil || len(recs) != 1 {
		t.Fatalf("utmp: %+v, %v", recs, err)
	}
	r := recs[0]
	if r.Type != utmp.LoginProcess || r.User != "LOGIN" || r.Line != "ttyS3" || r.ID != "co" || int(r.Pid) != os.Getpid() {
		t.Errorf("utmp record %+v", r)
	}
	wtmp, err := utmp.ReadFile(root.Wtmp())
	if err != nil || len(wtmp) != 1 || wtmp[0].Type != utmp.LoginProcess {
		t.Errorf("wtmp: %+v, %v", wtmp, err)
	}
	if len(logged) > 0 {
		t.Errorf("logged %q", logged)
	}
}

// TestExpressTimeoutRange: a -t too large for the C int the timeout is kept
// in is refused, as ttyadm refuses it, instead of being read as no timeout
// at all; the largest one is taken.
func TestExpressTimeoutRange(t *testing.T) {
	for _, tc := range []struct {
		t    string
		want int
		ok   bool
	}{
		{"2147483647", 2147483647, true},
		{"2147483648", 0, false},
		{"99999999999999999999", 0, false},
	} {
		var logged []string
		o, err := parseExpress([]string{"-g", "-t", tc.t}, func(s string) { logged = append(logged, s) })
		if tc.ok != (err == nil) || err == nil && o.timeout != tc.want {
			t.Errorf("ttymon -g -t %s: timeout %d, %v; want %d, ok %v", tc.t, o.timeout, err, tc.want, tc.ok)
		}
		if n, ok := digits(tc.t); ok != tc.ok || n != tc.want {
			t.Errorf("digits(%q) = %d, %v; want %d, %v (getty -t)", tc.t, n, ok, tc.want, tc.ok)
		}
	}
}
