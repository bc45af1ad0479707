package sac

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/msgtest"
)

// catalogued is one constant of messages.go.
type catalogued struct {
	name string
	kind string // "original" or "ours", the first word of its comment
	text string
}

// catalogue reads the message constants from messages.go, in file order.
func catalogue(t *testing.T) []catalogued {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "messages.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var out []catalogued
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			t.Errorf("%s: messages.go holds only constants", fset.Position(d.Pos()))
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			if len(vs.Names) != 1 || len(vs.Values) != 1 {
				t.Errorf("%s: one message per line", fset.Position(vs.Pos()))
				continue
			}
			name := vs.Names[0].Name
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: %s is not a string literal", fset.Position(vs.Pos()), name)
				continue
			}
			text, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			kind := ""
			if vs.Comment != nil {
				kind = strings.TrimSpace(vs.Comment.Text())
				if i := strings.IndexAny(kind, " :;,("); i >= 0 {
					kind = kind[:i]
				}
			}
			if kind != "original" && kind != "ours" {
				t.Errorf("%s: %s: its comment must begin with \"original\" or \"ours\", not %q", fset.Position(vs.Pos()), name, kind)
			}
			if !strings.HasPrefix(name, "msg") {
				t.Errorf("%s: %s: message constants are named msg...", fset.Position(vs.Pos()), name)
			}
			out = append(out, catalogued{name, kind, text})
		}
	}
	return out
}

// render fills format's verbs, in order, with the placeholders args, as the
// description of the original writes them (TAG, N, <strerror>): its text is
// quoted with placeholders, not with values.
func render(format string, args ...string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(format) && format[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.", format[j]) >= 0 {
			j++
		}
		if len(args) == 0 {
			return b.String() + "%!(MISSING)"
		}
		b.WriteString(args[0])
		args = args[1:]
		i = j
	}
	if len(args) > 0 {
		b.WriteString("%!(EXTRA)")
	}
	return b.String()
}

