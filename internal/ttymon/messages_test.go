package ttymon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/linux-saf/saf/internal/msgtest"
	"github.com/linux-saf/saf/saf/pmproto"
	"github.com/linux-saf/saf/saf/pmtab"
	"golang.org/x/sys/unix"
)

// TestMessagesOriginal pins every message marked original to the original
// ttymon's text, written out here as it logged or printed it (<value>
// brackets included: they are its own), with sample values for its
// conversions.
func TestMessagesOriginal(t *testing.T) {
	f := fmt.Sprintf
	msgtest.CheckOriginal(t, msgtest.Catalogue(t, "messages.go"), []msgtest.Pin{
		{"progName", progName, "ttymon"},
		{"fmtLogLine", f(fmtLogLine, "Thu Nov 21 04:17:00 2024", 1234, "PMTAG: zsmon"), "Thu Nov 21 04:17:00 2024; 1234; PMTAG: zsmon"},

		{"msgBlank", msgBlank, " "},
		{"msgStarting", msgStarting, "********** ttymon starting **********"},
		{"msgExiting", msgExiting, "********** ttymon exiting ***********"},
		{"msgPMTag", f(msgPMTag, "zsmon"), "PMTAG: zsmon"},
		{"msgStartState", f(msgStartState, stateEnabled), "Starting state: enabled"},
		{"stateEnabled", stateEnabled, "enabled"},
		{"stateDisabled", stateDisabled, "disabled"},
		{"msgGetrlimit", f(msgGetrlimit, "Invalid argument"), "getrlimit failed: Invalid argument"},
		{"msgSetrlimit", f(msgSetrlimit, "Operation not permitted"), "setrlimit failed: Operation not permitted"},
		{"msgMaxFiles", f(msgMaxFiles, 1024), "max open files = 1024"},
		{"msgMaxPorts", f(msgMaxPorts, 1017), "max ports ttymon can monitor = 1017"},
		{"msgOpenPMTab", f(msgOpenPMTab, "_pmtab"), "open pmtab (_pmtab) failed"},
		{"msgCheckPMTab", msgCheckPMTab, "check pmtab version failed"},
		{"msgCheckTTYDefs", f(msgCheckTTYDefs, "/etc/ttydefs"), "check /etc/ttydefs version failed"},
		{"msgNoTTYGroup", msgNoTTYGroup, "no group entry for <tty>, default is used"},
		{"msgInitDone", msgInitDone, "Initialization Completed"},
		{"msgCaughtSIGTERM", msgCaughtSIGTERM, "caught SIGTERM"},
		{"msgPMPipeRead", f(msgPMPipeRead, "Bad file number"), "pmpipe read failed: Bad file number"},

		{"fmtConsole", f(fmtConsole, "PMTAG is missing"), "ttymon: PMTAG is missing\n"},
		{"msgCreateLog", f(msgCreateLog, "/var/saf/zsmon/log", "No such file or directory"), "ttymon cannot create log file \"/var/saf/zsmon/log\": No such file or directory\n"},
		{"consoleNUL", consoleNUL, "\x00"},
		{"msgCtty", f(msgCtty, "/dev/term/a"), "Warning -- ttymon cannot allocate controlling tty on \"/dev/term/a\",\n"},
		{"msgCttyCons", msgCttyCons, "\tThere may be another session active on this port.\n"},
		{"msgCttyPort", msgCttyPort, "\tthere may be another session active on this port.\n"},

		{"msgRestarting", msgRestarting, "Restarting log file\n"},
		{"msgRenameOldTmp", msgRenameOldTmp, "rename old to tmp file failed\n"},
		{"msgRenameLogOld", msgRenameLogOld, "rename log to old file failed\n"},
		{"msgRenameTmpOld", msgRenameTmpOld, "rename tmp to old file failed\n"},
		{"msgLogOpen", msgLogOpen, "log file open failed\n"},
		{"msgRenameOldLog", msgRenameOldLog, "rename old to log file failed\n"},

		{"msgProcessing", f(msgProcessing, 2), "Processing pmtab line #2"},
		{"msgEntryTooLong", msgEntryTooLong, "Entry too long."},
		{"msgInvalidFlag", f(msgInvalidFlag, 'q'), "Invalid flag -- q"},
		{"msgFieldFailure", f(msgFieldFailure, fieldFlags, "ttya:q"), "Parsing failure in the \"flags\" field,\nttya:q<--error detected here"},
		{"msgDashes", msgDashes, "-------------------------------------------"},
		{"msgEntryFailure", f(msgEntryFailure, "ttya::root:r:r:r:/dev/term/a:::x::9600::p::"), "Parsing failure for entry: \nttya::root:r:r:r:/dev/term/a:::x::9600::p::"},
		{"msgDuplicateEntry", f(msgDuplicateEntry, "ttya"), "Ignoring duplicate entry for <ttya>"},
		{"msgTagMissing", msgTagMissing, "port/service tag is missing"},
		{"msgTagTooLong", f(msgTagTooLong, "abcdefghijklmno", 14), "port/service tag <abcdefghijklmno> is longer than 14"},
		{"msgTagNotAlnum", f(msgTagNotAlnum, "tty-a"), "port/service tag <tty-a> is not alphanumeric"},
		{"msgNoIdentity", msgNoIdentity, "identity field is missing"},
		{"msgNoPasswd", f(msgNoPasswd, "nobody2"), "missing or bad passwd entry for <nobody2>"},
		{"msgNoGroup", f(msgNoGroup, 4242), "no group entry for 4242"},
		{"msgPMTabFull", f(msgPMTabFull, 1017), "can't add more entries to pmtab, Maxfds = 1017"},
		{"msgTooManyModules", f(msgTooManyModules, "a,b,c,d,e,f,g,h,i,j"), "too many modules in <a,b,c,d,e,f,g,h,i,j>"},
		{"msgBadModules", f(msgBadModules, "ldterm,foo"), "Error - invalid STREAMS module list <ldterm,foo>."},
		{"fieldTag", fieldTag, "tag"},
		{"fieldFlags", fieldFlags, "flags"},
		{"fieldIdentity", fieldIdentity, "identity"},
		{"fieldReserved1", fieldReserved1, "reserved1"},
		{"fieldReserved2", fieldReserved2, "reserved2"},
		{"fieldReserved3", fieldReserved3, "reserved3"},
		{"fieldDevice", fieldDevice, "device"},
		{"fieldTTYFlags", fieldTTYFlags, "ttyflags"},
		{"fieldCount", fieldCount, "count"},
		{"fieldService", fieldService, "service"},
		{"fieldTimeout", fieldTimeout, "timeout"},
		{"fieldTTYLabelPM", fieldTTYLabelPM, "ttylabel"},
		{"fieldModules", fieldModules, "modules"},
		{"fieldPrompt", fieldPrompt, "prompt"},
		{"fieldDisableMsg", fieldDisableMsg, "disable msg"},
		{"fieldTermType", fieldTermType, "terminal type"},
		{"fieldSoftCar", fieldSoftCar, "soft-carrier"},

		{"msgCantOpenDefs", f(msgCantOpenDefs, "/etc/ttydefs"), "can't open \"/etc/ttydefs\".\n"},
		{"msgInvalidMode", f(msgInvalidMode, "foo"), "invalid mode: foo"},
		{"msgDefsFailure", f(msgDefsFailure, fieldAutobaud, "x:9600:9600:a:"), "Parsing failure in the \"Autobaud\" field\nx:9600:9600:a:<--error detected here\n"},
		{"fieldTTYLabel", fieldTTYLabel, "tty label"},
		{"fieldInitial", fieldInitial, "Initial flags"},
		{"fieldFinal", fieldFinal, "Final flags"},
		{"fieldAutobaud", fieldAutobaud, "Autobaud"},
		{"fieldNextLabel", fieldNextLabel, "Next label"},
		{"msgDuplicateDef", f(msgDuplicateDef, "9600"), "Warning -- duplicate entry <9600>, ignored"},
		{"msgDefsFull", f(msgDefsFull, 100), "can't add more entries to ttydefs table,  Maximum entries = 100"},
		{"msgNoLabel", f(msgNoLabel, "contty", "/etc/ttydefs"), "unable to find <contty> in \"/etc/ttydefs\""},
		{"msgNextLabelBad", f(msgNextLabelBad, "9600", "4800"), "9600's next speed-label (4800) is bad."},
		{"msgLabelLost", f(msgLabelLost, "default"), "unable to find (default) again"},

		{"msgGetTTYMode", f(msgGetTTYMode, "Inappropriate ioctl for device"), "set_termio: get_ttymode failed: Inappropriate ioctl for device"},
		{"msgSttyparse", f(msgSttyparse, "foo"), "sttyparse unknown mode: foo"},
		{"msgSetTTYMode", msgSetTTYMode, "set_termio: set_ttymode failed"},
		{"msgAutoGet", f(msgAutoGet, 0, "Inappropriate ioctl for device"), "auto_termio: ioctl TCGETA failed, fd = 0: Inappropriate ioctl for device"},
		{"msgAutoSet", f(msgAutoSet, 0, "Input/output error"), "auto_termio: ioctl TCSETSF failed, fd = 0: Input/output error"},
		{"msgHangupGet", f(msgHangupGet, "Input/output error"), "hang_up_line: TCGETA failed: Input/output error"},
		{"msgHangupSet", f(msgHangupSet, "Input/output error"), "hang_up_line: TCSETS failed: Input/output error"},
		{"msgFlushInput", f(msgFlushInput, 5, "Input/output error"), "flush_input failed, fd = 5: Input/output error"},
		{"msgDrainOutput", f(msgDrainOutput, 5, "Input/output error"), "drain of ouput failed, fd = 5: Input/output error"},
		{"msgInitialTermio", f(msgInitialTermio, "/dev/term/a"), "initial termio on (/dev/term/a) failed"},
		{"msgPushFailed", f(msgPushFailed, "ldterm", "/dev/term/a", "Invalid argument"), "push (ldterm) on /dev/term/a failed: Invalid argument"},
		{"lineClear", lineClear, "\r\n"},

		{"msgOpenFailed", f(msgOpenFailed, "/dev/term/a", "No such device"), "open (/dev/term/a) failed: No such device"},
		{"msgSoftCarrier", f(msgSoftCarrier, "/dev/term/a", "Invalid argument"), "set soft-carrier (/dev/term/a) failed: Invalid argument"},
		{"msgRespawning", f(msgRespawning, "ttya"), "service <ttya> is respawning too rapidly"},
		{"msgActiveSession", f(msgActiveSession, "/dev/term/a"), "Warning -- active session exists on </dev/term/a>"},
		{"msgPipeFailed", f(msgPipeFailed, "Too many open files"), "pipe() failed: Too many open files"},
		{"msgForkFailed", f(msgForkFailed, "Resource temporarily unavailable"), "fork failed: Resource temporarily unavailable"},

		{"msgOpenLine", f(msgOpenLine, "/dev/term/a", "No such device"), "open \"/dev/term/a\" failed: No such device"},
		{"msgSetRaw", msgSetRaw, "set termio RAW failed"},
		{"msgSetFinal", msgSetFinal, "set final termio failed"},
		{"msgPollHup", msgPollHup, "POLLHUP received, about to exit"},
		{"msgSpeedWarning", f(msgSpeedWarning, "76800"), "Warning -- speed of <76800> may be not supported by the system"},
		{"msgAutobaudRead", f(msgAutobaudRead, "Input/output error"), "autobaud: read failed: Input/output error"},
		{"msgAccountFailed", msgAccountFailed, "invoke_service: account failed"},
		{"msgMakeutx", f(msgMakeutx, 1234), "makeutx for pid 1234 failed"},
		{"msgDoconfigSystem", msgDoconfigSystem, "doconfig failed, system error"},
		{"msgDoconfigLine", f(msgDoconfigLine, 3, "ttya"), "doconfig failed on line 3 of script ttya"},
		{"msgSetGID", f(msgSetGID, 4, "Operation not permitted"), "cannot set group id to 4: Operation not permitted"},
		{"msgSetUID", f(msgSetUID, 71, "Operation not permitted"), "cannot set user id to 71: Operation not permitted"},
		{"msgChdir", f(msgChdir, "/home/lp", "No such file or directory"), "cannot chdir to /home/lp: No such file or directory"},
		{"msgStartService", f(msgStartService, "/usr/bin/login", "/dev/term/a"), "Starting service (/usr/bin/login) on /dev/term/a"},
		{"msgExecFailed", f(msgExecFailed, "Permission denied"), "tmchild: exec service failed: Permission denied"},

		{"expressUsage", expressUsage, "Usage: ttymon\n  ttymon -g [-h] [-d device] [-l ttylabel] [-t timeout] [-p prompt] [-m modules]\n"},
		{"msgIllegalOption", f(fmtConsole, f(msgIllegalOption, 'x')), "ttymon: illegal option -- x\n"},
		{"msgNeedsArgument", f(fmtConsole, f(msgNeedsArgument, 'd')), "ttymon: option requires an argument -- d\n"},
		{"msgBadTimeout", msgBadTimeout, "Invalid argument for \"-t\" -- number expected."},
		{"msgGettyTimeout", f(msgGettyTimeout, "x1"), "getty: timeout argument <x1> invalid"},
		{"msgGettyCheck", msgGettyCheck, "Use \"sttydefs -l\" to check /etc/ttydefs."},
		{"msgGettyNoLine", msgGettyNoLine, "getty: no terminal line specified."},
		{"msgTTYName", msgTTYName, "ttyname cannot find the device on fd 0"},
		{"msgOpenTTY", f(msgOpenTTY, "/dev/console", "No such device"), "open /dev/console failed: No such device"},
	})
}

