// Package ttymon is the SAF terminal port monitor
// (docs/original.md#ttymon; what differs on Linux is in docs/linux.md).
//
// # Name
//
// ttymon - monitor terminal ports for the Service Access Controller, or
// serve one terminal in express mode
//
// # Synopsis
//
//	ttymon                      (started by sac)
//	ttymon -g [-h] [-d device] [-l ttylabel] [-t timeout] [-p prompt]
//	          [-m modules] [-T termtype]
//	getty [-h] [-t timeout] line [label]
//
// # Description
//
// In SAC mode (no arguments) ttymon watches every port of its _pmtab.
// sac starts it with the environment variables PMTAG (its tag) and ISTATE
// (enabled or disabled); ttymon removes both before anything else, so its
// services never see them. It logs to /var/saf/<pmtag>/log, locks
// /etc/saf/<pmtag>/_pid, answers sac on _pmpipe and _sacpipe (package
// saf/pmproto), reads /etc/saf/<pmtag>/_pmtab and /etc/ttydefs, and then
// opens every eligible port. All paths are below SAF_ROOT.
//
// One process watches all ports: each port has its own goroutine running an
// explicit state machine (port.go;
// docs/architecture.md#ttymon-port-states):
//
//	decide -> open -> wait -> child -> service -> decide ...
//	           |  \-> retry (LOCKED, SESSION, UNACCESS; 60 s) -> decide
//	           \-> idle (disabled without message, I flag, respawning
//	                     too rapidly) -> decide on the next change
//
// so a session, a modem waiting for carrier or a slow line never delays
// another port. Opening a port (open_device) opens it without blocking on
// carrier, checks the UUCP lock and foreign sessions (/proc is scanned,
// TIOCGSID cannot see them on Linux), hangs the line up unless the port has
// h, gives the device to root with group tty and mode 0620 (a b or c line
// keeps its own owner while idle, owner.go), sets the line discipline its
// module list maps to (docs/linux.md#line-disciplines), and sets the
// initial modes of its ttydefs label. Then, as in the original, either the
// parent writes "\r\n", /etc/issue and the prompt (or the disable message)
// and waits for a line, or it starts the per-port child at once (c and b
// ports, ports with a timeout) or waits for any input first (r, autobaud,
// and b on a line that needs no carrier).
//
// The per-port child is the ttymon binary re-executed in an internal child
// mode (docs/linux.md#controlling-terminal-and-the-per-port-child): its own
// pid, its own session with the line as controlling terminal, its log lines
// with its own pid, and SIGINT from a BREAK or the interrupt key. It reads
// the answer to the prompt: an empty line prints the prompt again; a line
// holding a NUL byte (a BREAK on Linux with BRKINT off), or SIGINT with an
// empty input queue, moves to the next ttydefs label (hunting); an autobaud
// label samples a RETURN at 2400 baud: the key that woke the parent is
// discarded when sampling starts, as in the original, and the next RETURN
// sets the speed (0x0D is 2400, 0xFF 9600 ...). A name starts the service.
//
// Starting the service (docs/original.md#starting-the-service; on Linux
// docs/linux.md#service-process-setup): the final modes of the label, a
// utmp LOGIN_PROCESS record when the service has the u flag, TTYPROMPT (not
// for c ports), HOME, the per-service script /etc/saf/<pmtag>/<svctag>
// (package saf/doconfig, push and pop acting on the line), the identity of
// the service (group, supplementary groups, user; kept when ttymon already
// runs as that user), the home directory, the device owned by the user,
// TERM (always: the -T value, else vt102, or linux on a virtual
// console), default signal dispositions, umask 022, descriptors 0, 1
// and 2 only, then exec. The typed name reaches the
// service as docs/linux.md#login-hand-off says: %u in the service command
// is the name; a program named login without %u runs as "login -- NAME"; a
// name starting with '-' is refused in both cases; any other service finds
// the typed line back in its input queue (TIOCSTI with echo off), as the
// original left it there.
//
// When the service ends, its utmp record becomes DEAD_PROCESS and goes to
// wtmp (u flag, or the port is gone), and the port is opened again, with
// a hang-up unless h. A port opened 15 times within 120 seconds (counted
// from the first of them, in whole seconds) is refused its 16th open and
// stays down with "service <tag> is respawning too rapidly" until a
// re-read of _pmtab finds its entry; the count starts again at the
// refusal.
//
// sac's messages: SC_STATUS is answered; SC_ENABLE and
// SC_DISABLE change the state, which reopens every port that has no
// service (children not yet in service exit; ports of a disabled ttymon
// show their disable message, or stay closed without one); SC_READDB
// reads _pmtab again: unchanged ports are left alone, changed ones are
// reopened with the new settings once they have no service, removed ones
// close (a running service keeps going and is cleaned up when it ends),
// new ones are added. SIGTERM ends ttymon ("caught SIGTERM", exit 1);
// children without a service exit with it, services keep running.
//
// Express mode (-g) serves one terminal in this process, for init or a
// systemd unit: the device given with -d, or the terminal on descriptor
// 0. The service is /usr/bin/login, run as root; there is no log file,
// no utmp record of its own (init's INIT_PROCESS record of this pid, if
// any, becomes LOGIN_PROCESS) and no per-service script. Diagnostics go
// to stderr unless nobody reads it there (internal/console), else to the
// console.
//
// # Options (express mode)
//
//	-g           required: express mode
//	-h           accepted, no effect (express mode never hangs up)
//	-d device    the terminal; default: the one on descriptor 0
//	-l ttylabel  the /etc/ttydefs entry; default 9600
//	-t timeout   seconds to wait for an answer, then exit 1; default none
//	-p prompt    the prompt; C escapes are decoded, then agetty's (issue.go); default "login: "
//	-m modules   module list, e.g. ldterm,ttcompat (docs/linux.md#line-disciplines)
//	-T termtype  TERM for the service; default agetty's: linux on a virtual console, else vt102
//
// Run as getty (argv[0] "getty"): getty [-h] [-t timeout] line [label]
// serves /dev/<line> with label (default 300); -c file says to use
// sttydefs -l instead.
//
// # Files
//
//	/etc/saf/<pmtag>/_pmtab       the port table
//	/etc/saf/<pmtag>/_pid         locked while ttymon runs
//	/etc/saf/<pmtag>/_pmpipe      messages from sac
//	/etc/saf/_sacpipe             replies to sac
//	/etc/saf/<pmtag>/<svctag>     per-service configuration script
//	/var/saf/<pmtag>/log          the log; o.log after rotation at 1 MB
//	/etc/ttydefs                  line settings and hunt sequences
//	/etc/issue                    printed before every prompt, agetty's escapes expanded
//	/var/run/utmp, /var/log/wtmp  login accounting
//	/var/lock/LCK..<dev>          UUCP lock files
//
// # Exit status
//
// 1 for every fatal error (the log says which) and after SIGTERM; a
// per-port child exits 0 when a wait-read or a lock ends it quietly and 1
// otherwise. Express mode exits 1 on a timeout.
//
// # Source map
//
//	main.go       Main: SAC mode, express mode, getty, the child; console
//	monitor.go    SAC mode: start-up, sac's messages, _pmtab re-read
//	port.go       the per-port state machine of the parent
//	spawn.go      starting a per-port child; the parent/child socket
//	child.go      the per-port child: openline, wait-read, UUCP lock
//	session.go    prompt, answer, hunting, autobaud (child and express)
//	service.go    invoke_service: utmp, script, identity, exec
//	issue.go      agetty's escapes in the issue file and prompt; default TERM
//	line.go       set_termio, autobaud raw mode, hang-up, session check
//	ptyline.go    pseudo-terminal lines: never another user's terminal
//	pmtab.go      _pmtab read with ttymon's rules and messages
//	defs.go       /etc/ttydefs, read again when its mtime changes
//	log.go        the log file and its rotation
//	lockwatch.go  inotify on the lock directory for LOCKED ports
//	express.go    express mode and the getty personality
//	argv.go       service argv, the login hand-off, the spawn limit
//	messages.go   every message, in the original's words where it had one
//
// # Decisions where the original is silent or changed
//
//   - Parent and child talk over a socket pair (spawn.go). The child asks
//     before it starts the service and waits for the parent's go-ahead, so
//     a child the parent has just decided to stop never becomes a
//     service. Children also get a parent-death signal, cleared before
//     the exec, for a ttymon that dies while they wait for carrier.
//   - Linux cannot peek at tty input: the child reads the answer (one
//     line in canonical mode) and classifies it as the original's peek
//     did. Bytes after a NUL on the same line are
//     consumed with it; the prompt that follows flushes input anyway.
//   - The name given to login or %u is the first blank-separated word of
//     the typed line. A refused name (starting with '-') is logged and the
//     prompt is shown again, as after a BREAK but without changing speed.
//   - A LOCKED port is checked again as soon as its lock file is removed
//     (an inotify watch on the lock directory), not only every 60 s.
//   - The lock file a bidirectional port's child made is removed when the
//     child or its service ends, when it still holds that pid; the
//     original left it to the next check's stale-lock removal.
//   - After the hang-up (B0) the line's previous modes are put back
//     before the initial flags are applied (termios.Hangup), so a label
//     without a speed word does not keep the line at B0.
//   - Solaris-only stty words are reported once per process ("stty
//     modes not supported on Linux, ignored: ...").
//   - Messages that name a file name the one read, SAF_ROOT included:
//     "open pmtab (<path>) failed", "check <path> version failed",
//     "unable to find <label> in "<path>"".
//   - A _pmtab that cannot be read or has the wrong version on a re-read
//     is logged and the ports go on as they were; the original stopped.
//   - Only HOME is exported from the identity;
//     LOGNAME and SHELL are login's business.
//   - The log is created 0444 as in the original when ttymon runs as
//     root, 0644 otherwise (a sandboxed ttymon must be able to reopen
//     it). Per-port children log to the same file with their own pid;
//     only the parent rotates it.
//   - Console messages go to stderr when it leads somewhere (a terminal,
//     a pipe, a socket, a file; not /dev/null), not only when it is a
//     terminal, and always in a sandbox (SAF_ROOT set), never to the
//     real console (internal/console).
//   - When _pmpipe cannot be read any more, ttymon stops (fatal "pmpipe
//     read failed") instead of looping.
//   - POLLERR on a port the parent holds is treated like POLLHUP (the
//     port is closed and opened again); the original made it fatal for
//     the whole port monitor, which one bad line should not be.
//   - The typed line is pushed back with ECHO and ISIG off, so that a
//     signal character typed literally (after ^V) does not signal ttymon's
//     child on its way back.
//   - A bidirectional port's child logs "cannot lock <dev>: <error>" when
//     the lock fails for another reason than a live holder (no lock
//     directory, say); the original exited silently.
//   - Console messages fall back to syslog (LOG_CRIT) when the console
//     cannot be opened, in SAC mode as in express mode.
//   - The device is given to the service's user before the identity
//     switch, while ttymon may still chown it.
//   - Express mode revokes access to the device (owner root, mode 0)
//     only when it runs as root: a sandboxed express ttymon running as a
//     user would lock itself out of the line.
//   - When the service ends, its utmp record is found by its pid, or
//     else as the live record of its session on its line (markDead in
//     port.go): Debian's login forks and its child rewrites the record
//     with its own pid (e2e TestTTYMonRealLoginSharedUtmp).
//   - A port on a pseudo-terminal never takes over another user's
//     terminal (ptyline.go, ttymon(8) "Pseudo-terminal lines"): ttymon
//     keeps hold of the pty it uses, gives the port up until the next
//     re-read when that pty has gone (its number is someone else's
//     next), takes a pty it has not used only from root or its own user,
//     and never one that another session has as controlling terminal.
//     Owner and mode are always set through the open descriptor.
//   - Express mode does not re-check utmp every 15 s for a USER_PROCESS
//     record of its own pid: the original did so
//     only to notice a login that never returns, which exec makes moot.
package ttymon
