package ttyadm

// The messages ttyadm prints: every user-visible text of the package.
// Each constant is marked "original" (the original ttyadm's text, byte for
// byte, <value> brackets included) or "ours". A message of ours that adds
// to an original text is the original constant followed by a detail
// constant, which starts with ": " or " (" (messages_test.go checks both,
// and testdata/messages.golden lists them all). The getopt errors are
// package adm's.
const (
	// usage is the original's usage text.
	usage = "Usage:\tttyadm [ options ] -d device -s service -l ttylabel\n" +
		"\tttyadm -V\n" +
		"\n" +
		"\tValid options are:\n" +
		"\t-c\n" +
		"\t-h\n" +
		"\t-b\n" +
		"\t-I\n" +
		"\t-S y|n\n" +
		"\t-T term\n" +
		"\t-r count\n" +
		"\t-t timeout\n" +
		"\t-p prompt\n" +
		"\t-m modules\n" +
		"\t-i msg\n" // original

	fmtVersion = "%d\n" // original: -V

	// Option values.
	msgBadCount   = "Invalid argument for \"-r\" -- positive number expected." // original
	msgBadTimeout = "Invalid argument for \"-t\" -- positive number expected." // original

	// The checks of device, service, label and modules.
	msgDeviceMissing   = "error -- device field is missing"                           // original
	msgNotFullPath     = "error -- must specify full path name for \"%s\"."           // original
	msgDeviceNotExist  = "error -- device \"%s\" does not exist"                      // original
	msgNotCharDevice   = "error -- \"%s\" not character special device"               // original
	msgServiceMissing  = "error -- server command is missing"                         // original
	msgServiceNotExist = "error -- \"%s\" does not exist"                             // original
	msgNotExecutable   = "error -- \"%s\" not executable\n"                           // original: its format ended in a newline, and log() added one
	msgNotRegular      = "error -- \"%s\" not a regular file"                         // original
	msgLabelMissing    = "error -- ttylabel is missing"                               // original
	msgNoTtydefs       = "error -- \"%s\" does not exist, can't verify ttylabel <%s>" // original
	msgLabelNotFound   = "error -- can't find ttylabel <%s> in \"%s\""                // original
	msgTooManyModules  = "too many modules in <%s>"                                   // original
	msgInvalidModules  = "Error - invalid STREAMS module list <%s>."                  // original
	detailErrno        = ": %s"                                                       // ours

	// What would corrupt the _pmtab entry (a hardening: the original wrote it).
	msgArgNewline    = "invalid argument for -%c: %s holds a newline, which would split the _pmtab entry"                                            // ours
	hintWriteNewline = "; write \\n for a newline"                                                                                                   // ours
	msgArgColon      = "invalid argument for -%c: %s holds \":\", which would end the field in the _pmtab entry"                                     // ours
	msgArgHash       = "invalid argument for -%c: %s holds \"#\", which would start a comment in the _pmtab entry"                                   // ours
	msgArgBackslash  = "invalid argument for -%c: %s ends in a lone \"\\\", which would escape the end of the field; write \"\\\\\" for a backslash" // ours

	msgCannotWrite = "writing the %s: %w" // ours
	whatVersion    = "version"            // ours
	whatFields     = "fields"             // ours
)
