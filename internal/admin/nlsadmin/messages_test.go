package nlsadmin

import (
	"fmt"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/msgtest"
	"github.com/linux-saf/saf/saf/pmtab"
)

// line is a whole stderr line as nlsadmin prints it.
func line(severity, text string) string {
	return fmt.Sprintf(msgProgLine, prog, fmt.Sprintf(severity, text))
}

// TestMessagesOriginal pins every message marked original to the
// original nlsadmin's words, written out here as it
// printed them, with sample values for its conversions.
func TestMessagesOriginal(t *testing.T) {
	f := fmt.Sprintf
	msgtest.CheckOriginal(t, msgtest.Catalogue(t, "messages.go"), []msgtest.Pin{
		{"msgProgLine", line(msgErrorText, msgInconsistent), "nlsadmin: error: Inconsistent options\n"},
		{"msgErrorText", line(msgErrorText, msgMissingArgument), "nlsadmin: error: Missing argument\n"},
		{"msgWarningText", line(msgWarningText, f(msgNotExist, "/usr/lib/saf/nlps_server")), "nlsadmin: warning: /usr/lib/saf/nlps_server does not exist\n"},
		{"msgUsage", strings.ReplaceAll(msgUsage, "%s", "nlsadmin"), "usage: nlsadmin -x\n" +
			"       nlsadmin [ options ] netspec\n" +
			"       nlsadmin [ options ] -N port_monitor_tag\n" +
			"       nlsadmin -V\n" +
			"       nlsadmin -c cmd | -o pipename [ -p modules ] [ -A addr | -D ] \\\n" +
			"          [ -R prognum:versnum ]\n" +
			"\n" +
			"       [ options ] are:\n" +
			"       [ -a svc_code -c \"cmd\" -y \"cmt\" [-p modules] [-w id] ]\n" +
			"       [-q] | [-v] | [-s] | [-k] | [-i] |\n" +
			"       [-e svc_code] | [-d svc_code] | [-r svc_code] | [[-q] -z svc_code]\n" +
			"       [[-l addr | -] [-t addr | -]] |\n"},
		{"msgInconsistent", msgInconsistent, "Inconsistent options"},
		{"msgMissingArgument", msgMissingArgument, "Missing argument"},
		{"msgNotRoot", msgNotRoot, "Must be super user"},
		{"msgInvalidNet", msgInvalidNet, "Invalid network specification"},
		{"msgNotListen", f(msgNotListen, "ttymon1"), `Network specification "ttymon1" is not of type listen`},
		{"msgSvcCodeLong", f(msgSvcCodeLong, pmtab.SvcTagSize), "Service code contains more than 14 characters"},
		{"msgSacError", msgSacError, "System error in SAC command"},
		{"msgFullPath", msgFullPath, "Must specify full path name"},
		{"msgNotExist", f(msgNotExist, "/bin/cat"), "/bin/cat does not exist"},
		{"msgSvcExists", msgSvcExists, "Service code already exists"},
		{"msgCouldNotAdd", msgCouldNotAdd, "Could not add service"},
		{"msgNoService", msgNoService, "Non-existent service."},
		{"msgNoPM", msgNoPM, "Non-existent port monitor."},
		{"msgNotActive", f(msgNotActive, "tcp"), `No listener active on network "tcp"`},
		{"msgInitialized", msgInitialized, "Listener already initialized"},
		{"msgRunning", msgRunning, "Listener already running"},
		{"msgStartFailed", msgStartFailed, "Listener start failed"},
		{"msgBadFormat", f(msgBadFormat, "lp"), `Entry for code "lp" has incorrect format`},
		{"msgUnknownSvc", f(msgUnknownSvc, "lp"), `Service "lp" unknown`},
		{"msgNoNLPS", msgNoNLPS, "NLPS service not defined"},
		{"msgNoLogin", msgNoLogin, "remote login service not defined"},
		{"msgPMType", msgPMType, "Incorrect port monitor type.  Must be of type listen"},
		{"msgActive", f(msgActive, "tcp"), "tcp\tACTIVE\n"},
		{"msgInactive", f(msgInactive, "starlan"), "starlan\tINACTIVE\n"},
		{"msgReport", f(msgReport, "lp", msgNoAddr, msgEnabled, msgNoRPC, "root", msgNoModules, "/var/spool/lp/fifos/listenS5", ""),
			"lp\tNOADDR\tENABLED \tNORPC\troot\tNOMODULES\t/var/spool/lp/fifos/listenS5\t# \n"},
		{"msgNoAddr", msgNoAddr, "NOADDR"},
		{"msgDynamic", msgDynamic, "DYNAMIC"},
		{"msgEnabled", msgEnabled, "ENABLED "},
		{"msgDisabled", msgDisabled, "DISABLED"},
		{"msgNoRPC", msgNoRPC, "NORPC"},
		{"msgNoModules", msgNoModules, "NOMODULES"},
		{"msgNLPSServer", msgNLPSServer, "NLPS server"},
	})
}

// TestMessagesGolden lists every message of the package in
// testdata/messages.golden, so that a change to any shows in review.
func TestMessagesGolden(t *testing.T) {
	msgtest.Golden(t, msgtest.Catalogue(t, "messages.go"))
}
