// Package pmprototest is a fake sac for testing port monitors: it lays out
// a port monitor's files under a SAF_ROOT sandbox, creates the two FIFOs as
// sac does, holds its own ends of them open read/write as sac does, sends
// sacmsg headers and reads the pmmsg replies. ttymon, listen and test port
// monitors use it, in the same process (pmproto.Open) or in a child started
// with Env.
package pmprototest

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/sacmsg"
	"golang.org/x/sys/unix"
)

// Timeout is how long Reply waits for a reply by default: generous,
// because a child port monitor may still be starting up.
const Timeout = 10 * time.Second

// Sac is sac's side of the pipes of one port monitor.
type Sac struct {
	Root paths.Root
	Tag  string

	pmpipe  *os.File // sac -> PM, held read/write like sac
	sacpipe *os.File // PM -> sac, held read/write like sac
}

// New makes /etc/saf/<tag> and /var/saf/<tag> under root (a t.TempDir()
// as a rule), the FIFOs _sacpipe and <tag>/_pmpipe (mode 0600), and opens
// them. Everything is closed by t.Cleanup.
func New(t testing.TB, root, tag string) *Sac {
	t.Helper()
	r := paths.New(root)
	for _, d := range []string{r.PMDir(tag), r.PMVarDir(tag)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &Sac{Root: r, Tag: tag}
	s.sacpipe = openFIFO(t, r.SacPipe())
	s.pmpipe = openFIFO(t, r.PMPipe(tag))
	return s
}

// openFIFO creates (if need be) and opens a FIFO read/write; the file is
// pollable, so deadlines work on it.
func openFIFO(t testing.TB, path string) *os.File {
	t.Helper()
	if err := unix.Mkfifo(path, 0o600); err != nil && !errors.Is(err, unix.EEXIST) {
		t.Fatalf("mkfifo %s: %v", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Env returns the environment sac gives the port monitor: SAF_ROOT,
// PMTAG and ISTATE ("enabled" or "disabled"), after the current
// environment without those three.
func (s *Sac) Env(istate string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		for _, k := range []string{paths.EnvVar, "PMTAG", "ISTATE"} {
			if strings.HasPrefix(kv, k+"=") {
				return true
			}
		}
		return false
	})
	return append(env, paths.EnvVar+"="+s.Root.Prefix(), "PMTAG="+s.Tag, "ISTATE="+istate)
}

// Dir is the port monitor's home, the cwd sac gives it.
func (s *Sac) Dir() string { return s.Root.PMDir(s.Tag) }

// Log is the port monitor's log file, /var/saf/<tag>/log.
func (s *Sac) Log() string { return s.Root.PMLog(s.Tag) }

// PidFile is /etc/saf/<tag>/_pid.
func (s *Sac) PidFile() string { return s.Root.PMPid(s.Tag) }

// Send writes one header of type typ with size 0, as sac's polls do.
func (s *Sac) Send(t testing.TB, typ byte) {
	t.Helper()
	b, err := sacmsg.SacMsg{Type: typ}.AppendMarshal(nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SendRaw(t, b)
}

// SendRaw writes b to _pmpipe with one write.
func (s *Sac) SendRaw(t testing.TB, b []byte) {
	t.Helper()
	if _, err := s.pmpipe.Write(b); err != nil {
		t.Fatalf("fake sac: writing %s: %v", filepath.Base(s.pmpipe.Name()), err)
	}
}

// Reply reads the next reply within Timeout and fails the test if none
// comes or it does not parse.
func (s *Sac) Reply(t testing.TB) sacmsg.PMMsg {
	t.Helper()
	m, err := s.ReadReply(Timeout)
	if err != nil {
		t.Fatalf("fake sac: no reply from %s: %v", s.Tag, err)
	}
	return m
}

// ReadReply reads the next reply, waiting at most d. Data a reply
// announces is read and dropped, as sac does.
func (s *Sac) ReadReply(d time.Duration) (sacmsg.PMMsg, error) {
	if err := s.sacpipe.SetReadDeadline(time.Now().Add(d)); err != nil {
		return sacmsg.PMMsg{}, err
	}
	var b [sacmsg.PMMsgSize]byte
	if _, err := io.ReadFull(s.sacpipe, b[:]); err != nil {
		return sacmsg.PMMsg{}, err
	}
	m, err := sacmsg.ParsePMMsg(b[:])
	if err != nil {
		return m, err
	}
	if m.Size > 0 {
		_, err = io.CopyN(io.Discard, s.sacpipe, int64(m.Size))
	}
	return m, err
}

// Poll sends a header of type typ and returns the reply.
func (s *Sac) Poll(t testing.TB, typ byte) sacmsg.PMMsg {
	t.Helper()
	s.Send(t, typ)
	return s.Reply(t)
}

// NoReply fails the test if a reply arrives within d.
func (s *Sac) NoReply(t testing.TB, d time.Duration) {
	t.Helper()
	if m, err := s.ReadReply(d); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("fake sac: want no reply within %v, got %+v, %v", d, m, err)
	}
}

// Want checks a reply against what a well-behaved port monitor sends:
// pm_type typ, pm_state state, maxclass 1, our tag, size 0.
func (s *Sac) Want(t testing.TB, got sacmsg.PMMsg, typ byte, state sacmsg.State) {
	t.Helper()
	want := sacmsg.PMMsg{Type: typ, State: byte(state), MaxClass: 1, Tag: s.Tag}
	if got != want {
		t.Errorf("reply %+v, want %+v", got, want)
	}
}
