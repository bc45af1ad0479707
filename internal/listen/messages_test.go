package listen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/msgtest"
)

// TestMessagesOriginal pins every text of messages.go marked "original"
// to the original listener's words, written out
// here as it logged them, with example values in place of its %s and %d.
func TestMessagesOriginal(t *testing.T) {
	msgtest.CheckOriginal(t, msgtest.Catalogue(t, "messages.go"), []msgtest.Pin{
		// Start-up and end.
		{"msgTerminating", msgTerminating, "*** listener terminating!!! ***"},
		{"msgFailedStart", msgFailedStart, "Listener failed to start properly"},
		{"msgUsage", msgUsage, "Usage: listen [ -m minor_prefix ] network_device"},
		{"msgNotRoot", msgNotRoot, "Must be root to start listener"},
		{"msgNetSpecLong", msgNetSpecLong, "Bad netspec on command line ( Pathname too long )"},
		{"msgNoNetconfig", fmt.Sprintf(msgNoNetconfig, "foo"), "no netconfig entry for <foo>"},
		{"msgLockPID", msgLockPID, "Can't lock PID file: listener may already be running"},
		{"msgNoSacPipe", msgNoSacPipe, "Can't open pipe to respond to SAC messages"},
		{"msgNoPMPipe", msgNoPMPipe, "Can't open pipe to read SAC messages"},
		{"msgNoPIDFile", msgNoPIDFile, "Can't create process ID file in home directory"},
		{"msgNoLog", fmt.Sprintf(msgNoLog, "listen", "/var/saf/tcp/log", "permission denied"), "listen: Unable to open listener log file during initialization: /var/saf/tcp/log: permission denied\n"},
		{"msgTag", fmt.Sprintf(msgTag, "tcp"), "Listener port monitor tag: tcp"},
		{"msgNoIState", msgNoIState, "ERROR: ISTATE variable not set in environment"},
		{"msgStartEnabled", msgStartEnabled, "Starting state: ENABLED"},
		{"msgStartDisable", msgStartDisable, "Starting state: DISABLED"},
		{"msgNetOpened", fmt.Sprintf(msgNetOpened, 2, addresses(2), 1016), "Net opened, 2 addresses bound, 1016 fds free"},
		{"msgAddress", fmt.Sprintf(msgNetOpened, 1, msgAddress, 1017), "Net opened, 1 address bound, 1017 fds free"},
		{"msgAddresses", fmt.Sprintf(msgNetOpened, 0, msgAddresses, 1018), "Net opened, 0 addresses bound, 1018 fds free"},
		{"msgInitComplete", msgInitComplete, "Initialization Complete"},
		{"msgSIGTERM", msgSIGTERM, "caught SIGTERM (exiting)"},
		{"msgSystemError", msgSystemError, "System error"},

		// _pmtab.
		{"msgDBFOpen", msgDBFOpen, "Trouble opening data base file"},
		{"msgDBFLine", fmt.Sprintf(msgDBFLine, 3), "Data base file: Error on line 3"},
		{"msgDBFIllegal", fmt.Sprintf(msgDBFIllegal, "abcdefghijklmn"), "Data base file: Illegal service code: <abcdefghijklmn>"},
		{"msgDBFDuplicate", fmt.Sprintf(msgDBFDuplicate, "e"), "Data base file: Duplicate service code: <e>"},
		{"msgDBFCorrupt", msgDBFCorrupt, "Data base file has been corrupted"},
		{"msgDBCorrupt", msgDBCorrupt, "Database file has been corrupted"},
		{"msgDBVersion", msgDBVersion, "Database file is not at the current version"},
		{"msgNoEntries", msgNoEntries, "No database?  0 entries?"},
		{"msgRPCNotInteger", fmt.Sprintf(msgRPCNotInteger, "rusers"), "service code <rusers> specifies non-integer rpc info"},
		{"msgAddrTooLong", fmt.Sprintf(msgAddrTooLong, `\x0002`), `Invalid private address ignored: \x0002`},
		{"msgStaticDynamic", fmt.Sprintf(msgStaticDynamic, "S"), "service code <S> specifies static and dynamic address"},
		{"msgAddrInfo", msgAddrInfo, "  address info ignored"},
		{"msgUnknownFlag", fmt.Sprintf(msgUnknownFlag, "e5", byte('z')), "service code <e5> unknown flag <z> ignored"},
		{"msgRereading", msgRereading, "Re-reading database"},
		{"msgRereadComplete", fmt.Sprintf(msgRereadComplete, 1, addresses(1), 1017), "Re-read complete, 1 address bound, 1017 fds free"},

		// Addresses.
		{"msgServiceAddr", fmt.Sprintf(msgServiceAddr, "0", 7, `\x00020ACE000000000000000000000000`), `Service 0: fd 7 addr \x00020ACE000000000000000000000000`},
		{"msgServiceDynamic", fmt.Sprintf(msgServiceDynamic, "rusers", 8, "00028A1C000000000000000000000000"), `Service rusers: fd 8 dynamic addr \x00028A1C000000000000000000000000`},
		{"msgUnbind", fmt.Sprintf(msgUnbind, "lp", 9, "/run/lp.sock"), "Unbind lp: fd 9 addr /run/lp.sock"},
		{"msgIgnored", fmt.Sprintf(msgIgnored, "lp", whyBind), "  Service lp ignored: unable to bind requested address"},
		{"whyBind", fmt.Sprintf(msgIgnored, "lp", whyBind), "  Service lp ignored: unable to bind requested address"},
		{"whyFDs", fmt.Sprintf(msgIgnored, "lp", whyFDs), "  Service lp ignored: out of file descriptors"},
		{"msgAcceptFailed", fmt.Sprintf(msgAcceptFailed, "too many open files"), "TLI t_accept failed: too many open files"},
		{"msgRPCRegistered", fmt.Sprintf(msgRPCRegistered, 100002, 3), "  registered with rpcbind, prognum 100002 version 3"},
		{"msgRPCSetFailed", msgRPCSetFailed, "rpcb_set failed, service not registered with rpcbind"},

		// sac.
		{"msgUnknownSacMsg", msgUnknownSacMsg, "Received unknown message from sac -- ignored"},
		{"msgNewEnabled", msgNewEnabled, "New state: ENABLED"},
		{"msgNewDisabled", msgNewDisabled, "New state: DISABLED"},

		// Connections.
		{"msgCallDisabled", fmt.Sprintf(msgCallDisabled, 7, 12), "Incoming call while disabled: fd 7, seq 12"},
		{"msgDeniedDisabled", fmt.Sprintf(msgDeniedDisabled, 7), "Request for service on fd 7 denied: disabled"},
		{"msgConnect", fmt.Sprintf(msgConnect, 7, "lp", 12, typeExec), "Connect: fd 7, svctag lp, seq 12, type exec"},
		{"typeExec", fmt.Sprintf(msgConnect, 7, "lp", 12, typeExec), "Connect: fd 7, svctag lp, seq 12, type exec"},
		{"typePassfd", fmt.Sprintf(msgConnect, 7, "lp", 13, typePassfd), "Connect: fd 7, svctag lp, seq 13, type passfd"},
		{"msgPushModules", fmt.Sprintf(msgPushModules, "ntty,tirdwr"), "Could not push modules: ntty,tirdwr"},
		{"msgDoconfig", fmt.Sprintf(msgDoconfig, 2, "lp"), "doconfig failed on line 2 of script lp"},
		{"msgOpenFailed", fmt.Sprintf(msgOpenFailed, "/run/lp.sock"), "Open failed: /run/lp.sock"},
		{"msgPassfdFailed", fmt.Sprintf(msgPassfdFailed, "/run/lp.sock"), "Passfd failed: /run/lp.sock"},
		{"msgForkError", msgForkError, "Error during fork() to start a service"},

		// The service's start.
		{"msgNonTerminated", fmt.Sprintf(msgNonTerminated, "tty"), "invalid command line, non-terminated string for service code tty"},
		{"msgPushExit", msgPushExit, "Can't push server's modules: exit"},
		{"msgExecFailed", msgExecFailed, "ERROR: could not exec server"},
		{"msgSysError", fmt.Sprintf(msgSysError, "No such file or directory"), "System error: No such file or directory"},
		{"msgNoPasswd", fmt.Sprintf(msgNoPasswd, "user"), "Missing or bad passwd entry for <user>"},
		{"msgNoGroup", fmt.Sprintf(msgNoGroup, "1234"), "No group entry for 1234"},
		{"msgSetGid", fmt.Sprintf(msgSetGid, "daemon"), "Cannot set group id to daemon"},
		{"msgSetUid", fmt.Sprintf(msgSetUid, "daemon"), "Cannot set user id to daemon"},
		{"msgChdir", fmt.Sprintf(msgChdir, "/nonexistent"), "Cannot chdir to /nonexistent"},
		{"msgNoEnv", msgNoEnv, "Can't expand server's environment"},
		{"msgNLPSPrefix", msgNLPSPrefix + fmt.Sprintf(msgNoPasswd, "user"), "NLPS: Missing or bad passwd entry for <user>"},
		{"msgNLPSPrefix", msgNLPSPrefix + fmt.Sprintf(msgNoGroup, "1234"), "NLPS: No group entry for 1234"},
		{"msgNLPSPrefix", msgNLPSPrefix + fmt.Sprintf(msgSetGid, "daemon"), "NLPS: Cannot set group id to daemon"},
		{"msgNLPSPrefix", msgNLPSPrefix + fmt.Sprintf(msgSetUid, "daemon"), "NLPS: Cannot set user id to daemon"},
		{"msgNLPSPrefix", msgNLPSPrefix + fmt.Sprintf(msgChdir, "/home/lp"), "NLPS: Cannot chdir to /home/lp"},
		{"msgNLPSPushExit", msgNLPSPushExit, "NLPS: Can't push server's modules: exit"},
		{"msgNLPSExecFailed", msgNLPSExecFailed, "NLPS server: could not exec service"},

		// The NLPS server.
		{"msgNLPSNoRequest", msgNLPSNoRequest, "NLPS: No/bad service request received"},
		{"msgNLPSUnknownReq", msgNLPSUnknownReq, "NLPS: Unknown service request (ignored)"},
		{"msgNLPSTooLong", msgNLPSTooLong, "NLPS: recieve buffer not large enough"},
		{"msgRcvError", fmt.Sprintf(msgRcvError, "EOF"), "Error trying to rcv message to start a service: EOF"},
		{"msgRcvTimeout", msgRcvTimeout, "Timed out trying to rcv message to start a service"},
		{"msgNLPSVersion", fmt.Sprintf(msgNLPSVersion, 1, 1), "NLPS: Unknown version of an NLPS service request: 1:1"},
		{"msgATTVersion", msgATTVersion, "ATT service: unknown version"},
		{"msgATTFormat", msgATTFormat, "ATT service: bad message format"},
		{"msgNLPSNoDB", msgNLPSNoDB, "NLPS: Unable to open database file"},
		{"msgNLPSOpenFailed", fmt.Sprintf(msgNLPSOpenFailed, "/run/lp.sock"), "NLPS open failed: /run/lp.sock"},
		{"msgNLPSPassfd", fmt.Sprintf(msgNLPSPassfd, "/run/lp.sock"), "NLPS passfd failed: /run/lp.sock"},

		// The log.
		{"msgRestartLog", msgRestartLog, "Restarting log file"},
		{"msgTroubleLog", msgTroubleLog, "Trouble saving the logfile"},
	})
}

