package listen

// Every text listen shows: its log lines (the listener's, the launcher's
// and the NLPS server's), what it prints on stderr before its log is
// open, and the texts of the errors that end up in the log. The code uses
// these constants and nothing else, so that a text cannot drift from the
// original's unnoticed: TestMessagesOriginal pins each text the original
// listener had to the original's words, and TestMessagesGolden lists them
// all in testdata/messages.golden (go test -run TestMessagesGolden
// -update rewrites it).
//
// "original" marks the original's text, byte for byte, <value> brackets
// included; a detail of ours may only follow it, after ": " or " (", or
// go on a line of its own. "ours" marks a text of this listener alone.
// The NLPS server's answers on the wire, which it logs too, are the
// package saf/nlps's (UnknownText and the others).

// Start-up and end.
const (
	msgTerminating  = "*** listener terminating!!! ***"                                                               // original
	msgFailedStart  = "Listener failed to start properly"                                                             // original
	msgUsage        = "Usage: listen [ -m minor_prefix ] network_device"                                              // original
	msgNotRoot      = "Must be root to start listener"                                                                // original
	msgNetSpecLong  = "Bad netspec on command line ( Pathname too long )"                                             // original
	msgNoNetconfig  = "no netconfig entry for <%s>"                                                                   // original
	msgLockPID      = "Can't lock PID file: listener may already be running"                                          // original
	msgNoSacPipe    = "Can't open pipe to respond to SAC messages"                                                    // original
	msgNoPMPipe     = "Can't open pipe to read SAC messages"                                                          // original
	msgNoPIDFile    = "Can't create process ID file in home directory"                                                // original
	msgFileDetail   = "  %s: %s"                                                                                      // ours: the file and the reason, after the original's line
	msgVersionLine  = "@(#)listen (linux-saf), _pmtab version 4"                                                      // ours: stands for the original's SCCS line
	msgTag          = "Listener port monitor tag: %s"                                                                 // original
	msgNoIState     = "ERROR: ISTATE variable not set in environment"                                                 // original
	msgStartEnabled = "Starting state: ENABLED"                                                                       // original
	msgStartDisable = "Starting state: DISABLED"                                                                      // original
	msgNetOpened    = "Net opened, %d %s bound, %d fds free"                                                          // original
	msgAddress      = "address"                                                                                       // original: msgNetOpened's word for 1
	msgAddresses    = "addresses"                                                                                     // original: msgNetOpened's word for any other number
	msgInitComplete = "Initialization Complete"                                                                       // original
	msgSlowStart    = "Every service starts through the launcher: listen was started with signals ignored or blocked" // ours
	msgSIGTERM      = "caught SIGTERM (exiting)"                                                                      // original
	msgSacReadError = "Error reading SAC messages: %v"                                                                // ours
	msgSystemError  = "System error"                                                                                  // original: the text of exit 91
)

// On stderr, before the log is open; prog and ": " come first.
const (
	msgStderr = "%s: %v\n"                                                                                                                 // ours: PROG: error
	msgNoLog  = "%s: Unable to open listener log file during initialization: %s: %s\n"                                                     // original: after "PROG: " (the original had nowhere to show it), then the file and the reason
	msgNoSelf = "%s: cannot find my own program to start services: %v\n"                                                                   // ours
	msgHelp   = "Usage: listen [-m minor_prefix] net_spec   (started by sac, with PMTAG and ISTATE set)\nSee listen(8) and nlsadmin(8).\n" // ours
)

