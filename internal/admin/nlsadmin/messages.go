package nlsadmin

// Every text nlsadmin shows: its messages on stderr, its usage and help,
// the words of its reports, and the script of --import-inetd. The code
// uses these constants and nothing else, so that a text cannot drift
// from the original's unnoticed: TestMessagesOriginal pins each text the
// original nlsadmin had to its words, and TestMessagesGolden lists them
// all in testdata/messages.golden (go test -run TestMessagesGolden
// -update rewrites it).
//
// "original" marks the original's text, byte for byte; a detail of ours
// may only follow it, after ": " or " (". "ours" marks a text of this
// nlsadmin alone.

// The lines on stderr: the program name, then the severity and the text
// (the original's nlsmesg).
const (
	msgProgLine    = "%s: %s\n"    // original: argv[0] and the message
	msgErrorText   = "error: %s"   // original
	msgWarningText = "warning: %s" // original
)

// The usage (%s is the program's name), on stderr after a usage error,
// and the help that follows it on --help.
const (
	msgUsage = "usage: %s -x\n" +
		"       %s [ options ] netspec\n" +
		"       %s [ options ] -N port_monitor_tag\n" +
		"       %s -V\n" +
		"       %s -c cmd | -o pipename [ -p modules ] [ -A addr | -D ] \\\n" +
		"          [ -R prognum:versnum ]\n" +
		"\n" +
		"       [ options ] are:\n" +
		"       [ -a svc_code -c \"cmd\" -y \"cmt\" [-p modules] [-w id] ]\n" +
		"       [-q] | [-v] | [-s] | [-k] | [-i] |\n" +
		"       [-e svc_code] | [-d svc_code] | [-r svc_code] | [[-q] -z svc_code]\n" +
		"       [[-l addr | -] [-t addr | -]] |\n" // original: with its backslash and its trailing '|'
	msgHelp = "\n" +
		"Formatter (prints the listen-specific part of a _pmtab entry for pmadm -m):\n" +
		"  -V                 print the listen _pmtab version, 4\n" +
		"  -c cmd             service is a command line; cmd must start with '/'\n" +
		"  -o path            service is a standing server at path (pass-fd); root only\n" +
		"  -p modules         comma-separated STREAMS module names\n" +
		"  -A addr            private address of the service\n" +
		"  -D                 dynamic address\n" +
		"  -R prog:vers       RPC program and version\n" +
		"\n" +
		"Administration (net_spec is the port monitor tag, e.g. tcp):\n" +
		"  -x                 list listen port monitors and whether they are active\n" +
		"  net_spec           show whether net_spec is active (exit 1 if not)\n" +
		"  -q net_spec        exit 0 if net_spec is active, else 1\n" +
		"  -v net_spec        list its services\n" +
		"  [-q] -z code       show one service ([-q]: exit 0 enabled, 1 disabled, 4 unknown)\n" +
		"  -a code -c cmd -y comment [-p modules] [-w id] net_spec\n" +
		"                     add a service (identity defaults to listen)\n" +
		"  -r, -e, -d code    remove, enable, disable a service\n" +
		"  -l addr|- , -t addr|-\n" +
		"                     set (or with -, print) the address of service 0 (NLPS)\n" +
		"                     and service 1 (remote login)\n" +
		"  -i                 create the listen port monitor net_spec and service 0\n" +
		"  -s, -k             start, stop the port monitor\n" +
		"  -N tag             give net_spec as an option\n" +
		"  -m                 ignored (historic)\n" +
		"\n" +
		"Service options (with -c, -o, --internal or -a; they add flag o and an\n" +
		"OPTIONS field before the command; -v shows it as OPTIONS:COMMAND):\n" +
		"  --proto=tcp|udp    transport of the service (default tcp)\n" +
		"  --wait[=yes|no]    inetd's wait: the service gets the listening socket\n" +
		"  --internal=NAME    echo, discard, daytime, chargen or time, answered by\n" +
		"                     the listener; -c is then optional\n" +
		"  --max=N            at most N instances at once\n" +
		"  --rate=N[/SECS]    at most N connections per SECS (default 1), else\n" +
		"  --pause=DUR        refuse for DUR (default 10s), doubling up to\n" +
		"  --pausemax=DUR     DUR (default 8 times the pause)\n" +
		"  --persource=N      at most N instances per source address, grouped by\n" +
		"  --v4prefix=BITS    IPv4 prefix (default 32) and\n" +
		"  --v6prefix=BITS    IPv6 prefix (default 64)\n" +
		"  --timeout=DUR      end a session after DUR (seconds, or 1m30s, 500ms)\n" +
		"  --allow=LIST       only these peers (addresses, networks, commas)\n" +
		"  --deny=LIST        not these peers\n" +
		"  --wrap=NAME        also check hosts.allow/hosts.deny as daemon NAME\n" +
		"  --option KEY=VAL   any key of the OPTIONS field; repeatable\n" +
		"  N is a whole number from 0 (--rate: 1) to 1073741824, DUR at most a year\n" +
		"  (8784h); a value out of range is refused, never cut down to fit.\n" +
		"\n" +
		"Importing:\n" +
		"  --import-inetd FILE [net_spec]\n" +
		"                     print a sh script that recreates the services of an\n" +
		"                     inetd.conf under port monitor net_spec (default tcp);\n" +
		"                     lines it cannot import go to stderr, exit 1\n" +
		"\n" +
		"Addresses (-A, -l, -t):\n" +
		"  \\xHEX, \\oOCTAL     raw sockaddr bytes, e.g. \\x00020ACE000000000000000000000000\n" +
		"                     is port 2766 on every IPv4 address (family 0002, port,\n" +
		"                     IPv4 address, 8 zero bytes); \\x000A... is a sockaddr_in6\n" +
		"  host:port          numeric IPv4 address and port, e.g. 127.0.0.1:21000\n" +
		"  :port              every IPv4 address\n" +
		"  [v6addr]:port      IPv6 address, e.g. [::1]:21000\n" +
		"  /path              socket path, for unix transports; it may not hold ':'\n" +
		"  Readable host:port forms are stored in the \\x hex form, since ':'\n" +
		"  separates _pmtab fields. '#' and newlines are refused everywhere.\n" +
		"  The port may be a service name (127.0.0.1:echo, :ftp, [::1]:daytime),\n" +
		"  looked up for --proto in /etc/services (or the file $SAF_SERVICES).\n" +
		"\n" +
		"Exit status: 0 success (queries: active/enabled), 1 inactive/disabled\n" +
		"(--import-inetd: entries left out), 2 command failed, 3 not super-user,\n" +
		"4 service code error, 5 command line error, 6 system error, 7 bad port\n" +
		"monitor.\n" // ours
)