// TestMessagesOriginal pins every message the original had to its text,
// copied here from the description of the original (its tables of
// messages: start-up and the console, fatal errors, reading _sactab,
// starting a port monitor and the child that does it, polling and
// restarts, the port monitors' replies, administrative requests,
// recovery). Our detail may follow the original's text after ": " or
// " ("; a trailing newline (the console lines) is not part of the text.
func TestMessagesOriginal(t *testing.T) {
	cat := map[string]catalogued{}
	for _, c := range catalogue(t) {
		cat[c.name] = c
	}
	pinned := map[string]bool{}
	for _, tt := range []struct {
		name     string // the constant's name
		format   string // the constant
		args     []string
		original string
	}{
		// Usage and the console.
		{"msgUsage", msgUsage, nil, "SAC: Usage: sac -t sanity_interval"},
		{"msgOpenLog", msgOpenLog, []string{"/var/saf/_log", "<strerror>"}, "SAC: could not open logfile /var/saf/_log: <strerror>"},
		{"msgLockLog", msgLockLog, []string{"/var/saf/_log", "<strerror>"}, "SAC: could not lock logfile /var/saf/_log:<strerror>"},

		// Start-up and the fatal errors.
		{"msgStarting", msgStarting, nil, "*** SAC starting ***"},
		{"msgExiting", msgExiting, nil, "*** SAC exiting ***"},
		{"msgNoHome", msgNoHome, []string{"/etc/saf", "<strerror>"}, "can not chdir to home directory"},
		{"msgSysConfigSys", msgSysConfigSys, []string{"DETAIL"}, "system error in _sysconfig"},
		{"msgSysConfigLine", msgSysConfigLine, []string{"N"}, "Error in _sysconfig: line N"},
		{"msgSysConfigError", msgSysConfigError, nil, "error interpreting _sysconfig"},
		{"msgNoSacPipe", msgNoSacPipe, []string{"DETAIL"}, "could not open _sacpipe"},
		{"msgNoCmdPipe", msgNoCmdPipe, []string{"DETAIL"}, "could not create _cmdpipe"},
		{"msgNoSacTab", msgNoSacTab, []string{"/etc/saf/_sactab", "<strerror>"}, "could not open _sactab"},
		{"msgSacTabVersion", msgSacTabVersion, []string{"/etc/saf/_sactab", "N", "1"}, "_sactab version # is incorrect"},
		{"msgSacTabCorrupt", msgSacTabCorrupt, []string{"/etc/saf/_sactab", "DETAIL"}, "_sactab file is corrupt"},
		{"msgSacPipeRead", msgSacPipeRead, []string{"DETAIL"}, "read of _sacpipe failed"},

		// Reading _sactab.
		{"msgBadFlag", msgBadFlag, []string{"c"}, "Unrecognized flag <c>"},
		{"msgDuplicate", msgDuplicate, []string{"TAG"}, "Ignoring duplicate entry for <TAG>"},

		// Starting a port monitor.
		{"msgPidLocked", msgPidLocked, []string{"TAG"}, "could not start <TAG> - _pid file locked"},
		{"msgCantOpenPid", msgCantOpenPid, []string{"TAG", "DETAIL"}, "can not open _pid file for <TAG>"},
		{"msgMkPMPipe", msgMkPMPipe, []string{"TAG", "N", ""}, "Could not create _pmpipe for port monitor <TAG>, errno is N"},
		{"msgOpenPMPipe", msgOpenPMPipe, []string{"TAG", "N", ""}, "Could not open _pmpipe for port monitor <TAG>, errno is N"},
		{"msgForkPM", msgForkPM, []string{"TAG", "DETAIL"}, "Could not fork port monitor <TAG>"},

		// The child that starts a port monitor.
		{"msgChdirPM", msgChdirPM, []string{"/etc/saf/TAG", "<strerror>"}, "Cannot chdir to </etc/saf/TAG>, port monitor not started"},
		{"msgConfigSys", msgConfigSys, []string{"TAG", "DETAIL"}, "system error in _config script for <TAG>"},
		{"msgConfigLine", msgConfigLine, []string{"TAG", "N"}, "Error in _config script for <TAG>: line N"},
		{"msgExpandEnv", msgExpandEnv, []string{"TAG"}, "can't expand port monitor <TAG> environment"},
		{"msgUnterminated", msgUnterminated, []string{"TAG"}, "invalid command line, non-terminated string for port monitor TAG"},
		{"msgStartingPM", msgStartingPM, []string{"TAG"}, "starting port monitor <TAG>"},
		{"msgExecPM", msgExecPM, []string{"TAG", "<strerror>"}, "exec of port monitor <TAG> failed"},
		{"msgExecEmpty", msgExecEmpty, []string{"TAG"}, "exec of port monitor <TAG> failed"},

		// Polling, deaths, restarts.
		{"msgMessageFailed", msgMessageFailed, []string{"TAG"}, "message to <TAG> failed"},
		{"msgHasStopped", msgHasStopped, []string{"TAG"}, "<TAG> has stopped"},
		{"msgDiedRestart", msgDiedRestart, []string{"TAG"}, "<TAG> has died - trying to restart"},
		{"msgMuteRestart", msgMuteRestart, []string{"TAG"}, "<TAG> stopped responding to sanity polls - trying to restart"},
		{"msgHasFailed", msgHasFailed, []string{"TAG"}, "<TAG> has FAILED"},

		// The port monitors' replies.
		{"msgUnknownProcess", msgUnknownProcess, nil, "message from unknown process"},
		{"msgDidntRecognize", msgDidntRecognize, []string{"TAG"}, "port monitor <TAG> didn't recognize message"},
		{"msgInvalidState", msgInvalidState, []string{"TAG"}, "port monitor <TAG> reporting invalid state"},
		{"msgChangedState", msgChangedState, []string{"TAG", "OLD", "NEW"}, "port monitor <TAG> changed state from OLD to NEW"},
		{"msgInvalidMessage", msgInvalidMessage, []string{"TAG"}, "port monitor <TAG> sent an invalid message - ignoring it"},

		// Administrative requests.
		{"msgUnknownRequest", msgUnknownRequest, []string{"TAG"}, "Got unknown message for <TAG>"},
		{"msgTerminating", msgTerminating, []string{"TAG"}, "terminating <TAG>"},
		{"msgNoSIGTERM", msgNoSIGTERM, []string{"TAG"}, "could not send SIGTERM to <TAG>"},
		{"msgSendInfo", msgSendInfo, []string{"DETAIL"}, "could not send info"},

		// Recovery.
		{"msgRecovery", msgRecovery, nil, "SAC in recovery"},
		{"msgRecoverPMPipe", msgRecoverPMPipe, []string{"TAG", "DETAIL"}, "Could not open _pmpipe for port monitor <TAG>"},
	} {
		got := strings.TrimSuffix(render(tt.format, tt.args...), "\n")
		if got != tt.original && !strings.HasPrefix(got, tt.original+": ") && !strings.HasPrefix(got, tt.original+" (") {
			t.Errorf("%s = %q\nrenders as %q\nwant the original %q, alone or followed by \": \" or \" (\" and our detail", tt.name, tt.format, got, tt.original)
		}
		c, ok := cat[tt.name]
		switch {
		case !ok || c.text != tt.format:
			t.Errorf("%s: not the constant of that name in messages.go", tt.name)
		case c.kind != "original":
			t.Errorf("%s is pinned to an original here, but its comment in messages.go says %q", tt.name, c.kind)
		}
		pinned[tt.name] = true
	}
	for name, c := range cat {
		if c.kind == "original" && !pinned[name] {
			t.Errorf("%s is marked \"original\" in messages.go but not pinned to the original's text here", name)
		}
	}
}

// TestMessagesGolden lists every message, ours included, in
// testdata/messages.golden, so that any change to one shows in review.
// Regenerate with go test -run TestMessagesGolden -update.
func TestMessagesGolden(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Every message of sac (internal/sac/messages.go): name, original or ours, text.\n")
	b.WriteString("# Regenerate: go test ./internal/sac -run TestMessagesGolden -update\n")
	for _, c := range catalogue(t) {
		b.WriteString(c.name + "\t" + c.kind + "\t" + strconv.Quote(c.text) + "\n")
	}
	golden := filepath.Join("testdata", "messages.golden")
	if *msgtest.Update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	if string(want) != b.String() {
		t.Errorf("the messages differ from %s; if the change is meant, run with -update and review the diff.\ngot:\n%s", golden, b.String())
	}
}

// TestNoMessageLiterals keeps message text out of every file but
// messages.go: a string literal with a blank and a letter in it, or any
// literal with a letter given as the text of a log line, a fatal error,
// an error or a console line, is a message that belongs in the catalogue.
func TestNoMessageLiterals(t *testing.T) {
	// The calls whose argument at this index is message text.
	msgtest.NoLiterals(t, map[string]int{
		"logf": 0, "logNoisy": 0, "fatal": 1, "Sprintf": 0, "Errorf": 0,
		"Fprintf": 1, "New": 0, "Write": 3, "WriteString": 1,
	})
}