// TestMessagesGolden lists every message of the package in
// testdata/messages.golden, so that a change to any shows in review.
func TestMessagesGolden(t *testing.T) {
	msgtest.Golden(t, msgtest.Catalogue(t, "messages.go"))
}

// TestSharedMessagesOriginal pins the lines ttymon logs in the words of
// the packages that find the trouble (messages.go): saf/pmtab's checks of
// a _pmtab entry and saf/pmproto's start-up failures, to the original
// ttymon's texts.
func TestSharedMessagesOriginal(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain") // a regular file without execute bits
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	reason := func(tail string) string {
		var pe *pmtab.TTYParseError
		if _, err := pmtab.ParseTTY(tail); !errors.As(err, &pe) {
			t.Fatalf("ParseTTY(%q): %v, want a *TTYParseError", tail, err)
		}
		return pe.Reason
	}
	text := func(err error) string {
		if err == nil {
			return "<nil>"
		}
		return err.Error()
	}
	for _, tc := range []struct{ got, want string }{
		{reason("/dev/term/a:z::/usr/bin/login::9600::p::"), "Invalid ttyflag -- z"},
		{reason("/dev/term/a:r:x:/usr/bin/login::9600::p::"), "wait_read count must be a positive number"},
		{reason("/dev/term/a:::/usr/bin/login:x:9600::p::"), "timeout value must be a positive number"},

		{text(pmtab.CheckTTYDevice("")), "error -- device field is missing"},
		{text(pmtab.CheckTTYDevice("term/a")), "error -- must specify full path name for \"term/a\"."},
		{text(pmtab.CheckTTYDevice(missing)), "error -- device \"" + missing + "\" does not exist"},
		{text(pmtab.CheckTTYDevice(plain)), "error -- \"" + plain + "\" not character special device"},
		{text(pmtab.CheckTTYService("")), "error -- server command is missing"},
		{text(pmtab.CheckTTYService("login -p")), "error -- must specify full path name for \"login\"."},
		{text(pmtab.CheckTTYService(missing + " -p")), "error -- \"" + missing + "\" does not exist"},
		// The original's format ended in "\n": the log line is the same.
		{text(pmtab.CheckTTYService(plain)), "error -- \"" + plain + "\" not executable"},
		{text(pmtab.CheckTTYService(dir)), "error -- \"" + dir + "\" not a regular file"},

		{text(pmproto.ErrNoPMTag), "PMTAG is missing"},
		{text(pmproto.ErrNoIState), "ISTATE is missing"},
		{text(&pmproto.LockedError{Name: progName}), "pid file is locked. ttymon may already be running!"},
		{text(&pmproto.OpenError{Op: pmproto.OpOpenPid, Err: unix.EACCES}), "open pid file failed: Permission denied"},
		{text(&pmproto.OpenError{Op: pmproto.OpLockPid, Err: unix.EAGAIN}), "lock pid file failed: Resource temporarily unavailable"},
		{text(&pmproto.OpenError{Op: pmproto.OpOpenSacPipe, Err: unix.ENOENT}), "open sacpipe failed: No such file or directory"},
		{text(&pmproto.OpenError{Op: pmproto.OpOpenPMPipe, Err: unix.ENOENT}), "open pmpipe failed: No such file or directory"},
	} {
		if tc.got != tc.want {
			t.Errorf("logged %q\nthe original's text is %q", tc.got, tc.want)
		}
	}
}

// TestNoMessageLiterals keeps message text out of every file but
// messages.go: a string literal with a blank and a letter in it, or any
// literal with a letter given as the text of a log line, a console line,
// an error or a line written to the port, is a message that belongs in
// the catalogue.
func TestNoMessageLiterals(t *testing.T) {
	// The calls whose argument at this index is message text.
	msgtest.NoLiterals(t, map[string]int{
		"logf": 0, "Printf": 0, "fatal": 0, "say": 0, "consPrint": 2, "Sprintf": 0, "sprintf": 0,
		"Errorf": 0, "Fprintf": 1, "New": 0, "writeAll": 1, "writeLine": 0, "WriteString": 1,
	})
}
