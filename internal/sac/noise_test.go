package sac

import (
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/sacmsg"
)

// A port monitor writing garbage to _sacpipe in a loop gets one log line
// a second per kind of complaint, not one per message (make stress's
// garbage port monitor once made sac log 30 lines per start).
func TestHandleMsgGarbageIsRateLimited(t *testing.T) {
	s, logs := newTestSac(t)
	p := &pm{tag: "a", sstate: sacmsg.Enabled, pstate: sacmsg.Enabled}
	s.pms = []*pm{p}
	for i := 0; i < 1000; i++ {
		s.handleMsg(sacmsg.PMMsg{Type: sacmsg.PMStatus, State: 2, Tag: "nobody"})
		s.handleMsg(sacmsg.PMMsg{Type: 7, State: 3, Tag: "a"})
		s.handleMsg(sacmsg.PMMsg{Type: sacmsg.PMStatus, State: 9, Tag: "a"})
	}
	want := []string{"message from unknown process", "port monitor <a> sent an invalid message - ignoring it",
		"port monitor <a> reporting invalid state"}
	if len(*logs) != len(want) {
		t.Fatalf("logged %d lines for 3000 bad messages, want %d: %q", len(*logs), len(want), *logs)
	}
	// A second later the next one is logged, with the count of those
	// left out.
	for _, n := range s.noise {
		n.last = n.last.Add(-2 * time.Second)
	}
	s.handleMsg(sacmsg.PMMsg{Type: sacmsg.PMStatus, State: 2, Tag: "nobody"})
	if got, want := (*logs)[len(*logs)-1], "message from unknown process (999 more in the last 2 s)"; got != want {
		t.Errorf("logged %q, want %q", got, want)
	}
	if p.pstate != sacmsg.Unknown || !p.ok {
		t.Errorf("the messages were not handled: %+v", p)
	}
}
