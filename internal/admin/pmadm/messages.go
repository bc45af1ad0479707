package pmadm

// The messages pmadm prints, besides those it shares with sacadm (package
// adm): every user-visible text of the package. Each constant is marked
// "original" (the original pmadm's text, byte for byte, <value> brackets
// included) or "ours". A message of ours that adds to an original text is
// the original constant followed by a detail constant (adm.DetailErr and
// the like), which starts with ": " or " (" (messages_test.go checks
// both, and testdata/messages.golden lists them all).
const (
	// Usage is the original's usage text.
	Usage = "Usage:\tpmadm -a [ -p pmtag | -t type ] -s svctag -i id -m \"pmspecific\"\n" +
		"\t\t-v version [ -f xu ] [ -y comment ] [ -z script]\n" +
		"\tpmadm -r -p pmtag -s svctag\n" +
		"\tpmadm -e -p pmtag -s svctag\n" +
		"\tpmadm -d -p pmtag -s svctag\n" +
		"\tpmadm -l [ -p pmtag | -t type ] [ -s svctag ]\n" +
		"\tpmadm -L [ -p pmtag | -t type ] [ -s svctag ]\n" +
		"\tpmadm -g -p pmtag -s svctag [ -z script ]\n" +
		"\tpmadm -g -s svctag -t type -z script\n" // original

	// Options.
	msgSvcTagTruncated = "svctag too long, truncated to <%s>"                                                     // original
	msgSvcTagNotAlnum  = "service tag must be alphanumeric"                                                       // original
	msgIdentityChars   = "identity %q must not contain ':' or '#' (they would corrupt _pmtab)"                    // ours
	msgSpecificChars   = "port monitor specific data must not contain '#' (it would start the comment in _pmtab)" // ours
	detailQuoted       = ": %q"                                                                                   // ours

	// The tables.
	msgCouldNotOpenTab  = "Could not open %s"                    // original
	msgPMTabCorrupt     = "%s is corrupt"                        // original
	msgCouldNotReadTab  = "could not open %s"                    // original
	msgPMTabVersion     = "%s version number is incorrect"       // original
	detailPMTabVersion  = ": the file is version %d, -v gave %d" // ours
	fmtRefused          = "%v"                                   // ours: saf/pmtab's reason for an entry it cannot write
	msgTypeDoesNotExist = "Invalid request, %s does not exist"   // original

	// -a.
	msgSvcExists        = "Invalid request, %s already exists under %s"     // original
	msgSvcExistsIgnored = "warning - %s already exists under %s - ignoring" // original
	msgNoServicesAdded  = "No services added"                               // original

	// -r, -e, -d.
	msgSvcDoesNotExist = "Invalid request, %s does not exist under %s" // original
	msgCannotDisable   = "cannot disable %s under %s: %v (%s line %d)" // ours

	// Telling sac: two lines where the notice failed, as the original.
	msgPMNotRunning   = "warning - port monitor, %s is not running"            // original
	msgCouldNotNotify = "warning - could not notify <%s> about modified table" // original
	detailCause       = " (%v)"                                                // ours
	msgTryExecuting   = "try executing the command \"sacadm -x -p %s\""        // original

	// -l and -L.
	fmtListHeader    = "PMTAG          PMTYPE         SVCTAG         FLGS ID       <PMSPECIFIC>\n" // original
	fmtListLine      = "%-14s %-14s %-14s %-4s %-8s %s #%s\n"                                      // original
	fmtListCondensed = "%s:%s:%s:%s:%s:%s:%s:%s:%s#%s\n"                                           // original
	listNoFlags      = "-"                                                                         // original
	msgNoSuchService = "Service <%s> does not exist"                                               // original
	msgNoServices    = "No services defined"                                                       // original

	// -g.
	msgSvcMissingIgnored = "warning - %s does not exist under %s - ignoring" // original
	msgNoScripts         = "No configuration scripts installed"              // original
)
