package sttydefs

// The messages sttydefs prints, listing included: every user-visible
// text of the package. Each constant is marked "original" (the original
// sttydefs's text, byte for byte, <value> brackets included, or the text
// of the ttymon code it shared for reading the table) or "ours". A message
// of ours that adds to an original text is the original constant followed
// by a detail constant, which starts with ": " or " (" (messages_test.go
// checks both, and testdata/messages.golden lists them all). The getopt
// errors are package adm's.
const (
	// usageText is the original's usage text.
	usageText = "Usage:\tsttydefs -a ttylabel [-n nextlabel] [-i initial-flags]\n" +
		"\t\t [-f final-flags] [-b]\n" +
		"\tsttydefs -r ttylabel\n" +
		"\tsttydefs -l [ttylabel]\n" // original

	// -a and -r.
	msgNotPriv          = "User not privileged for operation."                // original
	msgBadVersion       = "%s version number is incorrect or missing."        // original
	msgLabelExists      = "Invalid request -- ttylabel <%s> already exists."  // original
	msgLabelNotExist    = "Invalid request, ttylabel <%s> does not exist."    // original
	msgCouldNotOpen     = "Could not open \"%s\": %s"                         // original
	msgCannotCreateTemp = "Cannot create tempfile: %s"                        // original: perror's
	msgAccessingTemp    = "Error accessing temp file."                        // original
	msgClosingTemp      = "Error closing temp file."                          // original
	msgRenameFailed     = "Rename failed: %s"                                 // original: perror's
	detailPath          = ": %s"                                              // ours
	msgNewEntryBroken   = "internal error: the new entry would not parse: %v" // ours

	// What would corrupt the table (a hardening: the original wrote it).
	msgEmptyLabel     = "invalid %s %q: it must not be empty"                                   // ours
	msgLabelChars     = "invalid %s %q: it must not contain ':', '#', '\\', blanks or newlines" // ours
	msgFlagsNewline   = "invalid %s %q: newlines are not allowed"                               // ours
	msgFlagsSeparator = "invalid %s %q: write ':' as \\: and '#' as \\#"                        // ours
	msgFlagsBackslash = "invalid %s %q: it ends in a lone '\\'"                                 // ours
	msgCharRange      = "invalid %s %q: %s takes a number from 0 to %d"                         // ours
	whatTTYLabel      = "ttylabel"                                                              // ours
	whatNextLabel     = "nextlabel"                                                             // ours
	whatInitial       = "initial flags"                                                         // ours
	whatFinal         = "final flags"                                                           // ours

	// -l, and the diagnostics of ttymon's table reader it shared.
	msgInvalidArgument = "Invalid argument -- %s."                                                              // original
	msgCannotOpenTable = "can't open %s."                                                                       // original
	msgLabelNotFound   = "ttylabel <%s> not found."                                                             // original
	msgCannotWrite     = "write standard output: %v"                                                            // ours
	msgEntryTooLong    = "Entry too long."                                                                      // original
	fmtRecordHeader    = "\n%s\n%s\n%s\n\n"                                                                     // original
	recordDash         = "-"                                                                                    // original
	fmtEntry           = "ttylabel:\t%s\ninitial flags:\t%s\nfinal flags:\t%s\nautobaud:\t%s\nnextlabel:\t%s\n" // original
	autobaudYes        = "yes"                                                                                  // original
	autobaudNo         = "no"                                                                                   // original
	msgInvalidMode     = "invalid mode: %s"                                                                     // original
	msgParseFailure    = "Parsing failure in the \"%s\" field\n%s<--error detected here\n"                      // original
	fieldTTYLabel      = "tty label"                                                                            // original
	fieldInitial       = "Initial flags"                                                                        // original
	fieldFinal         = "Final flags"                                                                          // original
	fieldAutobaud      = "Autobaud"                                                                             // original
	fieldNext          = "Next label"                                                                           // original
	msgDuplicate       = "Warning -- duplicate entry <%s>, ignored"                                             // original
	msgTableFull       = "can't add more entries to ttydefs table,  Maximum entries = %d"                       // original
	fmtLine            = "%s\n"                                                                                 // original: log() ends every message with a newline
	listEnd            = "\n"                                                                                   // original
	msgDangling        = "Warning -- nextlabel <%s> of <%s> does not reference any existing ttylabel."          // original
	fmtDanglingOne     = "\n" + msgDangling + "\n"                                                              // original
)
