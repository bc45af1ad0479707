package admin_test

import (
	"path/filepath"

	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/pmstatus"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdFakePM stands in for a running port monitor's status socket
// (saf/pmstatus) for the rest of the script:
//
//	fakepm TAG FILE
//
// answers every query on /etc/saf/TAG/_status with the JSON document in
// FILE, which must parse.
func cmdFakePM(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: fakepm TAG FILE")
	}
	st, err := pmstatus.Parse([]byte(ts.ReadFile(args[1])))
	ts.Check(err)
	root := paths.New(ts.Getenv("SAF_ROOT"))
	srv, err := pmstatus.Serve(filepath.Clean(root.PMStatus(args[0])), func() pmstatus.Status { return st })
	ts.Check(err)
	ts.Defer(func() { srv.Close() })
}