// Reading _pmtab.
const (
	msgDBFOpen           = "Trouble opening data base file"                         // original
	msgDBFLine           = "Data base file: Error on line %d"                       // original
	msgDBFIllegal        = "Data base file: Illegal service code: <%s>"             // original
	msgDBFDuplicate      = "Data base file: Duplicate service code: <%s>"           // original
	msgDBFCorrupt        = "Data base file has been corrupted"                      // original: the version check's line
	msgDBCorrupt         = "Database file has been corrupted"                       // original: the line of exit 39, after msgDBFCorrupt
	msgDBVersion         = "Database file is not at the current version"            // original: the line of exit 40
	msgNoEntries         = "No database?  0 entries?"                               // original
	msgRPCNotInteger     = "service code <%s> specifies non-integer rpc info"       // original
	msgRPCRange          = "service code <%s> specifies out-of-range rpc info"      // ours: the original's atoi overflowed
	msgBadOptions        = "service code <%s> specifies %s in its options"          // ours: flag o
	msgAddrTooLong       = "Invalid private address ignored: %s"                    // original: with the address where the original printed a pointer
	msgStaticDynamic     = "service code <%s> specifies static and dynamic address" // original
	msgAddrInfo          = "  address info ignored"                                 // original: follows msgStaticDynamic
	msgUnknownFlag       = "service code <%s> unknown flag <%c> ignored"            // original
	detailNoVersion      = `: no version line (want "%s%d")`                        // ours: follows msgDBFCorrupt
	detailEmptyVersion   = ": the version line has no number"                       // ours: follows msgDBFCorrupt
	detailVersionNewline = ": the version line does not end in a newline"           // ours: follows msgDBFCorrupt
	detailVersion        = ": version %d, this listener reads version %d"           // ours: follows msgDBVersion
	msgRereading         = "Re-reading database"                                    // original
	msgRereadFailed      = "Re-read failed, keeping old data base"                  // ours: the original said "Using new data base file", which was wrong
	msgRereadComplete    = "Re-read complete, %d %s bound, %d fds free"             // original
)

// Binding and unbinding addresses.
const (
	msgServiceAddr    = "Service %s: fd %d addr %s"                                                                                   // original
	msgServiceDynamic = "Service %s: fd %d dynamic addr \\x%s"                                                                        // original
	msgUnbind         = "Unbind %s: fd %d addr %s"                                                                                    // original
	detailFileGone    = ": socket file removed or replaced"                                                                           // ours: follows msgUnbind
	msgIgnored        = "  Service %s ignored: %s"                                                                                    // original: with a why* below
	whyBind           = "unable to bind requested address"                                                                            // original
	whyFDs            = "out of file descriptors"                                                                                     // original
	whyAddress        = "invalid address %s"                                                                                          // ours: the original logged "command line error"
	whyPassfdWait     = "a standing server (flag p) cannot be a wait or udp service"                                                  // ours
	msgIgnoredReason  = "    %s"                                                                                                      // ours: the reason, on the line after msgIgnored
	msgServeError     = "Service %s: %v"                                                                                              // ours
	msgAcceptFailed   = "TLI t_accept failed: %s"                                                                                     // original: with the reason where the original had TLI's
	msgAcceptMore     = "TLI t_accept failed (%d more times)"                                                                         // ours: msgAcceptFailed's count while it is held back
	msgZoneNotNumeric = "zone %q is not a numeric scope id"                                                                           // ours
	msgNoSafeMode     = "socket file %s: cannot set its mode safely: unshare(CLONE_FS) is not permitted and %s is writable by others" // ours
	msgNoUnshare      = "unshare(CLONE_FS) refused"                                                                                   // ours
)

// RPC registration.
const (
	msgRPCRegistered = "  registered with rpcbind, prognum %d version %d"     // original
	msgRPCSetFailed  = "rpcb_set failed, service not registered with rpcbind" // original
	msgRPCReason     = "  %v"                                                 // ours: the reason, on the line after msgRPCSetFailed
	msgRPCUnset      = "rpcb_unset failed for prognum %d version %d: %v"      // ours
	msgRPCRefused    = "rpcbind refused the registration"                     // ours
	msgRPCShort      = "rpcbind: short result"                                // ours
	msgRPCNotRunning = "rpcbind is not running: %w"                           // ours
	msgRPCTooLong    = "rpcbind: reply too long"                              // ours
	msgRPCMalformed  = "rpcbind: malformed reply"                             // ours
	msgRPCDenied     = "rpcbind denied the call"                              // ours
	msgRPCNotAccept  = "rpcbind did not accept the call (status %d)"          // ours
	msgRPCNoAddress  = "no bound address"                                     // ours
)

