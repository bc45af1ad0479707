// Package ttydefs reads and writes /etc/ttydefs, the line-settings database
// of ttymon, and turns its stty-style flag words into termios
// values. It is pure: it opens no file and makes no ioctl; the termios side
// only fills in a golang.org/x/sys/unix.Termios for the caller to set.
//
// # File format
//
// One entry per line (docs/architecture.md#line-settings-ttydefs):
//
//	ttylabel:initial-flags:final-flags:autobaud:nextlabel
//
// The file must carry a "# VERSION=1" stamp (see CheckVersion). Lines are
// read with the rules ttymon shares with _pmtab, implemented by Scanner: a comment starts at a '#' not immediately preceded by a backslash
// in the raw bytes; a line keeps at most MaxLine bytes; blank lines are
// skipped. Fields are read in "token" mode (label, autobaud, nextlabel:
// surrounding blanks skipped, no blanks inside) or "whole" mode (the two flag
// fields: everything up to the next unescaped ':'), and backslash escapes
// (\n \r \t \b \f \v \: \ooo, \ at end of line, \ + any other character)
// are decoded in both. Labels and nextlabels keep at most MaxLabel bytes;
// longer ones are truncated silently, as ttymon does.
//
// Parse returns the entries a ttymon would load (first of duplicate labels
// wins, at most MaxEntries) and the diagnostics it would log, with the exact
// texts of the original. Decoder gives the same one line at a time, which is
// what "sttydefs -l" needs. Format writes entries back in canonical form;
// for a file of canonical lines, Parse then Format gives the same bytes
// (comments and blank lines are not kept).
//
// Choices of ours where the original's behaviour is not written down:
//
//   - The original's line buffer holds 1024 bytes including the C string's
//     terminating NUL, so MaxLine is 1023 bytes of text before the comment.
//     A NUL byte in a line ends it, as it ends the C string.
//   - An empty ttylabel (including one that decodes to nothing, "\0") is a
//     parse failure in the "tty label" field: such an entry could never be
//     named by a port or a nextlabel. An empty nextlabel is accepted: a
//     BREAK then stays on the entry.
//   - The position shown in a parse failure ("<line><--error detected here")
//     is the line cut just after the byte where the error was found: the
//     unexpected byte in a token field, the ':' that ends a flag field whose
//     words are invalid, or the end of the line when a field is missing. In
//     the autobaud field, as in the original, it is the byte after the
//     token the field holds ("x:9600:9600:a:<--error detected here").
//   - The 100-entry cap is reported when one more entry line is read after
//     100 entries were loaded; a file of exactly 100 entries is silent.
//
// # Flag words
//
// Validate accepts the words of the Solaris stty parser, so files written
// for the original still validate, and the settings GNU stty 9.1 knows on
// Linux besides (iutf8, cmspar, extproc, tandem, crterase, prterase,
// ctlecho, crtkill, cbreak, pass8, litout, decctlq, crt, dec, -cooked,
// drain, line, and the speeds exta, extb and 500000 to 4000000;
// TestValidateAcceptsSttyA checks what "stty -a" lists). Apply gives them
// their GNU/Linux stty meaning (docs/linux.md#stty-words says why): in
// particular "sane", "raw" and "cooked" do not touch character size or
// parity, and control characters use Linux's c_cc slots. Words that name a
// setting Linux lacks (loblk, crtsxoff, defecho, stflush, stwrap, stappl,
// dsusp, status, the termiox words, the Solaris terminal presets tty33 ...
// and tab8, and the "-" forms of cs5..cs8) are accepted and reported in
// Report.Ignored so the caller can log them once. Words GNU stty does not
// spell but Linux can carry out are applied: lfkc (echok), reprint (rprnt),
// flush (discard), fill/-fill/nul-fill/del-fill (ofill, ofdel),
// parext/markp/spacep (CMSPAR) and pendin. The window size words (rows,
// columns, cols, xpixels, ypixels) and the line discipline (line: ttymon
// sets it from the port's module list) are accepted and reported as ignored
// too: they are not termios state ttymon sets. Control character values are
// read as the Solaris parser read them (min and time take a number only
// when the value starts with a digit, else its first byte, where GNU stty
// would fail); numbers are stored modulo 256, as in a cc_t.
//
// TestApplyMatchesGNUStty compares Apply with GNU stty on a pty for every
// word both know (control flags excepted: a pty fixes them).
//
// Speeds go to the CBAUD bits of Cflag (and CIBAUD for ispeed, where 0 means
// "same as output", as on Solaris). The Solaris speeds with no Linux Bxxx
// constant (76800, 153600, 307200) leave the speed alone and are reported in
// Report.Unsupported, for the caller's "speed ... may be not supported"
// warning.
//
// The encoded form a "stty -g" prints is accepted in two shapes:
//
//   - GNU stty on Linux: exactly 36 colon-separated hex numbers,
//     iflag:oflag:cflag:lflag followed by glibc's 32 c_cc slots, the flag
//     words in Linux bit values. The first len(Termios.Cc) slots are used.
//   - Solaris: 12 or more hex numbers (any count but 36), four flag words
//     in Solaris bit values followed by c_cc slots in Solaris index order.
//     Bits are translated to Linux ones (PAREXT to CMSPAR, Solaris FLUSHO,
//     the extended speed bits), bits Linux lacks are dropped, and c_cc
//     slots are moved to Linux indices; Solaris slots 4 and 5 are
//     VEOF/VEOL when the encoded lflag has ICANON, else VMIN/VTIME.
//
// In a ttydefs flag field the colons of an encoded word must be written
// "\:".
//
// Words renders a termios back as words, for listings and logs; for the
// settings it covers, applying those words to a zero Termios gives the
// original back.
//
// # Hunt sequences
//
// Table indexes loaded entries. Table.NextSpeed moves along the nextlabel
// chain the way ttymon does after a BREAK
// (docs/original.md#hunt-sequences), Table.Dangling lists the nextlabels
// that name no entry, and Table.Chain follows a chain to see whether it
// closes. DefaultEntry is the built-in entry ttymon uses when a port's
// label is not in the file.
package ttydefs
