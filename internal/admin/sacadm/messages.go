package sacadm

// The messages sacadm prints, besides those it shares with pmadm (package
// adm): every user-visible text of the package. Each constant is marked
// "original" (the original sacadm's text, byte for byte, <value>
// brackets included) or "ours". A message of ours that adds to an
// original text is the original constant followed by a detail constant
// (adm.DetailErr and the like), which starts with ": " or " ("
// (messages_test.go checks both, and testdata/messages.golden lists
// them all).
const (
	// Usage is the original's usage text.
	Usage = "Usage:\tsacadm -a -p pmtag -t type -c cmd -v ver [ -f dx ] [ -n count ]\n" +
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
		"\tsacadm -x [ -p pmtag ]\n" // original
	// ExtUsage lists our extensions. --help prints it after Usage; usage
	// errors print Usage alone, as the original.
	ExtUsage = "\tsacadm -k -p pmtag --force\n" +
		"\tsacadm --status [ -p pmtag ] [ --json ]\n" +
		"\tsacadm -x [ -p pmtag ] --dry-run\n" // ours

	// Options.
	msgCommandNotFull = "command must be a full pathname"                                     // original
	detailQuoted      = ": %q"                                                                // ours
	msgCommandChars   = "command %q must not contain ':' or '#' (they would corrupt _sactab)" // ours
	msgCountNegative  = "restart count can not be negative"                                   // original
	msgCountTooLarge  = "restart count %s is too large (at most %d)"                          // ours

	// -a.
	msgCommandTooLong   = "command string too long"              // original
	detailCommandLength = ": %d bytes, at most %d"               // ours
	fmtRefused          = "%v"                                   // ours: saf/sactab's reason for an entry it cannot write
	msgAlreadyExists    = "Invalid request, %s already exists"   // original
	msgNotDirectory     = "<%s> exists and is not a directory"   // original
	msgCouldNotStatDir  = "could not stat <%s>"                  // original
	msgCouldNotRemove   = "could not remove files under <%s>"    // original
	msgCouldNotMkdir    = "could not create directory <%s>"      // original
	msgCouldNotMkfifo   = "could not create communications pipe" // original
	msgCouldNotMkPid    = "could not create _pid file"           // original
	msgCouldNotMkPmtab  = "could not create _pmtab file"         // original
	msgInitPmtab        = "error initializing _pmtab"            // original
	msgCmdNotExist      = "warning - %s does not exist"          // original
	msgCmdNotExecutable = "%s not executable"                    // original
	msgCmdNotRegular    = "%s not a regular file"                // original
	msgCouldNotAppend   = "Could not open _sactab"               // original

	// -l and -L.
	fmtListHeader      = "PMTAG          PMTYPE         FLGS RCNT STATUS     COMMAND\n" // original
	fmtListLine        = "%-14s %-14s %-4s %-4s %-10s %s #%s\n"                         // original
	fmtListCondensed   = "%s:%s:%s:%s:%s:%s#%s\n"                                       // original
	listNoFlags        = "-"                                                            // original
	msgBadInformation  = "Bad information from SAC"                                     // original
	msgImproperMessage = "Improper message from SAC"                                    // original
	msgNoPortMonitors  = "No port monitors defined"                                     // original

	// --status (an extension).
	sacIsRunning        = "running"                                                              // ours
	sacIsNotRunning     = "not running"                                                          // ours
	msgCannotFormat     = "could not format the status: %v"                                      // ours
	msgCannotReadPMTab  = "could not read %s: %s"                                                // ours
	fmtWarning          = "warning - %s"                                                         // ours
	fmtStatusHeader     = "PMTAG\tPMTYPE\tSTATUS\tSVCTAG\tSTATE\tWHERE\tPID\tUSER/PEER\tSINCE\n" // ours
	fmtStatusNoServices = "%s\t-\t-\t-\t-\t-\t-\n"                                               // ours
	fmtStatusNoSessions = "%s\t-\t-\t-\n"                                                        // ours
	fmtStatusSession    = "%s\t%s\t%s\t%s\n"                                                     // ours
	statusNone          = "-"                                                                    // ours
	stateNotLoaded      = "not-loaded"                                                           // ours
	stateRemoved        = "removed"                                                              // ours
	whereDynamic        = "dynamic"                                                              // ours
	fmtHexByte          = "\\x%02x"                                                              // ours

	// -x --dry-run (an extension): problems are "FILE:LINE: reason", the
	// reason an original text where the original had one for it.
	fmtProblemLine     = "%s:%d: %s"                                                                        // ours
	fmtProblem         = "%s: %s"                                                                           // ours
	fmtProblemWarning  = "%s:%d: warning - %s"                                                              // ours
	msgCannotRead      = "%s: cannot read: %s"                                                              // ours
	msgDryRunCorrupt   = "dry run: the files above are not valid; a reload would not take them as they are" // ours
	msgDryRunUnread    = "dry run: files could not be read"                                                 // ours
	msgCorruptEntry    = "corrupt entry"                                                                    // ours
	msgPMDefinedTwice  = "port monitor %s is already defined on line %d"                                    // ours
	msgSvcDefinedTwice = "service %s is already defined on line %d"                                         // ours
	msgPMTabVersion    = "%s version number is incorrect"                                                   // original
	detailPMTabVersion = ": version %d, %s reads version %d"                                                // ours
	fmtServiceReason   = "service %s: %s"                                                                   // ours
	msgNoLabel         = "unable to find <%s> in \"%s\""                                                    // original: ttymon's
	msgCodeTooLong     = "service code longer than %d characters"                                           // ours
	msgListenModule    = "module %q is not supported (timod, tirdwr and sockmod are)"                       // ours
	msgSacNotRunning   = "sac is not running: port monitors not compared"                                   // ours
	msgNoChanges       = "no changes"                                                                       // ours
	msgWouldAddPM      = "would add port monitor %s (%s)"                                                   // ours
	msgWouldRemovePM   = "would remove port monitor %s"                                                     // ours
	msgWouldChangePM   = "would change port monitor %s: %s"                                                 // ours
	fmtChangeType      = "type %s -> %s"                                                                    // ours
	fmtChangeFlags     = "flags %q -> %q"                                                                   // ours
	fmtChangeCount     = "restart count %d -> %d"                                                           // ours
	fmtChangeCommand   = "command %q -> %q"                                                                 // ours
	changeComment      = "comment"                                                                          // ours
	changeSeparator    = ", "                                                                               // ours
	msgPMNotRunning    = "%s: not running: services not compared"                                           // ours
	msgPMNotAnswering  = "%s: not answering on its status socket: services not compared"                    // ours
	msgWouldAddSvc     = "%s: would add service %s"                                                         // ours
	msgWouldRemoveSvc  = "%s: would remove service %s"                                                      // ours
	msgWouldChangeSvc  = "%s: would change service %s"                                                      // ours
)
