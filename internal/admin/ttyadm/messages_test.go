package ttyadm

import (
	"fmt"
	"testing"

	"github.com/linux-saf/saf/internal/msgtest"
)

// TestMessagesOriginal pins every message marked original to the
// original's text, written out here as the original ttyadm printed it,
// with sample values for its conversions.
func TestMessagesOriginal(t *testing.T) {
	f := fmt.Sprintf
	msgtest.CheckOriginal(t, msgtest.Catalogue(t, "messages.go"), []msgtest.Pin{
		{"usage", usage, "Usage:\tttyadm [ options ] -d device -s service -l ttylabel\n" +
			"\tttyadm -V\n" +
			"\n" +
			"\tValid options are:\n" +
			"\t-c\n\t-h\n\t-b\n\t-I\n\t-S y|n\n\t-T term\n\t-r count\n\t-t timeout\n\t-p prompt\n\t-m modules\n\t-i msg\n"},
		{"fmtVersion", f(fmtVersion, 1), "1\n"},
		{"msgBadCount", msgBadCount, `Invalid argument for "-r" -- positive number expected.`},
		{"msgBadTimeout", msgBadTimeout, `Invalid argument for "-t" -- positive number expected.`},
		{"msgDeviceMissing", msgDeviceMissing, "error -- device field is missing"},
		{"msgNotFullPath", f(msgNotFullPath, "term/a"), `error -- must specify full path name for "term/a".`},
		{"msgDeviceNotExist", f(msgDeviceNotExist, "/dev/term/a"), `error -- device "/dev/term/a" does not exist`},
		{"msgNotCharDevice", f(msgNotCharDevice, "/etc/passwd"), `error -- "/etc/passwd" not character special device`},
		{"msgServiceMissing", msgServiceMissing, "error -- server command is missing"},
		{"msgServiceNotExist", f(msgServiceNotExist, "/usr/bin/login"), `error -- "/usr/bin/login" does not exist`},
		{"msgNotExecutable", f(msgNotExecutable, "/etc/passwd"), "error -- \"/etc/passwd\" not executable\n"},
		{"msgNotRegular", f(msgNotRegular, "/usr/bin"), `error -- "/usr/bin" not a regular file`},
		{"msgLabelMissing", msgLabelMissing, "error -- ttylabel is missing"},
		{"msgNoTtydefs", f(msgNoTtydefs, "/etc/ttydefs", "contty"), `error -- "/etc/ttydefs" does not exist, can't verify ttylabel <contty>`},
		{"msgLabelNotFound", f(msgLabelNotFound, "contty", "/etc/ttydefs"), `error -- can't find ttylabel <contty> in "/etc/ttydefs"`},
		{"msgTooManyModules", f(msgTooManyModules, "a,b,c,d,e,f,g,h,i,j"), "too many modules in <a,b,c,d,e,f,g,h,i,j>"},
		{"msgInvalidModules", f(msgInvalidModules, "bogus"), "Error - invalid STREAMS module list <bogus>."},
	})
}

// TestMessagesGolden lists every message of the package in
// testdata/messages.golden, so that a change to any shows in review.
func TestMessagesGolden(t *testing.T) {
	msgtest.Golden(t, msgtest.Catalogue(t, "messages.go"))
}