// The original's errors and warnings, after "error: "
// or "warning: ".
const (
	msgInconsistent    = "Inconsistent options"                                 // original
	msgMissingArgument = "Missing argument"                                     // original
	msgNotRoot         = "Must be super user"                                   // original
	msgInvalidNet      = "Invalid network specification"                        // original
	msgNotListen       = "Network specification \"%s\" is not of type listen"   // original
	msgSvcCodeLong     = "Service code contains more than %d characters"        // original: says 14, and refuses 14 too
	msgSacError        = "System error in SAC command"                          // original
	msgFullPath        = "Must specify full path name"                          // original
	msgNotExist        = "%s does not exist"                                    // original: a warning
	msgSvcExists       = "Service code already exists"                          // original
	msgCouldNotAdd     = "Could not add service"                                // original
	msgNoService       = "Non-existent service."                                // original
	msgNoPM            = "Non-existent port monitor."                           // original
	msgNotActive       = "No listener active on network \"%s\""                 // original
	msgInitialized     = "Listener already initialized"                         // original
	msgRunning         = "Listener already running"                             // original
	msgStartFailed     = "Listener start failed"                                // original
	msgBadFormat       = "Entry for code \"%s\" has incorrect format"           // original: a warning
	msgUnknownSvc      = "Service \"%s\" unknown"                               // original
	msgNoNLPS          = "NLPS service not defined"                             // original: a warning
	msgNoLogin         = "remote login service not defined"                     // original: a warning
	msgPMType          = "Incorrect port monitor type.  Must be of type listen" // original
)

