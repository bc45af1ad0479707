package adm

import (
	"fmt"
	"testing"

	"github.com/linux-saf/saf/internal/msgtest"
)

// TestMessagesOriginal pins every message marked original to the
// original's text, written out here as the original sacadm and pmadm (and
// Solaris getopt) printed it, with sample values for its conversions.
func TestMessagesOriginal(t *testing.T) {
	f := fmt.Sprintf
	msgtest.CheckOriginal(t, msgtest.Catalogue(t, "messages.go"), []msgtest.Pin{
		{"msgIllegalOption", f(msgIllegalOption, "q"), "illegal option -- q"},
		{"msgNeedsArgument", f(msgNeedsArgument, "p"), "option requires an argument -- p"},
		{"MsgNotPriv", MsgNotPriv, "User not privileged for operation"},
		{"msgEmbeddedNewline", msgEmbeddedNewline, "Embedded newlines not allowed"},
		{"msgBadFlags", f(msgBadFlags, "qz"), `Invalid request, qz are not valid arguments for "-f"`},
		{"MsgTagTruncated", f(MsgTagTruncated, "abcdefghijklmn"), "tag too long, truncated to <abcdefghijklmn>"},
		{"MsgTypeTruncated", f(MsgTypeTruncated, "abcdefghijklmn"), "type too long, truncated to <abcdefghijklmn>"},
		{"MsgTagNotAlnum", MsgTagNotAlnum, "port monitor tag must be alphanumeric"},
		{"MsgTypeNotAlnum", MsgTypeNotAlnum, "port monitor type must be alphanumeric"},
		{"MsgVersionNegative", MsgVersionNegative, "version number can not be negative"},
		{"msgCouldNotOpen", f(msgCouldNotOpen, "/etc/saf/_sactab"), "could not open /etc/saf/_sactab"},
		{"MsgFileCorrupt", f(MsgFileCorrupt, "/etc/saf/_sactab"), "/etc/saf/_sactab file is corrupt"},
		{"msgSactabVersion", msgSactabVersion, "_sactab version number is incorrect"},
		{"MsgSactabCorrupt", MsgSactabCorrupt, "_sactab file is corrupt"},
		{"MsgUnrecognizedFlag", f(MsgUnrecognizedFlag, 'q'), "Unrecognized flag <q>"},
		{"MsgDoesNotExist", f(MsgDoesNotExist, "mbmon"), "Invalid request, mbmon does not exist"},
		{"msgCannotAscertain", msgCannotAscertain, "warning - could not ascertain sac status"},
		{"msgCannotContact", msgCannotContact, "Can not contact SAC"},
		{"msgPMRunning", f(msgPMRunning, "mbmon"), "Port monitor, mbmon, is already running"},
		{"msgPMNotRunning", f(msgPMNotRunning, "mbmon"), "Port monitor, mbmon, is not running"},
		{"msgSentInvalid", msgSentInvalid, "Internal error - sent invalid command"},
		{"msgCouldNotContact", f(msgCouldNotContact, "mbmon"), "Could not contact mbmon"},
		{"msgPidLocked", f(msgPidLocked, "mbmon"), "Could not start mbmon - _pid file locked"},
		{"msgInRecovery", f(msgInRecovery, "mbmon"), "Port monitor, mbmon, is in recovery"},
		{"msgRequestFailed", msgRequestFailed, "This request could not be completed - see sac log file for details"},
		{"msgUnknownResponse", msgUnknownResponse, "unknown response"},
		{"MsgCouldNotStat", f(MsgCouldNotStat, "/tmp/script"), "Could not stat </tmp/script>"},
		{"msgNotRegularIgnored", f(msgNotRegularIgnored, "/tmp"), "warning - /tmp not a regular file - ignored"},
		{"msgCannotOpenFile", f(msgCannotOpenFile, "/tmp/script"), "Invalid request, can not open /tmp/script"},
		{"msgNoScript", msgNoScript, "Invalid request, script does not exist"},
		{"msgCannotOpenScript", msgCannotOpenScript, "Invalid request, can not open script"},
		{"msgCannotCreateTemp", msgCannotCreateTemp, "cannot create tempfile"},
		{"msgErrorWritingTemp", msgErrorWritingTemp, "error in writing tempfile"},
		{"msgErrorAccessingTemp", msgErrorAccessingTemp, "error accessing temp file"},
		{"msgErrorClosingTemp", msgErrorClosingTemp, "error closing tempfile"},
	})
}

// TestMessagesGolden lists every message of the package in
// testdata/messages.golden, so that a change to any shows in review.
func TestMessagesGolden(t *testing.T) {
	msgtest.Golden(t, msgtest.Catalogue(t, "messages.go"))
}
