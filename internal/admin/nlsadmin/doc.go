// Package nlsadmin implements nlsadmin, the administration command of the
// network listener port monitor, listen.
//
// # Synopsis
//
//	nlsadmin -x
//	nlsadmin [options] net_spec
//	nlsadmin [options] -N port_monitor_tag
//	nlsadmin -V
//	nlsadmin -c cmd | -o streamname [-p modules] [-A address | -D] [-R prognum:versnum] [service options]
//	nlsadmin --internal=name [-A address | -D] [service options]
//	nlsadmin --import-inetd file [net_spec | -N port_monitor_tag]
//	nlsadmin --help
//
// # Description
//
// nlsadmin has two halves. The formatter prints the listen-specific part of
// a _pmtab entry for pmadm -m, and the _pmtab version for pmadm -v and
// sacadm -v; it reads and writes no file:
//
//	pmadm -a -p tcp -s lp -i root -v $(nlsadmin -V) \
//	    -m "$(nlsadmin -o /var/spool/lp/fifos/listenS5)"
//
// The administrative front end manages listen port monitors and their
// services through the operations of sacadm and pmadm (their Go
// functions, in this process, with their messages discarded) and
// translates the exit statuses those operations end with. It never
// talks to a running listener: pmadm has sac tell the listener to re-read
// its table. net_spec is the port monitor's tag, used verbatim (tcp, not
// /dev/tcp).
//
// # Formatter options
//
//	-V          Print 4, the version of listen's _pmtab format.
//	-c cmd      The service is the command line cmd (flag c). cmd must
//	            start with '/'; its first word is checked and a warning
//	            printed if it does not exist.
//	-o path     The service is a standing server listening on the unix
//	            socket path, which gets each connection's descriptor
//	            (flag p). Needs privilege (see Privilege).
//	-p modules  Comma-separated STREAMS module names (no blanks).
//	-A address  The service's private address; see Addresses.
//	-D          The service gets a dynamic address (flag d). Not together
//	            with -A, in either order.
//	-R p:v      RPC program and version numbers, stored as "p,v".
//
// The output is one line, ADDRESS:RPC:FLAGS:MODULES:CMD, with the flags in
// the order c, d, p:
//
//	$ nlsadmin -c /usr/lib/netsvc/rusers/rpc.rusersd -D -R 100002:3
//	:100002,3:cd::/usr/lib/netsvc/rusers/rpc.rusersd
//
// With service options the line is ADDRESS:RPC:FLAGS:MODULES:OPTIONS:CMD
// and the flags end in o (see Service options).
//
// # Front-end options
//
//	-x                     List every listen port monitor as TAG<TAB>ACTIVE
//	                       or TAG<TAB>INACTIVE (active: ENABLED or STARTING).
//	net_spec               The same for one port monitor; exit 1 if inactive.
//	-q net_spec            No output; exit 0 if active, 1 if not.
//	-v net_spec            List the services, one per line:
//	                       CODE ADDRESS STATE RPC ID MODULES COMMAND # COMMENT,
//	                       separated by tabs; NOADDR or DYNAMIC, "ENABLED "
//	                       or DISABLED, NORPC, NOMODULES where empty.
//	-z code net_spec       The same for one service; exit 4 if it is unknown.
//	-q -z code net_spec    No output; exit 0 if enabled, 1 if disabled,
//	                       4 if unknown.
//	-a code -c cmd -y comment [-p modules] [-w id] [service options] net_spec
//	                       Add a service without an address. The identity
//	                       defaults to the user listen. With --internal,
//	                       -c may be left out.
//	-r code net_spec       Remove a service.
//	-e code net_spec       Enable a service.
//	-d code net_spec       Disable a service.
//	-l address net_spec    Replace the address of service 0 (the NLPS
//	                       server); -l - prints it. Any argument starting
//	                       with '-' prints. The entry is removed and added
//	                       again with flags c and without RPC information,
//	                       as the original does.
//	-t address net_spec    The same for service 1 (remote login).
//	-i net_spec            Create the listen port monitor net_spec running
//	                       "/usr/lib/saf/listen net_spec", then its service 0
//	                       running /usr/lib/saf/nlps_server as root.
//	-s net_spec            Start the port monitor and enable it.
//	-k net_spec            Stop the port monitor.
//	-N tag                 Give net_spec as an option.
//	-m                     Ignored (historic).
//	--import-inetd file [net_spec]
//	                       Print a script that recreates the services of an
//	                       inetd.conf under the port monitor net_spec (tcp
//	                       by default); see Importing inetd.conf.
//
// Service codes are 1 to 13 letters and digits. Each option refuses to follow
// certain others ("Inconsistent options", exit 5), checked in command-line
// order as the original does; options end at the first operand (POSIX
// getopt), so net_spec comes last.
//
// # Service options
//
// Our addition (docs/linux.md#extensions-beyond-the-original). Long options
// set the OPTIONS field of the entry (pmtab.ListenOptions,
// saf/pmtab/listenopts.go), for the formatter (-c, -o, or --internal alone)
// and -a; elsewhere they are a usage error.
//
//	--proto=tcp|udp      the service's transport (default tcp)
//	--wait[=yes|no]      inetd's wait: the service gets the listening socket
//	--internal=NAME      echo, discard, daytime, chargen or time, answered by
//	                     the listener; -c becomes optional (empty command)
//	--max=N              at most N instances at once
//	--rate=N[/SECONDS]   at most N connections per SECONDS (default 1) ...
//	--pause=DURATION     ... else refuse for DURATION (default 10s) ...
//	--pausemax=DURATION  ... doubling up to this (default 8 times pause)
//	--persource=N        at most N instances per source address
//	--v4prefix=BITS      group IPv4 sources by this prefix (default 32)
//	--v6prefix=BITS      group IPv6 sources by this prefix (default 64)
//	--timeout=DURATION   end a session after DURATION
//	--allow=LIST         only these peers (addresses, networks; commas)
//	--deny=LIST          not these peers
//	--wrap=NAME          consult hosts.allow/hosts.deny as daemon NAME
//	--option KEY=VALUE   any key of the OPTIONS field; repeatable
//
// Each key may be given once. Values are checked with
// ListenOptions.Set and the whole with Check; a failure is a command line
// error (exit 5, no usage) naming the option and the reason. A number out
// of its range (a count N from 0, for --rate from 1, to 1073741824; a
// DURATION up to a year; BITS from 1 to 32 or 128) is such a failure too,
// never a value cut down to fit. Options that
// differ from the defaults add flag o and the OPTIONS field in canonical
// form (ListenOptions.String); when all are defaults (--proto=tcp) the
// output is exactly what it was without them, so the original format and
// every old script are untouched. -v and -z print the COMMAND column as
// the original defines it, everything between the modules and the '#',
// which for an entry with flag o is OPTIONS:COMMAND ("max=3:/bin/cat",
// "internal=echo:"); entries without options print as before. -l and -t
// keep flag o when they re-add a service (otherwise the OPTIONS field
// would become part of the command).
//
// # Addresses
//
// An address (-A, -l, -t) is one of:
//
//	\xHEX, \XHEX   raw sockaddr bytes in hex: family 0002 (or 0200), port,
//	               IPv4 address, 8 zero bytes; \x00020ACE000000000000000000000000
//	               is port 2766 on every address. \x000A... is a
//	               sockaddr_in6: family, port, flowinfo, address, scope id.
//	\oOCTAL        the same bytes in octal.
//	host:port      a numeric IPv4 address and a port: 127.0.0.1:21000
//	:port          every IPv4 address
//	[v6addr]:port  an IPv6 address: [::1]:21000
//	/path          a socket path, for unix transports
//
// A readable host:port is stored in the hex form (127.0.0.1:21000 becomes
// \x000252087F0000010000000000000000), because ':' separates _pmtab fields.
// For the same reason a socket path may not contain ':'. Host names are
// not looked up, but the port may be a service name (127.0.0.1:echo,
// :ftp, [::1]:daytime), looked up in /etc/services (SAF_SERVICES names
// another file) for --proto (tcp by default), aliases included. The name
// is looked up only where the rest is a valid readable address, so other
// mistakes keep their old messages; saf/nlsaddr stays pure and gets the
// look-up as a callback (nlsaddr.TableFormPorts). The original's \!cmd\! and \$cmd\$, which ran shell
// commands, are refused.
//
// No argument that ends up in the table may contain '#' (it would start
// pmadm's comment) or a newline; -p and -w may not contain ':' either.
// Such arguments are refused with exit 5.
//
// # Importing inetd.conf
//
// --import-inetd reads an inetd.conf and prints a sh script of sacadm,
// pmadm and nlsadmin commands that recreates its services under a listen
// port monitor; it changes nothing itself (import.go has the mapping).
// Entries it cannot import go to standard error as FILE:LINE: reason; it
// exits 0 when all were imported, 1 when some were not, 6 when the file
// cannot be read.
//
// # Privilege
//
// -a, -r, -e, -d, -i, -s, -k, -l and -t with an address, and -o need
// effective uid 0, unless SAF_ROOT is set (a sandbox).
//
// # Messages
//
// Errors and warnings go to standard error as "nlsadmin: error: TEXT" and
// "nlsadmin: warning: TEXT"; command-line errors are followed by the usage.
// When sacadm or pmadm fail for a reason nlsadmin has no word for, the
// extra line "nlsadmin: error: System error in SAC command" follows.
// Every text is in messages.go: the original's words wherever the
// original had a message, a detail of ours only after them (after ": ").
//
// # Exit status
//
//	0  success; for queries: active, or enabled
//	1  queries only: inactive port monitor, disabled service;
//	   --import-inetd: some entries were not imported
//	2  command failed: already initialized, already running, not running,
//	   start failed, port monitor not of type listen
//	3  not super-user
//	4  service code error: too long, unknown, already exists, non-existent
//	5  command line error
//	6  system error: sacadm or pmadm failed for another reason
//	7  bad port monitor: none such, not of type listen
//
// # Environment
//
//	SAF_ROOT      a sandbox: prefixes every SAF file
//	SAF_SERVICES  the services(5) file to use instead of /etc/services
//
// # Files
//
//	/usr/lib/saf/listen       the listener (not prefixed by SAF_ROOT)
//	/usr/lib/saf/nlps_server  service 0 (not prefixed by SAF_ROOT)
//	/etc/services             service names (not prefixed by SAF_ROOT)
//
// # Differences from the original
//
// Both -A addr -D and -D -A addr are refused. -R wants digits on both
// sides of the colon; where the original printed the usage alone (a bad
// -R argument, a second operand), a line that says why comes first.
// Messages name the program nlsadmin rather than
// argv[0]. The long options (--help, service options, --import-inetd)
// and service names in addresses are additions.
package nlsadmin