// What nlsadmin prints on stdout, as the original did.
const (
	msgActive     = "%s\tACTIVE\n"                       // original: -x and net_spec
	msgInactive   = "%s\tINACTIVE\n"                     // original
	msgReport     = "%s\t%s\t%s\t%s\t%s\t%s\t%s\t# %s\n" // original: -v and -z (code, address, state, rpc, id, modules, command, comment)
	msgDynamic    = "DYNAMIC"                            // original: the address of -v and -z
	msgNoAddr     = "NOADDR"                             // original
	msgEnabled    = "ENABLED "                           // original: with its blank
	msgDisabled   = "DISABLED"                           // original
	msgNoRPC      = "NORPC"                              // original
	msgNoModules  = "NOMODULES"                          // original
	msgNLPSServer = "NLPS server"                        // original: the comment of the service 0 that -i adds
)

// Our errors: the details of what we refuse that the original did not
// check, and of what it did not have.
const (
	detailBadNet      = ": %q is not a port monitor tag (1-%d letters and digits)"                    // ours: after msgInvalidNet
	msgSvcCodeChars   = "Service code %q must be letters and digits"                                  // ours
	msgListFailedPMs  = "Could not list port monitors"                                                // ours: before msgSacError
	msgListFailedSvcs = "Could not list services"                                                     // ours: before msgSacError
	msgSvcOptsAlone   = "%s applies only to a service: give -c, -o or --internal, or add one with -a" // ours
	msgInternalPipe   = "--internal cannot be combined with -o: an internal service has no server"    // ours
	msgImportAlone    = "--import-inetd takes only a port monitor tag (net_spec or -N)"               // ours
	msgImportTwice    = "--import-inetd given twice"                                                  // ours
	msgOptionKV       = "--option %q is not key=value"                                                // ours
	msgOptionTwice    = "%s: service option %s given twice"                                           // ours
	msgOptionBad      = "%s=%s: %s"                                                                   // ours
	msgRPCArg         = "-R argument %q is not prognum:versnum (two decimal numbers below 2^32)"      // ours
	msgNetTwice       = "net_spec %q given twice (operand and -N)"                                    // ours
	msgExtraArg       = "unexpected argument %q"                                                      // ours
	msgTrailingBlank  = "%s argument %q ends in white space, which _pmtab does not keep"              // ours
	msgContains       = "%s argument %q contains %s"                                                  // ours: with a why* below
	whyHash           = "'#', which starts the comment of a _pmtab entry"                             // ours
	whyNewline        = "a newline, which ends a _pmtab entry"                                        // ours
	whyColon          = "':', which separates _pmtab fields"                                          // ours
	msgModuleList     = "-p argument %q is not a list of module names separated by commas"            // ours
	msgAddrName       = "%s argument %q: %s"                                                          // ours
	msgAddrColon      = "%s argument %q %v (a socket path may not contain ':')"                       // ours
	msgAddrInvalid    = "%s argument %q is not a valid address: %v"                                   // ours
	msgAddrLong       = "%s argument %q is longer than %d characters"                                 // ours
	msgNoServicesFile = "no services file to look service names up in"                                // ours
	msgServicesRead   = "cannot read the services file: %w"                                           // ours
	msgServicesParse  = "cannot read the services file %s: %w"                                        // ours
	msgServiceUnknown = "service %s/%s not found in %s"                                               // ours
)

