// Command testpm is a port monitor for sac's tests, built on saf/pmproto.
// It monitors no ports: it answers sac's messages, logs everything it sees
// and does, and misbehaves on request. It is not installed (it lives
// outside cmd/); tests get it from testexec.TestPM.
//
// # Synopsis
//
//	testpm [options] [args...]
//
// sac starts it with PMTAG, ISTATE and SAF_ROOT in its environment. Extra
// arguments are logged and otherwise ignored.
//
// # Options
//
// Every option can also be set by an environment variable, so a test can
// give it either on the _sactab command line or through the port
// monitor's _config script (assign TESTPM_EXIT_AFTER=2s). The command line
// wins. Durations are Go durations (100ms, 2s); 0 means never.
//
//	--exit-after D        TESTPM_EXIT_AFTER      exit after D with --exit-code
//	--exit-code N         TESTPM_EXIT_CODE       status for --exit-after (default 0)
//	--crash-after D       TESTPM_CRASH_AFTER     crash after D, as --crash says
//	--crash panic|kill    TESTPM_CRASH           panic: a Go panic, exit status 2
//	                                             (default); kill: SIGKILL itself,
//	                                             so sac sees a death by signal
//	--hang-after D        TESTPM_HANG_AFTER      stop answering after D (messages
//	                                             are still read and logged)
//	--hang-after-msgs N   TESTPM_HANG_AFTER_MSGS answer the first N messages only
//	--state N             TESTPM_STATE           put pm_state N in every reply (a
//	                                             wrong or invalid state: 0, 5, 9...)
//	--unknown             TESTPM_UNKNOWN         reply PM_UNKNOWN to everything
//	--reply-delay D       TESTPM_REPLY_DELAY     wait D before each reply
//	--ignore-term         TESTPM_IGNORE_TERM     log SIGTERM and go on
//	--stop-wait D         TESTPM_STOP_WAIT       on SIGTERM, wait up to D for a
//	                                             poll and answer it STOPPING
//	                                             before exiting (default 0: exit
//	                                             at once)
//	--term-exit N         TESTPM_TERM_EXIT       exit status after SIGTERM (default 0)
//	--garbage N           TESTPM_GARBAGE         at start, write N garbage records to
//	                                             _sacpipe, each in one atomic write;
//	                                             the last announces data it never
//	                                             sends
//	--fork N              TESTPM_FORK            at start, start N children (sleep)
//	                                             that outlive testpm, never waited for
//	--child-life D        TESTPM_CHILD_LIFE      how long --fork children live
//	                                             (default 5s)
//
// Boolean variables take strconv.ParseBool values (1, true, 0, false).
// A bad value is logged as "usage: <error>" and testpm exits 1.
//
// By default testpm behaves: it starts in the state ISTATE names, obeys
// SC_ENABLE and SC_DISABLE, answers every message once, and on SIGTERM
// logs "caught SIGTERM", sets its state to STOPPING and exits 0.
//
// # Log
//
// Everything goes to /var/saf/<PMTAG>/log under SAF_ROOT, in the SAF
// format ("<ctime>; <pid>; <message>"), so tests can assert on it. Lines:
//
//	testpm starting pid <pid>
//	fds at start: 0=/dev/null 1=/dev/null 2=/dev/null   (the descriptors
//	                                     testpm inherited, those without
//	                                     close-on-exec, and what they are)
//	cwd: <dir>
//	args: [<arg> ...]
//	PMTAG: <tag>
//	ISTATE: <value>
//	Starting state: ENABLED|DISABLED
//	received SC_STATUS|SC_ENABLE|SC_DISABLE|SC_READDB|type <n> (size <s>)
//	Got SC_ENABLE message ...            (pmproto's own lines)
//	replied PM_STATUS|PM_UNKNOWN|type <n> state <STATE or State(n)>
//	not answering <message>              (hanging)
//	hanging after <D> | hanging after <N> messages
//	exiting with status <N> after <D>
//	crashing (panic|kill) after <D>
//	caught SIGTERM
//	ignoring SIGTERM
//	state STOPPING
//	forked <N> children for <D>: [<pid> ...]
//	wrote <N> garbage records to _sacpipe
//	exiting with status <N>
//
// and, on failures, the error: for example "pid file is locked. testpm may
// already be running!" (exit 1).
//
// # Descriptors
//
// sac starts port monitors with no open descriptors at all, 0-2 included
// (docs/original.md#starting-a-port-monitor). The Go runtime opens
// /dev/null on a closed 0, 1 or 2 before main runs (runtime checkfds, Go
// 1.22 and later), and testpm calls pmproto.EnsureStdio as well, so nothing
// it opens later lands on a standard descriptor.
package main

import (
	"os"
)

func main() { os.Exit(Main(os.Args[1:], os.Stderr)) }
