package sacadm

import (
	"fmt"
	"testing"

	"github.com/linux-saf/saf/internal/msgtest"
)

// TestMessagesOriginal pins every message marked original to the
// original's text, written out here as the original sacadm printed it
// (and, for msgNoLabel, ttymon logged it), with sample values for its
// conversions.
func TestMessagesOriginal(t *testing.T) {
	f := fmt.Sprintf
	msgtest.CheckOriginal(t, msgtest.Catalogue(t, "messages.go"), []msgtest.Pin{
		{"Usage", Usage, "Usage:\tsacadm -a -p pmtag -t type -c cmd -v ver [ -f dx ] [ -n count ]\n" +
			"\t\t[ -y comment ] [ -z script]\n" +
			"\tsacadm -r -p pmtag\n" +
			"\tsacadm -s -p pmtag\n" +
			"\tsacadm -k -p pmtag\n" +
			"\tsacadm -e -p pmtag\n" +
			"\tsacadm -d -p pmtag\n" +
			"\tsacadm -l [ -p pmtag | -t type ]\n" +
			"\tsacadm -L [ -p pmtag | -t type ]\n" +
			"\tsacadm -g -p pmtag [ -z script ]\n" +
			"\tsacadm -G [ -z script ]\n" +
			"\tsacadm -x [ -p pmtag ]\n"},
		{"msgCommandNotFull", msgCommandNotFull, "command must be a full pathname"},
		{"msgCountNegative", msgCountNegative, "restart count can not be negative"},
		{"msgCommandTooLong", msgCommandTooLong, "command string too long"},
		{"msgAlreadyExists", f(msgAlreadyExists, "mbmon"), "Invalid request, mbmon already exists"},
		{"msgNotDirectory", f(msgNotDirectory, "/etc/saf/mbmon"), "</etc/saf/mbmon> exists and is not a directory"},
		{"msgCouldNotStatDir", f(msgCouldNotStatDir, "/etc/saf/mbmon"), "could not stat </etc/saf/mbmon>"},
		{"msgCouldNotRemove", f(msgCouldNotRemove, "/etc/saf/mbmon"), "could not remove files under </etc/saf/mbmon>"},
		{"msgCouldNotMkdir", f(msgCouldNotMkdir, "/etc/saf/mbmon"), "could not create directory </etc/saf/mbmon>"},
		{"msgCouldNotMkfifo", msgCouldNotMkfifo, "could not create communications pipe"},
		{"msgCouldNotMkPid", msgCouldNotMkPid, "could not create _pid file"},
		{"msgCouldNotMkPmtab", msgCouldNotMkPmtab, "could not create _pmtab file"},
		{"msgInitPmtab", msgInitPmtab, "error initializing _pmtab"},
		{"msgCmdNotExist", f(msgCmdNotExist, "/usr/lib/saf/ttymon"), "warning - /usr/lib/saf/ttymon does not exist"},
		{"msgCmdNotExecutable", f(msgCmdNotExecutable, "/etc/passwd"), "/etc/passwd not executable"},
		{"msgCmdNotRegular", f(msgCmdNotRegular, "/bin"), "/bin not a regular file"},
		{"msgCouldNotAppend", msgCouldNotAppend, "Could not open _sactab"},
		{"fmtListHeader", fmtListHeader, "PMTAG          PMTYPE         FLGS RCNT STATUS     COMMAND\n"},
		{"fmtListLine", f(fmtListLine, "mbmon", "ttymon", "-", "0", "NO_SAC", "/usr/lib/saf/ttymon", "TTY Ports"),
			"mbmon          ttymon         -    0    NO_SAC     /usr/lib/saf/ttymon #TTY Ports\n"},
		{"fmtListCondensed", f(fmtListCondensed, "mbmon", "ttymon", "", "0", "NO_SAC", "/usr/lib/saf/ttymon", "TTY Ports"),
			"mbmon:ttymon::0:NO_SAC:/usr/lib/saf/ttymon#TTY Ports\n"},
		{"listNoFlags", listNoFlags, "-"},
		{"msgBadInformation", msgBadInformation, "Bad information from SAC"},
		{"msgImproperMessage", msgImproperMessage, "Improper message from SAC"},
		{"msgNoPortMonitors", msgNoPortMonitors, "No port monitors defined"},
		{"msgPMTabVersion", f(msgPMTabVersion, "/etc/saf/tcp/_pmtab"), "/etc/saf/tcp/_pmtab version number is incorrect"},
		{"msgNoLabel", f(msgNoLabel, "9600", "/etc/ttydefs"), `unable to find <9600> in "/etc/ttydefs"`},
	})
}

// TestMessagesGolden lists every message of the package in
// testdata/messages.golden, so that a change to any shows in review.
func TestMessagesGolden(t *testing.T) {
	msgtest.Golden(t, msgtest.Catalogue(t, "messages.go"))
}
