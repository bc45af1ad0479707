package sac

// Every message sac shows a person: its log /var/saf/_log (and syslog,
// which gets the same lines), what it writes on standard error or the
// console, and the texts of the errors that end up in those lines. No
// other file of the package holds message text; messages_test.go checks
// that, pins every message marked "original" to the original's words,
// and lists them all in testdata/messages.golden.
//
// The rule: a message the original had keeps its text byte for byte,
// <value> brackets and punctuation included; what we add (the file, the
// system's error text, a hint) comes after it, after ": " or " (". A
// message of ours follows the same style. Each constant's comment says
// which it is: "original" or "ours".

// Usage and the console: what sac says when it cannot log (console.Write:
// standard error when someone reads it, else /dev/console, else syslog).
const (
	msgUsage   = "SAC: Usage: sac -t sanity_interval\n"                           // original
	msgHelp    = "Usage: sac -t sanity_interval\n"                                // ours: sac --help, on standard output
	msgOpenLog = "SAC: could not open logfile %s: %s\n"                           // original
	msgLockLog = "SAC: could not lock logfile %s:%s\n"                            // original (no space after the colon, as the original)
	msgWaitSac = "sac: another sac (pid %d) is running; waiting for it to exit\n" // ours, on standard error
)

// Start-up, and the fatal errors, each followed in the log by
// msgExiting. The original's texts come from its table of fatal errors;
// the exit statuses are the constants in sac.go.
const (
	msgStarting       = "*** SAC starting ***"                                                  // original
	msgExiting        = "*** SAC exiting ***"                                                   // original
	msgNoHome         = "can not chdir to home directory: %s: %s"                               // original: the directory, the system's error
	msgSysConfigSys   = "system error in _sysconfig: %v"                                        // original
	msgSysConfigLine  = "Error in _sysconfig: line %d"                                          // original
	msgSysConfigError = "error interpreting _sysconfig"                                         // original
	msgNoSacPipe      = "could not open _sacpipe: %s"                                           // original
	msgNoCmdPipe      = "could not create _cmdpipe: %v"                                         // original
	msgNoSacTab       = "could not open _sactab: %s: %s"                                        // original: the file, the system's error
	msgSacTabVersion  = "_sactab version # is incorrect (%s: version %d, sac reads version %d)" // original
	msgSacTabCorrupt  = "_sactab file is corrupt (%s: %v)"                                      // original: the file, the line and why
	msgSacPipeRead    = "read of _sacpipe failed: %v"                                           // original
	msgNotifyStatus   = "STATUS=%d port monitors"                                               // ours: systemd's status line (systemctl status sac)
)

// Reading _sactab, at start-up and on a re-read. "tag too long,
// truncated to <TAG>" and "type too long, truncated to <TYPE>" are the
// original's too; saf/sactab makes them (sactab.Entry.Warnings), sac logs
// them as they are.
const (
	msgBadFlag   = "Unrecognized flag <%c>"            // original
	msgDuplicate = "Ignoring duplicate entry for <%s>" // original
	// A re-read (sacadm -x, SIGHUP) that cannot take _sactab (missing,
	// corrupt, another version): the original died of it; sac logs the
	// fatal message with this and goes on.
	msgKeepTable = "%v: keeping the current table"                   // ours
	msgSIGHUP    = "caught SIGHUP - re-reading _sactab"              // ours
	msgSignal    = "caught %s - exiting; port monitors keep running" // ours
)

// Starting a port monitor, in sac.
const (
	msgPidLocked   = "could not start <%s> - _pid file locked"                       // original
	msgCantOpenPid = "can not open _pid file for <%s>: %v"                           // original
	msgMkPMPipe    = "Could not create _pmpipe for port monitor <%s>, errno is %d%s" // original; %s is ": why" when there is no errno
	msgOpenPMPipe  = "Could not open _pmpipe for port monitor <%s>, errno is %d%s"   // original; %s as above
	msgForkPM      = "Could not fork port monitor <%s>: %v"                          // original
)

