package ttymon

// The messages of ttymon: every text it writes to its log, to stderr or
// the console, and on a line, as named constants. Each is marked on its
// line "original" (the original ttymon's text, byte for byte, its <value>
// brackets included) or "ours" (a message the original did not have). A
// message of ours that adds to an original text is the original constant
// followed by a detail constant, which starts with ": " or " (".
// messages_test.go pins every original text to the original's words, and
// testdata/messages.golden lists them all.
//
// Some lines ttymon logs are worded by the packages that do the work, in
// the original's words too: saf/pmproto (the _pid and pipe steps of
// start-up, "PMTAG is missing", the "Got SC_..." lines) and saf/pmtab (the
// ttyflags, count and timeout checks of _pmtab and the device and service
// checks); messages_test.go pins those it can reach.
const (
	// The program's name, before its lines on stderr and the console.
	progName = "ttymon" // original

	// The log of SAC mode: every line is "<ctime>; <pid>; <message>".
	fmtLogLine       = "%s; %d; %s"                                // original
	msgBlank         = " "                                         // original
	msgStarting      = "********** ttymon starting **********"     // original
	msgExiting       = "********** ttymon exiting ***********"     // original
	msgPMTag         = "PMTAG: %s"                                 // original
	msgStartState    = "Starting state: %s"                        // original
	stateEnabled     = "enabled"                                   // original
	stateDisabled    = "disabled"                                  // original
	msgGetrlimit     = "getrlimit failed: %s"                      // original
	msgSetrlimit     = "setrlimit failed: %s"                      // original
	msgMaxFiles      = "max open files = %d"                       // original
	msgMaxPorts      = "max ports ttymon can monitor = %d"         // original
	msgOpenPMTab     = "open pmtab (%s) failed"                    // original
	msgCheckPMTab    = "check pmtab version failed"                // original
	msgCheckTTYDefs  = "check %s version failed"                   // original
	msgNoTTYGroup    = "no group entry for <tty>, default is used" // original
	msgInitDone      = "Initialization Completed"                  // original
	msgCaughtSIGTERM = "caught SIGTERM"                            // original
	msgPMPipeRead    = "pmpipe read failed: %s"                    // original
	msgStatusSocket  = "status socket not available: %v"           // ours
	detailErr        = ": %s"                                      // ours: the errno text the original left out

	// What ttymon writes where nobody reads its log: stderr or the
	// console, as "ttymon: <message>" (the original's vlog without a log
	// file), and the console messages of cons_printf, which wrote the
	// string's NUL byte too.
	fmtConsole   = "ttymon: %s\n"                                                   // original
	msgCreateLog = "ttymon cannot create log file \"%s\": %s\n"                     // original
	consoleNUL   = "\x00"                                                           // original
	msgCtty      = "Warning -- ttymon cannot allocate controlling tty on \"%s\",\n" // original
	msgCttyCons  = "\tThere may be another session active on this port.\n"          // original
	msgCttyPort  = "\tthere may be another session active on this port.\n"          // original

	// Log rotation: written without a time stamp.
	msgRestarting   = "Restarting log file\n"           // original
	msgRenameOldTmp = "rename old to tmp file failed\n" // original
	msgRenameLogOld = "rename log to old file failed\n" // original
	msgRenameTmpOld = "rename tmp to old file failed\n" // original
	msgLogOpen      = "log file open failed\n"          // original
	msgRenameOldLog = "rename old to log file failed\n" // original

	// _pmtab.
	msgProcessing     = "Processing pmtab line #%d"                                      // original
	msgEntryTooLong   = "Entry too long."                                                // original
	msgInvalidFlag    = "Invalid flag -- %c"                                             // original
	msgFieldFailure   = "Parsing failure in the \"%s\" field,\n%s<--error detected here" // original
	msgDashes         = "-------------------------------------------"                    // original
	msgEntryFailure   = "Parsing failure for entry: \n%s"                                // original
	msgDuplicateEntry = "Ignoring duplicate entry for <%s>"                              // original
	msgTagMissing     = "port/service tag is missing"                                    // original
	msgTagTooLong     = "port/service tag <%s> is longer than %d"                        // original
	msgTagNotAlnum    = "port/service tag <%s> is not alphanumeric"                      // original
	msgNoIdentity     = "identity field is missing"                                      // original
	msgNoPasswd       = "missing or bad passwd entry for <%s>"                           // original
	msgNoGroup        = "no group entry for %d"                                          // original
	msgPMTabFull      = "can't add more entries to pmtab, Maxfds = %d"                   // original
	msgTooManyModules = "too many modules in <%s>"                                       // original
	msgBadModules     = "Error - invalid STREAMS module list <%s>."                      // original
	fieldTag          = "tag"                                                            // original
	fieldFlags        = "flags"                                                          // original
	fieldIdentity     = "identity"                                                       // original
	fieldReserved1    = "reserved1"                                                      // original
	fieldReserved2    = "reserved2"                                                      // original
	fieldReserved3    = "reserved3"                                                      // original
	fieldDevice       = "device"                                                         // original
	fieldTTYFlags     = "ttyflags"                                                       // original
	fieldCount        = "count"                                                          // original
	fieldService      = "service"                                                        // original
	fieldTimeout      = "timeout"                                                        // original
	fieldTTYLabelPM   = "ttylabel"                                                       // original
	fieldModules      = "modules"                                                        // original
	fieldPrompt       = "prompt"                                                         // original
	fieldDisableMsg   = "disable msg"                                                    // original
	fieldTermType     = "terminal type"                                                  // original
	fieldSoftCar      = "soft-carrier"                                                   // original

	// /etc/ttydefs.
	msgCantOpenDefs = "can't open \"%s\".\n"                                            // original
	msgInvalidMode  = "invalid mode: %s"                                                // original
	msgDefsFailure  = "Parsing failure in the \"%s\" field\n%s<--error detected here\n" // original
	fieldTTYLabel   = "tty label"                                                       // original
	fieldInitial    = "Initial flags"                                                   // original
	fieldFinal      = "Final flags"                                                     // original
	fieldAutobaud   = "Autobaud"                                                        // original
	fieldNextLabel  = "Next label"                                                      // original
	msgDuplicateDef = "Warning -- duplicate entry <%s>, ignored"                        // original
	msgDefsFull     = "can't add more entries to ttydefs table,  Maximum entries = %d"  // original
	msgNoLabel      = "unable to find <%s> in \"%s\""                                   // original
	msgNextLabelBad = "%s's next speed-label (%s) is bad."                              // original
	msgLabelLost    = "unable to find (%s) again"                                       // original
	msgIgnoredWords = "stty modes not supported on Linux, ignored: %s"                  // ours

	// Terminal modes.
	msgGetTTYMode    = "set_termio: get_ttymode failed: %s"             // original
	msgSttyparse     = "sttyparse unknown mode: %s"                     // original
	msgSetTTYMode    = "set_termio: set_ttymode failed"                 // original
	msgAutoGet       = "auto_termio: ioctl TCGETA failed, fd = %d: %s"  // original
	msgAutoSet       = "auto_termio: ioctl TCSETSF failed, fd = %d: %s" // original
	msgHangupGet     = "hang_up_line: TCGETA failed: %s"                // original
	msgHangupSet     = "hang_up_line: TCSETS failed: %s"                // original
	msgFlushInput    = "flush_input failed, fd = %d: %s"                // original
	msgDrainOutput   = "drain of ouput failed, fd = %d: %s"             // original: its typo
	msgInitialTermio = "initial termio on (%s) failed"                  // original
	msgPushFailed    = "push (%s) on %s failed: %s"                     // original
	lineClear        = "\r\n"                                           // original: before the prompt

	// The escapes of the issue file and the prompt (issue.go), in
	// agetty's words.
	fmtIssueDate        = "%s %s %2d  %d"  // ours: agetty's \d
	fmtIssueUsersNumber = "%d "            // ours: agetty's \u, the space included
	fmtIssueUser        = "%d user"        // ours: agetty's \U
	fmtIssueUsers       = "%d users"       // ours: agetty's \U
	issueNoDomain       = "unknown_domain" // ours: agetty's \O

	// Ports, in the parent.
	msgOpenFailed    = "open (%s) failed: %s"                                                                               // original
	msgSoftCarrier   = "set soft-carrier (%s) failed: %s"                                                                   // original
	reasonNotTaking  = "not taking it: %s"                                                                                  // ours: in place of the errno text
	msgRespawning    = "service <%s> is respawning too rapidly"                                                             // original
	msgActiveSession = "Warning -- active session exists on <%s>"                                                           // original
	msgPipeFailed    = "pipe() failed: %s"                                                                                  // original
	msgForkFailed    = "fork failed: %s"                                                                                    // original
	msgPtyRefused    = "service <%s>: not taking %s: %s"                                                                    // ours
	msgPtyGone       = "service <%s>: the pseudo-terminal %s has gone away; the port stays down until _pmtab is read again" // ours
	msgMarkDead      = "cannot mark the utmp record of pid %d dead: %s"                                                     // ours
	reasonPtyOwner   = "it belongs to uid %d (another user's terminal; a pty for ttymon must be root's)"                    // ours
	reasonPtySession = "it is the controlling terminal of process %d, in another session"                                   // ours
	errTextPtyGone   = "the pseudo-terminal is gone or is another one now"                                                  // ours
	errTextOtherLine = "the name leads to another device now"                                                               // ours
	errTextNotTTY    = "not a terminal"                                                                                     // ours

	// The per-port child, and express mode.
	msgOpenLine        = "open \"%s\" failed: %s"                                      // original
	msgSetRaw          = "set termio RAW failed"                                       // original
	msgSetFinal        = "set final termio failed"                                     // original
	msgPollHup         = "POLLHUP received, about to exit"                             // original
	msgSpeedWarning    = "Warning -- speed of <%s> may be not supported by the system" // original
	msgAutobaudRead    = "autobaud: read failed: %s"                                   // original
	msgAccountFailed   = "invoke_service: account failed"                              // original
	msgMakeutx         = "makeutx for pid %d failed"                                   // original
	msgDoconfigSystem  = "doconfig failed, system error"                               // original
	msgDoconfigLine    = "doconfig failed on line %d of script %s"                     // original
	msgSetGID          = "cannot set group id to %d: %s"                               // original
	msgSetUID          = "cannot set user id to %d: %s"                                // original
	msgChdir           = "cannot chdir to %s: %s"                                      // original
	msgStartService    = "Starting service (%s) on %s"                                 // original
	msgExecFailed      = "tmchild: exec service failed: %s"                            // original
	msgCannotLock      = "cannot lock %s: %s"                                          // ours
	msgNameRefused     = "login name %q refused: it starts with '-'"                   // ours
	msgServiceCommand  = "service command of %s: %v"                                   // ours
	msgPushBack        = "cannot give the typed line back to the service on %s: %s"    // ours
	msgGroups          = "cannot find the groups of %s: %s"                            // ours
	msgSetGroups       = "cannot set the supplementary groups of %s: %s"               // ours
	errTextTooManyArgs = "more than %d words"                                          // ours
	errTextBadName     = "login name starts with '-'"                                  // ours
	errTextNoCommand   = "empty service command"                                       // ours

	// Express mode and the getty personality.
	expressUsage     = "Usage: ttymon\n  ttymon -g [-h] [-d device] [-l ttylabel] [-t timeout] [-p prompt] [-m modules]\n" // original
	msgIllegalOption = "illegal option -- %c"                                                                              // original: getopt(3)'s, after "<argv0>: "
	msgNeedsArgument = "option requires an argument -- %c"                                                                 // original: getopt(3)'s, after "<argv0>: "
	msgBadTimeout    = "Invalid argument for \"-t\" -- number expected."                                                   // original
	msgGettyTimeout  = "getty: timeout argument <%s> invalid"                                                              // original
	msgGettyCheck    = "Use \"sttydefs -l\" to check /etc/ttydefs."                                                        // original
	msgGettyNoLine   = "getty: no terminal line specified."                                                                // original
	msgTTYName       = "ttyname cannot find the device on fd 0"                                                            // original
	msgOpenTTY       = "open %s failed: %s"                                                                                // original
	msgNotTakingTTY  = "not taking %s: %s"                                                                                 // ours
	msgUtmpWrite     = "cannot write the utmp record of %s: %s"                                                            // ours
	msgWtmpWrite     = "cannot write the wtmp record of %s: %s"                                                            // ours

	// Never shown: errors that only steer the code, and the parent/child
	// protocol (spawn.go).
	errTextUsage      = "usage"                             // ours
	errTextMode       = "unknown mode"                      // ours
	fmtExit           = "exit %d"                           // ours
	errTextNoPasswdID = "no passwd entry"                   // ours
	errTextNoGroupID  = "no group entry"                    // ours
	errTextParentGone = "parent hung up"                    // ours
	errTextBadAnswer  = "unexpected answer from the parent" // ours
	protoStart        = "S "                                // ours: "S <pid>\n", the child asks to start the service
	protoGo           = "G\n"                               // ours: the parent's go-ahead

	// --help.
	helpText = "Usage: ttymon                      (started by sac, with PMTAG and ISTATE set)\n" +
		"       ttymon -g [-h] [-d device] [-l ttylabel] [-t timeout] [-p prompt]\n" +
		"                 [-m modules] [-T termtype]     (express mode, e.g. from inittab)\n" +
		"       getty [-h] [-t timeout] line [speed [type [linedesc]]]\n" +
		"       getty -c file\n" +
		"See ttymon(8), ttyadm(8) and sttydefs(8).\n" // ours

	// Reading the login name with BS and DEL as erase (lineedit.go).
	msgRestoreModes = "cannot set the modes of the line back after reading the name: %s" // ours
)
