package ttydefs

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// qemuEnv is set by scripts/cross.sh when it runs the tests of another
// architecture under qemu user emulation: the emulator's command, such as
// "qemu-mips".
const qemuEnv = "SAF_QEMU"

// qemuMIPSFlusho returns the local flags qemu-user mistranslates for a
// MIPS target under emulation, or 0. qemu (seen in 7.2) maps the host's
// FLUSHO to the target's 0x1000, but FLUSHO is 0x2000 on MIPS (0x1000 is
// no flag there): a host stty's flusho reaches the test as 0x1000, and
// the test's FLUSHO never reaches the kernel.
func qemuMIPSFlusho(t *testing.T) uint32 {
	t.Helper()
	if os.Getenv(qemuEnv) == "" || !strings.HasPrefix(runtime.GOARCH, "mips") {
		return 0
	}
	t.Logf("emulated MIPS (%s): FLUSHO and 0x1000 not compared, qemu-user swaps them", os.Getenv(qemuEnv))
	return unix.FLUSHO | 0x1000
}