// The child sac starts for a port monitor: it logs with its own pid,
// which the port monitor keeps.
const (
	msgChdirPM      = "Cannot chdir to <%s>, port monitor not started: %s"              // original: </etc/saf/TAG>, then the system's error
	msgConfigSys    = "system error in _config script for <%s>: %v"                     // original
	msgConfigLine   = "Error in _config script for <%s>: line %d"                       // original
	msgExpandEnv    = "can't expand port monitor <%s> environment"                      // original
	msgUnterminated = "invalid command line, non-terminated string for port monitor %s" // original (no brackets, as the original)
	msgTooManyWords = "invalid command line, more than %d words for port monitor %s"    // ours: the original had no bound
	msgStartingPM   = "starting port monitor <%s>"                                      // original
	msgExecPM       = "exec of port monitor <%s> failed: %s"                            // original
	msgExecEmpty    = "exec of port monitor <%s> failed: empty command"                 // original
	msgPassSockets  = "cannot pass sockets to port monitor <%s>: %s"                    // ours: socket activation
)

// Polling, deaths, restarts.
const (
	msgMessageFailed = "message to <%s> failed"                                      // original
	msgHasStopped    = "<%s> has stopped"                                            // original
	msgDiedRestart   = "<%s> has died - trying to restart"                           // original
	msgMuteRestart   = "<%s> stopped responding to sanity polls - trying to restart" // original
	msgHasFailed     = "<%s> has FAILED"                                             // original
	msgNoStop        = "<%s> did not stop - sending SIGKILL"                         // ours: sacadm -k, SIGTERM ignored
)

// What port monitors write to _sacpipe.
const (
	msgUnknownProcess = "message from unknown process"                            // original
	msgDidntRecognize = "port monitor <%s> didn't recognize message"              // original
	msgInvalidState   = "port monitor <%s> reporting invalid state"               // original
	msgChangedState   = "port monitor <%s> changed state from %s to %s"           // original
	msgInvalidMessage = "port monitor <%s> sent an invalid message - ignoring it" // original
	// A complaint logged again after others like it were left out (at
	// most one a second).
	msgNoiseRepeat = "%s (%d more in the last %d s)" // ours
)

// Administrative requests (sacadm, pmadm).
const (
	msgUnknownRequest = "Got unknown message for <%s>"                          // original
	msgTerminating    = "terminating <%s>"                                      // original
	msgNoSIGTERM      = "could not send SIGTERM to <%s>"                        // original
	msgSendInfo       = "could not send info: %v"                               // original
	msgEndSessions    = "ending the %d sessions of <%s> %v (sacadm -k --force)" // ours
	msgSessionKill    = "session %d of <%s> did not end - sending SIGKILL"      // ours
)

// Recovery: port monitors that outlived the previous sac.
const (
	msgRecovery      = "SAC in recovery"                                  // original
	msgRecoverPMPipe = "Could not open _pmpipe for port monitor <%s>: %v" // original
)

// The log file itself (logfile.go).
const (
	msgLogOwner      = "it belonged to uid %d"                                                 // ours
	msgLogMode       = "it was mode %04o"                                                      // ours
	msgLogReadLock   = "pid %d held a read lock on it"                                         // ours
	msgLogReplaced   = "replaced %s with a copy of mode %04o: %s"                              // ours
	msgLogSquatted   = "replaced %s with a copy of mode %04o: %s (sac takes only write locks)" // ours
	msgLogNarrowed   = "could not replace %s (%s): %v; made it mode %04o instead"              // ours
	msgLogUnreplaced = "%s: %s, and it could not be replaced: %w"                              // ours
)

// Socket activation (activation.go).
const (
	msgActNotSocket = "socket activation: fd %d is not a socket, ignored"                                          // ours
	msgActNoName    = "socket activation: fd %d has no port monitor tag as its name (FileDescriptorName=), closed" // ours
	msgActSockets   = "socket activation: %d socket(s) for port monitor <%s>"                                      // ours
)

// The texts of errors that end up after a message.
const (
	msgErrExistsNotFIFO = "%s exists and is not a FIFO"                                                      // ours
	msgErrNotFIFO       = "not a FIFO"                                                                       // ours
	msgErrLinked        = "has other hard links; remove it and let sacadm or the port monitor make it again" // ours
	msgErrNotRegular    = "not a regular file"                                                               // ours
	msgErrNoPid         = "no pid"                                                                           // ours
	msgErrUnterminated  = "non-terminated string"                                                            // ours
	msgErrTooManyArgs   = "too many arguments"                                                               // ours
)
