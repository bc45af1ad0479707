// Package listen is listen, the network listener port monitor of the
// Service Access Facility (docs/original.md#listen; what differs on Linux
// is in docs/linux.md).
//
// # Synopsis
//
//	listen [-m minor_prefix] net_spec
//
// # Description
//
// listen is started by sac (sacadm -a -t listen -c "/usr/lib/saf/listen
// tcp"), with PMTAG and ISTATE in its environment and /etc/saf/<tag> as its
// directory; it can also be started by hand with PMTAG and ISTATE set while
// sac runs. It binds one listening socket for every entry of its table,
// /etc/saf/<tag>/_pmtab, that has a private address or flag d, and for each
// connection on one starts the entry's service with the connection as its
// standard input, output and error, or passes the connection to a standing
// server. Service code 0 is, by convention, the NLPS server on the general
// address: a client sends a request naming a service code (package
// saf/nlps) and gets that service, whether it has an address of its own or
// not. listen serves NLPS itself
// (docs/linux.md#nlps-server-in-the-listener): an exec entry whose program
// is named nlps_server, as nlsadmin -i creates it, needs no such program.
//
// listen answers every message of sac: SC_ENABLE and SC_DISABLE switch it
// between ENABLED and DISABLED (a disabled listener keeps its sockets and
// resets every new connection; running services are never touched);
// SC_READDB makes it re-read _pmtab, keeping the socket, and so the queued
// connections, of every entry whose service code and address are unchanged,
// closing those of removed or changed entries and binding new ones. A table
// that cannot be read during a re-read leaves the old one in force, except
// a wrong version line, which ends listen.
//
// # Options
//
//	-m minor_prefix  the MPREFIX given to services (default net_spec);
//	                 the original also used it for utmp line names
//	net_spec         the transport: tcp (IPv4 and IPv6, as the address
//	                 says; tcp6 is the same), or unix (also local, ticots,
//	                 ticotsord), whose addresses are socket paths
//
// # Addresses
//
// The private address field (nlsadmin -A, package saf/nlsaddr) holds the
// original's hex form, \x followed by a sockaddr_in or sockaddr_in6 (family
// 0002 or 000A, port and address in network order), which nlsadmin writes
// for a readable host:port, [v6]:port or :port; or, for unix, the socket's
// absolute path. TCP sockets are bound with SO_REUSEADDR, IPv6 sockets
// IPv6-only, all with the largest listen queue the system grants
// (net.core.somaxconn; the original's was 100, which a burst overflows).
// Socket files are created mode 0666 by binding under a umask of their
// own, never by changing the mode by name afterwards (someone who can
// write the directory could have swapped the file for a symlink); a stale
// one (a socket of listen's own user that nobody listens on) is
// replaced, and listen removes its own when it unbinds them. A socket
// file someone removed is bound again at the next re-read or when
// sacadm --status asks (which shows it as socket-missing meanwhile). Flag d binds 0.0.0.0 on a port the kernel
// picks (unix: an abstract address); the log names it.
//
// # Services
//
// An entry with flag p passes each connection to the standing server
// listening on the AF_UNIX stream socket its command field names: one byte
// with the descriptor attached (SCM_RIGHTS), nothing else (package
// saf/passfd). Every other entry is exec'd, in a new session, with the
// connection on descriptors 0, 1 and 2 in blocking mode and nothing else
// open: the modules are checked (timod, tirdwr and sockmod mean nothing on
// Linux and are accepted; any other fails the service), the per-service
// script /etc/saf/<tag>/<svctag> is run (doconfig), the entry's identity
// taken (setgid, the user's supplementary groups, setuid; when listen runs
// unprivileged in a SAF_ROOT sandbox and already is that user, the switch
// is skipped), the user's home directory made current, umask 022, default
// signal dispositions and an empty signal mask set, and the command exec'd
// (no shell, no PATH search). Any failure is logged and closes the
// connection; listen carries on. One reaper collects every child, through
// its pidfd (reap.go); listen never waits for a service.
//
// There are two ways to get there, with the same result for the service:
// what a service gets is decided once for both (setup.go).
// An entry with a per-service script, or a service the NLPS server
// starts, needs code in the child, which Go
// cannot run between fork and exec: for it listen starts itself again as
// a launcher, which does the above in order and execs the command
// (launch.go). Every other entry, the common case, takes the direct path:
// listen looks the identity up itself (cached for ten seconds, forgotten
// on a re-read), builds the same environment, and starts the command with
// one fork and exec, which is several times faster than starting a Go
// program first (fastpath.go). A script is looked for at every
// connection, so adding one takes effect at once. A listener that is not
// root uses the launcher for any identity other than its own, and a
// listener started with a signal ignored or blocked uses it for every
// service.
//
// The NLPS server's requests are read by the listener itself, so a
// connection that has not named its service costs a descriptor, not a
// process; at most 256 such connections are held per NLPS address (or the
// entry's max= when larger), the oldest dropped when another comes
// (nlpsserver.go).
//
// Entries with rpc info are registered with rpcbind (version 3, over
// /run/rpcbind.sock or 127.0.0.1:111); without rpcbind this is logged and
// the address served anyway.
//
// On SIGTERM listen closes its sockets and exits; running services stay.
//
// # Service options
//
// An entry with flag o has an OPTIONS field (our extension; the syntax is
// in saf/pmtab/listenopts.go and listen(8)). An entry without it takes
// exactly the path it took before: dispatch tests one flag bit and nothing
// else, so plain entries pay no lock, allocation, syscall or log line for
// the feature (e2e BenchmarkListen). With options:
//
//   - internal=echo|discard|daytime|chargen|time: answered by the listener
//     itself, RFC 862/863/867/864/868 byte for byte, on TCP in a bounded
//     goroutine per connection (idle one minute, total the timeout or ten
//     minutes) and on UDP one reply datagram per request; datagrams from
//     port 0, ports below 1024, 2049 and the listener's own internal UDP
//     ports are never answered, so two services cannot be made to talk
//     to each other for ever (inetd's rule; internal.go).
//   - proto=udp binds a datagram socket; wait=yes (implied for a udp
//     service that is not internal) hands the socket itself, the
//     listening one for a stream service, to the service on fds 0-2 and
//     stops watching it until the reaper has collected the service
//     (wait.go). The service starts through launch/direct like any other.
//   - allow, deny, wrap (hosts.allow and hosts.deny through package
//     internal/hostsaccess), rate with doubling pauses, max, persource, in
//     that order; refused connections are reset at once, and each kind
//     of refusal is logged once per burst (options.go). timeout sends
//     SIGHUP to the service's process group, SIGKILL five seconds later.
//     Instances are counted from the start to the reaping of a process
//     (childGone, called by the one reaper) or the end of an internal
//     session.
//
// Options apply on the entry's own address; the NLPS server refuses an
// entry with options (as disabled), so its lists cannot be bypassed.
//
// # Socket activation
//
// When LISTEN_PID is listen's pid, the LISTEN_FDS sockets from fd 3 are
// matched to entries by bound address and type and used instead of
// binding; the others are logged and closed; services never see the
// variables or the descriptors (activation.go). Under sac, which starts
// port monitors with fds 0-2 only, this needs listen started by the
// service manager itself (listen(8) has a sample unit).
//
// # Environment
//
// listen reads PMTAG (missing: exit 1, silently), ISTATE ("enabled" or
// anything else for disabled) and SAF_ROOT (the sandbox prefix of every
// file below). Services inherit listen's environment, as the original's
// did: PMTAG, ISTATE, whatever the port monitor's _config script assigned,
// TZ and the rest, plus:
//
//	NLSADDR      the caller's address, upper-case hex: a 16-byte
//	             sockaddr_in (0002, port, address, 8 zero bytes) or a
//	             28-byte sockaddr_in6, every field big-endian; for a unix
//	             socket the caller's path (usually empty)
//	NLSOPT       empty
//	NLSUDATA     empty
//	NLSPROVIDER  net_spec
//	MPREFIX      minor_prefix
//	HOME         the identity's home directory
//	PATH         /usr/sbin:/usr/bin for root, /usr/bin: for anyone else
//
// and whatever the service's script assigns (PATH and HOME excepted).
// LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES (socket activation) are read
// and never passed on, nor is NOTIFY_SOCKET. A wait service's NLSADDR is
// empty.
//
// # Files
//
//	/etc/saf/<tag>/_pmtab    the service table (version 4)
//	/etc/saf/<tag>/<svctag>  per-service configuration scripts
//	/etc/saf/<tag>/_pid      locked while listen runs; its pid and a NUL
//	/etc/saf/<tag>/_pmpipe   messages from sac
//	/etc/saf/_sacpipe        replies to sac
//	/etc/hosts.allow         tcp_wrappers rules for entries with wrap=
//	/etc/hosts.deny          (under SAF_ROOT like the rest; read again
//	                         when they change; missing means empty)
//	/var/saf/<tag>/log       the log: "MM/DD/YY HH:MM:SS; PID; message",
//	                         launchers and services log with their own
//	                         pid (the direct path's failures: listen's)
//	/var/saf/<tag>/o.log     the previous log: the log is moved here at
//	                         start and after every 1000 messages
//
// # Exit status
//
//	1   PMTAG or ISTATE missing, log not writable, not root (outside a
//	    sandbox), usage, unknown or too long net_spec, _pid locked
//	3   _sacpipe, _pmpipe or _pid cannot be opened
//	15  SIGTERM
//	39  _pmtab has no version line, or an empty one
//	40  _pmtab's version is not 4
//	71  _pmtab cannot be opened or has a bad entry (at start-up)
//	91  reading sac's messages failed
//
// Every fatal exit logs "*** listener terminating!!! ***" last.
//
// # Messages
//
// Every log line, and every line on stderr, is in messages.go. Where the
// original listener logged a line, the text is the original's, byte for
// byte, its <value> brackets included ("no netconfig entry for <udp>",
// "Data base file: Duplicate service code: <lp>", "Missing or bad passwd
// entry for <nobody>"); a detail of ours follows it after ": " or goes
// on a line of its own. A _pmtab without its version line logs "Data
// base file has been corrupted" and "Database file has been corrupted"
// (exit 39); one of another version, "Database file is not at the
// current version" (exit 40), at start-up and on a re-read alike.
//
// # Decisions where the original is silent or changed
//
//   - A second listen for the same tag takes the _pid lock before it
//     touches the log, so the running listener's log is not moved aside.
//   - A bind failure logs the reason on a second line; transport errors
//     that were fatal (exit 102) skip the entry instead.
//   - A re-read that fails logs "Re-read failed, keeping old data base"
//     (the original said "Using new data base file").
//   - Pass-fd hand-offs run in their own goroutine with a 5-second bound,
//     so a slow standing server never holds up other connections; a FIFO
//     or any other non-socket fails at once ("Open failed").
//   - Services started on the direct path log their failures (unknown
//     user, home directory, exec) with the launcher's texts but the
//     listener's pid, and a flag u record is written just after the fork
//     rather than just before the exec.
//   - The launcher runs the listener-started service's script before the
//     identity switch, as the original does, so its run commands run as
//     listen's user.
//   - The NLPS server does not apply entry 0's own script and identity
//     (the original nlps_server ran as root); a request for the NLPS
//     server itself is answered and serves the next request.
//   - MS-NET (SMB) requests on the general address are treated as unknown
//     requests.
//   - Flag u writes a USER_PROCESS utmp and wtmp record whose line is
//     MPREFIX and the service's pid (a socket has no minor number), and
//     listen, which stays the service's parent (no double fork), marks it
//     DEAD_PROCESS when it reaps the service (utmp.go).
//   - listen reports only ENABLED and DISABLED to sac, never STARTING or
//     STOPPING.
//   - Both ways of starting a service pass the same environment on
//     (serviceBaseEnv, TestServiceSetupSame).
package listen
