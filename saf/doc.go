// Package saf is the contract of the Service Access Facility: the files the
// framework owns, their formats, the locks that guard them and the messages
// its processes exchange. The packages below this one are what a port
// monitor or an administration tool written by someone else needs, and
// the only public API; everything else (the programs and their plumbing)
// lives under internal/ and may change at any time.
//
//	paths     where every framework file lives, under SAF_ROOT
//	exitcode  the admin commands' exit statuses and ExitError
//	admfile   the conventions every table shares: version stamps, the line
//	          reader and line edits, flag letters
//	lockfile  the admin lock, atomic rewrites and the liveness record locks
//	sactab    /etc/saf/_sactab
//	pmtab     /etc/saf/<tag>/_pmtab: the generic part and the typed ttymon
//	          and listen tails
//	sacmsg    the sac <-> port monitor and admin channel messages
//	pmproto   the port-monitor side of the sac protocol, for ttymon, listen
//	          and any Go port monitor; pmproto/pmprototest fakes sac in tests
//	pmstatus  a port monitor's status socket, which sacadm --status reads
//	doconfig  the configuration-script language of _sysconfig, _config and
//	          per-service scripts
//	saflog    the SAF log files' format, rotation and syslog
//	nlsaddr   listen's address strings
//	nlps      the NLPS service-code protocol and its client
//	passfd    handing a connection to a standing server
//
// Who writes what: sacadm writes _sactab and creates the per-port-monitor
// directories; pmadm writes _pmtab and per-service scripts; sac writes
// /var/saf/_log and the _sacpipe; each port monitor writes its _pid and its
// own log. Readers never lock: writers replace files by rename, so a reader
// always sees a whole old or a whole new file.
package saf
