// Script tests for the admin commands: one txtar file per scenario under
// testdata/script, with the input tables, the commands, and the expected
// stdout, stderr and exit status (cmd/go's testdata/script style).
//
// Every script runs with SAF_ROOT=$WORK/root, so the commands act on a
// sandbox and run as any user. A script creates what it needs under
// $WORK/root with the testscript "mkdir" and file sections.
package admin_test

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/admin/nlsadmin"
	"github.com/linux-saf/saf/internal/admin/pmadm"
	"github.com/linux-saf/saf/internal/admin/sacadm"
	"github.com/linux-saf/saf/internal/admin/sttydefs"
	"github.com/linux-saf/saf/internal/admin/ttyadm"
	"github.com/rogpeppe/go-internal/testscript"
)

func mainFunc(m func([]string, io.Reader, io.Writer, io.Writer) int) func() {
	return func() { os.Exit(m(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
}

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sacadm":   mainFunc(sacadm.Main),
		"pmadm":    mainFunc(pmadm.Main),
		"ttyadm":   mainFunc(ttyadm.Main),
		"nlsadmin": mainFunc(nlsadmin.Main),
		"sttydefs": mainFunc(sttydefs.Main),
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("SAF_ROOT", filepath.Join(env.WorkDir, "root"))
			env.Setenv("NL", "\n") // scripts cannot quote a newline
			env.Setenv("LONG", strings.Repeat("x", 599))
			env.Setenv("LONG400", strings.Repeat("y", 400))
			env.Setenv("TZ", "UTC") // sacadm --status prints local times

			return os.MkdirAll(filepath.Join(env.WorkDir, "root", "etc", "saf"), 0o755)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":  cmdStatus,
			"fakesac": cmdFakeSac,
			"fakepm":  cmdFakePM,
		},
	})
}

// cmdStatus runs a program and checks its exact exit status:
//
//	status N prog [args...]
//
// Its stdout and stderr are kept for the stdout/stderr commands that follow,
// as with exec.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N prog [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: bad exit status %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("status: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}
