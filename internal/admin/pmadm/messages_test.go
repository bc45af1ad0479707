package pmadm

import (
	"fmt"
	"testing"

	"github.com/linux-saf/saf/internal/msgtest"
)

// TestMessagesOriginal pins every message marked original to the
// original's text, written out here as the original pmadm printed it,
// with sample values for its conversions.
func TestMessagesOriginal(t *testing.T) {
	f := fmt.Sprintf
	msgtest.CheckOriginal(t, msgtest.Catalogue(t, "messages.go"), []msgtest.Pin{
		{"Usage", Usage, "Usage:\tpmadm -a [ -p pmtag | -t type ] -s svctag -i id -m \"pmspecific\"\n" +
			"\t\t-v version [ -f xu ] [ -y comment ] [ -z script]\n" +
			"\tpmadm -r -p pmtag -s svctag\n" +
			"\tpmadm -e -p pmtag -s svctag\n" +
			"\tpmadm -d -p pmtag -s svctag\n" +
			"\tpmadm -l [ -p pmtag | -t type ] [ -s svctag ]\n" +
			"\tpmadm -L [ -p pmtag | -t type ] [ -s svctag ]\n" +
			"\tpmadm -g -p pmtag -s svctag [ -z script ]\n" +
			"\tpmadm -g -s svctag -t type -z script\n"},
		{"msgSvcTagTruncated", f(msgSvcTagTruncated, "abcdefghijklmn"), "svctag too long, truncated to <abcdefghijklmn>"},
		{"msgSvcTagNotAlnum", msgSvcTagNotAlnum, "service tag must be alphanumeric"},
		{"msgCouldNotOpenTab", f(msgCouldNotOpenTab, "/etc/saf/mbmon/_pmtab"), "Could not open /etc/saf/mbmon/_pmtab"},
		{"msgPMTabCorrupt", f(msgPMTabCorrupt, "/etc/saf/mbmon/_pmtab"), "/etc/saf/mbmon/_pmtab is corrupt"},
		{"msgCouldNotReadTab", f(msgCouldNotReadTab, "/etc/saf/mbmon/_pmtab"), "could not open /etc/saf/mbmon/_pmtab"},
		{"msgPMTabVersion", f(msgPMTabVersion, "/etc/saf/mbmon/_pmtab"), "/etc/saf/mbmon/_pmtab version number is incorrect"},
		{"msgTypeDoesNotExist", f(msgTypeDoesNotExist, "ttymon"), "Invalid request, ttymon does not exist"},
		{"msgSvcExists", f(msgSvcExists, "ttya", "mbmon"), "Invalid request, ttya already exists under mbmon"},
		{"msgSvcExistsIgnored", f(msgSvcExistsIgnored, "ttya", "mbmon"), "warning - ttya already exists under mbmon - ignoring"},
		{"msgNoServicesAdded", msgNoServicesAdded, "No services added"},
		{"msgSvcDoesNotExist", f(msgSvcDoesNotExist, "ttya", "mbmon"), "Invalid request, ttya does not exist under mbmon"},
		{"msgPMNotRunning", f(msgPMNotRunning, "mbmon"), "warning - port monitor, mbmon is not running"},
		{"msgCouldNotNotify", f(msgCouldNotNotify, "mbmon"), "warning - could not notify <mbmon> about modified table"},
		{"msgTryExecuting", f(msgTryExecuting, "mbmon"), `try executing the command "sacadm -x -p mbmon"`},
		{"fmtListHeader", fmtListHeader, "PMTAG          PMTYPE         SVCTAG         FLGS ID       <PMSPECIFIC>\n"},
		{"fmtListLine", f(fmtListLine, "mbmon", "ttymon", "ttya", "u", "root", "/dev/term/a I - /usr/bin/login - 9600 ldterm,ttcompat ttya login:  - tvi925 y ", " "),
			"mbmon          ttymon         ttya           u    root     /dev/term/a I - /usr/bin/login - 9600 ldterm,ttcompat ttya login:  - tvi925 y  # \n"},
		{"fmtListCondensed", f(fmtListCondensed, "mbmon", "ttymon", "ttya", "u", "root", "reserved", "reserved", "reserved", `/dev/term/a:I::/usr/bin/login::9600:ldterm,ttcompat:ttya login\: ::tvi925:y:`, " "),
			"mbmon:ttymon:ttya:u:root:reserved:reserved:reserved:/dev/term/a:I::/usr/bin/login::9600:ldterm,ttcompat:ttya login\\: ::tvi925:y:# \n"},
		{"listNoFlags", listNoFlags, "-"},
		{"msgNoSuchService", f(msgNoSuchService, "ttya"), "Service <ttya> does not exist"},
		{"msgNoServices", msgNoServices, "No services defined"},
		{"msgSvcMissingIgnored", f(msgSvcMissingIgnored, "ttya", "mbmon"), "warning - ttya does not exist under mbmon - ignoring"},
		{"msgNoScripts", msgNoScripts, "No configuration scripts installed"},
	})
}

// TestMessagesGolden lists every message of the package in
// testdata/messages.golden, so that a change to any shows in review.
func TestMessagesGolden(t *testing.T) {
	msgtest.Golden(t, msgtest.Catalogue(t, "messages.go"))
}
