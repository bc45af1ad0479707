// Package doconfig interprets the SAF configuration-script language: the
// one interpreter behind /etc/saf/_sysconfig (run by sac at start-up),
// /etc/saf/<pmtag>/_config (run before each start of a port monitor) and the
// per-service scripts /etc/saf/<pmtag>/<svctag> (run by ttymon and listen
// before a service starts). The language is the original's doconfig(3NSL)
// (docs/architecture.md#configuration-scripts).
//
// # The language
//
// A script is read line by line with the original's 1024-byte line buffer:
// a line together with its newline must fit in 1023 bytes, and a chunk
// without a newline fails the line. That catches over-long lines (1023 or
// more characters before the newline) and also a last line with no newline,
// whatever it holds. A NUL byte fails its line too (the original looked for
// the newline with strchr, which stops at the NUL). Everything from the first
// '#' on is a comment, even inside quotes. Leading and trailing white space
// (C isspace) is dropped and empty lines are skipped; they still count for
// the line numbers that errors report. The first word is the keyword,
// compared case-sensitively:
//
//	assign NAME=value      set an environment variable; "NAME = value" and
//	                       "NAME= value" are accepted; value is one word, or
//	                       quoted with ' or " (backslash + that quote gives
//	                       the quote, other backslashes are literal); nothing
//	                       may follow; no substitution ($HOME is literal)
//	push mod[,mod...]      push STREAMS modules, names separated by commas
//	                       and/or white space; an empty name fails; a failing
//	                       push undoes what the line pushed
//	pop [mod|ALL]          pop the top module, down to mod, or all
//	run cmd, runwait cmd   built-ins "cd [dir]" (no dir: $HOME), "ulimit N"
//	                       (512-byte blocks), "umask N" (octal; parsing stops
//	                       at the first non-octal digit, so "umask 9" sets
//	                       0); anything else is /bin/sh -c cmd; runwait waits
//	                       and fails on a non-zero exit status or a signal
//
// Where the original is silent: a push list may neither begin nor end with a
// comma (that is an empty name); "assign =v" fails (DEVIATION: the original
// put "=v", which no one can look up, into its environment; os.Setenv
// refuses it); run fails when the shell cannot be started at all (Go cannot
// tell a failed fork from a failed exec of /bin/sh).
//
// Interpretation stops at the first failing line. The result follows the
// original's doconfig(fd, path, rflag): 0 for success or a missing script,
// -1 for a system error (the script exists but cannot be opened or read) and
// the 1-based line number of the failing line otherwise. Errors are typed:
// *LineError for a failing line and *SystemError for a system error. The
// rflag bits NoAssign and NoRun make assign, respectively run and runwait
// (built-ins included), fail.
//
// Parse turns a script into statements without effects. Exec and Run carry
// them out over an Env, so the caller chooses where the effects land:
//
//   - Process applies them to the calling process, as the original did. sac
//     uses it for _sysconfig (effects persist into sac and every port monitor
//     it starts) and, in the process that becomes a port monitor, for
//     _config. A port monitor can use it the same way in a launcher process
//     that then becomes the service (see "Applying a script to a service").
//   - Recorder records the effects (environment, directory, umask, ulimit,
//     commands) without touching the process, and can hand push/pop to a
//     Process on the service's line and run commands through RunShell.
//
// # Linux decisions
//
// Linux has no STREAMS (docs/linux.md#line-disciplines). With no stream
// (fd -1, sac's scripts) every push and pop fails, as in the original. On a
// tty, module names map onto the tty's one line discipline through
// saf/pmtab: ldterm is N_TTY; ttcompat, ptem and pckt are accepted without
// effect; ppp and spppasyn are N_PPP, slip N_SLIP, hdlc N_HDLC; other names
// fail. Process.Push documents how the one-discipline "stack" answers push
// and pop. On a socket (listen), timod, tirdwr and sockmod are accepted
// without effect and every other name fails.
//
// run and runwait start "/bin/sh -c cmd" (the original's /usr/bin/sh; the
// same program on Linux) with the interpreter's environment plus the entry
// IFS=" " (quote, space, quote: literally what the original puts there),
// with stdin, stdout and stderr on /dev/null and no other descriptor open.
// Descriptors Go opens are close-on-exec already; RunShell also marks those
// the process inherited (close_range CLOSE_RANGE_CLOEXEC from 3 up) so the
// shell gets exactly 0, 1 and 2. "ulimit N" sets RLIMIT_FSIZE, soft and
// hard, to N*512 bytes (unlimited when that overflows), as glibc's
// ulimit(UL_SETFSIZE) does.
//
// # Children and reaping
//
// runwait waits for its own child only (the original also collected and
// discarded other children's statuses while waiting). A process that runs a
// central wait4(-1) reaper must not let it run while a script's runwait is
// in progress: the reaper could take the status and make runwait fail. sac
// interprets _sysconfig before it installs its SIGCHLD reaper, as the
// original did, and _config in the process that becomes the port monitor,
// which has no reaper yet.
//
// run does not wait. Who reaps its child is the caller's choice: with
// Process.Reap (or RunShell's reap argument) a goroutine waits for it and
// discards the status; without, the child is left to the caller's reaper
// (sac's wait4(-1) loop, or the port monitor a launcher process becomes,
// exactly as in the original, where run children outlive the exec).
//
// # Applying a script to a service
//
// In the original the per-service script runs in the forked child that then
// execs the service, so every effect reaches the service. A Go port monitor
// has two ways to get the same result:
//
//  1. A launcher: the port monitor starts itself (or a small helper) in the
//     service's place; the launcher calls Run with NewProcess(0, TTY) or
//     NewProcess(0, Socket) on the line or connection it got as fd 0,
//     switches identity and execs the service. Every effect, umask and
//     ulimit included, lands as in the original.
//  2. A Recorder in the port monitor's own process: set Environ to the
//     service's environment (HOME included, for a bare cd), Streams to
//     NewProcess(fd, TTY) for the line, Runner to a func calling RunShell;
//     run the script; then Recorder.Apply(cmd) puts the environment and the
//     directory on the exec.Cmd. An exec.Cmd cannot carry a umask or a file
//     size limit: Recorder.UmaskSet and UlimitSet tell the caller that the
//     script asked for one, to apply through a launcher (1) or to refuse.
//     Commands run by the Recorder see its environment and directory but the
//     port monitor's own umask and limits.
package doconfig