// sac's messages.
const (
	msgUnknownSacMsg = "Received unknown message from sac -- ignored" // original
	msgNewEnabled    = "New state: ENABLED"                           // original
	msgNewDisabled   = "New state: DISABLED"                          // original
	msgNoStatus      = "status socket not available: %v"              // ours: sacadm --status
)

// Connections.
const (
	msgCallDisabled   = "Incoming call while disabled: fd %d, seq %d"      // original
	msgDeniedDisabled = "Request for service on fd %d denied: disabled"    // original
	msgConnect        = "Connect: fd %d, svctag %s, seq %d, type %s"       // original: with a type* below
	typeExec          = "exec"                                             // original
	typePassfd        = "passfd"                                           // original
	typeWait          = "wait"                                             // ours: wait services
	typeInternal      = "internal %s"                                      // ours: internal services
	msgPushModules    = "Could not push modules: %s"                       // original
	msgDoconfig       = "doconfig failed on line %d of script %s"          // original
	msgOpenFailed     = "Open failed: %s"                                  // original
	msgPassfdFailed   = "Passfd failed: %s"                                // original
	msgReason         = "  %s"                                             // ours: the reason, on the line after an original's
	msgForkError      = "Error during fork() to start a service"           // original
	msgUtmpFailed     = "Can't create utmpx entry for service code %s: %s" // ours
)

// The service's start, in the launcher or on the direct path, for a
// service the listener starts; the NLPS server's texts are these with
// msgNLPSPrefix before them, except the module and exec failures.
const (
	msgBadLaunch      = "listen: bad launcher data: %v"                                    // ours
	msgNonTerminated  = "invalid command line, non-terminated string for service code %s"  // original
	msgTooManyArgs    = "invalid command line, more than %d arguments for service code %s" // ours: the original overflowed
	msgEmptyCommand   = "invalid command line, empty command for service code %s"          // ours
	msgPushExit       = "Can't push server's modules: exit"                                // original
	msgExecFailed     = "ERROR: could not exec server"                                     // original
	msgSysError       = "System error: %s"                                                 // original
	msgNoPasswd       = "Missing or bad passwd entry for <%s>"                             // original
	msgNoGroup        = "No group entry for %s"                                            // original
	msgSetGid         = "Cannot set group id to %s"                                        // original
	msgSetGroups      = "Cannot set supplementary groups for %s"                           // ours: the original set none
	msgSetUid         = "Cannot set user id to %s"                                         // original
	msgChdir          = "Cannot chdir to %s"                                               // original
	msgNoEnv          = "Can't expand server's environment"                                // original
	msgNLPSPrefix     = "NLPS: "                                                           // original: before the identity messages of a service the NLPS server starts
	msgNLPSPushExit   = "NLPS: Can't push server's modules: exit"                          // original
	msgNLPSExecFailed = "NLPS server: could not exec service"                              // original
)

// The NLPS server.
const (
	msgNLPSNoRequest  = "NLPS: No/bad service request received"                              // original
	msgNLPSUnknownReq = "NLPS: Unknown service request (ignored)"                            // original
	msgNLPSTooLong    = "NLPS: recieve buffer not large enough"                              // original: sic
	msgRcvError       = "Error trying to rcv message to start a service: %s"                 // original: with the reason where the original had TLI's
	msgRcvTimeout     = "Timed out trying to rcv message to start a service"                 // original
	msgNLPSVersion    = "NLPS: Unknown version of an NLPS service request: %d:%d"            // original
	msgATTVersion     = "ATT service: unknown version"                                       // original
	msgATTFormat      = "ATT service: bad message format"                                    // original
	msgNLPSNoDB       = "NLPS: Unable to open database file"                                 // original
	msgNLPSOpenFailed = "NLPS open failed: %s"                                               // original
	msgNLPSPassfd     = "NLPS passfd failed: %s"                                             // original
	msgNLPSOptions    = "NLPS: service %s has options and is served on its own address only" // ours
	msgNLPSDropped    = "NLPS: %d requests pending on fd %d: the oldest dropped"             // ours
)