// TestMessagesComposed checks the lines the code composes from an
// original's text and a detail of ours: the original's text comes first,
// whole.
func TestMessagesComposed(t *testing.T) {
	for _, tt := range []struct{ got, original string }{
		{checkVersionLine(t, "a::root:r:r:r:::c::/bin/cat\n", 0), "Data base file has been corrupted: "},
		{checkVersionLine(t, "a::root:r:r:r:::c::/bin/cat\n", 1), "Database file has been corrupted"},
		{checkVersionLine(t, "# VERSION=3\n", 0), "Database file is not at the current version: "},
		{fmt.Sprintf(msgUnbind+detailFileGone, "lp", 9, "/run/lp.sock"), "Unbind lp: fd 9 addr /run/lp.sock: "},
		{fmt.Sprintf(msgIgnored, "lp", fmt.Sprintf(whyAddress, `\x00`)), "  Service lp ignored: "},
		{fmt.Sprintf(msgAcceptMore, 3), "TLI t_accept failed ("},
	} {
		if !strings.HasPrefix(tt.got, tt.original) {
			t.Errorf("%q does not start with the original's %q", tt.got, tt.original)
		}
	}
}

// checkVersionLine is line i of what checkVersion logs for a table.
func checkVersionLine(t *testing.T, table string, i int) string {
	t.Helper()
	te, ok := checkVersion([]byte(table)).(*tableError)
	if !ok || i >= len(te.Lines) {
		t.Fatalf("checkVersion(%q) = %v", table, te)
	}
	return te.Lines[i]
}

// TestMessagesGolden lists every text of messages.go in
// testdata/messages.golden, so that a change to any shows in review.
func TestMessagesGolden(t *testing.T) {
	msgtest.Golden(t, msgtest.Catalogue(t, "messages.go"))
}
