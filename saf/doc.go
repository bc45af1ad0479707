// Package saf is the contract of the Service Access Facility: the files the
// framework owns, their formats, the locks that guard them and the messages
// its processes exchange. Every program (sac, ttymon, listen and the admin
// commands) builds on the packages below this one:
//
//	paths     where every framework file lives under SAF_ROOT (linux.md D1)
//	exitcode  the admin commands' exit statuses (sac.md 11.1) and ExitError
//	admfile   version stamps and the common line reader (sac.md 3, 4)
//	lockfile  the admin lock and atomic rewrites (linux.md D8)
//	sactab    /etc/saf/_sactab (sac.md 5)
//	pmtab     /etc/saf/<tag>/_pmtab, generic part (sac.md 6) and the typed
//	          ttymon (ttymon.md 3) and listen (listen.md 2) tails
//	sacmsg    the sac <-> port monitor and admin channel messages (sac.md 9, 10)
//	pmstatus  a port monitor's status socket, for sacadm --status (ours)
//	pmproto   the port-monitor side of the sac protocol, for ttymon, listen
//	          and any Go port monitor (sac.md 9.5)
//	doconfig  the configuration-script language of _sysconfig, _config and
//	          per-service scripts (sac.md 7)
//	saflog    the SAF log files and syslog
//	nlsaddr   listen's address strings (listen.md 3)
//	nlps      the NLPS service-code protocol and its client (listen.md 6)
//	passfd    handing a connection to a standing server (linux.md D17)
//	sdnotify  readiness notification to systemd
//
// Who writes what: sacadm writes _sactab and creates the per-port-monitor
// directories; pmadm writes _pmtab and per-service scripts; sac writes
// /var/saf/_log and the _sacpipe; each port monitor writes its _pid and its
// own log. Readers never lock: writers replace files by rename, so a reader
// always sees a whole old or a whole new file.
package saf
