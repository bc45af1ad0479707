package sac

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// A header that announces data it does not send (a port monitor killed
// between two writes, or garbage) must not make sac take the next port
// monitor's reply for that data (make stress's garbage port monitor once
// got a well-behaved one killed as silent). Data that does come with its
// header is skipped.
func TestReadSacPipeMissingData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "_sacpipe")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := &sac{sacpipe: f, msgs: make(chan sacmsg.PMMsg, 8), readErr: make(chan error, 1)}
	go s.readSacPipe()
	write := func(m sacmsg.PMMsg, data int) {
		b, err := m.AppendMarshal(nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(append(b, make([]byte, data)...)); err != nil {
			t.Fatal(err)
		}
	}
	write(sacmsg.PMMsg{Type: sacmsg.PMStatus, State: 2, Tag: "a", Size: 5}, 5) // data in the same write
	write(sacmsg.PMMsg{Type: sacmsg.PMStatus, State: 2, Tag: "b", Size: 240}, 0)
	write(sacmsg.PMMsg{Type: sacmsg.PMStatus, State: 3, Tag: "c"}, 0)
	want := []sacmsg.PMMsg{
		{Type: sacmsg.PMStatus, State: 2, Tag: "a", Size: 5},
		{Type: 0, State: 2, Tag: "b"}, // an invalid message, its size ignored
		{Type: sacmsg.PMStatus, State: 3, Tag: "c"},
	}
	for i, w := range want {
		select {
		case m := <-s.msgs:
			if m != w {
				t.Errorf("message %d: %+v, want %+v", i, m, w)
			}
		case err := <-s.readErr:
			t.Fatal(err)
		case <-time.After(5 * time.Second):
			t.Fatalf("message %d (%+v) not read: taken for data?", i, w)
		}
	}
}
