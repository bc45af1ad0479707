package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
)

// Every program answers --help with its usage on stdout and exit 0.
func TestHelpEverywhere(t *testing.T) {
	for _, p := range []string{"sac", "ttymon", "listen", "sacadm", "pmadm", "ttyadm", "nlsadmin", "sttydefs"} {
		out, err := exec.Command(testexec.Bin(t, p), "--help").Output()
		if err != nil || !strings.HasPrefix(strings.ToLower(string(out)), "usage:") {
			t.Errorf("%s --help: %v, %q", p, err, out)
		}
	}
}
