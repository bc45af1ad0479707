package utmp

import (
	"testing"

	"github.com/linux-saf/saf/internal/testexec"
)

// The emulator helpers are testexec's (scripts/cross.sh sets its
// EmulatorEnv).
var (
	emulator    = testexec.Emulator
	selfCommand = testexec.SelfCommand
)

// skipHostTools skips a test that runs the host's tool on our files
// under emulation: the host's who and last read the host's layout and
// byte order, not the emulated architecture's.
func skipHostTools(t *testing.T, tool string) {
	t.Helper()
	if q := emulator(); q != nil {
		t.Skipf("emulated (%s): %s here is the host's and reads the host's record layout", q[0], tool)
	}
}
