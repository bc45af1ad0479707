package adm

// The messages of the admin commands' shared code: the getopt errors of
// all five, and what sacadm and pmadm print from the code they share. Each
// constant is marked "original" (the original commands' text, byte for
// byte, <value> brackets included) or "ours". A message of ours that adds
// to an original text is the original constant followed by a detail
// constant, which starts with ": " or " (" (messages_test.go checks both,
// and testdata/messages.golden lists them all).
const (
	// fmtProgLine frames every message on stderr: "PROG: text".
	fmtProgLine = "%s: %s\n" // ours
	fmtText     = "%s"       // ours: a message worded elsewhere (saf/sactab, saf/pmtab)

	// getopt, as the Solaris getopt the original commands were built
	// with words it; long options are ours.
	msgIllegalOption     = "illegal option -- %s"                  // original
	msgNeedsArgument     = "option requires an argument -- %s"     // original
	msgTakesNoArgument   = "option doesn't take an argument -- %s" // ours
	msgUnexpectedOperand = "unexpected argument %q"                // ours
	msgUsageError        = "usage error"                           // ours

	// Privilege and option values (sacadm and pmadm).
	MsgNotPriv         = "User not privileged for operation"                       // original
	detailNotPriv      = " (run it as root, or set SAF_ROOT to work in a sandbox)" // ours
	msgEmbeddedNewline = "Embedded newlines not allowed"                           // original
	msgBadFlags        = "Invalid request, %s are not valid arguments for \"-f\""  // original
	MsgTagTruncated    = "tag too long, truncated to <%s>"                         // original
	MsgTypeTruncated   = "type too long, truncated to <%s>"                        // original
	MsgTagNotAlnum     = "port monitor tag must be alphanumeric"                   // original
	MsgTypeNotAlnum    = "port monitor type must be alphanumeric"                  // original
	detailEmptyValue   = " (it is empty)"                                          // ours
	detailValue        = " (%q)"                                                   // ours
	MsgVersionNegative = "version number can not be negative"                      // original
	MsgVersionTooLarge = "version number %s is too large (at most %d)"             // ours
	msgCannotLock      = "could not lock %s: %s"                                   // ours
	DetailErr          = ": %s"                                                    // ours
	DetailPathErr      = ": %s: %s"                                                // ours
	DetailFileLine     = ": %s line %d"                                            // ours
	detailLineError    = ": %s %v"                                                 // ours

	// _sactab, read by every sacadm and pmadm run.
	msgCouldNotOpen     = "could not open %s"                        // original
	MsgFileCorrupt      = "%s file is corrupt"                       // original
	DetailNoStamp       = ": it has no \"# VERSION=\" line"          // ours
	msgSactabVersion    = "_sactab version number is incorrect"      // original
	detailSactabVersion = ": %s says %d, this %s reads %d"           // ours
	MsgSactabCorrupt    = "_sactab file is corrupt"                  // original
	MsgUnrecognizedFlag = "Unrecognized flag <%c>"                   // original
	MsgDoesNotExist     = "Invalid request, %s does not exist"       // original
	msgCannotAscertain  = "warning - could not ascertain sac status" // original

	// Requests to sac and its replies (sacadm).
	msgCannotContact   = "Can not contact SAC"                                                // original
	detailNoReply      = ": no reply on %s: %s"                                               // ours
	detailNoChannel    = ": %s: %s (is sac running?)"                                         // ours
	msgPMRunning       = "Port monitor, %s, is already running"                               // original
	msgPMNotRunning    = "Port monitor, %s, is not running"                                   // original
	msgSentInvalid     = "Internal error - sent invalid command"                              // original
	msgCouldNotContact = "Could not contact %s"                                               // original
	msgPidLocked       = "Could not start %s - _pid file locked"                              // original
	msgInRecovery      = "Port monitor, %s, is in recovery"                                   // original
	msgRequestFailed   = "This request could not be completed - see sac log file for details" // original
	msgUnknownResponse = "unknown response"                                                   // original
	detailResponseCode = " (%d)"                                                              // ours

	// Configuration scripts (-z, -g, -G) and file rewrites.
	MsgCouldNotStat       = "Could not stat <%s>"                                     // original
	msgNotRegularIgnored  = "warning - %s not a regular file - ignored"               // original
	msgCannotOpenFile     = "Invalid request, can not open %s"                        // original
	msgBadScript          = "Invalid request, %s is not a valid configuration script" // ours
	detailScriptLine      = ": line %d: %s"                                           // ours
	msgNoScript           = "Invalid request, script does not exist"                  // original
	msgCannotOpenScript   = "Invalid request, can not open script"                    // original
	msgCannotPrint        = "could not print %s: %s"                                  // ours
	msgCannotCreateTemp   = "cannot create tempfile"                                  // original
	msgErrorWritingTemp   = "error in writing tempfile"                               // original
	msgErrorAccessingTemp = "error accessing temp file"                               // original
	msgErrorClosingTemp   = "error closing tempfile"                                  // original
	msgCouldNotReplace    = "could not replace %s: %s"                                // ours
)
