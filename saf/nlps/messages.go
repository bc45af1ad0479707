package nlps

// The texts of the server's answers, which the server
// logs too: the original nlps_server's, byte for byte, <value> brackets
// included. The code uses these constants and nothing else;
// TestMessagesOriginal pins them to the original's words and
// TestMessagesGolden lists them in testdata/messages.golden (go test
// -run TestMessagesGolden -update rewrites it). "original" marks the
// original's text.
const (
	msgUnknown  = "NLPS: Request for service code <%s> denied, unknown service code" // original
	msgDisabled = "NLPS: Request for service code <%s> denied, service is disabled"  // original
	msgExec     = "NLPS (%s) exec: %s"                                               // original
	msgPassfd   = "NLPS (%s) passfd: %s"                                             // original
)
