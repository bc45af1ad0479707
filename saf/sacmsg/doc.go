// Package sacmsg is the wire protocol of the Service Access Facility: the
// messages sac and its port monitors exchange over FIFOs, the requests
// and replies of the administrative channel between sacadm/pmadm and sac,
// the numeric port-monitor states they carry and the AC_STATUS listing.
//
// # Versioning
//
// Every record is the x86-64 (LP64) C layout of the original sac.h:
// natural alignment, little-endian integers, padding written as zero and
// ignored when read. The layouts are fixed forever (sac.h calls its header
// "forever fixed"), so a C port monitor built on Linux/amd64 interoperates
// with the Go sac. There is no version field: the version of the protocol
// is these four sizes (8, 24, 20 and 16 bytes). A future incompatible
// protocol must use different record sizes or a different channel, never
// new meanings for these bytes.
//
// Parsers read the fixed-size record from the front of their input and
// ignore anything after it: that is the optional data, which the caller
// reads (or skips) using the record's size field.
//
// # SAC -> port monitor: sacmsg (8 bytes), on /etc/saf/<tag>/_pmpipe
//
//	offset size field
//	0      4    sc_size   int32, bytes of optional data that follow (always 0)
//	4      1    sc_type   SCStatus 1, SCEnable 2, SCDisable 3, SCReadDB 4
//	5      3    padding
//
// # Port monitor -> SAC: pmmsg (24 bytes), on /etc/saf/_sacpipe
//
//	offset size field
//	0      1    pm_type     PMStatus 1, PMUnknown 2 (request not understood)
//	1      1    pm_state    PMStarting 1, PMEnabled 2, PMDisabled 3, PMStopping 4
//	2      1    pm_maxclass highest message class understood (always 1)
//	3      15   pm_tag      port monitor tag, at most 14 bytes, NUL-terminated
//	18     2    padding
//	20     4    pm_size     int32, bytes of optional data that follow (always 0)
//
// Only class 1 messages exist: both sides send size 0, and a receiver skips
// size bytes of data when it is not. Each pmmsg is written with one
// write(2), which is atomic on a FIFO because 24 bytes is less than
// PIPE_BUF.
//
// # Admin request: admcmd (20 bytes), sacadm/pmadm -> sac
//
//	offset size field
//	0      1    ac_mtype  ACStart 1 .. ACPMRead 7; ACKillForce 8 (ours)
//	1      15   ac_tag    port monitor tag, at most 14 bytes, NUL-terminated
//	                      (empty for ACStatus and ACSacRead)
//	16     4    ac_pid    int32, the sender's pid; the reply echoes it
//
// # Admin reply: admack (16 bytes), sac -> sacadm/pmadm
//
//	offset size field
//	0      1    ak_resp   AKAck 0 .. AKReqFail 8
//	1      3    padding
//	4      4    ak_pid    int32, ac_pid of the request answered
//	8      8    ak_size   int64 (C long), bytes of data that follow
//
// Request types 1 to 7 are the original's and keep their numbers. Types
// from 8 on are extensions of this implementation (the channel is ours
// anyway): ACKillForce (8) is sacadm -k --force, which stops the port
// monitor like ACKill and also ends the sessions it started. A sac that
// predates an extension answers it with AKUnknown, so a newer sacadm fails
// cleanly against an older sac.
//
// Data follows an admack only when ak_resp is AKAck and ak_size > 0, and
// only ACStatus produces any: the status listing, one line per port
// monitor in tag order,
//
//	tag:type:FLAGS:RSMAX:PSTATE:command:comment\n
//
// with FLAGS the decimal bitmask of FlagDisabled (1, "d") and FlagNoStart
// (2, "x"), RSMAX the restart count, PSTATE the numeric State. The comment
// is the last field and may contain ':'; no other field can.
//
// All size fields are checked when parsed: negative sizes and sizes above
// MaxDataSize (1 MiB) are rejected with ErrBadSize, so a corrupt or hostile
// peer cannot make a reader allocate or wait for gigabytes. A status
// listing is about 100 bytes a port monitor, so the cap allows ten thousand
// of them.
//
// # Transport of the admin channel
//
// The original fattach(3C)ed a STREAMS pipe on /etc/saf/_cmdpipe; Linux has
// none, so sac listens on an AF_UNIX stream socket at that path, mode 0600,
// and every request is one connection carrying one admcmd one way and one
// admack (plus data) back. Call is the client side, Serve and Listen the
// server side; Serve accepts requests only from peers whose SO_PEERCRED uid
// is 0 or sac's own. A client sends exactly the 20 request bytes: the
// server reads no more, and Linux resets a connection closed with unread
// data, which can discard the reply before the client reads it.
package sacmsg