// The log itself.
const (
	msgRestartLog = "Restarting log file"        // original
	msgTroubleLog = "Trouble saving the logfile" // original
)

// Service options, wait services and socket activation: all ours.
const (
	msgRefusedAccess  = "Service %s: %s refused: not in allow, or in deny"                                                                                                         // ours
	msgRefusedWrap    = "Service %s: %s refused by %s (daemon %s)"                                                                                                                 // ours
	msgRefusedRate    = "Service %s: %s refused: paused by rate"                                                                                                                   // ours
	msgRatePause      = "Service %s: more than %d connections in %v: not accepting for %v"                                                                                         // ours
	msgRefusedMax     = "Service %s: %s refused: %d instances running (max %d)"                                                                                                    // ours
	msgRefusedSource  = "Service %s: %s refused: %d instances running from %s (persource %d)"                                                                                      // ours
	msgTimedOut       = "Service %s: pid %d timed out after %v: SIGHUP, SIGKILL in %v"                                                                                             // ours
	msgBurstMore      = "Service %s: %d more %s"                                                                                                                                   // ours: with a what* below
	whatAccess        = "refused by allow/deny"                                                                                                                                    // ours
	whatWrap          = "refused by hosts.allow/hosts.deny"                                                                                                                        // ours
	whatRate          = "refused while paused by rate"                                                                                                                             // ours
	whatMax           = "refused by max"                                                                                                                                           // ours
	whatPerSource     = "refused by persource"                                                                                                                                     // ours
	whatLoop          = "datagrams ignored (loop risk)"                                                                                                                            // ours
	whatDisabled      = "refused while disabled"                                                                                                                                   // ours
	whatTimeout       = "sessions ended by timeout"                                                                                                                                // ours
	whatFailed        = "failed starts of the wait service"                                                                                                                        // ours
	whatPending       = "pending NLPS requests dropped"                                                                                                                            // ours
	msgLocalPeer      = "a local peer"                                                                                                                                             // ours: a unix-domain caller in the lines above
	msgHostsIgnored   = "%s line %d ignored: %v"                                                                                                                                   // ours
	msgHostsNever     = "%s line %d: never matches %s (host names, LOCAL, KNOWN, UNKNOWN, PARANOID, .domain, @netgroup, user@ and /file words are not supported; write addresses)" // ours
	msgNoRule         = "no rule"                                                                                                                                                  // ours: the deciding rule of msgRefusedWrap
	msgRuleAt         = "%s line %d"                                                                                                                                               // ours: the deciding rule of msgRefusedWrap
	msgHandOverFailed = "Service %s: cannot hand over its socket: %s"                                                                                                              // ours
	msgWaitNoStart    = "Service %s: wait service did not start; its socket rests for %v"                                                                                          // ours
	msgLoopRisk       = "Service %s: datagram from %s port %d ignored: a reply could start a loop"                                                                                 // ours
	msgActivationFD   = "Socket activation: fd %d: %s"                                                                                                                             // ours
	msgActivationType = "Socket activation: fd %d is not a socket, closed"                                                                                                         // ours
	msgActivationName = "Socket activation: fd %d: getsockname: %s, closed"                                                                                                        // ours
	msgActivationTook = "Service %s: socket fd %d taken from the service manager"                                                                                                  // ours
	msgActivationLeft = "Socket activation: fd %d (%s) matches no service, closed"                                                                                                 // ours
	msgSockStream     = "stream"                                                                                                                                                   // ours: a passed socket in msgActivationLeft
	msgSockDgram      = "datagram"                                                                                                                                                 // ours
	msgSockType       = "type %d"                                                                                                                                                  // ours
	msgSockText       = "%s \\x%s"                                                                                                                                                 // ours: the kind and the bound address
)
