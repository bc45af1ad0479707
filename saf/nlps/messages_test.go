package nlps

import (
	"fmt"
	"testing"

	"github.com/linux-saf/saf/internal/msgtest"
)

// TestMessagesOriginal pins every text of messages.go marked "original"
// to the original nlps_server's words, written out here as it sent and
// logged them, with example values in place of its %s;
// then as a client reads them off the wire, the NUL included.
func TestMessagesOriginal(t *testing.T) {
	msgtest.CheckOriginal(t, msgtest.Catalogue(t, "messages.go"), []msgtest.Pin{
		{"msgUnknown", fmt.Sprintf(msgUnknown, "nosuch"), "NLPS: Request for service code <nosuch> denied, unknown service code"},
		{"msgDisabled", fmt.Sprintf(msgDisabled, "lp"), "NLPS: Request for service code <lp> denied, service is disabled"},
		{"msgExec", fmt.Sprintf(msgExec, "lp", "/bin/cat"), "NLPS (lp) exec: /bin/cat"},
		{"msgPassfd", fmt.Sprintf(msgPassfd, "lp", "/var/spool/lp/fifos/listenS5"), "NLPS (lp) passfd: /var/spool/lp/fifos/listenS5"},
		{"msgUnknown", wire(t, CodeUnknown, UnknownText("nosuch")), "2:3:NLPS: Request for service code <nosuch> denied, unknown service code\x00"},
		{"msgDisabled", wire(t, CodeDisabled, DisabledText("lp")), "2:4:NLPS: Request for service code <lp> denied, service is disabled\x00"},
		{"msgExec", wire(t, CodeStart, ExecText("lp", "/bin/cat")), "2:0:NLPS (lp) exec: /bin/cat\x00"},
		{"msgPassfd", wire(t, CodeStart, PassfdText("lp", "/run/lp")), "2:0:NLPS (lp) passfd: /run/lp\x00"},
	})
}

// wire is the answer a version 2 client reads.
func wire(t *testing.T, code int, text string) string {
	t.Helper()
	b, err := Answer{Version: Version2, Code: code, Text: text}.AppendMarshal(nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMessagesGolden lists every text of messages.go in
// testdata/messages.golden, so that a change to any shows in review.
func TestMessagesGolden(t *testing.T) {
	msgtest.Golden(t, msgtest.Catalogue(t, "messages.go"))
}
