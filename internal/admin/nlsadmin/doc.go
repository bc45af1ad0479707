// Package nlsadmin implements nlsadmin, the administration command of the
// network listener port monitor, listen (listen.md 4).
//
// # Synopsis
//
//	nlsadmin -x
//	nlsadmin [options] net_spec
//	nlsadmin [options] -N port_monitor_tag
//	nlsadmin -V
//	nlsadmin -c cmd | -o streamname [-p modules] [-A address | -D] [-R prognum:versnum]
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
// services by running sacadm and pmadm (in this process, with their
// standard error discarded) and translating their exit statuses. It never
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
//	-a code -c cmd -y comment [-p modules] [-w id] net_spec
//	                       Add a service without an address. The identity
//	                       defaults to the user listen.
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
//
// Service codes are 1 to 13 letters and digits. Each option refuses to follow
// certain others ("Inconsistent options", exit 5), checked in command-line
// order as the original does; options end at the first operand (POSIX
// getopt), so net_spec comes last.
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
// not looked up. The original's \!cmd\! and \$cmd\$, which ran shell
// commands, are refused.
//
// No argument that ends up in the table may contain '#' (it would start
// pmadm's comment) or a newline; -p and -w may not contain ':' either.
// Such arguments are refused with exit 5.
//
// # Privilege
//
// -a, -r, -e, -d, -i, -s, -k, -l and -t with an address, and -o need
// effective uid 0, unless SAF_ROOT is set (a sandbox; linux.md D3).
//
// # Messages
//
// Errors and warnings go to standard error as "nlsadmin: error: TEXT" and
// "nlsadmin: warning: TEXT"; command-line errors are followed by the usage.
// When sacadm or pmadm fail for a reason nlsadmin has no word for, the
// extra line "nlsadmin: error: System error in SAC command" follows.
//
// # Exit status
//
//	0  success; for queries: active, or enabled
//	1  queries only: inactive port monitor, disabled service
//	2  command failed: already initialized, already running, not running,
//	   start failed, port monitor not of type listen
//	3  not super-user
//	4  service code error: too long, unknown, already exists, non-existent
//	5  command line error
//	6  system error: sacadm or pmadm failed for another reason
//	7  bad port monitor: none such, not of type listen
//
// # Files
//
//	/usr/lib/saf/listen       the listener (not prefixed by SAF_ROOT)
//	/usr/lib/saf/nlps_server  service 0 (not prefixed by SAF_ROOT)
//
// # Differences from the original
//
// Both -A addr -D and -D -A addr are refused. -R wants digits on both
// sides of the colon. Messages name the program nlsadmin rather than
// argv[0]. -c=x is read as -c x (pflag), where getopt would pass "=x".
package nlsadmin
