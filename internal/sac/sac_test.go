package sac

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/linux-saf/saf/saf/paths"
	"github.com/linux-saf/saf/saf/sacmsg"
	"github.com/linux-saf/saf/saf/sactab"
)

func TestSplitCommand(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
		err  error
	}{
		{"/usr/lib/saf/ttymon", []string{"/usr/lib/saf/ttymon"}, nil},
		{"/usr/lib/saf/listen  tcp\t-m x", []string{"/usr/lib/saf/listen", "tcp", "-m", "x"}, nil},
		{`/bin/pm 'a b' "c d"`, []string{"/bin/pm", "a b", "c d"}, nil},
		{`/bin/pm 'it\'s'`, []string{"/bin/pm", "it's"}, nil},
		{`/bin/pm "a\"b"`, []string{"/bin/pm", `a"b`}, nil},
		{`/bin/pm a\b`, []string{"/bin/pm", `a\b`}, nil},
		{`/bin/pm ab'c d'`, []string{"/bin/pm", "c d"}, nil}, // text before the quote is dropped
		{` /bin/pm`, []string{"", "/bin/pm"}, nil},           // leading blank: empty argv[0]
		{`/bin/pm 'open`, nil, errUnterminated},
		{"", nil, nil},
		{strings.Repeat("a ", 50), make50("a"), nil},
		{strings.Repeat("a ", 51), nil, errTooManyArgs},
	} {
		got, err := splitCommand(tt.in)
		if err != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func make50(w string) []string {
	out := make([]string, 50)
	for i := range out {
		out[i] = w
	}
	return out
}

func TestParseArgs(t *testing.T) {
	for _, tt := range []struct {
		args []string
		n    int
		ok   bool
	}{
		{[]string{"-t", "300"}, 300, true},
		{[]string{"-t300"}, 300, true},
		{[]string{"-t", "10x"}, 10, true},
		{nil, 0, false},
		{[]string{"-t", "0"}, 0, false},
		{[]string{"-t", "abc"}, 0, false},
		{[]string{"-t", "5", "-t", "6"}, 0, false},
		{[]string{"-t"}, 0, false},
		{[]string{"-x"}, 0, false},
		{[]string{"-t", "5", "extra"}, 0, false},
	} {
		n, ok := parseArgs(tt.args)
		if ok != tt.ok || ok && n != tt.n {
			t.Errorf("parseArgs(%q) = %d, %v; want %d, %v", tt.args, n, ok, tt.n, tt.ok)
		}
	}
}

func TestUsageGoesToStderr(t *testing.T) {
	var out bytes.Buffer
	if code := Main([]string{"-t", "0"}, nil, nil, &out); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if out.String() != "SAC: Usage: sac -t sanity_interval\n" {
		t.Fatalf("stderr %q", out.String())
	}
}

// newTestSac is a controller with no files behind it: enough to drive the
// state machine of replies and admin requests.
func newTestSac(t *testing.T) (*sac, *[]string) {
	var logged []string
	s := &sac{root: paths.New(t.TempDir())}
	s.logf = func(format string, args ...any) {
		logged = append(logged, strings.TrimSpace(sprintf(format, args...)))
	}
	return s, &logged
}

// The rules for replies (docs/original.md#reading-replies).
func TestHandleMsgStateTable(t *testing.T) {
	const (
		NR = sacmsg.NotRunning
		ST = sacmsg.Starting
		EN = sacmsg.Enabled
		DI = sacmsg.Disabled
		SP = sacmsg.Stopping
		UN = sacmsg.Unknown
	)
	for _, tt := range []struct {
		s, p, l  sacmsg.State
		reply    byte
		wantS    sacmsg.State
		wantP    sacmsg.State
		wantL    sacmsg.State
		wantLogs string
	}{
		{UN, UN, NR, 2, EN, EN, EN, ""}, // recovery takes the reported state
		{UN, UN, NR, 4, SP, SP, NR, ""}, // recovery, stopping: lstate untouched
		{EN, EN, EN, 3, EN, DI, EN, ""}, // changed without orders
		{EN, ST, EN, 2, EN, EN, EN, "port monitor <a> changed state from STARTING to ENABLED"},
		{DI, EN, DI, 1, DI, ST, DI, ""}, // S≠P, S≠R, P≠R: P = R
		{NR, SP, NR, 2, NR, SP, NR, ""}, // but never out of STOPPING
		{EN, ST, EN, 9, EN, UN, EN, "port monitor <a> reporting invalid state"},
	} {
		s, logs := newTestSac(t)
		p := &pm{tag: "a", sstate: tt.s, pstate: tt.p, lstate: tt.l}
		s.pms = []*pm{p}
		s.handleMsg(sacmsg.PMMsg{Type: sacmsg.PMStatus, State: tt.reply, Tag: "a"})
		if p.sstate != tt.wantS || p.pstate != tt.wantP || p.lstate != tt.wantL || !p.ok {
			t.Errorf("S=%s P=%s reply %d: got S=%s P=%s L=%s ok=%v; want S=%s P=%s L=%s", tt.s, tt.p, tt.reply,
				p.sstate, p.pstate, p.lstate, p.ok, tt.wantS, tt.wantP, tt.wantL)
		}
		if got := strings.Join(*logs, "|"); got != tt.wantLogs {
			t.Errorf("S=%s P=%s reply %d: logged %q, want %q", tt.s, tt.p, tt.reply, got, tt.wantLogs)
		}
	}
}

func TestHandleMsgOddMessages(t *testing.T) {
	s, logs := newTestSac(t)
	p := &pm{tag: "a", sstate: sacmsg.Enabled, pstate: sacmsg.Enabled}
	s.pms = []*pm{p}
	s.handleMsg(sacmsg.PMMsg{Type: sacmsg.PMStatus, State: 2, Tag: "nobody"})
	s.handleMsg(sacmsg.PMMsg{Type: sacmsg.PMUnknown, State: 2, Tag: "a"})
	s.handleMsg(sacmsg.PMMsg{Type: 7, State: 3, Tag: "a"})
	want := []string{"message from unknown process", "port monitor <a> didn't recognize message",
		"port monitor <a> sent an invalid message - ignoring it"}
	if !reflect.DeepEqual(*logs, want) {
		t.Errorf("logged %q, want %q", *logs, want)
	}
	if p.pstate != sacmsg.Enabled || !p.ok {
		t.Errorf("an invalid message changed the state: %+v", p)
	}
}

// The request table (docs/architecture.md#request-handling-in-sac), for
// requests that need no process.
func TestAdminTable(t *testing.T) {
	const (
		NR = sacmsg.NotRunning
		EN = sacmsg.Enabled
		DI = sacmsg.Disabled
		FA = sacmsg.Failed
		UN = sacmsg.Unknown
	)
	for _, tt := range []struct {
		req   byte
		state sacmsg.State
		want  byte
	}{
		{sacmsg.ACStart, UN, sacmsg.AKRecover},
		{sacmsg.ACStart, EN, sacmsg.AKPMRun},
		{sacmsg.ACStart, DI, sacmsg.AKPMRun},
		{sacmsg.ACKill, UN, sacmsg.AKRecover},
		{sacmsg.ACKill, NR, sacmsg.AKPMNotRun},
		{sacmsg.ACKill, FA, sacmsg.AKPMNotRun},
		{sacmsg.ACEnable, NR, sacmsg.AKPMNotRun},
		{sacmsg.ACEnable, EN, sacmsg.AKAck},
		{sacmsg.ACDisable, DI, sacmsg.AKAck},
		{sacmsg.ACDisable, FA, sacmsg.AKPMNotRun},
		{sacmsg.ACKillForce, UN, sacmsg.AKRecover},
		{sacmsg.ACKillForce, NR, sacmsg.AKPMNotRun},
		{sacmsg.ACKillForce, FA, sacmsg.AKPMNotRun},
		{sacmsg.ACPMRead, NR, sacmsg.AKPMNotRun},
		{sacmsg.ACPMRead, UN, sacmsg.AKRecover},
	} {
		s, _ := newTestSac(t)
		s.pms = []*pm{{tag: "a", sstate: tt.state, pstate: tt.state}}
		got, _ := s.admin(sacmsg.AdmCmd{Type: tt.req, Tag: "a"})
		if got.Resp != tt.want {
			t.Errorf("request %d in state %s: reply %d, want %d", tt.req, tt.state, got.Resp, tt.want)
		}
	}
	s, logs := newTestSac(t)
	if got, _ := s.admin(sacmsg.AdmCmd{Type: sacmsg.ACEnable, Tag: "zz"}); got.Resp != sacmsg.AKNoPM {
		t.Errorf("unknown tag: %d", got.Resp)
	}
	if got, _ := s.admin(sacmsg.AdmCmd{Type: 99, Tag: "zz"}); got.Resp != sacmsg.AKUnknown || (*logs)[0] != "Got unknown message for <zz>" {
		t.Errorf("unknown request: %d %q", got.Resp, *logs)
	}
}

func TestStatusListing(t *testing.T) {
	s, _ := newTestSac(t)
	s.pms = []*pm{
		{tag: "a", pmtype: "ttymon", flags: sactab.FlagD, rsmax: 2, pstate: sacmsg.Enabled, cmd: "/x", comment: "c:d"},
		{tag: "b", pmtype: "listen", flags: sactab.FlagX, pstate: sacmsg.NotRunning, cmd: "/y", comment: " "},
	}
	a, data := s.status()
	if a.Resp != sacmsg.AKAck || string(data) != "a:ttymon:1:2:2:/x:c:d\nb:listen:2:0:0:/y: \n" {
		t.Fatalf("status = %d %q", a.Resp, data)
	}
}

func TestIState(t *testing.T) {
	for _, tt := range []struct {
		flags  sactab.Flags
		lstate sacmsg.State
		want   string
	}{
		{0, sacmsg.NotRunning, "enabled"},
		{sactab.FlagD, sacmsg.NotRunning, "disabled"},
		{sactab.FlagD, sacmsg.Enabled, "enabled"},
		{0, sacmsg.Disabled, "disabled"},
	} {
		p := &pm{flags: tt.flags, lstate: tt.lstate}
		if got := p.istate(); got != tt.want {
			t.Errorf("flags %v lstate %s: ISTATE %s, want %s", tt.flags, tt.lstate, got, tt.want)
		}
	}
}

var sprintf = fmt.Sprintf

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	if code := Main([]string{"--help"}, nil, &out, nil); code != 0 || out.String() != "Usage: sac -t sanity_interval\n" {
		t.Fatalf("sac --help: %d %q", code, out.String())
	}
}
