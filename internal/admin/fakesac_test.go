package admin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/linux-saf/saf/saf/lockfile"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/rogpeppe/go-internal/testscript"
)

var ackNames = map[string]byte{
	"ACK": sacmsg.AKAck, "PMRUN": sacmsg.AKPMRun, "PMNOTRUN": sacmsg.AKPMNotRun, "NOPM": sacmsg.AKNoPM,
	"UNKNOWN": sacmsg.AKUnknown, "NOCONTACT": sacmsg.AKNoContact, "PMLOCK": sacmsg.AKPMLock,
	"RECOVER": sacmsg.AKRecover, "REQFAIL": sacmsg.AKReqFail, "BOGUS": 42,
}

var reqNames = map[byte]string{
	sacmsg.ACStart: "START", sacmsg.ACKill: "KILL", sacmsg.ACEnable: "ENABLE", sacmsg.ACDisable: "DISABLE",
	sacmsg.ACStatus: "STATUS", sacmsg.ACSacRead: "SACREAD", sacmsg.ACPMRead: "PMREAD",
	sacmsg.ACKillForce: "KILLFORCE",
}

// cmdFakeSac stands in for a running sac for the rest of the script: it
// holds the record lock on /var/saf/_log (so the commands see sac running)
// and answers the admin channel.
//
//	fakesac [reply=NAME] [status=FILE] [hangup]
//
// reply names the answer to every request (ACK, PMRUN, PMNOTRUN, NOPM,
// UNKNOWN, NOCONTACT, PMLOCK, RECOVER, REQFAIL, BOGUS); status=FILE sends
// FILE's bytes as the AC_STATUS data; hangup closes every connection
// without a reply. Each request is appended to $WORK/sac.requests as
// "TYPE tag".
func cmdFakeSac(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("fakesac cannot be negated")
	}
	resp, hangup := byte(sacmsg.AKAck), false
	var status []byte
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		switch k {
		case "reply":
			r, ok := ackNames[v]
			if !ok {
				ts.Fatalf("fakesac: unknown reply %q", v)
			}
			resp = r
		case "status":
			status = []byte(ts.ReadFile(v))
		case "hangup":
			hangup = true
		default:
			ts.Fatalf("fakesac: unknown argument %q", a)
		}
	}
	root := ts.Getenv("SAF_ROOT")
	ts.Check(os.MkdirAll(filepath.Join(root, "var/saf"), 0o755))
	log, err := os.OpenFile(filepath.Join(root, "var/saf/_log"), os.O_RDWR|os.O_CREATE, 0o644)
	ts.Check(err)
	ts.Check(lockfile.LockRecord(log))
	ln, err := sacmsg.Listen(filepath.Join(root, "etc/saf/_cmdpipe"))
	ts.Check(err)
	record := filepath.Join(ts.Getenv("WORK"), "sac.requests")
	var mu sync.Mutex
	note := func(c sacmsg.AdmCmd) {
		mu.Lock()
		defer mu.Unlock()
		f, err := os.OpenFile(record, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%s %s\n", reqNames[c.Type], c.Tag)
			f.Close()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if hangup {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				buf := make([]byte, sacmsg.AdmCmdSize)
				if n, _ := c.Read(buf); n == len(buf) {
					if cmd, err := sacmsg.ParseAdmCmd(buf); err == nil {
						note(cmd)
					}
				}
				c.Close()
			}
		}
		sacmsg.Serve(ctx, ln, func(c sacmsg.AdmCmd, _ sacmsg.Cred) (sacmsg.AdmAck, []byte) {
			note(c)
			if c.Type == sacmsg.ACStatus && resp == sacmsg.AKAck {
				return sacmsg.AdmAck{Resp: resp}, status
			}
			return sacmsg.AdmAck{Resp: resp}, nil
		})
	}()
	ts.Defer(func() {
		cancel()
		ln.Close()
		<-done
		log.Close()
	})
}
