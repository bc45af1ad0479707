// Package nlps is the NLPS protocol ("Network Listener Process Service";
// docs/original.md#the-nlps-protocol): the one-line request a client sends
// on the listener's general address to name the service it wants, the
// server's answer, and the environment the listener gives the services it
// starts. It is the listener's analogue of TCPMUX (RFC 1078).
//
// # Request (client -> server)
//
// ASCII, ended by one NUL byte, at most MaxRequest (1024) bytes in all:
//
//	+------+---+-----+---+------+---+--------------+----+
//	| NLPS | : | LLL | : | HHH  | : | service code | \0 |
//	+------+---+-----+---+------+---+--------------+----+
//	   4     1   1-3   1   1-3    1     1 or more     1
//
//	NLPS          the identifier, upper case, exact
//	LLL, HHH      the low and high protocol versions, decimal; senders
//	              write three digits ("002"); a receiver reads like C's
//	              sscanf %3d: leading white space, an optional sign, at
//	              most three characters in all
//	service code  the next run of characters that are not white space,
//	              after optional white space; the rest up to the NUL is
//	              ignored; a service code of the listener's _pmtab holds
//	              1 to MaxServiceCode (13) characters
//
// The bytes after the NUL belong to the service that the request starts: a
// server reads the request one byte at a time and never past the NUL
// (ReadRequest), so that what the client sends next is still unread when
// the service starts.
//
// # Versioning
//
// The low version is the protocol version; the high version is carried but
// never checked. Two exist:
//
//	0  NLPS:000:001:<code>\0   no answer: the service starts, or the
//	                           connection closes
//	2  NLPS:002:002:<code>\0   one answer before the service starts
//
// Any other low version is refused without an answer (ErrBadVersion); a
// new protocol must use a new low version number, and a server must keep
// refusing the versions it does not know.
//
// # Answer (server -> client, version 2 only)
//
// ASCII, ended by one NUL byte, at most MaxAnswer (256) bytes in all
// (nlsrequest reads no more):
//
//	<version>:<code>:<text>\0
//
//	version  the request's low version, decimal ("2")
//	code     CodeStart 0: the service is being started (its text is
//	         "NLPS (CODE) exec: PROGRAM" or "NLPS (CODE) passfd: PATH");
//	         CodeFormat 2 (defined, never sent); CodeUnknown 3: no such
//	         service ("NLPS: Request for service code <CODE> denied,
//	         unknown service code", the brackets part of the text);
//	         CodeDisabled 4: the service is disabled ("NLPS: Request for
//	         service code <CODE> denied, service is disabled")
//	text     free text, no NUL; it may hold ':'; the server's texts are
//	         the original nlps_server's (messages.go)
//
// A success answer is sent before the service is actually started: a
// later failure (bad identity, exec failure) shows only as the connection
// closing.
//
// # Limits and bad requests
//
// A server gives the whole request RequestTimeout (45 seconds); then it
// closes the connection. A request longer than MaxRequest, one that does
// not start with "NLPS:", or one that ends before its NUL is dropped
// without an answer. One that starts correctly but does not scan (no
// versions, no service code: ErrBadFormat) or names an unknown version
// (ErrBadVersion) is also answered with nothing, but the server waits
// BadRequestDelay (10 seconds) before it closes the connection, which
// slows down clients probing the port.
//
// # The environment of a service
//
// A service the listener starts finds the caller's address and the
// transport in its environment: EnvAddr (NLSADDR) holds the caller's
// address in upper-case hexadecimal without separators or prefix, as a
// sockaddr with every field big-endian (for TCP/IPv4 16 bytes: family 0002,
// port, address, 8 zero bytes; for IPv6 28 bytes: family 000A, port,
// flowinfo 0, address, scope id; for a unix socket the caller's path,
// usually empty); EnvOpt (NLSOPT) and EnvUData (NLSUDATA) are always empty
// on Linux; EnvProvider (NLSPROVIDER) is the listener's net_spec;
// EnvMPrefix (MPREFIX) its minor prefix. GetCall decodes them, like the
// original's nlsgetcall.
package nlps