// --import-inetd: its errors, the lines it cannot import, and the script.
const (
	msgImportTag      = "Invalid port monitor tag %q: 1-%d letters and digits"                                                                                                                                                                                                                                                                                                                                       // ours
	msgImportNoAccess = "cannot read inetd.conf: no file access"                                                                                                                                                                                                                                                                                                                                                     // ours
	msgImportOpen     = "cannot read inetd.conf: %v"                                                                                                                                                                                                                                                                                                                                                                 // ours
	msgImportRead     = "cannot read %s: %v"                                                                                                                                                                                                                                                                                                                                                                         // ours
	msgNotImported    = "%s:%d: not imported: %s"                                                                                                                                                                                                                                                                                                                                                                    // ours
	msgImportBound    = "%s %s is already the address of line %d"                                                                                                                                                                                                                                                                                                                                                    // ours
	msgImportRPC      = "%s: RPC services are not imported (give the program and version to nlsadmin -R by hand)"                                                                                                                                                                                                                                                                                                    // ours
	msgImportUnix     = "unix: Unix-domain services are not imported"                                                                                                                                                                                                                                                                                                                                                // ours
	msgImportProto    = "protocol %q is not supported (tcp, tcp4, tcp6, tcp46, udp, udp4, udp6, udp46)"                                                                                                                                                                                                                                                                                                              // ours
	msgImportSockType = "socket type %q with protocol %s is not supported (want %s)"                                                                                                                                                                                                                                                                                                                                 // ours
	msgImportHost     = "host %q is not a numeric address (host names are not looked up)"                                                                                                                                                                                                                                                                                                                            // ours
	msgImportService  = "service %q is not supported (tcpmux and RPC names are not imported)"                                                                                                                                                                                                                                                                                                                        // ours
	msgImportPort     = "port %q is not from 1 to 65535"                                                                                                                                                                                                                                                                                                                                                             // ours
	msgImportInternal = "internal service %q is not supported (%s)"                                                                                                                                                                                                                                                                                                                                                  // ours
	msgImportUser     = "user %q cannot be stored in _pmtab"                                                                                                                                                                                                                                                                                                                                                         // ours
	msgImportRelative = "server %q is not an absolute path"                                                                                                                                                                                                                                                                                                                                                          // ours
	msgImportWords    = "the command %q cannot be given to the listener word for word"                                                                                                                                                                                                                                                                                                                               // ours
	msgImportArgHash  = "argument %q holds '#' or a newline, which _pmtab cannot hold"                                                                                                                                                                                                                                                                                                                               // ours
	msgImportArgQuote = "argument %q cannot be quoted for the listener"                                                                                                                                                                                                                                                                                                                                              // ours
	noteInternalArgs  = "the arguments of the internal service are ignored"                                                                                                                                                                                                                                                                                                                                          // ours
	noteDgramNowait   = "dgram nowait: the listener hands a udp service its socket, as for wait"                                                                                                                                                                                                                                                                                                                     // ours
	noteInternalWait  = "wait is ignored for an internal service"                                                                                                                                                                                                                                                                                                                                                    // ours
	noteDualStack     = "%s: the listener binds [::] for IPv6 only; IPv4 clients need another entry for :%d"                                                                                                                                                                                                                                                                                                         // ours
	noteGroup         = "group %s cannot be expressed: the service runs with the groups of %s"                                                                                                                                                                                                                                                                                                                       // ours
	noteClass         = "login class %s cannot be expressed"                                                                                                                                                                                                                                                                                                                                                         // ours
	noteTcpdPath      = "tcpd's daemon %s is taken to be %s"                                                                                                                                                                                                                                                                                                                                                         // ours
	noteTcpd          = "tcpd: the daemon runs directly, the listener checks hosts.allow/hosts.deny (--wrap)"                                                                                                                                                                                                                                                                                                        // ours
	noteArgv0         = "argv[0] %s cannot be expressed: the server gets %s"                                                                                                                                                                                                                                                                                                                                         // ours
	scriptHead        = "#!/bin/sh\n# Generated by nlsadmin --import-inetd from %s.\n# Recreates its services under the listen port monitor %s. What exists\n# is left alone, so the script may be run again: remove a service with\n# \"pmadm -r -p %s -s CODE\" to import it anew. Run it as root.\nset -e\n\nsacadm -L -p %s >/dev/null 2>&1 ||\n\tsacadm -a -p %s -t listen -c %s -v \"$(nlsadmin -V)\" -y %s\n" // ours
	scriptComment     = "imported from %s"                                                                                                                                                                                                                                                                                                                                                                           // ours: the comment of the port monitor
	scriptNone        = "\n# No service could be imported.\n"                                                                                                                                                                                                                                                                                                                                                        // ours
	scriptEntry       = "# %s line %d: %s\n"                                                                                                                                                                                                                                                                                                                                                                         // ours
	scriptNote        = "# NOTE: %s\n"                                                                                                                                                                                                                                                                                                                                                                               // ours
	scriptAdd         = "pmadm -L -p %s -s %s >/dev/null 2>&1 ||\n\tpmadm -a -p %s -s %s -i %s -v \"$(nlsadmin -V)\" \\\n\t\t-m \"$(nlsadmin %s)\" \\\n\t\t-y %s\n"                                                                                                                                                                                                                                                  // ours
	scriptSvcComment  = "imported from %s line %d"                                                                                                                                                                                                                                                                                                                                                                   // ours: the comment of a service
)
